import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './ConfigEditor';
import { ProfilesDataSource } from './datasource';
import { QueryEditor } from './QueryEditor';
import { ProfilesDataSourceOptions, ProfilesQuery } from './types';

export const plugin = new DataSourcePlugin<ProfilesDataSource, ProfilesQuery, ProfilesDataSourceOptions>(
  ProfilesDataSource
)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);
