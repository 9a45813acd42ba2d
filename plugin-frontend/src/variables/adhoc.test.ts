import { adHocMatcher, applyAdHocFilters } from './adhoc';

const f = (key: string, operator: string, value: string, values?: string[]) => ({ key, operator, value, values });

describe('applyAdHocFilters', () => {
  it('appends filters as matchers, replacing nothing the user wrote', () => {
    expect(applyAdHocFilters('{service_name="api"}', [f('env', '=', 'prod'), f('pod', '!~', 'web-.*')])).toBe(
      '{service_name="api", env="prod", pod!~"web-.*"}'
    );
    expect(applyAdHocFilters('{service_name="api"}', [f('service_name', '!=', 'api')])).toBe('{service_name="api", service_name!="api"}');
  });

  it('handles empty, braceless, trailing-comma and profile-type-only selectors', () => {
    expect(applyAdHocFilters(undefined, [f('env', '=', 'prod')])).toBe('{env="prod"}');
    expect(applyAdHocFilters('{}', [f('env', '=', 'prod')])).toBe('{env="prod"}');
    expect(applyAdHocFilters('{a="1",}', [f('env', '=', 'prod')])).toBe('{a="1", env="prod"}');
    expect(applyAdHocFilters('a="1"', [f('env', '=', 'prod')])).toBe('a="1", env="prod"');
    expect(applyAdHocFilters('process_cpu:cpu:nanoseconds:cpu:nanoseconds', [f('env', '=', 'prod')])).toBe(
      'process_cpu:cpu:nanoseconds:cpu:nanoseconds{env="prod"}'
    );
    expect(applyAdHocFilters('memory:alloc_space:bytes:space:bytes{a="}"}', [f('env', '=', 'prod')])).toBe(
      'memory:alloc_space:bytes:space:bytes{a="}", env="prod"}'
    );
  });

  it('escapes values and quotes names that need it', () => {
    expect(adHocMatcher(f('k8s-pod', '=', 'a"b\\c'))).toBe('"k8s-pod"="a\\"b\\\\c"');
    expect(adHocMatcher(f('otel.scope.name', '=', 'x'))).toBe('otel.scope.name="x"');
  });

  it("turns Grafana's one-of operators into regex alternations of escaped values", () => {
    expect(adHocMatcher(f('pod', '=|', '', ['a.b', 'c']))).toBe('pod=~"a\\\\.b|c"');
    expect(adHocMatcher(f('pod', '!=|', '', ['x']))).toBe('pod!~"x"');
  });

  it('refuses an operator without a selector equivalent, naming it', () => {
    expect(() => adHocMatcher(f('pod', '<', '3'))).toThrow(/operator < has no label selector equivalent; use one of =, !=, =~, !~/);
  });

  it('returns the selector unchanged without filters', () => {
    expect(applyAdHocFilters('{a="1"}', [])).toBe('{a="1"}');
    expect(applyAdHocFilters(undefined, undefined)).toBeUndefined();
  });
});
