// Saved queries in the shapes other versions wrote, normalised to today's model. Queries saved by
// Grafana's own Pyroscope data source (GrafanaPyroscopeDataQuery: queryType profile|metrics|both,
// labelSelector, profileTypeId, groupBy, limit, maxNodes, spanSelector) are already today's model and
// come back unchanged (the same object). Older shapes:
//   queryType `flamegraph` / `timeseries`          → `profile` / `metrics`
//   limit, maxNodes as numeric strings ("10")      → numbers ("" drops the key)
//   groupBy, spanSelector as one comma string      → lists
//   labelSelector `process_cpu:…{…}`               → profileTypeId + `{…}` (the prefix wins, as in the backend)
//   labelSelector ""                               → `{}`
//   format as the SDK's numbers (0, 1), `timeseries` → `time_series`, `table`
//   rawSql without a queryType (a SQL data source's query JSON) → queryType `sql`
import { ProfilesQuery, QueryType, SqlFormat } from '../types';

/** Whatever a saved query may hold: today's keys with older value types. */
type SavedQuery = ProfilesQuery & Record<string, unknown>;

const QUERY_TYPE_ALIASES: Record<string, QueryType> = { flamegraph: 'profile', timeseries: 'metrics' };

const FORMAT_ALIASES: Record<string, SqlFormat> = {
  '0': 'time_series',
  '1': 'table',
  timeseries: 'time_series',
  time_series: 'time_series',
  table: 'table',
  flamegraph: 'flamegraph',
};

/** `process_cpu:cpu:nanoseconds:cpu:nanoseconds{…}`: a profile type in front of the braces. */
const PROFILE_TYPE_PREFIX = /^\s*([A-Za-z_][\w.-]*(?::[\w.-]+){4})\s*(\{[\s\S]*)?$/;

function toNumber(value: unknown): number | undefined | null {
  if (typeof value === 'number') {
    return value;
  }
  if (typeof value === 'string') {
    const t = value.trim();
    if (t === '') {
      return undefined;
    }
    const n = Number(t);
    return /^[+-]?\d+(\.\d+)?$/.test(t) && Number.isFinite(n) ? n : null;
  }
  return null;
}

function toList(value: unknown): string[] | null {
  if (Array.isArray(value)) {
    return null; // already a list
  }
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }
  return null;
}

/**
 * The query in today's model; the same object when nothing needed changing (editors can call it on
 * every render without loops). Values it cannot read (limit `"ten"`) stay as they are, so the backend
 * names the field in its error.
 */
export function migrateQuery<T extends ProfilesQuery>(query: T): T {
  const q = query as T & SavedQuery;
  const patch: Partial<SavedQuery> = {};
  const remove: string[] = [];

  const queryType = q.queryType as string | undefined;
  if (queryType !== undefined && queryType in QUERY_TYPE_ALIASES) {
    patch.queryType = QUERY_TYPE_ALIASES[queryType];
  } else if (queryType === undefined && typeof q.rawSql === 'string' && q.rawSql.trim() !== '') {
    patch.queryType = 'sql';
  }

  for (const key of ['limit', 'maxNodes'] as const) {
    if (typeof q[key] === 'string') {
      const n = toNumber(q[key]);
      if (n === undefined) {
        remove.push(key);
      } else if (n !== null) {
        patch[key] = n;
      }
    }
  }

  for (const key of ['groupBy', 'spanSelector'] as const) {
    const list = toList(q[key]);
    if (list) {
      patch[key] = list;
    }
  }

  if (typeof q.labelSelector === 'string') {
    if (q.labelSelector.trim() === '') {
      patch.labelSelector = '{}';
    } else {
      const m = PROFILE_TYPE_PREFIX.exec(q.labelSelector);
      if (m) {
        patch.profileTypeId = m[1];
        patch.labelSelector = m[2] ?? '{}';
      }
    }
  }

  const format = q.format as unknown;
  if (format !== undefined && (typeof format === 'number' || typeof format === 'string')) {
    const f = FORMAT_ALIASES[String(format)];
    if (f && f !== format) {
      patch.format = f;
    }
  }

  if (Object.keys(patch).length === 0 && remove.length === 0) {
    return query;
  }
  const result: Record<string, unknown> = { ...query, ...patch };
  for (const key of remove) {
    delete result[key];
  }
  return result as T;
}
