// Template variable references and how one resolves: the values Grafana holds for it (our format
// function was called), text Grafana formatted itself (an explicit `${var:format}`, a custom "All"
// value, a built-in such as `$__interval`), or nothing (not a variable: the reference stays).
import { ScopedVars } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';

/** Grafana's reference syntax: `$var`, `[[var]]`, `[[var:fmt]]`, `${var}`, `${var.field}`, `${var:fmt}`. */
export const VARIABLE_REFERENCE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

export interface Reference {
  /** The reference as written. */
  text: string;
  start: number;
  end: number;
  name: string;
  /** The explicit format (`raw` in `${var:raw}`), when written. */
  format?: string;
}

export function findReferences(text: string): Reference[] {
  const found: Reference[] = [];
  for (const m of text.matchAll(new RegExp(VARIABLE_REFERENCE.source, 'g'))) {
    const name = m[1] ?? m[2] ?? m[4];
    const format = m[3] ?? m[6];
    found.push({ text: m[0], start: m.index, end: m.index + m[0].length, name, format: format || undefined });
  }
  return found;
}

export type Resolved =
  /**
   * The variable's values (one or several; none for an empty multi-value selection). `multi`: the
   * variable is multi-value or has "All", so its values are data to match literally, never patterns.
   */
  | { kind: 'values'; values: string[]; multi: boolean }
  /** Grafana formatted the reference itself; `format` is the explicit format, when one was written. */
  | { kind: 'text'; text: string; format?: string }
  /** Not a variable Grafana knows: the reference stays as written. */
  | { kind: 'unknown'; text: string };

/** Resolves one reference (the whole text of `findReferences`' match). */
export type Resolve = (reference: Reference) => Resolved;

interface FormatVariable {
  name?: string;
  multi?: boolean;
  includeAll?: boolean;
}

/**
 * A resolver over Grafana's TemplateSrv: `replace(reference, scopedVars, formatFn)` with a format
 * function that records the raw values. Grafana calls the function unless the reference names its own
 * format or the variable's "All" has a custom value; both come back as Grafana's own text. Built-in
 * variables (`$__interval`, `$__from`, `${__user.login}`) are formatted by Grafana as they are.
 */
export function templateResolver(templateSrv: TemplateSrv, scopedVars?: ScopedVars): Resolve {
  return (reference) => {
    if (reference.name.startsWith('__')) {
      const text = templateSrv.replace(reference.text, scopedVars);
      return text === reference.text ? { kind: 'unknown', text } : { kind: 'text', text, format: reference.format };
    }
    let captured: { values: string[]; multi: boolean } | undefined;
    const text = templateSrv.replace(reference.text, scopedVars, (value: unknown, variable?: FormatVariable) => {
      const values = toValues(value);
      captured = { values, multi: Array.isArray(value) || Boolean(variable?.multi || variable?.includeAll) };
      return values.join(',');
    });
    if (captured && !reference.format) {
      return { kind: 'values', ...captured };
    }
    return text === reference.text && !captured ? { kind: 'unknown', text } : { kind: 'text', text, format: reference.format };
  };
}

function toValues(value: unknown): string[] {
  if (Array.isArray(value)) {
    return value.map((v) => String(v));
  }
  return value === undefined || value === null ? [] : [String(value)];
}

/** Replaces every reference in `text` by what `render` makes of it. */
export function replaceReferences(text: string, render: (r: Reference) => string): string {
  let out = '';
  let last = 0;
  for (const r of findReferences(text)) {
    out += text.slice(last, r.start) + render(r);
    last = r.end;
  }
  return out + text.slice(last);
}
