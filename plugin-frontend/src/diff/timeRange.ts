// A diff side's own range as a person types its ends: a Grafana relative time (`now-7d`, `now-1h`,
// `now/d`), an RFC 3339 time (`2026-11-22T10:00:00Z`) or epoch milliseconds. Relative times stay as
// written: the data source resolves them when the query runs (src/variables/query.ts), so a saved
// dashboard keeps comparing against "a week ago" rather than a fixed day.
import { dateMath } from '@grafana/data';

import { Checked } from '../selector/queryOptions';
import { findReferences } from '../variables/references';

/** The backend's bounds of an epoch-milliseconds instant: 1970 to the end of 9999. */
export const MAX_EPOCH_MS = 253_402_300_799_999;

/** Epoch seconds are ten digits today; milliseconds thirteen. Below this a number is surely seconds. */
const SMALLEST_LIKELY_MS = 100_000_000_000;

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})$/;

export const TIME_EXAMPLES = 'now-7d, 2026-11-22T10:00:00Z or epoch milliseconds';

/** One end of a range: undefined when empty (the dashboard's end), else the value to send. */
export function parseTimeInput(text: string, field: string): Checked<number | string | undefined> {
  const t = text.trim();
  if (t === '') {
    return { ok: true, value: undefined };
  }
  if (findReferences(t).length > 0) {
    return { ok: true, value: t };
  }
  if (/^\d+$/.test(t)) {
    const ms = Number(t);
    if (ms > MAX_EPOCH_MS) {
      return { ok: false, error: `${field} '${t}' is after the year 9999; epoch milliseconds are 13 digits today` };
    }
    if (ms < SMALLEST_LIKELY_MS) {
      return { ok: false, error: `${field} '${t}' looks like epoch seconds; epoch milliseconds are 13 digits (${t}000)` };
    }
    return { ok: true, value: ms };
  }
  if (t.startsWith('now')) {
    const parsed = dateMath.parse(t);
    if (!parsed || !parsed.isValid()) {
      return { ok: false, error: `${field} '${t}' is not a relative time; write it as now-7d, now-1h or now/d` };
    }
    return { ok: true, value: t };
  }
  if (RFC3339.test(t) && !Number.isNaN(Date.parse(t.replace(' ', 'T')))) {
    return { ok: true, value: t };
  }
  return { ok: false, error: `${field} '${t}' is not a time; use ${TIME_EXAMPLES}` };
}

/** The instant an end stands for now (relative times rounded as Grafana rounds them); undefined for a variable. */
export function resolveInstant(value: number | string | undefined, roundUp: boolean): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value === 'number') {
    return value;
  }
  if (findReferences(value).length > 0) {
    return undefined;
  }
  if (value.startsWith('now')) {
    const parsed = dateMath.parse(value, roundUp);
    return parsed && parsed.isValid() ? parsed.valueOf() : undefined;
  }
  const ms = Date.parse(value.replace(' ', 'T'));
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Why a side's range is empty, if it is: from must be before to. An end left empty is the dashboard's
 * (`dashboard`, epoch ms); an end with a variable is not checked here.
 */
export function checkRange(
  from: number | string | undefined,
  to: number | string | undefined,
  dashboard: { from: number; to: number } | undefined
): string | undefined {
  const start = resolveInstant(from, false) ?? (from === undefined ? dashboard?.from : undefined);
  const end = resolveInstant(to, true) ?? (to === undefined ? dashboard?.to : undefined);
  if (start === undefined || end === undefined || start < end) {
    return undefined;
  }
  const name = (v: number | string | undefined, fallback: string) => (v === undefined ? fallback : String(v));
  return `From (${name(from, "the dashboard's start")}) must be before To (${name(to, "the dashboard's end")})`;
}
