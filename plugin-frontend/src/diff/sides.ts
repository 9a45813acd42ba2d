// The two sides of a diff as the Diff tab edits them: which time each side reads (the dashboard's
// range, a shift back, or its own range), the selector it compares, and the one-line hint of what is
// compared. What a side leaves out the backend takes from the top level and the dashboard
// (backend/GrafanaProfiles.Backend/Queries/README.md), so the tab writes each side's selector itself.
import { DiffSide, ProfilesQuery } from '../types';

import { describeShift } from './timeShift';

export type DiffSideName = 'left' | 'right';

export type SideTimeMode = 'dashboard' | 'shift' | 'range';

export const SIDE_TIME_MODES: Array<{ value: SideTimeMode; label: string; description: string }> = [
  { value: 'dashboard', label: 'Dashboard range', description: "The dashboard's time range" },
  { value: 'shift', label: 'Time shift', description: "The dashboard's range moved back, e.g. 1 week ago" },
  { value: 'range', label: 'Range', description: 'A range of its own: now-7d, RFC 3339 or epoch milliseconds' },
];

export const SIDE_TITLES: Record<DiffSideName, string> = { left: 'Baseline', right: 'Comparison' };

/** How a side reads time: its own range wins (a shift then moves it), else a shift, else the dashboard's. */
export function sideTimeMode(side: DiffSide | undefined): SideTimeMode {
  if (side?.from !== undefined || side?.to !== undefined) {
    return 'range';
  }
  return side?.timeShift !== undefined ? 'shift' : 'dashboard';
}

/** The side in another time mode: what the old mode set is dropped, so the side means what the tab shows. */
export function withTimeMode(side: DiffSide, mode: SideTimeMode, defaultShift = '1w'): DiffSide {
  const { from, to, timeShift, ...rest } = side;
  switch (mode) {
    case 'dashboard':
      return rest;
    case 'shift':
      return { ...rest, timeShift: timeShift ?? defaultShift };
    case 'range':
      return { ...rest, from: from ?? 'now-7d', to: to ?? 'now-6d' };
  }
}

/** The selector a side compares: its own, else the query's (what the backend falls back to), else all. */
export function sideSelector(query: ProfilesQuery, name: DiffSideName): string {
  return query[name]?.labelSelector ?? query.labelSelector ?? '{}';
}

/**
 * The query with one side changed. Both sides are written out with their selectors, so the query
 * holds what the tab shows even when the query's own selector changes later, and the backend gets
 * the two sides it needs.
 */
export function updateSide(query: ProfilesQuery, name: DiffSideName, change: (side: DiffSide) => DiffSide): ProfilesQuery {
  const complete = (n: DiffSideName): DiffSide => ({ ...query[n], labelSelector: sideSelector(query, n) });
  const left = complete('left');
  const right = complete('right');
  return name === 'left' ? { ...query, left: change(left), right } : { ...query, left, right: change(right) };
}

/** One profile type for both sides (the backend refuses two): set at the top level, dropped from the sides. */
export function setDiffProfileType(query: ProfilesQuery, profileTypeId: string): ProfilesQuery {
  const strip = (side: DiffSide | undefined) => {
    if (!side) {
      return side;
    }
    const { profileTypeId: _, ...rest } = side;
    return rest;
  };
  return { ...query, profileTypeId, left: strip(query.left), right: strip(query.right) };
}

/** `over the dashboard range`, `1 week earlier`, `from now-7d to now-6d`, `from now-7d to now-6d, 1 day earlier`. */
export function describeSideTime(side: DiffSide | undefined): string {
  const mode = sideTimeMode(side);
  if (mode === 'dashboard') {
    return 'over the dashboard range';
  }
  const shift = side?.timeShift ? describeShift(side.timeShift) : undefined;
  if (mode === 'shift') {
    return shift!;
  }
  const end = (v: number | string | undefined, fallback: string) => (v === undefined ? fallback : String(v));
  const range = `from ${end(side?.from, "the dashboard's start")} to ${end(side?.to, "the dashboard's end")}`;
  return shift ? `${range}, ${shift}` : range;
}

/** `Baseline: {…} over the dashboard range · Comparison: {…} 1 week earlier` */
export function diffSummary(query: ProfilesQuery): string {
  const side = (name: DiffSideName) => `${SIDE_TITLES[name]}: ${sideSelector(query, name)} ${describeSideTime(query[name])}`;
  return `${side('left')} · ${side('right')}`;
}

/** Why the two sides cannot differ, when they cannot: the same selector over the same time. */
export function sameSidesWarning(query: ProfilesQuery): string | undefined {
  const time = (s: DiffSide | undefined) => [s?.from, s?.to, s?.timeShift].map((v) => (v === undefined ? '' : String(v))).join('|');
  const same =
    sideSelector(query, 'left').replace(/\s+/g, '') === sideSelector(query, 'right').replace(/\s+/g, '') &&
    time(query.left) === time(query.right);
  return same ? 'Both sides select the same profiles over the same time: change a selector or a time to see a difference' : undefined;
}
