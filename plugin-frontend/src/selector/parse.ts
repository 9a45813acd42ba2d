// A tolerant parser of label selectors (the grammar of store/Read/Query/Selectors/README.md, plus quoted
// label names as in Prometheus 3: `{"k8s.pod"="a"}`). It never throws: what it cannot read becomes an
// issue, and it carries on after the next `,` or `}` — the editor asks it about text being typed.
import { Quote, Token, tokenize } from './tokenize';

export type MatchOperator = '=' | '!=' | '=~' | '!~';

export const MATCH_OPERATORS: readonly MatchOperator[] = ['=', '!=', '=~', '!~'];

export interface ParsedMatcher {
  name: string;
  /** The name was written as a string (`"k8s.pod"`). */
  nameQuoted: boolean;
  nameStart: number;
  nameEnd: number;
  /** The operator as written; a lone `!` while typing. */
  operator?: string;
  operatorStart?: number;
  operatorEnd?: number;
  /** The decoded value. */
  value?: string;
  valueQuote?: Quote;
  valueStart?: number;
  valueEnd?: number;
  /** Name, a whole operator and a closed quoted value: the backend can run it. */
  complete: boolean;
  start: number;
  end: number;
}

export interface SelectorIssue {
  /** Offset of the offending text. */
  start: number;
  end: number;
  message: string;
}

/**
 * Where the parser stands before a token:
 * `start` nothing read yet; `brace` after the profile type, a `{` must follow; `name` a label name or
 * `}` may follow; `operator` after a label name; `value` after an operator; `separator` after a value,
 * a `,` or `}` may follow; `end` after the closing `}`; `recover` skipping text it cannot read.
 */
export type ParserState = 'start' | 'brace' | 'name' | 'operator' | 'value' | 'separator' | 'end' | 'recover';

export interface ParsedSelector {
  text: string;
  tokens: Token[];
  /** `stateBefore[i]`: the state in which token `i` was read (whitespace keeps the state). */
  stateBefore: ParserState[];
  /** The state after the last token. */
  finalState: ParserState;
  /** `matcherOf[i]`: index into `matchers` of the matcher token `i` belongs to, or -1. */
  matcherOf: number[];
  profileType?: { id: string; start: number; end: number };
  /** Offset of `{`, when present. */
  openBrace?: number;
  /** Offset of the closing `}`, when present. */
  closeBrace?: number;
  matchers: ParsedMatcher[];
  issues: SelectorIssue[];
}

export function parseSelector(text: string): ParsedSelector {
  const tokens = tokenize(text);
  const result: ParsedSelector = {
    text,
    tokens,
    stateBefore: [],
    finalState: 'start',
    matcherOf: [],
    matchers: [],
    issues: [],
  };
  let state: ParserState = 'start';
  let braced = false;
  let current: ParsedMatcher | undefined;

  const issue = (t: Token, message: string) => {
    result.issues.push({ start: t.start, end: t.end, message });
  };
  const beginMatcher = (t: Token, name: string, quoted: boolean) => {
    current = { name, nameQuoted: quoted, nameStart: t.start, nameEnd: t.end, complete: false, start: t.start, end: t.end };
    result.matchers.push(current);
  };
  const fail = (t: Token, message: string) => {
    issue(t, message);
    current = undefined;
    return 'recover' as const;
  };

  for (const t of tokens) {
    result.stateBefore.push(state);
    if (t.kind === 'whitespace') {
      result.matcherOf.push(current && state !== 'separator' ? result.matchers.length - 1 : -1);
      continue;
    }
    const belongsToMatcher =
      state === 'operator' || state === 'value' || ((state === 'name' || state === 'start') && isNameToken(t));
    switch (state) {
      case 'start':
        if (t.kind === 'profileType') {
          result.profileType = { id: t.text, start: t.start, end: t.end };
          state = 'brace';
        } else if (t.kind === 'lbrace') {
          result.openBrace = t.start;
          braced = true;
          state = 'name';
        } else if (isNameToken(t)) {
          // Braces may be left out: `service_name="api"`.
          beginMatcher(t, nameOf(t), t.kind === 'string');
          state = 'operator';
        } else {
          state = fail(t, `unexpected '${t.text}': expected '{', a label name or a profile type`);
        }
        break;
      case 'brace':
        if (t.kind === 'lbrace') {
          result.openBrace = t.start;
          braced = true;
          state = 'name';
        } else {
          state = fail(t, `unexpected '${t.text}' after the profile type: expected '{'`);
        }
        break;
      case 'name':
        if (isNameToken(t)) {
          beginMatcher(t, nameOf(t), t.kind === 'string');
          state = 'operator';
        } else if (t.kind === 'rbrace' && braced) {
          result.closeBrace = t.start;
          state = 'end';
        } else {
          state = fail(t, `unexpected '${t.text}': expected a label name${braced ? " or '}'" : ''}`);
        }
        break;
      case 'operator':
        if (t.kind === 'operator' && current) {
          current.operator = t.text;
          current.operatorStart = t.start;
          current.operatorEnd = t.end;
          current.end = t.end;
          state = t.text === '!' ? 'recover' : 'value';
          if (t.text === '!') {
            issue(t, "unexpected '!': expected '!=' or '!~'");
          }
        } else {
          state = fail(t, `unexpected '${t.text}' after label '${current?.name}': expected one of = != =~ !~`);
        }
        break;
      case 'value':
        if (t.kind === 'string' && current) {
          current.value = t.value;
          current.valueQuote = t.quote;
          current.valueStart = t.start;
          current.valueEnd = t.end;
          current.end = t.end;
          current.complete = t.terminated === true;
          if (!t.terminated) {
            issue(t, `unterminated string: expected a closing ${t.quote}`);
          }
          state = 'separator';
        } else {
          state = fail(t, `unexpected '${t.text}': expected a quoted value for label '${current?.name}'`);
        }
        break;
      case 'separator':
        if (t.kind === 'comma') {
          state = 'name';
        } else if (t.kind === 'rbrace' && braced) {
          result.closeBrace = t.start;
          state = 'end';
        } else {
          state = fail(t, `unexpected '${t.text}': expected ','${braced ? " or '}'" : ''}`);
        }
        current = undefined;
        break;
      case 'end':
        state = fail(t, `unexpected '${t.text}' after the closing '}'`);
        break;
      case 'recover':
        if (t.kind === 'comma') {
          state = 'name';
        } else if (t.kind === 'rbrace' && braced) {
          result.closeBrace = t.start;
          state = 'end';
        }
        break;
    }
    result.matcherOf.push(belongsToMatcher && result.matchers.length > 0 ? result.matchers.length - 1 : -1);
  }

  result.finalState = state;
  if (current && !current.complete && state !== 'recover') {
    const last = tokens[tokens.length - 1];
    issue(last ?? { kind: 'whitespace', start: text.length, end: text.length, text: '' }, `incomplete matcher for label '${current.name}'`);
  }
  if (braced && result.closeBrace === undefined) {
    result.issues.push({ start: text.length, end: text.length, message: "missing closing '}'" });
  }
  return result;
}

/** A token that can be a label name: a plain name, or a quoted one (Prometheus 3). */
export function isNameToken(t: Token): boolean {
  return t.kind === 'name' || (t.kind === 'string' && t.quote !== '`');
}

function nameOf(t: Token): string {
  return t.kind === 'string' ? (t.value ?? '') : t.text;
}

export function isMatchOperator(op: string | undefined): op is MatchOperator {
  return op !== undefined && (MATCH_OPERATORS as readonly string[]).includes(op);
}
