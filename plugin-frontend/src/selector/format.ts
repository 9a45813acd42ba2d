// Writing selectors: label names quoted only when they must be, values as double-quoted Go strings
// (what the backend's parser reads, store/Read/Query/Selectors/README.md).
import { MatchOperator, ParsedMatcher, ParsedSelector, isMatchOperator } from './parse';

/**
 * Names written without quotes: Prometheus' identifiers plus dots, as Pyroscope and our backend read
 * them (`otel.scope.name`). Anything else (`k8s-pod`, `app/name`, `é`) is written as a string.
 */
const PLAIN_LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

export function isPlainLabelName(name: string): boolean {
  return PLAIN_LABEL_NAME.test(name);
}

/** `service_name` as is, `"k8s-pod"` quoted. */
export function formatLabelName(name: string): string {
  return isPlainLabelName(name) ? name : quoteString(name);
}

/** A double-quoted string with `\\`, `\"` and control characters escaped. */
export function quoteString(value: string): string {
  let out = '"';
  for (const ch of value) {
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case '"':
        out += '\\"';
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      default: {
        const code = ch.codePointAt(0)!;
        out += code < 0x20 || code === 0x7f ? '\\x' + code.toString(16).padStart(2, '0') : ch;
      }
    }
  }
  return out + '"';
}

/** RE2 metacharacters escaped, so a value matches itself under `=~` / `!~`. */
export function escapeRegex(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

export interface Matcher {
  name: string;
  operator: MatchOperator;
  value: string;
}

export function formatMatcher(m: Matcher): string {
  return `${formatLabelName(m.name)}${m.operator}${quoteString(m.value)}`;
}

/** `{a="1", b=~"x|y"}`, with the profile type in front when given. */
export function formatSelector(matchers: Matcher[], profileTypeId?: string): string {
  return `${profileTypeId ?? ''}{${matchers.map(formatMatcher).join(', ')}}`;
}

/** A Grafana template variable reference: `$var`, `${var}`, `${var:format}`, `[[var]]`. */
const VARIABLE_REFERENCE = /\$[A-Za-z_]\w*|\$\{[^}]+\}|\[\[[^\]]+\]\]/;

export function containsVariable(text: string): boolean {
  return VARIABLE_REFERENCE.test(text);
}

/** The complete matchers of a parsed selector, in order. */
export function completeMatchers(parsed: ParsedSelector): Matcher[] {
  return parsed.matchers.filter(isRunnable).map((m) => ({ name: m.name, operator: m.operator, value: m.value }));
}

function isRunnable(m: ParsedMatcher): m is ParsedMatcher & { operator: MatchOperator; value: string } {
  return m.complete && isMatchOperator(m.operator) && m.value !== undefined;
}

/**
 * The selector that scopes completion at one matcher: the profile type (the selector's own prefix, else
 * `profileTypeId` unless it is a `$variable`) and every OTHER complete matcher, as Pyroscope scopes label
 * values by the matchers already typed. Matchers holding a `$variable` are left out: uninterpolated they
 * would match nothing, and leaving one out only widens the list.
 */
export function scopeSelector(parsed: ParsedSelector, excludeMatcher: number, profileTypeId?: string): string {
  const others = parsed.matchers
    .map((m, i) => ({ m, i }))
    .filter(({ m, i }) => i !== excludeMatcher && isRunnable(m) && !containsVariable(m.value!) && !containsVariable(m.name))
    .map(({ m }) => ({ name: m.name, operator: m.operator as MatchOperator, value: m.value! }));
  const type = parsed.profileType?.id ?? (profileTypeId && !containsVariable(profileTypeId) ? profileTypeId : undefined);
  return formatSelector(others, type);
}
