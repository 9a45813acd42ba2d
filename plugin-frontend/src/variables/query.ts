// A query with its template variables interpolated and the dashboard's ad-hoc filters applied: every
// field a variable may appear in, each with the escaping its syntax needs.
import { AdHocVariableFilter, dateMath } from '@grafana/data';

import { escapeRegex } from '../selector/format';
import { DiffSide, ProfilesQuery } from '../types';

import { applyAdHocFilters } from './adhoc';
import { Resolve, Resolved, findReferences } from './references';
import { MATCH_NOTHING, interpolateSelector } from './selector';
import { interpolateSql } from './sql';

/** The values a text stands for: one per value of a multi-value variable in it (a cross product for several). */
export function expandValues(text: string, resolve: Resolve): string[] {
  const refs = findReferences(text);
  let results = [''];
  let last = 0;
  for (const r of refs) {
    const literal = text.slice(last, r.start);
    const resolved = resolve(r);
    const options = resolved.kind === 'values' ? resolved.values : [resolved.text];
    results = results.flatMap((prefix) => options.map((o) => prefix + literal + o));
    last = r.end;
  }
  const tail = text.slice(last);
  return results.map((prefix) => prefix + tail);
}

/** One value: several are joined with `,` (the backend then names the field it cannot read). */
export function interpolateText(text: string, resolve: Resolve): string {
  let out = '';
  let last = 0;
  for (const r of findReferences(text)) {
    const resolved = resolve(r);
    out += text.slice(last, r.start) + (resolved.kind === 'values' ? resolved.values.join(',') : resolved.text);
    last = r.end;
  }
  return out + text.slice(last);
}

/**
 * A pattern (`functionRegex`): the values of multi-value and "All" variables regex-escaped and
 * alternated, a single-value variable inserted as it is (it may hold a pattern).
 */
export function interpolatePattern(text: string, resolve: Resolve): string {
  let out = '';
  let last = 0;
  for (const r of findReferences(text)) {
    out += text.slice(last, r.start) + patternOf(resolve(r));
    last = r.end;
  }
  return out + text.slice(last);
}

function patternOf(r: Resolved): string {
  if (r.kind !== 'values') {
    return r.text;
  }
  const alternatives = r.multi ? r.values.map(escapeRegex) : r.values;
  if (alternatives.length === 0) {
    return MATCH_NOTHING;
  }
  return alternatives.length === 1 ? alternatives[0] : `(?:${alternatives.join('|')})`;
}

/** `now-7d` and other Grafana relative times as epoch milliseconds; other values unchanged. */
export function resolveTime(value: number | string | undefined, roundUp: boolean): number | string | undefined {
  if (typeof value !== 'string' || !value.trim().startsWith('now')) {
    return value;
  }
  const parsed = dateMath.parse(value.trim(), roundUp);
  return parsed && parsed.isValid() ? parsed.valueOf() : value;
}

function interpolateSide(side: DiffSide | undefined, resolve: Resolve, filters?: AdHocVariableFilter[]): DiffSide | undefined {
  if (!side) {
    return side;
  }
  const text = (v: number | string | undefined) => (typeof v === 'string' ? interpolateText(v, resolve) : v);
  return {
    ...side,
    labelSelector:
      side.labelSelector !== undefined ? applyAdHocFilters(interpolateSelector(side.labelSelector, resolve), filters) : undefined,
    profileTypeId: side.profileTypeId !== undefined ? interpolateText(side.profileTypeId, resolve) : undefined,
    from: resolveTime(text(side.from), false),
    to: resolveTime(text(side.to), true),
    timeShift: side.timeShift !== undefined ? interpolateText(side.timeShift, resolve) : undefined,
  };
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * The query as the backend gets it. SQL queries interpolate only `rawSql`; ad-hoc filters do not
 * apply to SQL: there is no selector to add them to, and rewriting user SQL is not ours to do.
 */
export function interpolateQuery(query: ProfilesQuery, resolve: Resolve, filters?: AdHocVariableFilter[]): ProfilesQuery {
  if (query.queryType === 'sql') {
    return { ...query, rawSql: query.rawSql !== undefined ? interpolateSql(query.rawSql, resolve) : undefined };
  }
  const result: ProfilesQuery = {
    ...query,
    profileTypeId: query.profileTypeId !== undefined ? interpolateText(query.profileTypeId, resolve) : undefined,
    labelSelector: applyAdHocFilters(
      query.labelSelector !== undefined ? interpolateSelector(query.labelSelector, resolve) : undefined,
      filters
    ),
    groupBy: query.groupBy?.flatMap((g) => expandValues(g, resolve)).filter((g) => g.trim() !== ''),
    spanSelector: query.spanSelector?.flatMap((s) => expandValues(s, resolve)).filter((s) => s.trim() !== ''),
    functionRegex: query.functionRegex !== undefined ? interpolatePattern(query.functionRegex, resolve) : undefined,
    metricName: query.metricName !== undefined ? interpolateText(query.metricName, resolve) : undefined,
    left: interpolateSide(query.left, resolve, filters),
    right: interpolateSide(query.right, resolve, filters),
  };
  if (query.function !== undefined) {
    const names = expandValues(query.function, resolve);
    if (names.length === 1) {
      result.function = names[0];
    } else {
      // Several functions: the query sums their matches, which is what a pattern of them does.
      result.function = undefined;
      result.functionRegex = names.length === 0 ? MATCH_NOTHING : names.map(escapeRegex).join('|');
    }
  }
  if (query.rawSql !== undefined) {
    result.rawSql = interpolateSql(query.rawSql, resolve);
  }
  return dropUndefined(result);
}

/**
 * The labels of a dashboard's "Group by" variable added to a builder query's group-by (after the
 * query's own, without repeats). SQL queries group as their SQL says.
 */
export function applyGroupByKeys(query: ProfilesQuery, keys: string[] | undefined): ProfilesQuery {
  if (!keys || keys.length === 0 || query.queryType === 'sql') {
    return query;
  }
  const own = query.groupBy ?? [];
  const added = keys.filter((k) => k && !own.includes(k));
  return added.length === 0 ? query : { ...query, groupBy: [...own, ...added] };
}
