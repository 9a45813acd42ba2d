import type { SqlSchema } from '../datasource';
import { sqlCompletions } from './completions';

const SCHEMA: SqlSchema = {
  tenant: 'default',
  tables: [
    {
      name: 'samples',
      description: 'One row per sample.',
      columns: [
        { name: 'time', type: 'TIMESTAMP', description: 'When' },
        { name: 'service_name', type: 'VARCHAR', description: 'Service' },
        { name: 'stack_id', type: 'UBIGINT', description: 'Stack' },
        { name: 'value', type: 'BIGINT', description: 'Value' },
      ],
    },
    {
      name: 'stack_frames',
      description: 'One row per frame.',
      columns: [
        { name: 'stack_id', type: 'UBIGINT', description: 'Stack' },
        { name: 'name', type: 'VARCHAR', description: 'Function name' },
        { name: 'is_leaf', type: 'BOOLEAN', description: 'Leaf frame' },
      ],
    },
  ],
  macros: [
    { syntax: '$__timeFilter(column)', expansion: "column BETWEEN from AND to" },
    { syntax: '$__timeGroupAlias(column, interval)', expansion: 'time_bucket(interval, column) AS time' },
    { syntax: '$__interval', expansion: "the panel's interval" },
  ],
};

function complete(textWithCursor: string, schema: SqlSchema | null = SCHEMA, variables = ['service', 'env']) {
  const offset = textWithCursor.indexOf('|');
  return sqlCompletions(textWithCursor.replace('|', ''), offset, schema ?? undefined, variables);
}

const labels = (items: ReturnType<typeof complete>) => items.map((i) => i.label);

describe('sqlCompletions', () => {
  it('lists the views after FROM, documented with their columns', () => {
    const items = complete('SELECT * FROM |');
    expect(labels(items)).toEqual(['samples', 'stack_frames']);
    expect(items[0]).toMatchObject({ kind: 'view', documentation: expect.stringContaining('Columns: time, service_name, stack_id, value') });
  });

  it('lists one view\'s columns after its alias and a dot, in the view\'s order, with their types', () => {
    const items = complete('SELECT f.| FROM samples s JOIN stack_frames f ON f.stack_id = s.stack_id');
    expect(labels(items)).toEqual(['stack_id', 'name', 'is_leaf']);
    expect(items[1]).toMatchObject({ kind: 'column', detail: 'VARCHAR — stack_frames', documentation: 'Function name' });
    // A view's own name qualifies too; an unknown qualifier has no columns.
    expect(labels(complete('SELECT samples.| FROM samples'))).toContain('service_name');
    expect(complete('SELECT nope.| FROM samples')).toEqual([]);
  });

  it('offers the read views\' columns first in an expression, each column once with every view that has it', () => {
    const items = complete('SELECT | FROM samples s JOIN stack_frames f ON true');
    const stackId = items.filter((i) => i.label === 'stack_id');
    expect(stackId).toHaveLength(1);
    expect(stackId[0].detail).toBe('UBIGINT — samples, stack_frames');
    const sorted = [...items].sort((a, b) => a.sortText.localeCompare(b.sortText));
    expect(sorted[0].kind).toBe('column');
    expect(labels(items)).toEqual(expect.arrayContaining(['sum', 'regexp_full_match', 'SELECT', 'GROUP BY', '$__timeFilter', '$service']));
  });

  it('offers functions as snippets with their signature and aggregates marked', () => {
    const sum = complete('SELECT |').find((i) => i.label === 'sum');
    expect(sum).toMatchObject({ kind: 'function', snippet: true, insertText: 'sum($0)', detail: 'sum(arg) — aggregate' });
  });

  it('offers macros as snippets with their expansion, and template variables, after $', () => {
    const items = complete('SELECT * FROM samples WHERE $|');
    expect(labels(items)).toEqual(['$__timeFilter', '$__timeGroupAlias', '$__interval', '$service', '$env']);
    const filter = items.find((i) => i.label === '$__timeFilter')!;
    expect(filter).toMatchObject({
      kind: 'macro',
      snippet: true,
      insertText: '\\$__timeFilter(${1:column})',
      detail: '$__timeFilter(column)',
      documentation: 'Expands to: column BETWEEN from AND to',
    });
    expect(items.find((i) => i.label === '$__timeGroupAlias')!.insertText).toBe('\\$__timeGroupAlias(${1:column}, ${2:interval})');
    expect(items.find((i) => i.label === '$service')).toMatchObject({ kind: 'variable', insertText: '$service' });
  });

  it('offers only the interval macros and variables inside a string', () => {
    expect(labels(complete("SELECT INTERVAL '$|'"))).toEqual(['$__interval', '$service', '$env']);
  });

  it('still offers keywords, functions and variables when the schema could not be loaded', () => {
    const items = complete('SELECT |', null);
    expect(items.some((i) => i.kind === 'keyword')).toBe(true);
    expect(items.some((i) => i.kind === 'function')).toBe(true);
    expect(items.some((i) => i.kind === 'column' || i.kind === 'view')).toBe(false);
    expect(complete('SELECT * FROM |', null)).toEqual([]);
  });

  it('offers nothing in a comment', () => {
    expect(complete('SELECT 1 -- |')).toEqual([]);
  });

  it('gives every item the range of the word it replaces', () => {
    const items = complete('SELECT * FROM stack|');
    expect(items.every((i) => i.range.start === 14 && i.range.end === 19)).toBe(true);
  });
});
