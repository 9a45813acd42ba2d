import { QueryEditorProps } from '@grafana/data';

import type { ProfilesDataSource } from '../datasource';
import { ProfilesDataSourceOptions, ProfilesQuery } from '../types';

/** What every mode's editor receives: Grafana's query editor props. */
export type ModeEditorProps = QueryEditorProps<ProfilesDataSource, ProfilesQuery, ProfilesDataSourceOptions>;
