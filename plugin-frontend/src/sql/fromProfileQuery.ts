// The SQL equivalent of a builder query, offered as the starting point when a user switches to the SQL
// tab: the profile type and the selector's matchers as WHERE conditions over the `samples` view, and
// the query type as the shape (a flame graph by stack, series per time bucket and group-by labels, the
// top table of self values by function, one function over time). Every value is a quoted literal; a
// value that is a whole `$variable` stays a variable, which the data source interpolates as literals.
import { completeMatchers } from '../selector/format';
import { MatchOperator, parseSelector } from '../selector/parse';
import { ProfilesQuery, SqlFormat } from '../types';
import { sqlStringLiteral } from '../variables/sql';

/** A value that is exactly one template variable reference. */
const WHOLE_VARIABLE = /^(?:\$[A-Za-z_]\w*|\$\{[^}]+\}|\[\[[^\]]+\]\])$/;

export function profileQueryToSql(query: ProfilesQuery): string {
  switch (query.queryType) {
    case 'metrics':
    case 'both':
      return seriesSql(query);
    case 'top':
      return topSql(query);
    case 'function':
      return functionSql(query);
    case 'diff':
      return (
        '-- The comparison side of the diff; DuckDB SQL answers one flame graph at a time.\n' +
        flameGraphSql({ ...query, labelSelector: query.right?.labelSelector ?? query.labelSelector, profileTypeId: query.right?.profileTypeId ?? query.profileTypeId })
      );
    default:
      return flameGraphSql(query);
  }
}

/** The format the SQL of `profileQueryToSql` is meant to be shown with. */
export function sqlFormatFor(query: ProfilesQuery): SqlFormat {
  switch (query.queryType) {
    case 'metrics':
    case 'both':
    case 'function':
      return 'time_series';
    case 'top':
      return 'table';
    default:
      return 'flamegraph';
  }
}

function flameGraphSql(query: ProfilesQuery): string {
  return ['SELECT stack_id, sum(value) AS value', 'FROM samples', where(conditions(query, '')), 'GROUP BY stack_id'].join('\n');
}

function seriesSql(query: ProfilesQuery): string {
  const labels = groupByColumns(query, '');
  const select = ['$__timeGroupAlias(time, $__interval)', ...labels, 'sum(value) AS value'];
  const groups = select.slice(0, -1).map((_, i) => String(i + 1));
  return [`SELECT ${select.join(', ')}`, 'FROM samples', where(conditions(query, '')), `GROUP BY ${groups.join(', ')}`, 'ORDER BY 1'].join('\n');
}

function topSql(query: ProfilesQuery): string {
  return [
    'SELECT f.name AS function, sum(s.value) AS self',
    'FROM samples s',
    'JOIN stack_frames f ON f.stack_id = s.stack_id AND f.is_leaf',
    where(conditions(query, 's.')),
    'GROUP BY f.name',
    'ORDER BY self DESC',
    `LIMIT ${positiveInt(query.limit) ?? 100}`,
  ].join('\n');
}

function functionSql(query: ProfilesQuery): string {
  const labels = groupByColumns(query, 's.');
  const select = ['$__timeGroupAlias(s.time, $__interval)', ...labels, 'sum(s.value) AS value'];
  const groups = select.slice(0, -1).map((_, i) => String(i + 1));
  const name = query.functionRegex
    ? `regexp_full_match(f.name, ${sqlStringLiteral(query.functionRegex)})`
    : `f.name = ${sqlStringLiteral(query.function ?? '')}`;
  // Self: the function was running (the leaf); total: it was anywhere on the stack.
  const frames = `SELECT f.stack_id FROM stack_frames f WHERE ${name}${query.valueKind === 'self' ? ' AND f.is_leaf' : ''}`;
  return [
    `SELECT ${select.join(', ')}`,
    'FROM samples s',
    where([...conditions(query, 's.'), `s.stack_id IN (${frames})`]),
    `GROUP BY ${groups.join(', ')}`,
    'ORDER BY 1',
  ].join('\n');
}

function where(conditions: string[]): string {
  return `WHERE ${conditions.join('\n  AND ')}`;
}

/** The time filter, the profile type and one condition per complete matcher of the selector. */
function conditions(query: ProfilesQuery, prefix: string): string[] {
  const parsed = parseSelector(query.labelSelector ?? '');
  const out = [`$__timeFilter(${prefix}time)`];
  const profileType = parsed.profileType?.id ?? query.profileTypeId;
  if (profileType) {
    out.push(compare(`${prefix}profile_type`, '=', profileType));
  }
  for (const m of completeMatchers(parsed)) {
    out.push(compare(labelColumn(m.name, prefix), m.operator, m.value));
  }
  return out;
}

/**
 * A matcher as SQL, with Prometheus' meaning: a missing label is the empty string, regular expressions
 * match the whole value (RE2, as DuckDB's regexp functions).
 */
function compare(column: string, operator: MatchOperator, value: string): string {
  const variable = WHOLE_VARIABLE.test(value);
  switch (operator) {
    case '=':
      return variable ? `${column} IN (${value})` : `${column} = ${sqlStringLiteral(value)}`;
    case '!=':
      return variable ? `${column} NOT IN (${value})` : `${column} != ${sqlStringLiteral(value)}`;
    case '=~':
      return `regexp_full_match(${column}, ${sqlStringLiteral(value)})`;
    case '!~':
      return `NOT regexp_full_match(${column}, ${sqlStringLiteral(value)})`;
  }
}

function labelColumn(name: string, prefix: string): string {
  return name === 'service_name' ? `${prefix}service_name` : `coalesce(${prefix}labels[${sqlStringLiteral(name)}], '')`;
}

/** Group-by labels as string columns named after the label (the series' labels). */
function groupByColumns(query: ProfilesQuery, prefix: string): string[] {
  return (query.groupBy ?? []).filter((l) => l.trim() !== '').map((l) => `${labelColumn(l, prefix)} AS ${quoteIdentifier(l)}`);
}

function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function positiveInt(n: number | undefined): number | undefined {
  return n !== undefined && Number.isInteger(n) && n > 0 ? n : undefined;
}
