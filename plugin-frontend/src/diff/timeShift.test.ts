import { describeShift, formatShift, parseTimeShift } from './timeShift';

describe('parseTimeShift', () => {
  it.each([
    ['1 week ago', '1w'],
    ['1w', '1w'],
    ['7d', '1w'],
    ['14 days', '2w'],
    ['1d', '1d'],
    ['24h', '1d'],
    ['1h', '1h'],
    ['60m', '1h'],
    ['30m', '30m'],
    ['90 minutes earlier', '90m'],
    ['an hour ago', '1h'],
    ['a day before', '1d'],
    ['  2 Weeks  Ago ', '2w'],
    ['yesterday', '1d'],
    ['last week', '1w'],
    ['45s', '45s'],
    ['1y', '1y'],
    ['365d', '1y'],
  ])('reads %s as %s', (text, shift) => {
    expect(parseTimeShift(text)).toEqual({ ok: true, value: shift });
  });

  it('keeps a template variable for the data source to interpolate', () => {
    expect(parseTimeShift('$shift')).toEqual({ ok: true, value: '$shift' });
  });

  it.each([
    ['', 'Enter a time shift such as 1 week ago, 1d, 1h or 30m'],
    ['1 month ago', "Time shift '1 month ago' is in months, which differ in length; use weeks or days, e.g. 4w or 30d"],
    ['1.5h', "Time shift '1.5h' is not a whole number; use a smaller unit, e.g. 90m instead of 1.5h"],
    ['30', "Time shift '30' has no unit; add one, e.g. 30m, 1h, 1d or 1w"],
    ['0h', "Time shift '0h' is zero; a diff of a range with itself shows no change"],
    ['in 1 week', "Time shift 'in 1 week' points into the future; a diff side can only move back in time, e.g. 1 week ago"],
    ['-1h', "Time shift '-1h' needs no minus sign: a shift always moves back, write e.g. 1h"],
    ['11y', "Time shift '11y' is longer than 10 years, the longest shift"],
    ['1 fortnight', "Time shift '1 fortnight' is not a time shift; use a number and a unit, e.g. 1 week ago, 1d, 1h or 30m"],
  ])('refuses %j', (text, error) => {
    expect(parseTimeShift(text)).toEqual({ ok: false, error });
  });
});

describe('formatShift and describeShift', () => {
  it('uses the largest unit that divides the shift', () => {
    expect(formatShift(5400)).toBe('90m');
    expect(formatShift(3 * 86_400)).toBe('3d');
    expect(formatShift(90)).toBe('90s');
  });

  it('says how far back a side reads', () => {
    expect(describeShift('1w')).toBe('1 week earlier');
    expect(describeShift('90m')).toBe('90 minutes earlier');
    expect(describeShift('$shift')).toBe('$shift earlier');
  });
});
