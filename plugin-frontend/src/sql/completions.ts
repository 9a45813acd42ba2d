// What the SQL editor offers at a cursor, from the backend's schema (views, columns, macros), DuckDB's
// functions, SQL keywords and the dashboard's template variables. Pure: the editor maps the items to
// Monaco's; Monaco filters them by the typed prefix.
import type { SqlSchema } from '../datasource';
import { Range, TableReference, resolveQualifier, sqlCompletionContext } from './context';
import { DUCKDB_FUNCTIONS, SQL_KEYWORDS } from './duckdbFunctions';

export type SqlCompletionKind = 'view' | 'column' | 'function' | 'keyword' | 'macro' | 'variable';

export interface SqlCompletionItem {
  label: string;
  kind: SqlCompletionKind;
  insertText: string;
  /** insertText is a Monaco snippet (`${1:column}` placeholders, `\$` for a dollar). */
  snippet?: boolean;
  detail?: string;
  documentation?: string;
  /** Offsets of the text the item replaces. */
  range: Range;
  sortText: string;
}

/** Macros that also expand inside single-quoted strings (`INTERVAL '$__interval'`). */
const STRING_MACROS = new Set(['$__interval', '$__interval_ms']);

export function sqlCompletions(text: string, offset: number, schema: SqlSchema | undefined, variables: string[]): SqlCompletionItem[] {
  const context = sqlCompletionContext(text, offset);
  const tables = schema?.tables ?? [];
  switch (context.kind) {
    case 'none':
      return [];
    case 'table':
      return tables.map((t) => ({
        label: t.name,
        kind: 'view',
        insertText: t.name,
        detail: 'view',
        documentation: `${t.description}\n\nColumns: ${t.columns.map((c) => c.name).join(', ')}`,
        range: context.range,
        sortText: `0${t.name}`,
      }));
    case 'member': {
      const reference = resolveQualifier(context.qualifier, context.references) ?? { table: context.qualifier };
      const table = tables.find((t) => t.name.toLowerCase() === reference.table?.toLowerCase());
      return (table?.columns ?? []).map((c, i) => ({
        label: c.name,
        kind: 'column',
        insertText: c.name,
        detail: `${c.type} — ${table!.name}`,
        documentation: c.description,
        range: context.range,
        // The view's own order: time, service, …
        sortText: `0${String(i).padStart(3, '0')}`,
      }));
    }
    case 'dollar':
      return [
        ...macroItems(schema, context.range).filter((m) => !context.inString || STRING_MACROS.has(m.label)),
        ...variableItems(variables, context.range),
      ];
    case 'general':
      return [
        ...columnItems(tables, context.references, context.range),
        ...DUCKDB_FUNCTIONS.map<SqlCompletionItem>((fn) => ({
          label: fn.name,
          kind: 'function',
          insertText: `${fn.name}($0)`,
          snippet: true,
          detail: fn.signature + (fn.aggregate ? ' — aggregate' : ''),
          documentation: fn.description,
          range: context.range,
          sortText: `2${fn.name}`,
        })),
        ...SQL_KEYWORDS.map<SqlCompletionItem>((k) => ({
          label: k,
          kind: 'keyword',
          insertText: k,
          range: context.range,
          sortText: `3${k}`,
        })),
        ...macroItems(schema, context.range),
        ...variableItems(variables, context.range),
        // A view also fits here (a subquery's FROM being written, a qualifier about to be typed).
        ...tables.map<SqlCompletionItem>((t) => ({
          label: t.name,
          kind: 'view',
          insertText: t.name,
          detail: 'view',
          documentation: t.description,
          range: context.range,
          sortText: `5${t.name}`,
        })),
      ];
  }
}

/**
 * The columns of the views the query reads; every view's when it reads none yet (a SELECT typed before
 * its FROM). A column in several views is one item naming them all.
 */
function columnItems(tables: SqlSchema['tables'], references: TableReference[], range: Range): SqlCompletionItem[] {
  const read = tables.filter((t) => references.some((r) => r.table?.toLowerCase() === t.name.toLowerCase()));
  const sources = read.length > 0 ? read : tables;
  const byName = new Map<string, { type: string; description: string; views: string[] }>();
  for (const table of sources) {
    for (const c of table.columns) {
      const seen = byName.get(c.name);
      if (seen) {
        seen.views.push(table.name);
      } else {
        byName.set(c.name, { type: c.type, description: c.description, views: [table.name] });
      }
    }
  }
  return [...byName].map(([name, c]) => ({
    label: name,
    kind: 'column',
    insertText: name,
    detail: `${c.type} — ${c.views.join(', ')}`,
    documentation: c.description,
    range,
    sortText: `${read.length > 0 ? 1 : 4}${name}`,
  }));
}

/** `$__timeFilter(column)` → the snippet `\$__timeFilter(${1:column})`, documented with its expansion. */
function macroItems(schema: SqlSchema | undefined, range: Range): SqlCompletionItem[] {
  return (schema?.macros ?? []).map((m) => {
    const open = m.syntax.indexOf('(');
    const name = open < 0 ? m.syntax : m.syntax.slice(0, open);
    const args = open < 0 ? [] : m.syntax.slice(open + 1, m.syntax.lastIndexOf(')')).split(',').map((a) => a.trim()).filter(Boolean);
    const insertText =
      '\\' + name + (open < 0 ? '' : `(${args.map((a, i) => `\${${i + 1}:${escapeSnippet(a)}}`).join(', ')})`);
    return {
      label: name,
      kind: 'macro',
      insertText,
      snippet: true,
      detail: m.syntax,
      documentation: `Expands to: ${m.expansion}`,
      range,
      sortText: `6${name}`,
    };
  });
}

function variableItems(variables: string[], range: Range): SqlCompletionItem[] {
  return variables.map((v) => ({
    label: `$${v}`,
    kind: 'variable',
    insertText: `$${v}`,
    detail: 'template variable',
    documentation: 'Replaced by its value as a quoted SQL literal (a list of literals for a multi-value variable).',
    range,
    sortText: `7${v}`,
  }));
}

function escapeSnippet(text: string): string {
  return text.replace(/[$}\\]/g, '\\$&');
}
