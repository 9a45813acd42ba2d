import { escapeRegex, formatLabelName, formatSelector, quoteString, scopeSelector } from './format';
import { parseSelector } from './parse';
import { tokenize } from './tokenize';

describe('format', () => {
  it('quotes label names only when they are not plain', () => {
    expect(formatLabelName('service_name')).toBe('service_name');
    expect(formatLabelName('otel.scope.name')).toBe('otel.scope.name');
    expect(formatLabelName('k8s-pod')).toBe('"k8s-pod"');
    expect(formatLabelName('1st')).toBe('"1st"');
    expect(formatLabelName('é')).toBe('"é"');
  });

  it('escapes values so the tokenizer reads them back unchanged', () => {
    for (const value of ['plain', 'a"b', 'back\\slash', 'line\nbreak', 'tab\t', 'bell\x07', 'é😀', '']) {
      const quoted = quoteString(value);
      const [t] = tokenize(quoted);
      expect(t.terminated).toBe(true);
      expect(t.end).toBe(quoted.length);
      expect(t.value).toBe(value);
    }
    expect(quoteString('a"b\\c')).toBe('"a\\"b\\\\c"');
  });

  it('escapes regex metacharacters', () => {
    expect(escapeRegex('a.b|c(d)*+?[x]{1}^$\\')).toBe('a\\.b\\|c\\(d\\)\\*\\+\\?\\[x\\]\\{1\\}\\^\\$\\\\');
    expect(new RegExp(`^${escapeRegex('1.2.3+x')}$`).test('1.2.3+x')).toBe(true);
    expect(new RegExp(`^${escapeRegex('1.2.3+x')}$`).test('1x2x3x')).toBe(false);
  });

  it('writes selectors that parse back to the same matchers', () => {
    const matchers = [
      { name: 'service_name', operator: '=' as const, value: 'api "v2"' },
      { name: 'k8s/pod', operator: '!~' as const, value: 'a|b' },
    ];
    const text = formatSelector(matchers, 'memory:alloc_space:bytes:space:bytes');
    expect(text).toBe('memory:alloc_space:bytes:space:bytes{service_name="api \\"v2\\"", "k8s/pod"!~"a|b"}');
    const parsed = parseSelector(text);
    expect(parsed.issues).toEqual([]);
    expect(parsed.matchers.map((m) => ({ name: m.name, operator: m.operator, value: m.value }))).toEqual(matchers);
  });

  describe('scopeSelector', () => {
    const parsed = parseSelector('{service_name="api", env=~"prod.*", pod="$pod", region="', );

    it('keeps the other complete matchers, leaving out the edited one and templated ones', () => {
      expect(scopeSelector(parsed, 1)).toBe('{service_name="api"}');
      expect(scopeSelector(parsed, 3)).toBe('{service_name="api", env=~"prod.*"}');
    });

    it('puts the profile type in front, the selector own prefix first, never a variable', () => {
      expect(scopeSelector(parsed, 0, 'process_cpu:cpu:nanoseconds:cpu:nanoseconds')).toBe(
        'process_cpu:cpu:nanoseconds:cpu:nanoseconds{env=~"prod.*"}'
      );
      expect(scopeSelector(parsed, 0, '$profile_type')).toBe('{env=~"prod.*"}');
      expect(scopeSelector(parseSelector('memory:a:b:c:d{x="1"}'), 0, 'process_cpu:cpu:n:c:n')).toBe('memory:a:b:c:d{}');
    });
  });
});
