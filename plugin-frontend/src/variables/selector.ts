// Interpolating template variables into a label selector so that no value can change its structure:
// a value is written inside a double-quoted string with its quotes and backslashes escaped, and a
// multi-value (or "All") variable used as the value of `=` / `!=` turns the matcher into `=~` / `!~`
// over an alternation of regex-escaped values:
//   {service_name="$svc"} with [a.b, c]  →  {service_name=~"a\\.b|c"}
import { escapeRegex, quoteString } from '../selector/format';

import { decodeGoString } from './goString';
import { Reference, Resolve, Resolved, findReferences } from './references';

/**
 * Matches nothing: a class without any character (RE2 has no `(?!)`). An empty multi-value selection
 * selects nothing, so `=` matches no series and `!=` every series.
 */
export const MATCH_NOTHING = '[^\\s\\S]';

type Operator = '=' | '!=' | '=~' | '!~';

const TRAILING_OPERATOR = /(=~|!~|!=|=)(\s*)$/;

interface StringSegment {
  quote: '"' | "'" | '`';
  /** Text between the quotes. */
  raw: string;
  /** The whole string as written (with its quotes). */
  text: string;
}

/** Splits selector text into strings (`"…"`, `'…'` with escapes, raw `` `…` ``) and the text between them. */
function segments(text: string): Array<string | StringSegment> {
  const out: Array<string | StringSegment> = [];
  let plain = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c !== '"' && c !== "'" && c !== '`') {
      plain += c;
      i++;
      continue;
    }
    let j = i + 1;
    while (j < text.length && text[j] !== c && (c === '`' || text[j] !== '\n')) {
      j += c !== '`' && text[j] === '\\' ? 2 : 1;
    }
    const closed = j < text.length && text[j] === c;
    if (!closed) {
      // An open string: left as written, the backend reports where it starts.
      plain += text.slice(i);
      break;
    }
    if (plain) {
      out.push(plain);
      plain = '';
    }
    out.push({ quote: c, raw: text.slice(i + 1, j), text: text.slice(i, j + 1) });
    i = j + 1;
  }
  if (plain) {
    out.push(plain);
  }
  return out;
}

type Part = { literal: string } | { reference: Reference; resolved: Resolved };

/**
 * A matcher's value with its variables: the operator to write (converted when a variable has several
 * values) and the decoded value, or undefined when a literal part has an invalid escape.
 */
function matcherValue(op: Operator, parts: Part[]): { op: Operator; value: string } {
  const several = parts.some((p) => 'resolved' in p && p.resolved.kind === 'values' && p.resolved.values.length !== 1);
  const wasRegex = op === '=~' || op === '!~';
  const converted = !wasRegex && several;
  const newOp: Operator = converted ? (op === '=' ? '=~' : '!~') : op;
  const alone = parts.filter((p) => !('literal' in p) || p.literal !== '').length === 1;
  let value = '';
  for (const p of parts) {
    if ('literal' in p) {
      value += converted ? escapeRegex(p.literal) : p.literal;
      continue;
    }
    const r = p.resolved;
    if (r.kind !== 'values') {
      value += r.text;
    } else if (!wasRegex && !converted) {
      value += r.values[0];
    } else {
      // Values of a multi-value or "All" variable are data: escaped. A single-value variable in a
      // regex matcher may hold a pattern (a text box), as in Grafana's Prometheus data source.
      const alternatives = converted || r.multi ? r.values.map(escapeRegex) : r.values;
      if (alternatives.length === 0) {
        value += MATCH_NOTHING;
      } else if (alternatives.length === 1 || alone) {
        value += alternatives.join('|');
      } else {
        value += `(?:${alternatives.join('|')})`;
      }
    }
  }
  return { op: newOp, value };
}

/** The parts of a string's inside: literal text decoded, references resolved; undefined on a bad escape. */
function stringParts(s: StringSegment, resolve: Resolve): Part[] | undefined {
  const parts: Part[] = [];
  let last = 0;
  const literal = (raw: string): boolean => {
    const decoded = s.quote === '`' ? raw : decodeGoString(raw, s.quote);
    if (decoded === undefined) {
      return false;
    }
    parts.push({ literal: decoded });
    return true;
  };
  for (const reference of findReferences(s.raw)) {
    if (!literal(s.raw.slice(last, reference.start))) {
      return undefined;
    }
    parts.push({ reference, resolved: resolve(reference) });
    last = reference.end;
  }
  return literal(s.raw.slice(last)) ? parts : undefined;
}

/** Several values outside a matcher value (a profile type prefix, a label name): joined with `,`. */
function plainText(r: Resolved): string {
  return r.kind === 'values' ? r.values.join(',') : r.text;
}

/**
 * The selector with its variables interpolated. Inside a matcher's value (quoted, or a bare `$var`
 * right after the operator) values are escaped as described above and the value is rewritten as a
 * double-quoted string; elsewhere (a `$type{…}` prefix, a label name) a value is inserted as it is.
 * A string with an invalid escape is left as written, so the backend's error points at it.
 */
export function interpolateSelector(text: string, resolve: Resolve): string {
  let out = '';
  for (const seg of segments(text)) {
    if (typeof seg === 'string') {
      let last = 0;
      for (const reference of findReferences(seg)) {
        out += seg.slice(last, reference.start);
        last = reference.end;
        const resolved = resolve(reference);
        const op = TRAILING_OPERATOR.exec(out);
        if (op && resolved.kind !== 'unknown') {
          const m = matcherValue(op[1] as Operator, [{ reference, resolved }]);
          out = out.slice(0, op.index) + m.op + op[2] + quoteString(m.value);
        } else {
          out += plainText(resolved);
        }
      }
      out += seg.slice(last);
      continue;
    }
    if (findReferences(seg.raw).length === 0) {
      out += seg.text;
      continue;
    }
    const parts = stringParts(seg, resolve);
    if (!parts) {
      out += seg.text;
      continue;
    }
    const op = TRAILING_OPERATOR.exec(out);
    if (op) {
      const m = matcherValue(op[1] as Operator, parts);
      out = out.slice(0, op.index) + m.op + op[2] + quoteString(m.value);
    } else {
      // A quoted label name.
      out += quoteString(parts.map((p) => ('literal' in p ? p.literal : plainText(p.resolved))).join(''));
    }
  }
  return out;
}
