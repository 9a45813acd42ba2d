// The Top tab: the functions of a selection ranked by self, never truncated by a node limit (the
// backend's `top` table), with the number of rows to keep.
import { css } from '@emotion/css';

import { GrafanaTheme2 } from '@grafana/data';
import { InlineFieldRow, useStyles2 } from '@grafana/ui';

import { LabelSelectorInput } from '../components/LabelSelectorInput';
import { ProfileTypeCascader } from '../components/ProfileTypeCascader';
import { toResourceRange } from '../datasource';
import { CountField } from '../components/CountField';
import { ProfilesQuery } from '../types';
import { ModeEditorProps } from './types';

export function TopEditor({ datasource, query, onChange, onRunQuery, range }: ModeEditorProps) {
  const styles = useStyles2(getStyles);
  const resourceRange = toResourceRange(range);
  const changeAndRun = (next: ProfilesQuery) => {
    onChange(next);
    onRunQuery();
  };

  return (
    <div data-testid="top-editor">
      <div className={styles.row}>
        <ProfileTypeCascader
          datasource={datasource}
          value={query.profileTypeId}
          range={resourceRange}
          onChange={(profileTypeId) => changeAndRun({ ...query, profileTypeId })}
        />
        <LabelSelectorInput
          data-testid="top-selector"
          datasource={datasource}
          value={query.labelSelector ?? ''}
          profileTypeId={query.profileTypeId}
          range={resourceRange}
          onChange={(labelSelector) => onChange({ ...query, labelSelector })}
          onRunQuery={onRunQuery}
        />
      </div>
      <InlineFieldRow className={styles.options}>
        <CountField
          label="Limit"
          labelWidth={14}
          tooltip="Most functions, the largest self first (empty: all)"
          testId="top-limit"
          placeholder="all"
          value={query.limit}
          onChange={(limit) => changeAndRun({ ...query, limit })}
        />
      </InlineFieldRow>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({ display: 'flex', alignItems: 'flex-start', gap: theme.spacing(1), flexWrap: 'wrap' }),
  options: css({ marginTop: theme.spacing(1) }),
});
