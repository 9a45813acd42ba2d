import { completeMatchers } from './format';
import { parseSelector } from './parse';

describe('parseSelector', () => {
  it('reads matchers, the profile type and the braces', () => {
    const p = parseSelector('process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="api", env=~"prod|staging", "k8s.pod"!="a"}');
    expect(p.issues).toEqual([]);
    expect(p.profileType?.id).toBe('process_cpu:cpu:nanoseconds:cpu:nanoseconds');
    expect(completeMatchers(p)).toEqual([
      { name: 'service_name', operator: '=', value: 'api' },
      { name: 'env', operator: '=~', value: 'prod|staging' },
      { name: 'k8s.pod', operator: '!=', value: 'a' },
    ]);
    expect(p.matchers[2].nameQuoted).toBe(true);
    expect(p.finalState).toBe('end');
  });

  it('reads selectors without braces and an empty one', () => {
    expect(completeMatchers(parseSelector('service_name="api", env!~"dev"'))).toHaveLength(2);
    expect(parseSelector('{}').issues).toEqual([]);
    expect(parseSelector('').issues).toEqual([]);
    expect(parseSelector('{a="1",}').issues).toEqual([]);
  });

  it('records positions of every part of a matcher', () => {
    const text = '{ env =~ "prod" }';
    const [m] = parseSelector(text).matchers;
    expect(text.slice(m.nameStart, m.nameEnd)).toBe('env');
    expect(text.slice(m.operatorStart!, m.operatorEnd!)).toBe('=~');
    expect(text.slice(m.valueStart!, m.valueEnd!)).toBe('"prod"');
    expect(text.slice(m.start, m.end)).toBe('env =~ "prod"');
  });

  it('keeps incomplete matchers and says what is missing', () => {
    const p = parseSelector('{a="1", b=');
    expect(p.matchers.map((m) => [m.name, m.complete])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    expect(p.issues.map((i) => i.message)).toEqual(["incomplete matcher for label 'b'", "missing closing '}'"]);
  });

  it('recovers after a bad matcher at the next comma', () => {
    const p = parseSelector('{a=1, b="2"}');
    expect(p.issues[0].message).toBe("unexpected '1': expected a quoted value for label 'a'");
    expect(completeMatchers(p)).toEqual([{ name: 'b', operator: '=', value: '2' }]);
  });

  it('reports an open string as incomplete', () => {
    const p = parseSelector('{a="pro');
    expect(p.matchers[0]).toMatchObject({ name: 'a', value: 'pro', complete: false });
    expect(p.issues[0].message).toBe('unterminated string: expected a closing "');
  });

  it('rejects text after the closing brace and a lone !', () => {
    expect(parseSelector('{a="1"} x').issues[0].message).toBe("unexpected 'x' after the closing '}'");
    expect(parseSelector('{a!"1"}').issues[0].message).toBe("unexpected '!': expected '!=' or '!~'");
  });

  it('never throws on arbitrary text', () => {
    for (const text of ['}}}', '{{', '=~!', '"', '`', ',,,', '{a=~"\\', 'a:b{', '{"a"', '{"a"="b"}}', '\u{1F600}{']) {
      expect(() => parseSelector(text)).not.toThrow();
    }
  });
});
