// The Function tab's choice between one function by name (`function`) and a pattern (`functionRegex`,
// RE2, full match), and the checks of a pattern a person types before the backend sees it.
import { escapeRegex } from '../selector/format';
import { Checked } from '../selector/queryOptions';
import { ProfilesQuery } from '../types';
import { findReferences } from '../variables/references';

/** Whether the query selects by pattern. */
export function usesRegex(query: ProfilesQuery): boolean {
  return query.functionRegex !== undefined && query.function === undefined;
}

/**
 * The query switched between name and pattern, carrying what was typed: a name becomes the pattern
 * matching exactly it, and a pattern that matches one name only becomes that name.
 */
export function toggleRegex(query: ProfilesQuery, regex: boolean): ProfilesQuery {
  const { function: name, functionRegex, ...rest } = query;
  if (regex) {
    return { ...rest, functionRegex: name ? escapeRegex(name) : (functionRegex ?? '') };
  }
  const literal = functionRegex !== undefined ? literalOf(functionRegex) : undefined;
  return { ...rest, function: name ?? literal ?? '' };
}

/** The one name a pattern matches when it is an escaped literal (`main\.handler` → `main.handler`). */
export function literalOf(pattern: string): string | undefined {
  if (!/^(?:\\[\\.+*?()|[\]{}^$]|[^\\.+*?()|[\]{}^$])*$/.test(pattern)) {
    return undefined;
  }
  return pattern.replace(/\\(.)/g, '$1');
}

/** RE2 has none of these (it guarantees linear time); DuckDB would refuse the query. */
const NOT_RE2: Array<{ re: RegExp; what: string }> = [
  { re: /\(\?<?[=!]/, what: 'lookarounds ((?=…), (?!…), (?<=…), (?<!…))' },
  { re: /\\[1-9]/, what: 'backreferences (\\1)' },
  { re: /\(\?>/, what: 'atomic groups ((?>…))' },
  { re: /[*+?}][+]/, what: 'possessive quantifiers (*+, ++)' },
];

/** A pattern as the backend takes it, or why not: empty, not RE2, or not a well-formed pattern. */
export function checkFunctionRegex(text: string): Checked<string> {
  const pattern = text.trim();
  if (pattern === '') {
    return { ok: false, error: 'Enter a pattern of function names, e.g. encoding/json\\..*' };
  }
  if (findReferences(pattern).length > 0) {
    return { ok: true, value: pattern };
  }
  const unsupported = NOT_RE2.find((n) => n.re.test(pattern));
  if (unsupported) {
    return { ok: false, error: `Function pattern uses ${unsupported.what}, which RE2 does not support` };
  }
  // RE2's leading flags, `(?i)` and `(?s)`, are not JavaScript syntax: checked without them.
  const body = pattern.replace(/^\(\?[imsU]+\)/, '');
  try {
    new RegExp(body);
  } catch (e) {
    const reason = e instanceof Error ? e.message.replace(/^Invalid regular expression: /, '') : String(e);
    return { ok: false, error: `Function pattern is not a valid pattern: ${reason}` };
  }
  return { ok: true, value: pattern };
}

/** The tab's one-line hint: `Function main.handler: self over time, one series per region`. */
export function functionSummary(query: ProfilesQuery): string {
  const kind = query.valueKind === 'self' ? 'self' : 'total';
  const target = usesRegex(query)
    ? query.functionRegex
      ? `Functions matching ${query.functionRegex} (summed, each stack once)`
      : 'No pattern yet'
    : query.function
      ? `Function ${query.function}`
      : 'No function yet';
  const groups = query.groupBy?.length ? `, one series per ${query.groupBy.join(', ')}` : '';
  return `${target}: ${kind} over time${groups}`;
}
