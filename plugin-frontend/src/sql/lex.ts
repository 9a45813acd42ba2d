// A tolerant lexer of DuckDB SQL as the editor sees it while it is typed: it never throws, an
// unterminated string or comment runs to the end of the text. Grafana's macros (`$__timeFilter`) and
// template variables (`$service`, `${service:csv}`, `[[service]]`) are tokens of their own, because
// they are what the backend and the data source replace before DuckDB reads the text.

export type SqlTokenKind =
  | 'whitespace'
  | 'lineComment'
  | 'blockComment'
  | 'string'
  | 'dollarString'
  | 'quotedIdentifier'
  | 'number'
  | 'word'
  | 'macro'
  | 'variable'
  | 'punctuation';

export interface SqlToken {
  kind: SqlTokenKind;
  text: string;
  start: number;
  end: number;
  /** A string, quoted identifier or comment whose closing delimiter is missing. */
  open?: boolean;
}

const WORD_START = /[\p{L}_]/u;
const WORD_PART = /[\p{L}\p{N}_$]/u;

export function lexSql(text: string): SqlToken[] {
  const tokens: SqlToken[] = [];
  let i = 0;
  const push = (kind: SqlTokenKind, end: number, open?: boolean) => {
    tokens.push({ kind, text: text.slice(i, end), start: i, end, ...(open ? { open } : {}) });
    i = end;
  };
  while (i < text.length) {
    const ch = text[i];
    const next = text[i + 1];
    if (/\s/.test(ch)) {
      let j = i + 1;
      while (j < text.length && /\s/.test(text[j])) {
        j++;
      }
      push('whitespace', j);
    } else if (ch === '-' && next === '-') {
      const nl = text.indexOf('\n', i);
      push('lineComment', nl < 0 ? text.length : nl);
    } else if (ch === '/' && next === '*') {
      const close = text.indexOf('*/', i + 2);
      push('blockComment', close < 0 ? text.length : close + 2, close < 0);
    } else if (ch === "'") {
      const end = closeQuoted(text, i, "'");
      push('string', end.end, end.open);
    } else if (ch === '"') {
      const end = closeQuoted(text, i, '"');
      push('quotedIdentifier', end.end, end.open);
    } else if (ch === '$' && next === '_' && text[i + 2] === '_') {
      let j = i + 3;
      while (j < text.length && /\w/.test(text[j])) {
        j++;
      }
      push('macro', j);
    } else if (ch === '$' && next === '{') {
      const close = text.indexOf('}', i);
      push('variable', close < 0 ? text.length : close + 1, close < 0);
    } else if (ch === '$' && next !== undefined && /[A-Za-z_]/.test(next)) {
      let j = i + 1;
      while (j < text.length && /\w/.test(text[j])) {
        j++;
      }
      push('variable', j);
    } else if (ch === '$') {
      // `$$…$$` or `$tag$…$tag$`; a lone `$` is punctuation (a variable being typed).
      const tag = /^\$(\w*)\$/.exec(text.slice(i));
      if (tag && !/^\d/.test(tag[1])) {
        const close = text.indexOf(tag[0], i + tag[0].length);
        push('dollarString', close < 0 ? text.length : close + tag[0].length, close < 0);
      } else {
        push('punctuation', i + 1);
      }
    } else if (ch === '[' && next === '[') {
      const close = text.indexOf(']]', i);
      push('variable', close < 0 ? text.length : close + 2, close < 0);
    } else if (/\d/.test(ch) || (ch === '.' && next !== undefined && /\d/.test(next))) {
      const m = /^(?:\d[\d_]*)?(?:\.\d*)?(?:[eE][+-]?\d+)?/.exec(text.slice(i))!;
      push('number', i + Math.max(1, m[0].length));
    } else if (WORD_START.test(ch)) {
      let j = i + 1;
      while (j < text.length && WORD_PART.test(text[j])) {
        j++;
      }
      push('word', j);
    } else {
      const two = text.slice(i, i + 2);
      push('punctuation', i + (['::', '<=', '>=', '<>', '!=', '||', '->', '=>', '**', '//'].includes(two) ? 2 : 1));
    }
  }
  return tokens;
}

/** A quoted run where the quote is escaped by doubling it (`'it''s'`, `"a""b"`). */
function closeQuoted(text: string, start: number, quote: string): { end: number; open: boolean } {
  let j = start + 1;
  while (j < text.length) {
    if (text[j] === quote) {
      if (text[j + 1] === quote) {
        j += 2;
        continue;
      }
      return { end: j + 1, open: false };
    }
    j++;
  }
  return { end: text.length, open: true };
}

export function isTrivia(t: SqlToken): boolean {
  return t.kind === 'whitespace' || t.kind === 'lineComment' || t.kind === 'blockComment';
}

/** An identifier's name: a word as written, a quoted identifier without quotes. */
export function identifierName(t: SqlToken): string | undefined {
  if (t.kind === 'word') {
    return t.text;
  }
  if (t.kind === 'quotedIdentifier') {
    const inner = t.open ? t.text.slice(1) : t.text.slice(1, -1);
    return inner.replace(/""/g, '"');
  }
  return undefined;
}
