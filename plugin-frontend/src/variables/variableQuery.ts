// Template variable queries: today's model (VariableQuery in ../types), and the shapes dashboards
// saved before, read as a migration:
//   profile_types()                           → profile types
//   label_names()  label_names({sel})         → label names (scoped by the selector; a profile type
//                                               prefix `process_cpu:…{…}` scopes it to that type)
//   label_values(label)  label_values({sel}, label)
//                                             → values of `label` (scoped by the selector)
//   apps()                                    → values of service_name (the old Pyroscope plugin)
//   Grafana's Pyroscope data source: {type: 'profileType'}, {type: 'label', profileTypeId},
//                                    {type: 'labelValue', profileTypeId, labelName}
//   a plain string in `query` ({query: "label_values(pod)"}), as Grafana wraps a string query.
import { VariableQuery } from '../types';

export type VariableQueryType = VariableQuery['type'];

export const VARIABLE_QUERY_TYPES: Array<{ value: VariableQueryType; label: string; description: string }> = [
  { value: 'profileTypes', label: 'Profile types', description: 'Every profile type (text: its name, value: its id)' },
  { value: 'labelNames', label: 'Label names', description: 'Label names, scoped by a profile type and a selector' },
  { value: 'labelValues', label: 'Label values', description: 'Values of one label, scoped by a profile type and a selector' },
  { value: 'sql', label: 'SQL', description: 'The first column of a SQL query (a second column is the value)' },
];

/** Splits `a, {x="1,2"}, b` at top-level commas (outside braces, parentheses and strings). */
function splitArguments(text: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      current += c;
      if (c === '\\' && quote !== '`' && i + 1 < text.length) {
        current += text[++i];
      } else if (c === quote) {
        quote = undefined;
      }
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      quote = c;
    } else if (c === '{' || c === '(') {
      depth++;
    } else if (c === '}' || c === ')') {
      depth--;
    } else if (c === ',' && depth === 0) {
      args.push(current.trim());
      current = '';
      continue;
    }
    current += c;
  }
  if (current.trim() !== '' || args.length > 0) {
    args.push(current.trim());
  }
  return args;
}

const FUNCTION_CALL = /^\s*(\w+)\s*\(([\s\S]*)\)\s*$/;

const EXPECTED =
  'write profile_types(), label_names(), label_names({selector}), label_values(label) or label_values({selector}, label)';

/** A legacy string query; throws naming what it expected. */
export function parseLegacyVariableQuery(text: string): VariableQuery {
  const m = FUNCTION_CALL.exec(text);
  if (!m) {
    throw new Error(`Variable query "${text}" is not understood: ${EXPECTED}.`);
  }
  const [, fn, inner] = m;
  const args = splitArguments(inner);
  switch (fn) {
    case 'profile_types':
      return { type: 'profileTypes' };
    case 'apps':
      return { type: 'labelValues', label: 'service_name' };
    case 'label_names':
      if (args.length > 1) {
        break;
      }
      return args.length === 1 ? { type: 'labelNames', labelSelector: args[0] } : { type: 'labelNames' };
    case 'label_values':
      if (args.length === 1 && args[0] !== '') {
        return { type: 'labelValues', label: args[0] };
      }
      if (args.length === 2 && args[1] !== '') {
        return { type: 'labelValues', labelSelector: args[0], label: args[1] };
      }
      break;
  }
  throw new Error(`Variable query "${text}" is not understood: ${EXPECTED}.`);
}

/** Any saved variable query as today's model (a copy; refId kept). */
export function migrateVariableQuery(saved: unknown): VariableQuery {
  if (typeof saved === 'string') {
    return saved.trim() === '' ? { type: 'profileTypes' } : parseLegacyVariableQuery(saved);
  }
  if (!saved || typeof saved !== 'object') {
    return { type: 'profileTypes' };
  }
  const q = saved as Record<string, unknown>;
  const refId = typeof q.refId === 'string' ? { refId: q.refId } : {};
  const str = (key: string) => (typeof q[key] === 'string' && q[key] !== '' ? (q[key] as string) : undefined);
  const scope = () => ({
    ...(str('profileTypeId') ? { profileTypeId: str('profileTypeId') } : {}),
    ...(str('labelSelector') ? { labelSelector: str('labelSelector') } : {}),
  });
  switch (q.type) {
    case 'profileTypes':
    case 'profileType':
      return { ...refId, type: 'profileTypes' };
    case 'labelNames':
    case 'label':
      return { ...refId, type: 'labelNames', ...scope() };
    case 'labelValues':
    case 'labelValue':
      return { ...refId, type: 'labelValues', label: str('label') ?? str('labelName') ?? '', ...scope() };
    case 'sql':
      return { ...refId, type: 'sql', rawSql: str('rawSql') ?? '' };
  }
  if (typeof q.query === 'string') {
    return { ...refId, ...migrateVariableQuery(q.query) };
  }
  return { ...refId, type: 'profileTypes' };
}

/**
 * The query in the legacy syntax, which Grafana shows as the variable's definition in the variables
 * list (and which parseLegacyVariableQuery reads back; a profile type becomes the selector's prefix).
 */
export function describeVariableQuery(query: VariableQuery): string {
  const scoped = (q: { profileTypeId?: string; labelSelector?: string }) => {
    const selector = q.labelSelector?.trim() || '';
    if (!q.profileTypeId) {
      return selector;
    }
    return `${q.profileTypeId}${selector.startsWith('{') ? selector : `{${selector}}`}`;
  };
  switch (query.type) {
    case 'profileTypes':
      return 'profile_types()';
    case 'labelNames':
      return `label_names(${scoped(query)})`;
    case 'labelValues': {
      const scope = scoped(query);
      return scope ? `label_values(${scope}, ${query.label})` : `label_values(${query.label})`;
    }
    case 'sql':
      return query.rawSql.replace(/\s+/g, ' ').trim();
  }
}
