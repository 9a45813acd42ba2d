import { CoreApp } from '@grafana/data';

import { profileQueryToSql, sqlFormatFor } from './sql/fromProfileQuery';
import { ProfilesQuery, QueryType } from './types';

/** The editor's tabs; `profile` covers the query types metrics, profile and both, `rule` is `recording_rule`. */
export type EditorMode = 'profile' | 'diff' | 'top' | 'function' | 'rule' | 'sql';

export function modeOf(queryType: QueryType | string | undefined): EditorMode {
  switch (queryType) {
    case 'diff':
    case 'top':
    case 'function':
    case 'sql':
      return queryType;
    case 'recording_rule':
      return 'rule';
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
      if (query.rawSql) {
        return { ...query, queryType: 'sql', format: query.format ?? 'table' };
      }
      return { ...query, queryType: 'sql', rawSql: profileQueryToSql(query), format: sqlFormatFor(query) };
    case 'rule':
      // A rule's labels are its group-by and extra labels, not the profiles' selection: start afresh.
      return { ...query, queryType: 'recording_rule', labelSelector: undefined, groupBy: [] };
    default:
      return { ...query, queryType: mode };
  }
}
