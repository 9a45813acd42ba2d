// A small real TemplateSrv for unit tests, following Grafana's: the reference syntax ($var, ${var},
// ${var:format}, [[var]]), scoped variables before dashboard ones, an explicit format in the reference
// winning over the caller's, a custom "All" value inserted without formatting, and a format function
// called as (value, variable, defaultFormatter), with a string[] for multi-value variables.
import { ScopedVars, TimeRange, TypedVariableModel } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';

import { VARIABLE_REFERENCE } from './references';

export interface TestVariable {
  name: string;
  /** One value, several (a multi-value variable), or `$__all`. */
  current: string | string[];
  options?: string[];
  multi?: boolean;
  includeAll?: boolean;
  allValue?: string;
}

const ALL = '$__all';

function escapeRegex(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}/]/g, '\\$&');
}

/** Grafana's named formats (the ones tests use). */
function formatNamed(value: string | string[], format: string | undefined): string {
  const values = Array.isArray(value) ? value : [value];
  switch (format) {
    case 'raw':
      return values.join(',');
    case 'regex':
      return values.length > 1 ? `(${values.map(escapeRegex).join('|')})` : escapeRegex(values[0] ?? '');
    case 'pipe':
      return values.join('|');
    case 'csv':
      return values.join(',');
    case 'sqlstring':
      return values.map((v) => `'${v.replace(/'/g, "''")}'`).join(',');
    case 'singlequote':
      return values.map((v) => `'${v.replace(/'/g, "\\'")}'`).join(',');
    case 'doublequote':
      return values.map((v) => `"${v.replace(/"/g, '\\"')}"`).join(',');
    case 'text':
      return values.join(' + ');
    case undefined:
    case 'glob':
      return values.length > 1 ? `{${values.join(',')}}` : (values[0] ?? '');
    default:
      throw new Error(`unknown format ${format}`);
  }
}

export class TestTemplateSrv implements TemplateSrv {
  constructor(private readonly variables: TestVariable[] = []) {}

  getVariables(): TypedVariableModel[] {
    return this.variables.map((v) => ({ name: v.name, type: 'custom', multi: v.multi }) as unknown as TypedVariableModel);
  }

  containsTemplate(target?: string): boolean {
    return [...(target ?? '').matchAll(new RegExp(VARIABLE_REFERENCE.source, 'g'))].some((m) => {
      const name = m[1] ?? m[2] ?? m[4];
      return this.variables.some((v) => v.name === name);
    });
  }

  updateTimeRange(_: TimeRange): void {}

  replace(target?: string, scopedVars?: ScopedVars, format?: string | Function): string {
    if (!target) {
      return target ?? '';
    }
    return target.replace(new RegExp(VARIABLE_REFERENCE.source, 'g'), (match, var1, var2, fmt2, var3, _path, fmt3) => {
      const name: string = var1 ?? var2 ?? var3;
      const fmt: string | Function | undefined = fmt2 ?? fmt3 ?? format;
      const scoped = scopedVars?.[name];
      if (scoped) {
        return this.format(scoped.value as string | string[], fmt, { name, type: 'scoped' });
      }
      const variable = this.variables.find((v) => v.name === name);
      if (!variable) {
        return match;
      }
      let value = variable.current;
      if (value === ALL || (Array.isArray(value) && value.includes(ALL))) {
        if (variable.allValue !== undefined && fmt !== 'text') {
          return variable.allValue;
        }
        value = variable.options ?? [];
      }
      return this.format(value, fmt, { name, type: 'custom', multi: variable.multi, includeAll: variable.includeAll });
    });
  }

  private format(value: string | string[], fmt: string | Function | undefined, variable: object): string {
    if (typeof fmt === 'function') {
      return String(fmt(value, variable, formatNamed));
    }
    return formatNamed(value, fmt);
  }
}
