// The profile query's options: the summary shown when they are collapsed, and the checks of what a
// person types into them before it reaches the query.
import { QueryType } from '../types';

export type ProfileQueryType = Extract<QueryType, 'metrics' | 'profile' | 'both'>;

export const PROFILE_QUERY_TYPES: Array<{ value: ProfileQueryType; label: string; description: string }> = [
  { value: 'metrics', label: 'Metric', description: 'Series of the selection over time' },
  { value: 'profile', label: 'Profile', description: 'The flame graph of the selection' },
  { value: 'both', label: 'Both', description: 'Series and flame graph' },
];

export interface ProfileOptionsView {
  queryType?: QueryType;
  groupBy?: string[];
  limit?: number;
  maxNodes?: number;
  spanSelector?: string[];
}

/** The query type the profile tab shows: the query's own, else `both` in Explore and `profile` elsewhere. */
export function effectiveQueryType(queryType: QueryType | undefined, explore: boolean): ProfileQueryType {
  if (queryType === 'metrics' || queryType === 'profile' || queryType === 'both') {
    return queryType;
  }
  return explore ? 'both' : 'profile';
}

/** `Type: Both | Group by: pod, region | Limit: 10 | Max nodes: 8192 | Span ID: 9a3f5e0b1c2d3e4f` */
export function optionsSummary(view: ProfileOptionsView, explore: boolean): string {
  const type = PROFILE_QUERY_TYPES.find((t) => t.value === effectiveQueryType(view.queryType, explore))!;
  const parts = [`Type: ${type.label}`];
  if (view.groupBy?.length) {
    parts.push(`Group by: ${view.groupBy.join(', ')}`);
  }
  if (view.limit) {
    parts.push(`Limit: ${view.limit}`);
  }
  if (view.maxNodes) {
    parts.push(`Max nodes: ${view.maxNodes}`);
  }
  if (view.spanSelector?.length) {
    parts.push(`Span ID: ${view.spanSelector.join(', ')}`);
  }
  return parts.join(' | ');
}

/** The backend's limits (backend/GrafanaProfiles.Backend/Queries/README.md). */
export const MAX_NODES_LIMIT = 1_048_576;
export const MAX_SPAN_IDS = 10_000;

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * A positive whole number typed into `field`, or undefined when the box is empty (the backend's default).
 */
export function parsePositiveInt(text: string, field: string, max?: number): Checked<number | undefined> {
  const t = text.trim();
  if (t === '') {
    return { ok: true, value: undefined };
  }
  if (!/^\d+$/.test(t) || Number(t) < 1) {
    return { ok: false, error: `${field} must be a whole number of at least 1, not '${t}'` };
  }
  const n = Number(t);
  if (max !== undefined && n > max) {
    return { ok: false, error: `${field} must be at most ${max.toLocaleString('en-US')}, not ${n.toLocaleString('en-US')}` };
  }
  return { ok: true, value: n };
}

/**
 * The SQL tab's max nodes: a whole number above 0 as JavaScript reads numbers (`1e3` too), or undefined
 * when the box is empty (the backend's default).
 */
export function parseSqlMaxNodes(text: string): Checked<number | undefined> {
  const t = text.trim();
  if (t === '') {
    return { ok: true, value: undefined };
  }
  const n = Number(t);
  if (!Number.isInteger(n) || n <= 0) {
    return { ok: false, error: `Max nodes must be a whole number above 0, not '${t}'.` };
  }
  return { ok: true, value: n };
}

const SPAN_ID = /^[0-9a-fA-F]{16}$/;

/** Span ids separated by commas or spaces, each 16 hex digits (as OpenTelemetry writes them). */
export function parseSpanIds(text: string): Checked<string[]> {
  const ids = text.split(/[\s,]+/).filter((s) => s !== '');
  const bad = ids.find((id) => !SPAN_ID.test(id));
  if (bad !== undefined) {
    return { ok: false, error: `Span ID '${bad}' is not 16 hexadecimal digits (for example 9a3f5e0b1c2d3e4f)` };
  }
  if (ids.length > MAX_SPAN_IDS) {
    return { ok: false, error: `At most ${MAX_SPAN_IDS.toLocaleString('en-US')} span IDs, not ${ids.length.toLocaleString('en-US')}` };
  }
  return { ok: true, value: Array.from(new Set(ids.map((id) => id.toLowerCase()))) };
}
