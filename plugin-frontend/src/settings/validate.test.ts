import {
  parseDuration,
  validateDataDirectory,
  validateMemoryLimit,
  validateMinStep,
  validateProfileType,
  validateQueryTimeout,
  validateRowLimit,
  validateTenant,
} from './validate';

describe('settings validation', () => {
  it('requires the data directory', () => {
    expect(validateDataDirectory('')).toMatch(/Data directory is required/);
    expect(validateDataDirectory('   ')).toMatch(/required/);
    expect(validateDataDirectory('/data')).toBeUndefined();
  });

  it('checks tenants like the backend', () => {
    expect(validateTenant('team-a_1.prod')).toBeUndefined();
    expect(validateTenant('')).toBeUndefined();
    expect(validateTenant('a/b')).toMatch(/only letters, digits/);
    expect(validateTenant('..')).toMatch(/only letters/);
    expect(validateTenant('x'.repeat(151))).toMatch(/at most 150/);
  });

  it('wants five parts in a profile type', () => {
    expect(validateProfileType('memory:alloc_space:bytes:space:bytes')).toBeUndefined();
    expect(validateProfileType('process_cpu:cpu')).toMatch(/five ':'-separated parts/);
    expect(validateProfileType('a::b:c:d')).toMatch(/five/);
  });

  it('parses durations as the backend does', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30')).toBe(30_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('1w')).toBe(604_800_000);
    expect(parseDuration('10 s')).toBeUndefined();
    expect(parseDuration('1M')).toBeUndefined();
  });

  it('bounds the query timeout to 100ms..1h', () => {
    expect(validateQueryTimeout('30s')).toBeUndefined();
    expect(validateQueryTimeout('100ms')).toBeUndefined();
    expect(validateQueryTimeout('50ms')).toBe('Query timeout must be between 100ms and 1h; got 50ms.');
    expect(validateQueryTimeout('2h')).toMatch(/between 100ms and 1h/);
    expect(validateQueryTimeout('soon')).toMatch(/not a duration; use a number with a unit/);
  });

  it("checks the minimal step with Pyroscope's pattern and the backend's range", () => {
    expect(validateMinStep('15s')).toBeUndefined();
    expect(validateMinStep('1d')).toBeUndefined();
    expect(validateMinStep('1.5s')).toMatch(/whole number with a unit/);
    expect(validateMinStep('15')).toMatch(/whole number with a unit/);
    expect(validateMinStep('500ms')).toBe('Minimal step must be between 1s and 1d; got 500ms.');
    expect(validateMinStep('2w')).toMatch(/between 1s and 1d/);
  });

  it('reads memory sizes like the backend', () => {
    for (const ok of ['1GB', '512MB', '1.5GiB', '2 gb', '10tb']) {
      expect(validateMemoryLimit(ok)).toBeUndefined();
    }
    for (const bad of ['1G', '0GB', 'lots', 'GB', '-1GB']) {
      expect(validateMemoryLimit(bad)).toMatch(/is not a memory size; use a number with KB, MB, GB or TB/);
    }
  });

  it('bounds the row limit to 1..10,000,000', () => {
    expect(validateRowLimit(100000)).toBeUndefined();
    expect(validateRowLimit('1')).toBeUndefined();
    expect(validateRowLimit('10000000')).toBeUndefined();
    expect(validateRowLimit(0)).toBe('Row limit must be a whole number from 1 to 10,000,000; got 0.');
    expect(validateRowLimit('10000001')).toMatch(/from 1 to 10,000,000/);
    expect(validateRowLimit('1.5')).toMatch(/whole number/);
    expect(validateRowLimit('abc')).toMatch(/got abc/);
  });
});
