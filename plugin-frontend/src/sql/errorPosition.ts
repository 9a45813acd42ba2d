// Where in the user's SQL a query error points. DuckDB reports a position as `LINE n: <text of that
// line>` and a caret `^` under the offending token, in the SQL it executed: after the backend expanded
// macros and the data source interpolated variables. Neither adds a line, so line n is the user's
// line n; the column is found by locating the token under the caret in the user's line (the candidate
// whose surrounding text agrees best with the executed line). When that fails the whole line is marked.

/** One marker, 1-based lines and columns as Monaco counts them (UTF-16 units). */
export interface SqlErrorMarker {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
  message: string;
}

const POSITION = /(?:^|\n)(LINE (\d+): )(.*)\n( *)\^/;
const DUCKDB_ERROR = /^[A-Z][A-Za-z ]* Error: /;

/**
 * The marker of an error message for `userSql`; `executedSql` is the frame meta `executedQueryString`
 * when the response carries it. Undefined when the message is no error of the SQL text (a timeout, a
 * memory limit, an empty query).
 */
export function sqlErrorMarker(errorText: string, userSql: string, executedSql?: string): SqlErrorMarker | undefined {
  const userLines = userSql.split(/\r?\n/);
  const message = errorSummary(errorText);

  const macro = /^(?:Unknown macro|Macro) (\$__\w+)/.exec(errorText);
  if (macro) {
    return markToken(userLines, macro[1], message) ?? wholeLine(userLines, firstNonEmptyLine(userLines), message);
  }

  const position = POSITION.exec(errorText);
  if (!position) {
    if (!DUCKDB_ERROR.test(errorText)) {
      return undefined;
    }
    const near = /at or near "((?:[^"]|"")*)"/.exec(errorText);
    if (near) {
      const found = markToken(userLines, near[1].replace(/""/g, '"'), message);
      if (found) {
        return found;
      }
    }
    const line = /at end of input/.test(errorText) ? lastNonEmptyLine(userLines) : firstNonEmptyLine(userLines);
    return wholeLine(userLines, line, message);
  }

  const lineNumber = Number(position[2]);
  // The caret counts characters (code points) from the start of `LINE n: `.
  const snippet = [...position[3]];
  let caret = position[4].length - [...position[1]].length;
  let core = snippet;
  if (core.slice(0, 3).join('') === '...') {
    core = core.slice(3);
    caret -= 3;
  }
  if (core.slice(-3).join('') === '...' && caret < core.length - 3) {
    core = core.slice(0, -3);
  }
  caret = Math.max(0, Math.min(caret, core.length));
  const coreText = core.join('');
  const caretUnits = core.slice(0, caret).join('').length;

  // The executed line in full, when the response has the executed SQL.
  let executedLine = coreText;
  let executedCaret = caretUnits;
  const fullLine = executedSql?.split(/\r?\n/)[lineNumber - 1];
  const at = fullLine?.indexOf(coreText) ?? -1;
  if (fullLine !== undefined && at >= 0) {
    executedLine = fullLine;
    executedCaret = at + caretUnits;
  }

  const token = tokenAt(executedLine, executedCaret);
  // The same line first; the lines around it when a wrapper moved the statement by a line.
  for (const candidate of [lineNumber, lineNumber - 1, lineNumber + 1]) {
    const userLine = userLines[candidate - 1];
    if (userLine === undefined) {
      continue;
    }
    if (userLine === executedLine) {
      return span(candidate, executedCaret, token.length || 1, message);
    }
    const column = bestMatch(userLine, token, executedLine, executedCaret);
    if (column !== undefined) {
      return span(candidate, column, token.length || 1, message);
    }
  }
  const line = lineNumber >= 1 && lineNumber <= userLines.length ? lineNumber : lastNonEmptyLine(userLines);
  return wholeLine(userLines, line, message);
}

/** The error without DuckDB's position lines (the marker shows the position). */
export function errorSummary(errorText: string): string {
  const cut = errorText.search(/\n*LINE \d+: /);
  return (cut >= 0 ? errorText.slice(0, cut) : errorText).replace(/\n{2,}/g, '\n').trim();
}

/** The token DuckDB's caret stands on: a word, a quoted string or identifier (to its end), else one character. */
function tokenAt(line: string, at: number): string {
  const rest = line.slice(at);
  const word = /^[\p{L}\p{N}_$]+/u.exec(rest);
  if (word) {
    return word[0];
  }
  const quoted = /^'(?:[^']|'')*'?|^"(?:[^"]|"")*"?/.exec(rest);
  if (quoted) {
    return quoted[0];
  }
  return rest.slice(0, 1);
}

/** Where `token` sits in the user's line: the occurrence whose neighbours agree most with the executed line. */
function bestMatch(userLine: string, token: string, executedLine: string, executedCaret: number): number | undefined {
  if (token.length === 0) {
    return undefined;
  }
  const caret = Number(executedCaret);
  const isWord = /^[\p{L}\p{N}_$]/u.test(token);
  const after = executedLine.slice(caret);
  const before = executedLine.slice(0, caret);
  let best: { column: number; score: number } | undefined;
  for (let p = userLine.indexOf(token); p >= 0; p = userLine.indexOf(token, p + 1)) {
    if (isWord && (isWordChar(userLine[p - 1]) || isWordChar(userLine[p + token.length]))) {
      continue;
    }
    const score = commonPrefix(after, userLine.slice(p)) + commonSuffix(before, userLine.slice(0, p));
    if (!best || score > best.score) {
      best = { column: p, score };
    }
  }
  return best?.column;
}

function isWordChar(ch: string | undefined): boolean {
  return ch !== undefined && /[\p{L}\p{N}_$]/u.test(ch);
}

function commonPrefix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) {
    n++;
  }
  return n;
}

function commonSuffix(a: string, b: string): number {
  let n = 0;
  while (n < a.length && n < b.length && a[a.length - 1 - n] === b[b.length - 1 - n]) {
    n++;
  }
  return n;
}

function markToken(lines: string[], token: string, message: string): SqlErrorMarker | undefined {
  for (let i = 0; i < lines.length; i++) {
    const at = lines[i].indexOf(token);
    if (at >= 0) {
      return span(i + 1, at, token.length, message);
    }
  }
  return undefined;
}

function span(line: number, column0: number, length: number, message: string): SqlErrorMarker {
  return { startLine: line, startColumn: column0 + 1, endLine: line, endColumn: column0 + 1 + length, message };
}

function wholeLine(lines: string[], line: number, message: string): SqlErrorMarker {
  const text = lines[line - 1] ?? '';
  const indent = text.length - text.trimStart().length;
  return { startLine: line, startColumn: indent + 1, endLine: line, endColumn: Math.max(text.length + 1, indent + 2), message };
}

function firstNonEmptyLine(lines: string[]): number {
  const i = lines.findIndex((l) => l.trim() !== '');
  return i < 0 ? 1 : i + 1;
}

function lastNonEmptyLine(lines: string[]): number {
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i].trim() !== '') {
      return i + 1;
    }
  }
  return 1;
}
