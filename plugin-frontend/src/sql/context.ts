// What is being typed at the cursor of a SQL text: a view after FROM/JOIN, a column after `alias.`,
// a macro or variable after `$`, anything else (columns, functions, keywords) in an expression, or
// nothing inside a comment or a string. Also the views the statement reads, with their aliases, so
// columns complete from the views in use. Works on the tolerant lexer's tokens: half-typed SQL is the
// normal case here.
import { SqlToken, identifierName, isTrivia, lexSql } from './lex';

/** Offsets into the text, end exclusive. */
export interface Range {
  start: number;
  end: number;
}

/** A view (or CTE) the statement reads, with the alias it goes by. */
export interface TableReference {
  table?: string;
  alias?: string;
}

export type SqlCompletionContext =
  | { kind: 'none' }
  | { kind: 'table'; range: Range }
  | { kind: 'member'; qualifier: string; references: TableReference[]; range: Range }
  | { kind: 'dollar'; inString: boolean; range: Range }
  | { kind: 'general'; references: TableReference[]; range: Range };

/** Words that end a table reference: never an alias. */
const NOT_ALIAS = new Set([
  'where', 'group', 'order', 'join', 'left', 'right', 'inner', 'outer', 'full', 'cross', 'natural', 'positional',
  'asof', 'semi', 'anti', 'lateral', 'on', 'using', 'limit', 'offset', 'having', 'union', 'except', 'intersect',
  'window', 'qualify', 'sample', 'tablesample', 'select', 'from', 'as', 'pivot', 'unpivot', 'returning',
]);

/** Keywords after which an expression (not a view) comes, ending a FROM list. */
const CLAUSES = new Set(['select', 'from', 'where', 'group', 'order', 'having', 'limit', 'offset', 'on', 'using', 'qualify', 'window', 'set', 'values', 'by', 'join']);

export function sqlCompletionContext(text: string, offset: number): SqlCompletionContext {
  const tokens = lexSql(text);
  const at = tokens.findIndex((t) => t.start < offset && offset <= t.end);
  const token = at >= 0 ? tokens[at] : undefined;

  if (token && (token.kind === 'lineComment' || (token.kind === 'blockComment' && (token.open || offset < token.end)))) {
    return { kind: 'none' };
  }
  if (token && (token.kind === 'string' || token.kind === 'dollarString') && (token.open || offset < token.end)) {
    // Inside a string only a macro that expands there (`INTERVAL '$__interval'`).
    const before = text.slice(token.start + 1, offset);
    const dollar = /\$[\w]*$/.exec(before);
    if (token.kind === 'string' && dollar) {
      const start = token.start + 1 + dollar.index;
      return { kind: 'dollar', inString: true, range: { start, end: wordEnd(text, offset) } };
    }
    return { kind: 'none' };
  }

  // The text the item replaces: the word (or `$…`) the cursor is in or right after.
  let prefixIndex = -1;
  if (token && ['word', 'macro', 'variable', 'quotedIdentifier'].includes(token.kind)) {
    prefixIndex = at;
  } else if (token && token.kind === 'punctuation' && token.text === '$' && offset === token.end) {
    prefixIndex = at;
  } else if (token && token.kind === 'number' && offset === token.end) {
    return { kind: 'none' };
  }
  const prefix = prefixIndex >= 0 ? tokens[prefixIndex] : undefined;
  const range: Range = prefix ? { start: prefix.start, end: prefix.end } : { start: offset, end: offset };

  if (prefix && (prefix.kind === 'macro' || prefix.kind === 'variable' || prefix.text === '$')) {
    return { kind: 'dollar', inString: false, range };
  }

  const end = prefixIndex >= 0 ? prefixIndex : at >= 0 && tokens[at].end <= offset ? at + 1 : firstAfter(tokens, offset);
  const previous = previousSignificant(tokens, end);
  const references = tableReferences(tokens);

  if (previous && previous.token.text === '.') {
    const qualifierToken = previousSignificant(tokens, previous.index);
    const qualifier = qualifierToken ? identifierName(qualifierToken.token) : undefined;
    if (qualifier !== undefined) {
      return { kind: 'member', qualifier, references, range };
    }
    return { kind: 'none' };
  }
  if (expectsTable(tokens, end)) {
    return { kind: 'table', range };
  }
  return { kind: 'general', references, range };
}

/** The reference a qualifier names: an alias first, then a view by its name. */
export function resolveQualifier(qualifier: string, references: TableReference[]): TableReference | undefined {
  const q = qualifier.toLowerCase();
  return references.find((r) => r.alias?.toLowerCase() === q) ?? references.find((r) => r.table?.toLowerCase() === q && !r.alias);
}

