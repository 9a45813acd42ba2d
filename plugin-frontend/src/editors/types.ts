import { QueryEditorProps } from '@grafana/data';

import type { ProfilesDataSource } from '../datasource';
import { ProfilesDataSourceOptions, ProfilesQuery } from '../types';

/** What every mode's editor receives: Grafana's query editor props. */
export type ModeEditorProps = QueryEditorProps<ProfilesDataSource, ProfilesQuery, ProfilesDataSourceOptions>;

/** A change that runs the query at once: a choice in a list or a checked box does, as in Pyroscope. */
export function runOnChange(onChange: (query: ProfilesQuery) => void, onRunQuery: () => void) {
  return (next: ProfilesQuery) => {
    onChange(next);
    onRunQuery();
  };
}
