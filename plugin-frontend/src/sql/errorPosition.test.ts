import { errorSummary, sqlErrorMarker } from './errorPosition';

// The messages below are DuckDB 1.5's own, captured from libduckdb for these statements.
const BINDER_LINE1 =
  'Binder Error: Referenced column "nmae" not found in FROM clause!\nCandidate bindings: "name"\n\n' +
  'LINE 1: SELECT name FROM functions WHERE nmae = 1\n' +
  '                                         ^';

describe('sqlErrorMarker', () => {
  it('marks the token under DuckDB\'s caret, with the message without the position lines', () => {
    expect(sqlErrorMarker(BINDER_LINE1, 'SELECT name FROM functions WHERE nmae = 1')).toEqual({
      startLine: 1,
      startColumn: 34,
      endLine: 1,
      endColumn: 38,
      message: 'Binder Error: Referenced column "nmae" not found in FROM clause!\nCandidate bindings: "name"',
    });
  });

  it('marks the line DuckDB names in a statement of several lines', () => {
    const text =
      'Binder Error: Referenced column "nmae" not found in FROM clause!\nCandidate bindings: "name"\n\n' +
      "LINE 3: WHERE nmae = 1 AND name = 'a'\n" +
      '              ^';
    expect(sqlErrorMarker(text, "SELECT name\nFROM functions\nWHERE nmae = 1 AND name = 'a'")).toMatchObject({
      startLine: 3,
      startColumn: 7,
      endColumn: 11,
    });
  });

  it('finds the token in the user\'s line when macros made the executed line longer and DuckDB cut it', () => {
    const text =
      'Binder Error: Referenced column "nmae" not found in FROM clause!\nCandidate bindings: "name"\n\n' +
      "LINE 1: ...'2026-11-22T05:46:49.482Z' AND '2026-11-22T05:57:05.966Z') AND nmae = 1\n" +
      '                                                                          ^';
    const user = 'SELECT name FROM functions WHERE $__timeFilter(time) AND nmae = 1';
    expect(sqlErrorMarker(text, user)).toMatchObject({ startLine: 1, startColumn: user.indexOf('nmae') + 1, endColumn: user.indexOf('nmae') + 5 });
  });

  it('picks the occurrence whose neighbours agree with the executed line', () => {
    const text =
      'Parser Error: syntax error at or near "FROM"\n\n' +
      'LINE 1: SELECT name, count( FROM functions\n' +
      '                            ^';
    expect(sqlErrorMarker(text, 'SELECT name, count( FROM functions')).toMatchObject({ startColumn: 21, endColumn: 25 });
  });

  it('counts columns in UTF-16 units as Monaco does, where DuckDB counts characters', () => {
    const text =
      'Binder Error: Referenced column "nmae" not found in FROM clause!\nCandidate bindings: "name"\n\n' +
      "LINE 1: SELECT '😀ünï' AS a, nmae FROM functions\n" +
      '                            ^';
    const user = "SELECT '😀ünï' AS a, nmae FROM functions";
    expect(sqlErrorMarker(text, user)).toMatchObject({ startColumn: user.indexOf('nmae') + 1 });
  });

  it('marks a token named by "at or near" without a position, and the last line at the end of input', () => {
    expect(sqlErrorMarker('Parser Error: syntax error at or near "FORM"', 'SELECT name\nFORM functions')).toMatchObject({
      startLine: 2,
      startColumn: 1,
      endColumn: 5,
    });
    expect(sqlErrorMarker('Parser Error: syntax error at end of input', 'SELECT name\nFROM functions WHERE\n\n')).toMatchObject({
      startLine: 2,
      startColumn: 1,
      endColumn: 21,
    });
  });

  it('marks an unknown macro where the user wrote it', () => {
    expect(sqlErrorMarker("Unknown macro $__timeFilterr: expected one of …", 'SELECT 1\nWHERE $__timeFilterr(time)')).toMatchObject({
      startLine: 2,
      startColumn: 7,
      endColumn: 21,
    });
  });

  it('gives no marker for errors that are not about the text', () => {
    expect(sqlErrorMarker('The query ran longer than the query timeout (30s, queryTimeout).', 'SELECT 1')).toBeUndefined();
    expect(sqlErrorMarker('Out of Memory Error: could not allocate block', 'SELECT 1')).toMatchObject({ startLine: 1 });
  });
});

describe('errorSummary', () => {
  it('drops DuckDB\'s LINE and caret lines', () => {
    expect(errorSummary(BINDER_LINE1)).toBe('Binder Error: Referenced column "nmae" not found in FROM clause!\nCandidate bindings: "name"');
    expect(errorSummary('Parser Error: syntax error at end of input')).toBe('Parser Error: syntax error at end of input');
  });
});
