import { setTemplateSrv } from '@grafana/runtime';

import { templateResolver } from './references';
import { interpolateSelector } from './selector';
import { TestTemplateSrv, TestVariable } from './testTemplateSrv';
import { parseSelector } from '../selector/parse';

function interpolate(selector: string, variables: TestVariable[]): string {
  const srv = new TestTemplateSrv(variables);
  setTemplateSrv(srv);
  return interpolateSelector(selector, templateResolver(srv, {}));
}

/** The decoded value of each matcher, as the backend's parser would read it. */
function matchers(selector: string) {
  const parsed = parseSelector(selector);
  expect(parsed.issues).toEqual([]);
  return parsed.matchers.map((m) => [m.name, m.operator, m.value]);
}

const multi = (name: string, current: string[]): TestVariable => ({ name, current, multi: true, options: current });
const single = (name: string, current: string): TestVariable => ({ name, current });

describe('interpolateSelector', () => {
  it('turns = with a multi-value variable into =~ over regex-escaped values', () => {
    const out = interpolate('{service_name="$svc"}', [multi('svc', ['a.b', 'c'])]);
    expect(out).toBe('{service_name=~"a\\\\.b|c"}');
    expect(matchers(out)).toEqual([['service_name', '=~', 'a\\.b|c']]);
  });

  it('turns != into !~', () => {
    expect(matchers(interpolate('{env!="$env"}', [multi('env', ['dev', 'test'])]))).toEqual([['env', '!~', 'dev|test']]);
  });

  it('keeps = for one value of a multi-value variable, escaped for the string only', () => {
    expect(matchers(interpolate('{pod="$pod"}', [multi('pod', ['a.b'])]))).toEqual([['pod', '=', 'a.b']]);
  });

  it('escapes quotes, backslashes and newlines of a single value', () => {
    const value = 'say "hi"\\ now\nplease';
    const out = interpolate('{msg="$v"}', [single('v', value)]);
    expect(matchers(out)).toEqual([['msg', '=', value]]);
    expect(out).not.toContain('\n');
  });

  it('cannot close the string or add a matcher', () => {
    const hostile = '"}, service_name=~".*';
    const out = interpolate('{service_name="$svc", env="prod"}', [single('svc', hostile)]);
    expect(matchers(out)).toEqual([
      ['service_name', '=', hostile],
      ['env', '=', 'prod'],
    ]);
  });

  it('regex-escapes metacharacters of every multi value, grouping when there is text around', () => {
    const values = ['a|b', '(x)', 'y*', '^$', '[k]', 'c+?', '{1}', 'back\\slash'];
    const out = interpolate('{fn=~"main\\\\.$v.*"}', [multi('v', values)]);
    const [[, op, pattern]] = matchers(out);
    expect(op).toBe('=~');
    const re = new RegExp(`^(?:${pattern})$`);
    for (const v of values) {
      expect(re.test(`main.${v}-tail`)).toBe(true);
    }
    expect(re.test('main.a-tail')).toBe(false);
    expect(pattern).toMatch(/^main\\\.\(\?:.*\)\.\*$/);
  });

  it('regex-escapes literal text around a variable when = becomes =~', () => {
    const out = interpolate('{pod="web.$n"}', [multi('n', ['1', '2'])]);
    const [[, op, pattern]] = matchers(out);
    expect(op).toBe('=~');
    expect(pattern).toBe('web\\.(?:1|2)');
    expect(new RegExp(`^${pattern}$`).test('webx1')).toBe(false);
  });

  it('leaves a single-value variable under =~ as a pattern, and escapes a multi-value one', () => {
    expect(matchers(interpolate('{pod=~"$p"}', [single('p', 'web-.*')]))).toEqual([['pod', '=~', 'web-.*']]);
    expect(matchers(interpolate('{pod=~"$p"}', [{ ...multi('p', ['web-.*']) }]))).toEqual([['pod', '=~', 'web-\\.\\*']]);
  });

  it('keeps unicode values intact', () => {
    expect(matchers(interpolate('{city="$c"}', [multi('c', ['Zürich', '東京', '🙂'])]))).toEqual([['city', '=~', 'Zürich|東京|🙂']]);
  });

  it('makes an empty multi-value selection match nothing', () => {
    const out = interpolate('{pod="$p"}', [multi('p', [])]);
    const [[, op, pattern]] = matchers(out);
    expect(op).toBe('=~');
    expect(new RegExp(`^(?:${pattern})$`, 's').test('')).toBe(false);
    expect(new RegExp(`^(?:${pattern})$`, 's').test('x')).toBe(false);
  });

  it('expands "All" to every option, and a custom all value as written', () => {
    const all: TestVariable = { name: 'svc', current: '$__all', includeAll: true, multi: true, options: ['api', 'web'] };
    expect(matchers(interpolate('{service_name="$svc"}', [all]))).toEqual([['service_name', '=~', 'api|web']]);
    expect(matchers(interpolate('{service_name=~"$svc"}', [{ ...all, allValue: '.*' }]))).toEqual([['service_name', '=~', '.*']]);
  });

  it('reads single-quoted and raw strings, and writes a double-quoted one', () => {
    expect(interpolate("{a='$v'}", [single('v', "it's")])).toBe('{a="it\'s"}');
    expect(interpolate('{a=`x\\d$v`}', [single('v', '1')])).toBe('{a="x\\\\d1"}');
  });

  it('decodes Go escapes of the literal text before re-quoting', () => {
    const out = interpolate('{a="\\x41\\u00e9\\t$v"}', [single('v', 'z')]);
    expect(matchers(out)).toEqual([['a', '=', 'Aé\tz']]);
  });

  it('leaves a string with an invalid escape as written, for the backend to report', () => {
    expect(interpolate('{a="\\q$v"}', [single('v', 'z')])).toBe('{a="\\q$v"}');
  });

  it('quotes a bare variable after an operator', () => {
    expect(matchers(interpolate('{svc=$svc}', [multi('svc', ['a', 'b'])]))).toEqual([['svc', '=~', 'a|b']]);
  });

  it('inserts a profile type prefix and a label name as they are', () => {
    expect(interpolate('$type{$label="x"}', [single('type', 'process_cpu:cpu:nanoseconds:cpu:nanoseconds'), single('label', 'pod')])).toBe(
      'process_cpu:cpu:nanoseconds:cpu:nanoseconds{pod="x"}'
    );
    expect(interpolate('{"$label"="x"}', [single('label', 'k8s-pod')])).toBe('{"k8s-pod"="x"}');
  });

  it('respects an explicit format and leaves unknown variables and strings without variables alone', () => {
    expect(matchers(interpolate('{a=~"${v:pipe}"}', [multi('v', ['x.y', 'z'])]))).toEqual([['a', '=~', 'x.y|z']]);
    expect(interpolate('{a="$nope", b=\'lit\\\'s\'}', [])).toBe('{a="$nope", b=\'lit\\\'s\'}');
  });
});
