import { DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import { ProfileTypeInfo, ProfilesDataSourceOptions, ProfilesQuery, defaultQuery } from './types';

export class ProfilesDataSource extends DataSourceWithBackend<ProfilesQuery, ProfilesDataSourceOptions> {
  constructor(instanceSettings: DataSourceInstanceSettings<ProfilesDataSourceOptions>) {
    super(instanceSettings);
  }

  getDefaultQuery(): Partial<ProfilesQuery> {
    return { ...defaultQuery, queryType: 'profile' };
  }

  applyTemplateVariables(query: ProfilesQuery, scopedVars: ScopedVars): ProfilesQuery {
    const templateSrv = getTemplateSrv();
    return {
      ...query,
      profileTypeId: query.profileTypeId ? templateSrv.replace(query.profileTypeId, scopedVars) : query.profileTypeId,
      labelSelector: query.labelSelector ? templateSrv.replace(query.labelSelector, scopedVars) : query.labelSelector,
    };
  }

  getProfileTypes(): Promise<ProfileTypeInfo[]> {
    return this.getResource('profileTypes');
  }
}
