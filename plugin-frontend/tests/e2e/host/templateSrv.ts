// A small but real TemplateSrv, as a dashboard with two variables would have: `service` (single value)
// and `version` (multi value). It follows Grafana's syntax ($var, ${var}, ${var:format}, [[var]]),
// scoped variables win over dashboard ones, the built-ins $__from/$__to come from the time range, and
// a format is either a name (regex, pipe, csv, json, singlequote, doublequote, sqlstring, raw, text,
// glob — the default for several values) or a function called with (value, variable, defaultFormat).
import { ScopedVars, TimeRange, TypedVariableModel } from '@grafana/data';
import { TemplateSrv, VariableInterpolation } from '@grafana/runtime';

interface HostVariable {
  name: string;
  label: string;
  multi: boolean;
  options: string[];
  current: string[];
}

const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;

function escapeRegex(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');
}

function formatValue(value: string | string[], format: string | undefined): string {
  const values = Array.isArray(value) ? value : [value];
  const several = Array.isArray(value) && value.length > 1;
  switch (format) {
    case 'regex':
      return several ? `(${values.map(escapeRegex).join('|')})` : escapeRegex(values[0] ?? '');
    case 'pipe':
      return values.join('|');
    case 'csv':
      return values.join(',');
    case 'json':
      return JSON.stringify(Array.isArray(value) ? value : value);
    case 'singlequote':
      return values.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(',');
    case 'doublequote':
      return values.map((v) => `"${v.replace(/"/g, '\\"')}"`).join(',');
    case 'sqlstring':
      return values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',');
    case 'raw':
    case 'text':
      return values.join(',');
    case 'glob':
    case undefined:
      return several ? `{${values.join(',')}}` : (values[0] ?? '');
    default:
      throw new Error(`Unknown variable format "${format}"`);
  }
}

export class HostTemplateSrv implements TemplateSrv {
  private readonly variables: HostVariable[];
  private range?: TimeRange;

  constructor(variables: HostVariable[]) {
    this.variables = variables;
  }

  getVariables(): TypedVariableModel[] {
    return this.variables.map(
      (v, index) =>
        ({
          id: v.name,
          name: v.name,
          label: v.label,
          type: 'custom',
          rootStateKey: 'e2e',
          global: false,
          index,
          hide: 0,
          skipUrlSync: false,
          state: 'Done',
          error: null,
          description: null,
          multi: v.multi,
          includeAll: false,
          allValue: null,
          query: v.options.join(','),
          options: v.options.map((o) => ({ text: o, value: o, selected: v.current.includes(o) })),
          current: { text: v.current.join(' + '), value: v.multi ? v.current : v.current[0] },
        }) as unknown as TypedVariableModel
    );
  }

  containsTemplate(target?: string): boolean {
    if (!target) {
      return false;
    }
    for (const m of target.matchAll(VARIABLE)) {
      const name = m[1] ?? m[2] ?? m[4];
      if (this.lookup(name) !== undefined) {
        return true;
      }
    }
    return false;
  }

  updateTimeRange(timeRange: TimeRange): void {
    this.range = timeRange;
  }

  replace(target?: string, scopedVars?: ScopedVars, format?: string | Function, interpolations?: VariableInterpolation[]): string {
    if (!target) {
      return target ?? '';
    }
    return target.replace(VARIABLE, (match, var1, var2, fmt2, var3, fieldPath, fmt3) => {
      const name: string = var1 ?? var2 ?? var3;
      const formatName: string | undefined = fmt2 ?? fmt3;
      const scoped = scopedVars?.[name];
      const value = scoped !== undefined ? (scoped.value as string | string[]) : this.lookup(name);
      if (value === undefined) {
        interpolations?.push({ match, variableName: name, fieldPath, format: formatName, value: match, found: false });
        return match;
      }
      const variable = this.variables.find((v) => v.name === name);
      const text =
        typeof format === 'function' && !formatName
          ? String(format(value, variable, formatValue))
          : formatValue(value, formatName ?? (typeof format === 'string' ? format : undefined));
      interpolations?.push({ match, variableName: name, fieldPath, format: formatName, value: text, found: true });
      return text;
    });
  }

  private lookup(name: string): string | string[] | undefined {
    if (name === '__from' && this.range) {
      return String(this.range.from.valueOf());
    }
    if (name === '__to' && this.range) {
      return String(this.range.to.valueOf());
    }
    const variable = this.variables.find((v) => v.name === name);
    if (!variable) {
      return undefined;
    }
    return variable.multi ? variable.current : variable.current[0];
  }
}

export const templateSrv = new HostTemplateSrv([
  { name: 'service', label: 'Service', multi: false, options: ['shop'], current: ['shop'] },
  { name: 'version', label: 'Version', multi: true, options: ['v1', 'v2'], current: ['v1', 'v2'] },
]);
