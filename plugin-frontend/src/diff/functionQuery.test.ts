import { ProfilesQuery } from '../types';
import { checkFunctionRegex, functionSummary, literalOf, toggleRegex, usesRegex } from './functionQuery';

const base: ProfilesQuery = { refId: 'A', queryType: 'function', labelSelector: '{}' };

describe('function or pattern', () => {
  it('turns a name into the pattern of exactly it and back', () => {
    const regex = toggleRegex({ ...base, function: 'encoding/json.(*Decoder).Decode' }, true);
    expect(regex.function).toBeUndefined();
    expect(regex.functionRegex).toBe('encoding/json\\.\\(\\*Decoder\\)\\.Decode');
    expect(usesRegex(regex)).toBe(true);
    const name = toggleRegex(regex, false);
    expect(name).toEqual({ ...base, function: 'encoding/json.(*Decoder).Decode' });
    expect(usesRegex(name)).toBe(false);
  });

  it('leaves the name empty when the pattern matches more than one name', () => {
    expect(literalOf('encoding/json\\..*')).toBeUndefined();
    expect(toggleRegex({ ...base, functionRegex: 'main\\..*' }, false)).toEqual({ ...base, function: '' });
  });

  it('checks a pattern the way RE2 would take it', () => {
    expect(checkFunctionRegex(' encoding/json\\..* ')).toEqual({ ok: true, value: 'encoding/json\\..*' });
    expect(checkFunctionRegex('(?i)main\\.handler')).toEqual({ ok: true, value: '(?i)main\\.handler' });
    expect(checkFunctionRegex('$fn')).toEqual({ ok: true, value: '$fn' });
    expect(checkFunctionRegex('')).toEqual({ ok: false, error: 'Enter a pattern of function names, e.g. encoding/json\\..*' });
    expect(checkFunctionRegex('main(?!test)')).toEqual({
      ok: false,
      error: 'Function pattern uses lookarounds ((?=…), (?!…), (?<=…), (?<!…)), which RE2 does not support',
    });
    expect(checkFunctionRegex('(a)\\1')).toEqual({ ok: false, error: 'Function pattern uses backreferences (\\1), which RE2 does not support' });
    const unbalanced = checkFunctionRegex('main.(handler');
    expect(unbalanced.ok).toBe(false);
    expect(!unbalanced.ok && unbalanced.error).toMatch(/^Function pattern is not a valid pattern: /);
  });

  it('summarises what the series are', () => {
    expect(functionSummary({ ...base, function: 'main.handler', valueKind: 'self', groupBy: ['region'] })).toBe(
      'Function main.handler: self over time, one series per region'
    );
    expect(functionSummary({ ...base, functionRegex: 'json\\..*' })).toBe('Functions matching json\\..* (summed, each stack once): total over time');
    expect(functionSummary(base)).toBe('No function yet: total over time');
  });
});
