// A diff side's time shift as a person types it (`1 week ago`, `7d`, `an hour ago`, `yesterday`) and
// as the backend reads it (`QueryJson.Duration`: a whole number and one unit, `30m`, `1h`, `1d`, `1w`).
import { Checked } from '../selector/queryOptions';
import { findReferences } from '../variables/references';

const SECOND = 1;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
/** The backend's `y`: 365 days. */
const YEAR = 365 * DAY;

/** The longest shift the editor takes: a shift reaches no further back than profiles are kept. */
export const MAX_TIME_SHIFT_SECONDS = 10 * YEAR;

/** Units from the largest: the normal form uses the largest that divides the shift. */
const UNITS: Array<{ suffix: string; seconds: number; word: string }> = [
  { suffix: 'y', seconds: YEAR, word: 'year' },
  { suffix: 'w', seconds: WEEK, word: 'week' },
  { suffix: 'd', seconds: DAY, word: 'day' },
  { suffix: 'h', seconds: HOUR, word: 'hour' },
  { suffix: 'm', seconds: MINUTE, word: 'minute' },
  { suffix: 's', seconds: SECOND, word: 'second' },
];

/** Every spelling of a unit the editor reads, to its seconds. */
const UNIT_NAMES: Record<string, number> = {
  s: SECOND, sec: SECOND, secs: SECOND, second: SECOND, seconds: SECOND,
  m: MINUTE, min: MINUTE, mins: MINUTE, minute: MINUTE, minutes: MINUTE,
  h: HOUR, hr: HOUR, hrs: HOUR, hour: HOUR, hours: HOUR,
  d: DAY, day: DAY, days: DAY,
  w: WEEK, wk: WEEK, wks: WEEK, week: WEEK, weeks: WEEK,
  y: YEAR, yr: YEAR, yrs: YEAR, year: YEAR, years: YEAR,
};

const PHRASES: Record<string, number> = {
  yesterday: DAY,
  'last week': WEEK,
  'last year': YEAR,
};

/** `2 weeks ago`, `2weeks`, `2w`, `an hour earlier`, `1 day before`. */
const SHIFT = /^(\d+|an?)\s*([a-z]+)(?:\s+(?:ago|earlier|before|back))?$/;

export const TIME_SHIFT_EXAMPLES = '1 week ago, 1d, 1h or 30m';

/**
 * The shift in the backend's form (`1w`, `30m`), or why the text is not one. A template variable is
 * kept as written (the data source interpolates it). Not accepted: months (not of one length: use `4w`
 * or `30d`), fractions (`1.5h`: use `90m`), a number without a unit, zero, and shifts into the future.
 */
export function parseTimeShift(text: string): Checked<string> {
  const raw = text.trim();
  if (raw === '') {
    return { ok: false, error: `Enter a time shift such as ${TIME_SHIFT_EXAMPLES}` };
  }
  if (findReferences(raw).length > 0) {
    return { ok: true, value: raw };
  }
  const t = raw.toLowerCase().replace(/\s+/g, ' ');
  const phrase = PHRASES[t];
  if (phrase !== undefined) {
    return { ok: true, value: formatShift(phrase) };
  }
  const rejected = (why: string): Checked<string> => ({ ok: false, error: `Time shift '${raw}' ${why}` });
  if (/^(in |\+)|from now|later|ahead/.test(t)) {
    return rejected('points into the future; a diff side can only move back in time, e.g. 1 week ago');
  }
  if (/^-/.test(t)) {
    return rejected(`needs no minus sign: a shift always moves back, write e.g. ${t.slice(1).trim() || '1h'}`);
  }
  if (/^\d+[.,]\d+/.test(t)) {
    return rejected('is not a whole number; use a smaller unit, e.g. 90m instead of 1.5h');
  }
  if (/^\d+$/.test(t)) {
    return rejected('has no unit; add one, e.g. 30m, 1h, 1d or 1w');
  }
  if (/^(\d+|an?)\s*(mo|mos|month|months)\b/.test(t)) {
    return rejected('is in months, which differ in length; use weeks or days, e.g. 4w or 30d');
  }
  const m = SHIFT.exec(t);
  const unit = m ? UNIT_NAMES[m[2]] : undefined;
  if (!m || unit === undefined) {
    return rejected(`is not a time shift; use a number and a unit, e.g. ${TIME_SHIFT_EXAMPLES}`);
  }
  const count = /^\d+$/.test(m[1]) ? Number(m[1]) : 1;
  const seconds = count * unit;
  if (seconds === 0) {
    return rejected('is zero; a diff of a range with itself shows no change');
  }
  if (seconds > MAX_TIME_SHIFT_SECONDS) {
    return rejected('is longer than 10 years, the longest shift');
  }
  return { ok: true, value: formatShift(seconds) };
}

/** A shift of whole seconds in the largest unit that divides it: 604800 → `1w`, 5400 → `90m`. */
export function formatShift(seconds: number): string {
  const unit = UNITS.find((u) => seconds % u.seconds === 0)!;
  return `${seconds / unit.seconds}${unit.suffix}`;
}

/** `1w` → `1 week earlier`, `90m` → `90 minutes earlier`; a variable as `$shift earlier`. */
export function describeShift(shift: string): string {
  const m = /^(\d+)([ywdhms])$/.exec(shift.trim());
  if (!m) {
    return `${shift.trim()} earlier`;
  }
  const count = Number(m[1]);
  const word = UNITS.find((u) => u.suffix === m[2])!.word;
  return `${count} ${word}${count === 1 ? '' : 's'} earlier`;
}
