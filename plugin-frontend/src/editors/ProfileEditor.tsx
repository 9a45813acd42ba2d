// The Profile tab: a profile type, a label selector with completion, and the options (query type, group
// by, limit, max nodes, span ids) behind a one-line summary — what Grafana's Pyroscope data source offers.
import { CoreApp } from '@grafana/data';

import { ProfileSelection } from '../components/ProfileSelection';
import { QueryOptions } from '../components/QueryOptions';
import { toResourceRange } from '../datasource';
import { ProfilesQuery } from '../types';
import { ModeEditorProps } from './types';

export function ProfileEditor({ datasource, query, onChange, onRunQuery, range, app }: ModeEditorProps) {
  const resourceRange = toResourceRange(range);
  // A choice in the options runs the query, as a profile type chosen does (as in Pyroscope); the selector
  // runs on Shift+Enter.
  const changeAndRun = (next: ProfilesQuery) => {
    onChange(next);
    onRunQuery();
  };

  return (
    <div data-testid="profile-editor">
      <ProfileSelection
        datasource={datasource}
        query={query}
        onChange={onChange}
        onRunQuery={onRunQuery}
        range={resourceRange}
      />
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
