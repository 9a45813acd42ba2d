// Ad-hoc filters (Grafana's "Filters" variable) as label matchers appended to a selector. A filter
// replaces nothing the user wrote: `{service_name="api"}` with env=prod becomes
// `{service_name="api", env="prod"}`, and all matchers must hold. Grafana's multi-value operators
// `=|` ("one of") and `!=|` ("not one of") become `=~` / `!~` over regex-escaped values.
import { AdHocVariableFilter } from '@grafana/data';

import { escapeRegex, formatLabelName, quoteString } from '../selector/format';

import { MATCH_NOTHING } from './selector';

export const AD_HOC_OPERATORS = ['=', '!=', '=~', '!~', '=|', '!=|'] as const;

/** One filter as a matcher; throws naming the filter when its operator has no selector equivalent. */
export function adHocMatcher(filter: AdHocVariableFilter): string {
  const name = formatLabelName(filter.key);
  switch (filter.operator) {
    case '=':
    case '!=':
    case '=~':
    case '!~':
      return `${name}${filter.operator}${quoteString(filter.value ?? '')}`;
    case '=|':
    case '!=|': {
      const values = filter.values ?? (filter.value !== undefined ? [filter.value] : []);
      const pattern = values.length === 0 ? MATCH_NOTHING : values.map(escapeRegex).join('|');
      return `${name}${filter.operator === '=|' ? '=~' : '!~'}${quoteString(pattern)}`;
    }
    default:
      throw new Error(
        `Ad-hoc filter "${filter.key} ${filter.operator} ${filter.value}": the operator ${filter.operator} has no ` +
          `label selector equivalent; use one of ${AD_HOC_OPERATORS.join(', ')}.`
      );
  }
}

/** Position of the last `}` outside strings, and whether a `{` was seen outside strings. */
function braces(text: string): { open: number; close: number } {
  let open = -1;
  let close = -1;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) {
        j += c !== '`' && text[j] === '\\' ? 2 : 1;
      }
      i = j + 1;
      continue;
    }
    if (c === '{' && open < 0) {
      open = i;
    } else if (c === '}') {
      close = i;
    }
    i++;
  }
  return { open, close };
}

/** A profile type alone (`process_cpu:cpu:nanoseconds:cpu:nanoseconds`), without braces. */
const BARE_PROFILE_TYPE = /^[A-Za-z_][\w.-]*(?::[\w.-]+){4}$/;

/** The selector with the filters appended as matchers. */
export function applyAdHocFilters(selector: string | undefined, filters: AdHocVariableFilter[] | undefined): string | undefined {
  if (!filters || filters.length === 0) {
    return selector;
  }
  const added = filters.map(adHocMatcher).join(', ');
  const text = (selector ?? '').trim();
  if (text === '') {
    return `{${added}}`;
  }
  const { open, close } = braces(text);
  if (open < 0) {
    return BARE_PROFILE_TYPE.test(text) ? `${text}{${added}}` : `${text.replace(/,\s*$/, '')}, ${added}`;
  }
  if (close < open) {
    // No closing brace: the selector is incomplete, the backend says so; the filters go at the end.
    return `${text.replace(/,\s*$/, '')}, ${added}`;
  }
  const inside = text.slice(open + 1, close).trimEnd();
  const separator = inside.trim() === '' ? '' : inside.endsWith(',') ? ' ' : ', ';
  return `${text.slice(0, open + 1)}${inside}${separator}${added}${text.slice(close)}`;
}
