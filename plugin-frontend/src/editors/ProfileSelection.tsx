// What a profile, top or function query reads: the profile type and the label selector, side by side.
// A profile type chosen runs the query; the selector runs on Shift+Enter and updates the query on blur.
import { css } from '@emotion/css';

import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

import { LabelSelectorInput } from '../components/LabelSelectorInput';
import { ProfileTypeCascader } from '../components/ProfileTypeCascader';
import { toResourceRange } from '../datasource';
import { ModeEditorProps, runOnChange } from './types';

export interface ProfileSelectionProps extends ModeEditorProps {
  /** The selector's test id; `label-selector` when absent. */
  selectorTestId?: string;
}

export function ProfileSelection({ datasource, query, onChange, onRunQuery, range, selectorTestId }: ProfileSelectionProps) {
  const styles = useStyles2(getStyles);
  const resourceRange = toResourceRange(range);
  const changeAndRun = runOnChange(onChange, onRunQuery);
  return (
    <div className={styles.row}>
      <ProfileTypeCascader
        datasource={datasource}
        value={query.profileTypeId}
        range={resourceRange}
        onChange={(profileTypeId) => changeAndRun({ ...query, profileTypeId })}
      />
      <LabelSelectorInput
        data-testid={selectorTestId}
        datasource={datasource}
        value={query.labelSelector ?? ''}
        profileTypeId={query.profileTypeId}
        range={resourceRange}
        onChange={(labelSelector) => onChange({ ...query, labelSelector })}
        onRunQuery={onRunQuery}
      />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({ display: 'flex', alignItems: 'flex-start', gap: theme.spacing(1), flexWrap: 'wrap' }),
});
