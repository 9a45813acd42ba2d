// The Profile tab: a profile type, a label selector with completion, and the options (query type, group
// by, limit, max nodes, span ids) behind a one-line summary — what Grafana's Pyroscope data source offers.
import { css } from '@emotion/css';

import { CoreApp, GrafanaTheme2 } from '@grafana/data';
import { useStyles2 } from '@grafana/ui';

import { LabelSelectorInput } from '../components/LabelSelectorInput';
import { ProfileTypeCascader } from '../components/ProfileTypeCascader';
import { QueryOptions } from '../components/QueryOptions';
import { toResourceRange } from '../datasource';
import { ProfilesQuery } from '../types';
import { ModeEditorProps } from './types';

export function ProfileEditor({ datasource, query, onChange, onRunQuery, range, app }: ModeEditorProps) {
  const styles = useStyles2(getStyles);
  const resourceRange = toResourceRange(range);
  // A choice in the cascader or the options runs the query, as in Pyroscope; the selector runs on Shift+Enter.
  const changeAndRun = (next: ProfilesQuery) => {
    onChange(next);
    onRunQuery();
  };

  return (
    <div data-testid="profile-editor">
      <div className={styles.row}>
        <ProfileTypeCascader
          datasource={datasource}
          value={query.profileTypeId}
          range={resourceRange}
          onChange={(profileTypeId) => changeAndRun({ ...query, profileTypeId })}
        />
        <LabelSelectorInput
          datasource={datasource}
          value={query.labelSelector ?? ''}
          profileTypeId={query.profileTypeId}
          range={resourceRange}
          onChange={(labelSelector) => onChange({ ...query, labelSelector })}
          onRunQuery={onRunQuery}
        />
      </div>
      <QueryOptions
        query={query}
        onChange={changeAndRun}
        datasource={datasource}
        explore={app === CoreApp.Explore}
        range={resourceRange}
      />
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({ display: 'flex', alignItems: 'flex-start', gap: theme.spacing(1), flexWrap: 'wrap' }),
});
