import { ProfilesQuery } from '../types';

/** The SQL equivalent of a builder query, offered as the starting point when switching to SQL. */
export function profileQueryToSql(query: ProfilesQuery): string {
  void query;
  return 'SELECT * FROM samples WHERE $__timeFilter(time) LIMIT 100';
}
