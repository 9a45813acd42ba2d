// The Profile tab: a profile type, a label selector with completion, and the options (query type, group
// by, limit, max nodes, span ids) behind a one-line summary — what Grafana's Pyroscope data source offers.
import { CoreApp } from '@grafana/data';

import { QueryOptions } from '../components/QueryOptions';
import { toResourceRange } from '../datasource';
import { ProfileSelection } from './ProfileSelection';
import { ModeEditorProps, runOnChange } from './types';

export function ProfileEditor(props: ModeEditorProps) {
  const { datasource, query, onChange, onRunQuery, range, app } = props;
  // A choice in the options runs the query, as a profile type chosen does (as in Pyroscope); the selector
  // runs on Shift+Enter.
  const changeAndRun = runOnChange(onChange, onRunQuery);

  return (
    <div data-testid="profile-editor">
      <ProfileSelection {...props} />
      <QueryOptions
        query={query}
        onChange={changeAndRun}
        datasource={datasource}
        explore={app === CoreApp.Explore}
        range={toResourceRange(range)}
      />
    </div>
  );
}
