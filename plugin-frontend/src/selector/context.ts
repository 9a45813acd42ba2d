// What the cursor expects inside a selector: the decision behind the editor's completion list.
import { MatchOperator, ParsedSelector, ParserState, isMatchOperator, isNameToken, parseSelector } from './parse';
import { Quote, Token, tokenize } from './tokenize';

/** A span of the text `[start, end)` that a completion replaces. */
export interface TextRange {
  start: number;
  end: number;
}

export type CompletionContext =
  | {
      kind: 'labelName';
      /** What is typed of the name before the cursor (decoded when quoted). */
      partial: string;
      /** The name is being typed inside quotes (`{"k8s.`). */
      quoted: boolean;
      replace: TextRange;
      /** Names of the other matchers, in order. */
      used: string[];
      /** An operator already follows the name: insert the name alone. */
      operatorFollows: boolean;
      /** No `{` yet: the insertion opens (and closes) the braces. */
      openBrace: boolean;
      /** Index of the matcher being edited, or -1 for a new one. */
      matcher: number;
      parsed: ParsedSelector;
    }
  | { kind: 'operator'; label: string; replace: TextRange; matcher: number; parsed: ParsedSelector }
  | {
      kind: 'labelValue';
      label: string;
      operator: MatchOperator;
      /** What is typed of the value before the cursor (decoded). */
      partial: string;
      /** The quote the value is being typed in, or undefined when none is typed yet. */
      quote?: Quote;
      replace: TextRange;
      matcher: number;
      parsed: ParsedSelector;
    }
  | { kind: 'none'; parsed: ParsedSelector };

/**
 * The completion context at `offset` (0…text.length; clamped). Never throws. Offsets between two
 * tokens read the state after the left one; a cursor touching the end of a name or an open string
 * continues that token.
 */
export function completionContext(text: string, offset: number): CompletionContext {
  const parsed = parseSelector(text);
  const at = Math.max(0, Math.min(Math.floor(Number.isFinite(offset) ? offset : text.length), text.length));
  const { tokens } = parsed;
  const none: CompletionContext = { kind: 'none', parsed };

  // The token the cursor is inside of, or the one it has just typed (ends at the cursor).
  const index = tokens.findIndex((t) => t.start < at && at < t.end && t.kind !== 'whitespace');
  const typed = index >= 0 ? index : tokens.findIndex((t) => t.end === at && t.kind !== 'whitespace');
  if (typed >= 0) {
    const t = tokens[typed];
    const state = parsed.stateBefore[typed];
    const matcher = parsed.matcherOf[typed];
    const inside = t.start < at && at < t.end;
    if (t.kind === 'string' && (inside || !t.terminated)) {
      return stringContext(parsed, t, state, matcher, at);
    }
    if (t.kind === 'name') {
      return nameContext(parsed, t, state, matcher, at);
    }
    if (t.kind === 'operator') {
      if (inside) {
        return none; // between `!` and `=`
      }
      const m = parsed.matchers[matcher];
      if (t.text === '!') {
        return m ? { kind: 'operator', label: m.name, replace: { start: t.start, end: t.end }, matcher, parsed } : none;
      }
      if (m && isMatchOperator(t.text) && state === 'operator') {
        return labelValue(parsed, m.name, t.text, '', undefined, { start: at, end: valueEndAfter(parsed, typed, at) }, matcher);
      }
      return none;
    }
    if (t.kind === 'profileType' || t.kind === 'invalid' || inside) {
      return none;
    }
  }

  // A name token starting at the cursor: `{|env="x"}` edits that name.
  const next = tokens.findIndex((t) => t.start >= at);
  const nextToken = next >= 0 ? tokens[next] : undefined;
  const state: ParserState = next >= 0 ? parsed.stateBefore[next] : parsed.finalState;
  if (nextToken && nextToken.start === at && nextToken.kind === 'name' && (state === 'name' || state === 'start')) {
    return nameContext(parsed, nextToken, state, parsed.matcherOf[next], at);
  }
  return betweenTokens(parsed, state, next, at);
}

