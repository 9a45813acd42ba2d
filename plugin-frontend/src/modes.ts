import { CoreApp } from '@grafana/data';

import { profileQueryToSql } from './sql/fromProfileQuery';
import { ProfilesQuery, QueryType } from './types';

/** The editor's tabs; `profile` covers the query types metrics, profile and both. */
export type EditorMode = 'profile' | 'diff' | 'top' | 'function' | 'sql';

export function modeOf(queryType: QueryType | string | undefined): EditorMode {
  switch (queryType) {
    case 'diff':
    case 'top':
    case 'function':
    case 'sql':
      return queryType;
    default:
      return 'profile';
  }
}

/**
 * The query after switching tabs: what the tabs share (profile type, selector) is kept, and a builder
 * query switched to SQL starts from its SQL equivalent unless the query already has SQL.
 */
export function switchMode(query: ProfilesQuery, mode: EditorMode, app?: CoreApp | string): ProfilesQuery {
  if (mode === modeOf(query.queryType)) {
    return query;
  }
  switch (mode) {
    case 'profile':
      return { ...query, queryType: app === CoreApp.Explore ? 'both' : 'profile' };
    case 'sql':
      return { ...query, queryType: 'sql', rawSql: query.rawSql || profileQueryToSql(query), format: query.format ?? 'table' };
    default:
      return { ...query, queryType: mode };
  }
}
