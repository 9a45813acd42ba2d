import { checkRange, parseTimeInput, resolveInstant } from './timeRange';

describe('parseTimeInput', () => {
  it('takes relative times, RFC 3339 and epoch milliseconds, and empty as the dashboard end', () => {
    expect(parseTimeInput('now-7d', 'From')).toEqual({ ok: true, value: 'now-7d' });
    expect(parseTimeInput(' now-1h ', 'From')).toEqual({ ok: true, value: 'now-1h' });
    expect(parseTimeInput('now/d', 'From')).toEqual({ ok: true, value: 'now/d' });
    expect(parseTimeInput('2026-11-22T10:00:00Z', 'To')).toEqual({ ok: true, value: '2026-11-22T10:00:00Z' });
    expect(parseTimeInput('2026-11-22T10:00:00.250+02:00', 'To')).toEqual({ ok: true, value: '2026-11-22T10:00:00.250+02:00' });
    expect(parseTimeInput('1795341600000', 'From')).toEqual({ ok: true, value: 1_795_341_600_000 });
    expect(parseTimeInput('', 'From')).toEqual({ ok: true, value: undefined });
    expect(parseTimeInput('${from}', 'From')).toEqual({ ok: true, value: '${from}' });
  });

  it('names the field and what to write instead', () => {
    expect(parseTimeInput('now-7x', 'From')).toEqual({
      ok: false,
      error: "From 'now-7x' is not a relative time; write it as now-7d, now-1h or now/d",
    });
    expect(parseTimeInput('1795341600', 'To')).toEqual({
      ok: false,
      error: "To '1795341600' looks like epoch seconds; epoch milliseconds are 13 digits (1795341600000)",
    });
    expect(parseTimeInput('99999999999999999', 'To')).toEqual({
      ok: false,
      error: "To '99999999999999999' is after the year 9999; epoch milliseconds are 13 digits today",
    });
    expect(parseTimeInput('last tuesday', 'From')).toEqual({
      ok: false,
      error: "From 'last tuesday' is not a time; use now-7d, 2026-11-22T10:00:00Z or epoch milliseconds",
    });
    expect(parseTimeInput('2026-11-22', 'From').ok).toBe(false);
  });
});

describe('checkRange', () => {
  const dashboard = { from: 1_700_000_000_000, to: 1_700_003_600_000 };

  it('accepts a range whose start is before its end', () => {
    expect(checkRange('now-7d', 'now-6d', dashboard)).toBeUndefined();
    expect(checkRange(1_700_000_000_000, '2026-11-22T10:00:00Z', dashboard)).toBeUndefined();
    expect(checkRange(undefined, 1_700_003_000_000, dashboard)).toBeUndefined();
  });

  it('says when from is not before to', () => {
    expect(checkRange('now-6d', 'now-7d', dashboard)).toBe('From (now-6d) must be before To (now-7d)');
    expect(checkRange('2026-11-22T10:00:00Z', '2026-11-22T09:00:00Z', dashboard)).toBe(
      'From (2026-11-22T10:00:00Z) must be before To (2026-11-22T09:00:00Z)'
    );
    expect(checkRange(1_700_009_000_000, undefined, dashboard)).toBe("From (1700009000000) must be before To (the dashboard's end)");
  });

  it('does not judge an end holding a variable', () => {
    expect(checkRange('$from', 'now-7d', dashboard)).toBeUndefined();
    expect(resolveInstant('$from', false)).toBeUndefined();
  });
});
