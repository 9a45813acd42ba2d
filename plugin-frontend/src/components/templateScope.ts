// What the dashboard around an editor provides: its template variables and its time range. Outside a
// dashboard (the config page, tests) there is no template service: no variables, no range.
import { getTemplateSrv } from '@grafana/runtime';

export function templateVariableNames(): string[] {
  try {
    return getTemplateSrv()
      .getVariables()
      .map((v) => v.name);
  } catch {
    return [];
  }
}

/** The dashboard's (or Explore's) range in epoch ms, read through `$__from` / `$__to`. */
export function dashboardRange(): { from: number; to: number } | undefined {
  try {
    const srv = getTemplateSrv();
    const from = Number(srv.replace('$__from'));
    const to = Number(srv.replace('$__to'));
    return Number.isFinite(from) && Number.isFinite(to) && from < to ? { from, to } : undefined;
  } catch {
    return undefined;
  }
}