function betweenTokens(parsed: ParsedSelector, state: ParserState, next: number, at: number): CompletionContext {
  const here = { start: at, end: at };
  const current = currentMatcher(parsed, next);
  switch (state) {
    case 'start':
      // Only at the start of a selector without braces (`|` or `  |`); before `{…}` nothing fits.
      if (parsed.openBrace !== undefined || parsed.tokens.some((t) => t.kind !== 'whitespace' && t.start >= at)) {
        return { kind: 'none', parsed };
      }
      return labelName(parsed, '', false, here, -1, false, true);
    case 'name':
      return labelName(parsed, '', false, here, -1, nextSignificant(parsed, next)?.kind === 'operator', false);
    case 'operator': {
      const m = parsed.matchers[current];
      return m ? { kind: 'operator', label: m.name, replace: here, matcher: current, parsed } : { kind: 'none', parsed };
    }
    case 'value': {
      const m = parsed.matchers[current];
      return m && isMatchOperator(m.operator) ? labelValue(parsed, m.name, m.operator, '', undefined, here, current) : { kind: 'none', parsed };
    }
    default:
      return { kind: 'none', parsed };
  }
}

function stringContext(parsed: ParsedSelector, t: Token, state: ParserState, matcher: number, at: number): CompletionContext {
  const partial = decodePrefix(t, at);
  // An open string is replaced up to the cursor only: it runs to the end of the line and may hold the `}`.
  const replace = { start: t.start, end: t.terminated ? t.end : at };
  if ((state === 'name' || state === 'start') && isNameToken(t)) {
    if (state === 'start' && parsed.openBrace !== undefined) {
      return { kind: 'none', parsed };
    }
    const after = parsed.tokens.indexOf(t) + 1;
    return labelName(parsed, partial, true, replace, matcher, nextSignificant(parsed, after)?.kind === 'operator', false);
  }
  if (state === 'value') {
    const m = parsed.matchers[matcher];
    if (m && isMatchOperator(m.operator)) {
      return labelValue(parsed, m.name, m.operator, partial, t.quote, replace, matcher);
    }
  }
  return { kind: 'none', parsed };
}

function nameContext(parsed: ParsedSelector, t: Token, state: ParserState, matcher: number, at: number): CompletionContext {
  const partial = parsed.text.slice(t.start, at);
  const replace = { start: t.start, end: t.end };
  if (state === 'name' || (state === 'start' && parsed.openBrace === undefined)) {
    const after = parsed.tokens.indexOf(t) + 1;
    return labelName(parsed, partial, false, replace, matcher, nextSignificant(parsed, after)?.kind === 'operator', false);
  }
  if (state === 'value') {
    // An unquoted value (`env=pro`): offer values, inserted with quotes.
    const m = parsed.matchers[matcher];
    if (m && isMatchOperator(m.operator)) {
      return labelValue(parsed, m.name, m.operator, partial, undefined, replace, matcher);
    }
  }
  return { kind: 'none', parsed };
}

function labelName(
  parsed: ParsedSelector,
  partial: string,
  quoted: boolean,
  replace: TextRange,
  matcher: number,
  operatorFollows: boolean,
  openBrace: boolean
): CompletionContext {
  const used = parsed.matchers.filter((_, i) => i !== matcher).map((m) => m.name);
  return { kind: 'labelName', partial, quoted, replace, used, operatorFollows, openBrace, matcher, parsed };
}

function labelValue(
  parsed: ParsedSelector,
  label: string,
  operator: MatchOperator,
  partial: string,
  quote: Quote | undefined,
  replace: TextRange,
  matcher: number
): CompletionContext {
  return { kind: 'labelValue', label, operator, partial, quote, replace, matcher, parsed };
}

/** The matcher open at the token index `next` (or at the end of the text). */
function currentMatcher(parsed: ParsedSelector, next: number): number {
  for (let i = (next >= 0 ? next : parsed.tokens.length) - 1; i >= 0; i--) {
    if (parsed.tokens[i].kind !== 'whitespace') {
      return parsed.matcherOf[i];
    }
  }
  return -1;
}

function nextSignificant(parsed: ParsedSelector, from: number): Token | undefined {
  if (from < 0) {
    return undefined;
  }
  return parsed.tokens.slice(from).find((t) => t.kind !== 'whitespace');
}

/** Right after an operator, a value glued to it (`env=|pro`, `env=|"x"`) is replaced too. */
function valueEndAfter(parsed: ParsedSelector, operatorToken: number, at: number): number {
  const following = parsed.tokens[operatorToken + 1];
  if (!following || following.start !== at) {
    return at;
  }
  return following.kind === 'name' || (following.kind === 'string' && following.terminated) ? following.end : at;
}

/** The decoded text of a string token between its opening quote and the cursor. */
function decodePrefix(t: Token, at: number): string {
  const raw = t.text.slice(1, Math.max(1, at - t.start));
  const reread = tokenize(t.quote! + raw)[0];
  return reread?.value ?? '';
}
