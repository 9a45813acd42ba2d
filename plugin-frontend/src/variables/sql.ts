// Interpolating template variables into user SQL (DuckDB) so that a value is always data, never SQL:
// in SQL code a variable becomes a quoted string literal ('it''s'), several values a comma-separated
// list of literals (for `IN ($var)`), no value `NULL` (so `IN ($var)` matches nothing). Inside a
// string literal that the user wrote ('$var') the value is escaped for that literal instead, inside a
// quoted identifier ("$var") for the identifier. Comments and `$$…$$` strings are left alone: a value
// there could end the comment. `${var:raw}` (Grafana's raw format) inserts the text unchanged, as the
// user asked; other explicit formats (`${var:csv}`) insert what Grafana made of them in code, escaped
// inside strings. A custom "All" value is the dashboard author's SQL, inserted as written.
import { Resolve, Resolved, findReferences } from './references';

/** `it's` → `'it''s'`. DuckDB's standard strings have no backslash escapes. */
export function sqlStringLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The values as SQL: one literal, a comma-separated list, or NULL for none. */
export function sqlValueList(values: string[]): string {
  return values.length === 0 ? 'NULL' : values.map(sqlStringLiteral).join(', ');
}

type Context = 'code' | 'string' | 'escapeString' | 'identifier';

function render(r: Resolved, context: Context): string {
  if (r.kind === 'unknown') {
    return r.text;
  }
  if (r.kind === 'text' && r.format === 'raw') {
    return r.text;
  }
  if (context === 'code') {
    return r.kind === 'values' ? sqlValueList(r.values) : r.text;
  }
  const text = r.kind === 'values' ? r.values.join(',') : r.text;
  switch (context) {
    case 'string':
      return text.replace(/'/g, "''");
    case 'escapeString':
      // E'…' strings read backslash escapes: a trailing backslash must not escape the closing quote.
      return text.replace(/\\/g, '\\\\').replace(/'/g, "''");
    case 'identifier':
      return text.replace(/"/g, '""');
  }
}

function interpolateRun(text: string, resolve: Resolve, context: Context): string {
  let out = '';
  let last = 0;
  for (const reference of findReferences(text)) {
    out += text.slice(last, reference.start) + render(resolve(reference), context);
    last = reference.end;
  }
  return out + text.slice(last);
}

/** The end (exclusive) of a quoted run opened at `start` by `quote`, where a doubled quote is one character. */
function quotedEnd(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    if (backslashEscapes && sql[i] === '\\') {
      i += 2;
      continue;
    }
    if (sql[i] === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return sql.length;
}

/** The SQL with its variables interpolated (see the top of this file). */
export function interpolateSql(sql: string, resolve: Resolve): string {
  let out = '';
  let code = '';
  const flushCode = () => {
    out += interpolateRun(code, resolve, 'code');
    code = '';
  };
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    let end = -1;
    let context: Context | 'verbatim' = 'verbatim';
    if (c === '-' && next === '-') {
      const nl = sql.indexOf('\n', i);
      end = nl < 0 ? sql.length : nl;
    } else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      end = close < 0 ? sql.length : close + 2;
    } else if (c === '$' && next === '$') {
      const close = sql.indexOf('$$', i + 2);
      end = close < 0 ? sql.length : close + 2;
    } else if (c === "'") {
      const escapes = (code.endsWith('E') || code.endsWith('e')) && !/[\w$]$/.test(code.slice(0, -1));
      end = quotedEnd(sql, i, "'", escapes);
      context = escapes ? 'escapeString' : 'string';
    } else if (c === '"') {
      end = quotedEnd(sql, i, '"', false);
      context = 'identifier';
    }
    if (end < 0) {
      code += c;
      i++;
      continue;
    }
    flushCode();
    const run = sql.slice(i, end);
    out += context === 'verbatim' ? run : interpolateRun(run, resolve, context);
    i = end;
  }
  flushCode();
  return out;
}
