// Checks of the data source settings, the same rules the backend applies when it reads them
// (backend/GrafanaProfiles.Backend/Settings/PluginSettings.cs), so a bad value is flagged under its
// field before "Save & test". Each returns the message to show, or undefined when the value is fine;
// an empty optional value is fine (the backend's default applies).

export const MAX_ROW_LIMIT = 10_000_000;

const MS: Record<string, number> = { ms: 1, '': 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };

/** Milliseconds of a Grafana-style duration (`500ms`, `30s`, `5m`, `1h`, `1d`, `1w`, `1y`; a bare number is seconds). */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d*)?|\.\d+)(ms|s|m|h|d|w|y)?$/.exec(text.trim());
  return m ? Number(m[1]) * MS[m[2] ?? ''] : undefined;
}

function formatMs(ms: number): string {
  return ms >= 86_400_000 ? `${ms / 86_400_000}d` : ms >= 3_600_000 ? `${ms / 3_600_000}h` : ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`;
}

export function validateDataDirectory(value: string | undefined): string | undefined {
  return value && value.trim() ? undefined : "Data directory is required: the collector's data directory as Grafana's machine sees it.";
}

export function validateTenant(value: string | undefined): string | undefined {
  if (!value) {
    return undefined;
  }
  if (value.length > 150 || value === '.' || value === '..' || !/^[A-Za-z0-9._-]+$/.test(value)) {
    return `Tenant "${value}" may contain only letters, digits, '-', '_' and '.' (at most 150 characters).`;
  }
  return undefined;
}

export function validateProfileType(value: string | undefined): string | undefined {
  if (!value || !value.trim()) {
    return undefined;
  }
  const parts = value.trim().split(':');
  return parts.length === 5 && parts.every((p) => p !== '')
    ? undefined
    : `Default profile type "${value}" must have five ':'-separated parts, e.g. process_cpu:cpu:nanoseconds:cpu:nanoseconds.`;
}

function validateDurationIn(field: string, value: string | undefined, minMs: number, maxMs: number): string | undefined {
  if (!value || !value.trim()) {
    return undefined;
  }
  const ms = parseDuration(value);
  if (ms === undefined) {
    return `${field} "${value}" is not a duration; use a number with a unit such as 500ms, 30s, 5m or 1h.`;
  }
  if (ms < minMs || ms > maxMs) {
    return `${field} must be between ${formatMs(minMs)} and ${formatMs(maxMs)}; got ${value}.`;
  }
  return undefined;
}

/** `30s` by default; 100ms to 1h. */
export function validateQueryTimeout(value: string | undefined): string | undefined {
  return validateDurationIn('Query timeout', value, 100, 3_600_000);
}

/** Pyroscope's rule for its setting of the same name, `^\d+(ms|[smhdwy])$`, within the backend's 1s to 1d. */
export function validateMinStep(value: string | undefined): string | undefined {
  if (!value || !value.trim()) {
    return undefined;
  }
  if (!/^\d+(ms|[smhdwy])$/.test(value.trim())) {
    return `Minimal step "${value}" must be a whole number with a unit: ms, s, m, h, d, w or y (e.g. 15s).`;
  }
  return validateDurationIn('Minimal step', value, 1000, 86_400_000);
}

/** `1GB`, `512MB`, `1.5GiB`: a positive number with KB, MB, GB, TB (or KiB … TiB); spaces and case do not matter. */
export function validateMemoryLimit(value: string | undefined): string | undefined {
  if (!value || !value.trim()) {
    return undefined;
  }
  const t = value.replace(/ /g, '').toUpperCase();
  const m = /^(\d+(?:\.\d*)?|\.\d+)(KB|MB|GB|TB|KIB|MIB|GIB|TIB)$/.exec(t);
  return m && Number(m[1]) > 0 ? undefined : `Memory limit "${value}" is not a memory size; use a number with KB, MB, GB or TB, e.g. 1GB.`;
}

/** A whole number from 1 to 10,000,000. */
export function validateRowLimit(value: string | number | undefined): string | undefined {
  if (value === undefined || value === '') {
    return undefined;
  }
  const text = String(value).trim();
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_ROW_LIMIT) {
    return `Row limit must be a whole number from 1 to ${MAX_ROW_LIMIT.toLocaleString('en-US')}; got ${text}.`;
  }
  return undefined;
}
