import { DataSourceInstanceSettings, ScopedVars, TimeRange } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import { ProfileTypeInfo, ProfilesDataSourceOptions, ProfilesQuery, defaultQuery } from './types';

/** A time range for the resources: epoch milliseconds. */
export interface ResourceRange {
  from: number;
  to: number;
}

/** The `sqlSchema` resource (backend Sql/SqlSchema.cs): the views user SQL sees and the macros. */
export interface SqlSchema {
  tenant: string;
  tables: Array<{ name: string; description: string; columns: Array<{ name: string; type: string; description: string }> }>;
  macros: Array<{ syntax: string; expansion: string }>;
}

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

  // Resources the editors call (backend/README.md "Resources"). A selector scoped to a profile type is
  // written `<profileTypeId>{matchers}`.

  getProfileTypes(range?: ResourceRange): Promise<ProfileTypeInfo[]> {
    return this.getResource('profileTypes', { ...rangeParams(range) });
  }

  getLabelNames(selector?: string, profileTypeId?: string, range?: ResourceRange): Promise<string[]> {
    return this.getResource('labelNames', { ...scopeParams(selector, profileTypeId), ...rangeParams(range) });
  }

  getLabelValues(label: string, selector?: string, profileTypeId?: string, range?: ResourceRange): Promise<string[]> {
    return this.getResource('labelValues', { label, ...scopeParams(selector, profileTypeId), ...rangeParams(range) });
  }

  getFunctions(search: string, limit = 100, range?: ResourceRange): Promise<string[]> {
    return this.getResource('functions', { search, limit, ...rangeParams(range) });
  }

  getSqlSchema(): Promise<SqlSchema> {
    return this.getResource('sqlSchema');
  }
}

/** A dashboard TimeRange as resource milliseconds. */
export function toResourceRange(range?: TimeRange): ResourceRange | undefined {
  return range ? { from: range.from.valueOf(), to: range.to.valueOf() } : undefined;
}

function rangeParams(range?: ResourceRange): Record<string, number> {
  return range ? { from: Math.floor(range.from), to: Math.ceil(range.to) } : {};
}

function scopeParams(selector?: string, profileTypeId?: string): Record<string, string> {
  const matchers = selector && selector.trim() ? selector.trim() : '{}';
  if (profileTypeId && !profileTypeId.startsWith('$') && !matchers.includes(':')) {
    return { query: `${profileTypeId}${matchers.startsWith('{') ? matchers : `{${matchers}}`}` };
  }
  return matchers === '{}' ? {} : { query: matchers };
}
