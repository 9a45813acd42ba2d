// What a profile, top or function query reads: the profile type and the label selector, side by side.
// A profile type chosen runs the query; the selector runs on Shift+Enter and updates the query on blur.
import { css } from '@emotion/css';

import { GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

import type { ProfilesDataSource, ResourceRange } from '../datasource';
import { ProfilesQuery } from '../types';
import { LabelSelectorInput } from './LabelSelectorInput';
import { ProfileTypeCascader } from './ProfileTypeCascader';

export interface ProfileSelectionProps {
  datasource: ProfilesDataSource;
  query: ProfilesQuery;
  onChange: (query: ProfilesQuery) => void;
  onRunQuery: () => void;
  range?: ResourceRange;
  /** The selector's test id; `label-selector` when absent. */
  selectorTestId?: string;
}

export function ProfileSelection({ datasource, query, onChange, onRunQuery, range, selectorTestId }: ProfileSelectionProps) {
  const styles = useStyles2(getStyles);
  return (
    <div className={styles.row}>
      <ProfileTypeCascader
        datasource={datasource}
        value={query.profileTypeId}
        range={range}
        onChange={(profileTypeId) => {
          onChange({ ...query, profileTypeId });
          onRunQuery();
        }}
      />
      <LabelSelectorInput
        data-testid={selectorTestId}
        datasource={datasource}
        value={query.labelSelector ?? ''}
        profileTypeId={query.profileTypeId}
        range={range}
        onChange={(labelSelector) => onChange({ ...query, labelSelector })}
        onRunQuery={onRunQuery}
      />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({ display: 'flex', alignItems: 'flex-start', gap: theme.spacing(1), flexWrap: 'wrap' }),
});
