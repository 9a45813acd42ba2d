import { effectiveQueryType, optionsSummary, parsePositiveInt, parseSpanIds, parseSqlMaxNodes } from './queryOptions';

describe('query options', () => {
  it('summarises what is set', () => {
    expect(optionsSummary({ queryType: 'both', groupBy: ['pod', 'region'], limit: 10, maxNodes: 8192 }, false)).toBe(
      'Type: Both | Group by: pod, region | Limit: 10 | Max nodes: 8192'
    );
    expect(optionsSummary({ spanSelector: ['9a3f5e0b1c2d3e4f'] }, false)).toBe('Type: Profile | Span ID: 9a3f5e0b1c2d3e4f');
    expect(optionsSummary({ groupBy: [] }, true)).toBe('Type: Both');
  });

  it('defaults the type to both in Explore and profile elsewhere, keeping a set one', () => {
    expect(effectiveQueryType(undefined, true)).toBe('both');
    expect(effectiveQueryType(undefined, false)).toBe('profile');
    expect(effectiveQueryType('metrics', true)).toBe('metrics');
    expect(effectiveQueryType('sql', false)).toBe('profile');
  });

  it('checks whole numbers and names the field and the limit', () => {
    expect(parsePositiveInt(' 42 ', 'Limit')).toEqual({ ok: true, value: 42 });
    expect(parsePositiveInt('', 'Limit')).toEqual({ ok: true, value: undefined });
    expect(parsePositiveInt('0', 'Limit')).toEqual({ ok: false, error: "Limit must be a whole number of at least 1, not '0'" });
    expect(parsePositiveInt('1.5', 'Max nodes')).toEqual({ ok: false, error: "Max nodes must be a whole number of at least 1, not '1.5'" });
    expect(parsePositiveInt('2000000', 'Max nodes', 1_048_576)).toEqual({
      ok: false,
      error: 'Max nodes must be at most 1,048,576, not 2,000,000',
    });
  });

  it('takes the SQL tab\'s max nodes as any whole number above 0, or empty', () => {
    expect(parseSqlMaxNodes(' 2048 ')).toEqual({ ok: true, value: 2048 });
    expect(parseSqlMaxNodes('1e3')).toEqual({ ok: true, value: 1000 });
    expect(parseSqlMaxNodes('')).toEqual({ ok: true, value: undefined });
    expect(parseSqlMaxNodes('0')).toEqual({ ok: false, error: "Max nodes must be a whole number above 0, not '0'." });
    expect(parseSqlMaxNodes('1.5').ok).toBe(false);
  });

  it('reads span ids separated by commas or spaces, as 16 hex digits', () => {
    expect(parseSpanIds('9a3f5e0b1c2d3e4f, 64F170A95F537095 9a3f5e0b1c2d3e4f')).toEqual({
      ok: true,
      value: ['9a3f5e0b1c2d3e4f', '64f170a95f537095'],
    });
    expect(parseSpanIds('  ')).toEqual({ ok: true, value: [] });
    expect(parseSpanIds('9a3f5e0b1c2d3e4, abc')).toEqual({
      ok: false,
      error: "Span ID '9a3f5e0b1c2d3e4' is not 16 hexadecimal digits (for example 9a3f5e0b1c2d3e4f)",
    });
    expect(parseSpanIds('9a3f5e0b1c2d3e4g').ok).toBe(false);
  });
});
