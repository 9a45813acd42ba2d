import { describeVariableQuery, migrateVariableQuery, parseLegacyVariableQuery } from './variableQuery';

describe('variable queries', () => {
  it('reads the legacy string syntax', () => {
    expect(parseLegacyVariableQuery('profile_types()')).toEqual({ type: 'profileTypes' });
    expect(parseLegacyVariableQuery('label_names()')).toEqual({ type: 'labelNames' });
    expect(parseLegacyVariableQuery('label_names({service_name="$svc"})')).toEqual({ type: 'labelNames', labelSelector: '{service_name="$svc"}' });
    expect(parseLegacyVariableQuery('label_values(service_name)')).toEqual({ type: 'labelValues', label: 'service_name' });
    expect(parseLegacyVariableQuery(' label_values( {service_name="x", env=~"a,b"} , pod ) ')).toEqual({
      type: 'labelValues',
      labelSelector: '{service_name="x", env=~"a,b"}',
      label: 'pod',
    });
    expect(parseLegacyVariableQuery('apps()')).toEqual({ type: 'labelValues', label: 'service_name' });
  });

  it('refuses what it cannot read, saying what it expects', () => {
    expect(() => parseLegacyVariableQuery('up{job="x"}')).toThrow(/is not understood: write profile_types\(\), label_names\(\)/);
    expect(() => parseLegacyVariableQuery('label_values()')).toThrow(/not understood/);
    expect(() => parseLegacyVariableQuery('label_values(a, b, c)')).toThrow(/not understood/);
  });

  it("migrates Grafana's Pyroscope variable queries", () => {
    expect(migrateVariableQuery({ refId: 'PyroscopeVariableQueryEditor-VariableQuery', type: 'profileType' })).toEqual({
      refId: 'PyroscopeVariableQueryEditor-VariableQuery',
      type: 'profileTypes',
    });
    expect(migrateVariableQuery({ refId: 'A', type: 'label', profileTypeId: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds' })).toEqual({
      refId: 'A',
      type: 'labelNames',
      profileTypeId: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
    });
    expect(migrateVariableQuery({ refId: 'A', type: 'labelValue', profileTypeId: '$type', labelName: 'service_name' })).toEqual({
      refId: 'A',
      type: 'labelValues',
      profileTypeId: '$type',
      label: 'service_name',
    });
  });

  it('reads a string query wrapped by Grafana and keeps our own shapes', () => {
    expect(migrateVariableQuery({ refId: 'v', query: 'label_values(pod)' })).toEqual({ refId: 'v', type: 'labelValues', label: 'pod' });
    expect(migrateVariableQuery('profile_types()')).toEqual({ type: 'profileTypes' });
    expect(migrateVariableQuery({ type: 'sql', rawSql: 'SELECT 1' })).toEqual({ type: 'sql', rawSql: 'SELECT 1' });
    expect(migrateVariableQuery(undefined)).toEqual({ type: 'profileTypes' });
  });

  it('describes a query in the legacy syntax it reads back', () => {
    const queries = [
      { type: 'profileTypes' as const },
      { type: 'labelNames' as const, labelSelector: '{service_name="a"}' },
      { type: 'labelValues' as const, label: 'pod' },
      { type: 'labelValues' as const, label: 'pod', labelSelector: '{service_name="$svc"}' },
    ];
    for (const q of queries) {
      expect(parseLegacyVariableQuery(describeVariableQuery(q))).toEqual(q);
    }
    expect(describeVariableQuery({ type: 'labelValues', label: 'pod', profileTypeId: 'p:a:b:c:d' })).toBe('label_values(p:a:b:c:d{}, pod)');
  });
});
