import { resolveQualifier, sqlCompletionContext, tableReferences } from './context';
import { lexSql } from './lex';

/** The context at the `|` of the text. */
function at(textWithCursor: string) {
  const offset = textWithCursor.indexOf('|');
  return sqlCompletionContext(textWithCursor.replace('|', ''), offset);
}

describe('sqlCompletionContext', () => {
  it.each([
    ['SELECT * FROM |'],
    ['SELECT * FROM sam|'],
    ['SELECT * FROM samples s JOIN |'],
    ['SELECT * FROM samples s LEFT JOIN stack|'],
    ['SELECT * FROM samples s, |'],
    ['SELECT * FROM (SELECT 1) t, |'],
    ['WITH x AS (SELECT * FROM |) SELECT 1'],
  ])('offers views after FROM, JOIN and a comma of a FROM list: %s', (text) => {
    expect(at(text).kind).toBe('table');
  });

  it.each([
    ['SELECT |'],
    ['SELECT a, |'],
    ['SELECT * FROM samples WHERE |'],
    ['SELECT * FROM samples WHERE x IN (1, |)'],
    ['SELECT * FROM samples GROUP BY a, |'],
    ['SELECT count(|) FROM samples'],
  ])('offers columns, functions and keywords in expressions: %s', (text) => {
    expect(at(text).kind).toBe('general');
  });

  it('replaces the word being typed', () => {
    const c = at('SELECT * FROM sam|');
    expect(c).toEqual({ kind: 'table', range: { start: 14, end: 17 } });
    // In the middle of a word the whole word is replaced.
    expect(at('SELECT * FROM sa|mp WHERE 1')).toEqual({ kind: 'table', range: { start: 14, end: 18 } });
    // After whitespace nothing is replaced.
    expect(at('SELECT * FROM |')).toEqual({ kind: 'table', range: { start: 14, end: 14 } });
  });

  it('completes a qualified column from the alias or view before the dot', () => {
    const c = at('SELECT s.| FROM samples s JOIN stack_frames AS f ON f.stack_id = s.stack_id');
    expect(c.kind).toBe('member');
    if (c.kind !== 'member') {
      return;
    }
    expect(c.qualifier).toBe('s');
    expect(resolveQualifier(c.qualifier, c.references)).toEqual({ table: 'samples', alias: 's' });
    expect(resolveQualifier('f', c.references)).toEqual({ table: 'stack_frames', alias: 'f' });

    const partial = at('SELECT f.na| FROM stack_frames f');
    expect(partial).toMatchObject({ kind: 'member', qualifier: 'f', range: { start: 9, end: 11 } });
    expect(at('SELECT "my view".| FROM "my view"')).toMatchObject({ kind: 'member', qualifier: 'my view' });
  });

  it('offers macros and variables after $, also $ inside a string for the macros that expand there', () => {
    expect(at('SELECT * FROM samples WHERE $|')).toEqual({ kind: 'dollar', inString: false, range: { start: 28, end: 29 } });
    expect(at('SELECT * FROM samples WHERE $__time|')).toEqual({ kind: 'dollar', inString: false, range: { start: 28, end: 35 } });
    expect(at('SELECT * FROM samples WHERE service_name = $serv|')).toMatchObject({ kind: 'dollar', inString: false });
    expect(at("SELECT time_bucket(INTERVAL '$__inter|', time) FROM samples")).toEqual({
      kind: 'dollar',
      inString: true,
      range: { start: 29, end: 37 },
    });
  });

  it.each([
    ['SELECT 1 -- FROM |'],
    ['SELECT /* FROM | */ 1'],
    ['SELECT /* unterminated FROM |'],
    ["SELECT 'FROM |' FROM samples"],
    ["SELECT 'unterminated |"],
    ['SELECT 12|'],
  ])('offers nothing inside comments, strings and numbers: %s', (text) => {
    expect(at(text)).toEqual({ kind: 'none' });
  });

  it('completes again right after a closed comment or string', () => {
    expect(at('SELECT /* x */ |').kind).toBe('general');
    expect(at("SELECT * FROM samples WHERE a = 'x' AND |").kind).toBe('general');
  });
});

describe('tableReferences', () => {
  const refs = (sql: string) => tableReferences(lexSql(sql));

  it('lists every view with its alias, at any depth', () => {
    expect(
      refs(
        'WITH hot AS (SELECT stack_id FROM stack_frames sf WHERE sf.is_leaf) ' +
          'SELECT * FROM samples AS s, functions f LEFT JOIN hot h ON h.stack_id = s.stack_id WHERE s.time > 0'
      )
    ).toEqual([
      { table: 'stack_frames', alias: 'sf' },
      { table: 'samples', alias: 's' },
      { table: 'functions', alias: 'f' },
      { table: 'hot', alias: 'h' },
    ]);
  });

  it('takes a view without alias, a schema-qualified view by its last part, and a subquery by its alias', () => {
    expect(refs('SELECT * FROM samples WHERE 1')).toEqual([{ table: 'samples', alias: undefined }]);
    expect(refs('SELECT * FROM main.samples x')).toEqual([{ table: 'samples', alias: 'x' }]);
    expect(refs('SELECT * FROM (SELECT 1 AS a FROM functions) t')).toEqual([
      { table: undefined, alias: 't' },
      { table: 'functions', alias: undefined },
    ]);
    expect(refs('SELECT * FROM "Samples ""2""" q')).toEqual([{ table: 'Samples "2"', alias: 'q' }]);
  });

  it('never takes a keyword for an alias', () => {
    expect(refs('SELECT * FROM samples JOIN functions USING (function_id) ORDER BY 1')).toEqual([
      { table: 'samples', alias: undefined },
      { table: 'functions', alias: undefined },
    ]);
  });

  it('resolves a qualifier by alias before a view of the same name', () => {
    const r = refs('SELECT * FROM functions samples, samples s');
    expect(resolveQualifier('samples', r)).toEqual({ table: 'functions', alias: 'samples' });
    expect(resolveQualifier('S', r)).toEqual({ table: 'samples', alias: 's' });
    expect(resolveQualifier('nope', r)).toBeUndefined();
  });
});