/** Every `FROM a [AS] x, b y` and `JOIN c [AS] z` of the text, at any depth (subqueries, CTEs). */
export function tableReferences(tokens: SqlToken[]): TableReference[] {
  const significant = tokens.filter((t) => !isTrivia(t));
  const references: TableReference[] = [];
  for (let i = 0; i < significant.length; i++) {
    const word = significant[i].kind === 'word' ? significant[i].text.toLowerCase() : '';
    if (word !== 'from' && word !== 'join') {
      continue;
    }
    let j = i + 1;
    for (;;) {
      const parsed = parseReference(significant, j);
      if (!parsed) {
        break;
      }
      if (parsed.reference.table !== undefined || parsed.reference.alias !== undefined) {
        references.push(parsed.reference);
      }
      j = parsed.next;
      // A comma continues a FROM list; JOIN lists hold one reference.
      if (word === 'from' && significant[j]?.text === ',') {
        j++;
        continue;
      }
      break;
    }
  }
  return references;
}

function parseReference(tokens: SqlToken[], start: number): { reference: TableReference; next: number } | undefined {
  let j = start;
  let table: string | undefined;
  const first = tokens[j];
  if (!first) {
    return undefined;
  }
  if (first.text === '(') {
    // A subquery: skip it; only its alias is known.
    j = afterParentheses(tokens, j);
  } else {
    const name = identifierName(first);
    if (name === undefined || (first.kind === 'word' && NOT_ALIAS.has(name.toLowerCase()))) {
      return undefined;
    }
    table = name;
    j++;
    // schema.view: the last part names the view.
    while (tokens[j]?.text === '.' && tokens[j + 1] && identifierName(tokens[j + 1]) !== undefined) {
      table = identifierName(tokens[j + 1]);
      j += 2;
    }
    // A table function: `read_parquet(...)`.
    if (tokens[j]?.text === '(') {
      j = afterParentheses(tokens, j);
      table = undefined;
    }
  }
  let alias: string | undefined;
  if (tokens[j]?.kind === 'word' && tokens[j].text.toLowerCase() === 'as') {
    j++;
  }
  const candidate = tokens[j];
  if (candidate) {
    const name = identifierName(candidate);
    if (name !== undefined && !(candidate.kind === 'word' && NOT_ALIAS.has(name.toLowerCase()))) {
      alias = name;
      j++;
    }
  }
  return { reference: { table, alias }, next: j };
}

/** The index after the parenthesis that closes the one at `open` (the end when it is not closed). */
function afterParentheses(tokens: SqlToken[], open: number): number {
  let depth = 0;
  for (let j = open; j < tokens.length; j++) {
    if (tokens[j].text === '(') {
      depth++;
    } else if (tokens[j].text === ')' && --depth === 0) {
      return j + 1;
    }
  }
  return tokens.length;
}

/**
 * A view comes next: right after FROM or JOIN, or after a comma of a FROM list (at the same depth, with
 * no other clause between).
 */
function expectsTable(tokens: SqlToken[], end: number): boolean {
  const previous = previousSignificant(tokens, end);
  if (!previous) {
    return false;
  }
  const word = previous.token.kind === 'word' ? previous.token.text.toLowerCase() : '';
  if (word === 'from' || word === 'join') {
    return true;
  }
  if (previous.token.text !== ',') {
    return false;
  }
  let depth = 0;
  for (let i = previous.index - 1; i >= 0; i--) {
    const t = tokens[i];
    if (t.text === ')') {
      depth++;
    } else if (t.text === '(') {
      if (depth === 0) {
        return false;
      }
      depth--;
    } else if (depth === 0 && t.kind === 'word' && CLAUSES.has(t.text.toLowerCase())) {
      return t.text.toLowerCase() === 'from';
    }
  }
  return false;
}

function previousSignificant(tokens: SqlToken[], before: number): { token: SqlToken; index: number } | undefined {
  for (let i = before - 1; i >= 0; i--) {
    if (!isTrivia(tokens[i])) {
      return { token: tokens[i], index: i };
    }
  }
  return undefined;
}

function firstAfter(tokens: SqlToken[], offset: number): number {
  const i = tokens.findIndex((t) => t.start >= offset);
  return i < 0 ? tokens.length : i;
}

function wordEnd(text: string, offset: number): number {
  let j = offset;
  while (j < text.length && /\w/.test(text[j])) {
    j++;
  }
  return j;
}
