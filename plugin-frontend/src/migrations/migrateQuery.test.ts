import { ProfilesQuery } from '../types';

import { migrateQuery } from './migrateQuery';

describe('migrateQuery', () => {
  it("returns a query saved by Grafana's Pyroscope data source unchanged, as the same object", () => {
    // As Grafana 11/12 dashboards store it (GrafanaPyroscopeDataQuery).
    const saved = {
      datasource: { type: 'grafana-pyroscope-datasource', uid: 'pyroscope' },
      groupBy: ['pod'],
      labelSelector: '{service_name="ride-sharing-app", region=~"eu-.*"}',
      limit: 10,
      maxNodes: 16384,
      profileTypeId: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
      queryType: 'both',
      refId: 'A',
      spanSelector: ['9a3f5e0b1c2d3e4f'],
    } as ProfilesQuery;
    const json = JSON.stringify(saved);
    expect(migrateQuery(saved)).toBe(saved);
    expect(JSON.stringify(saved)).toBe(json);
  });

  it('reads the old query types flamegraph and timeseries', () => {
    expect(migrateQuery({ refId: 'A', queryType: 'flamegraph' } as unknown as ProfilesQuery).queryType).toBe('profile');
    expect(migrateQuery({ refId: 'A', queryType: 'timeseries' } as unknown as ProfilesQuery).queryType).toBe('metrics');
  });

  it('turns numeric strings into numbers and drops empty ones, keeping unreadable text for the backend to name', () => {
    const q = migrateQuery({ refId: 'A', limit: '10', maxNodes: '' } as unknown as ProfilesQuery);
    expect(q.limit).toBe(10);
    expect('maxNodes' in q).toBe(false);
    expect(migrateQuery({ refId: 'A', limit: 'ten' } as unknown as ProfilesQuery).limit).toBe('ten');
  });

  it('splits comma strings into lists', () => {
    const q = migrateQuery({ refId: 'A', groupBy: 'pod, region,', spanSelector: 'aaaaaaaaaaaaaaaa' } as unknown as ProfilesQuery);
    expect(q.groupBy).toEqual(['pod', 'region']);
    expect(q.spanSelector).toEqual(['aaaaaaaaaaaaaaaa']);
  });

  it('moves a profile type prefix out of the selector', () => {
    const q = migrateQuery({
      refId: 'A',
      labelSelector: 'memory:alloc_space:bytes:space:bytes{service_name="api"}',
      profileTypeId: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
    });
    expect(q.profileTypeId).toBe('memory:alloc_space:bytes:space:bytes');
    expect(q.labelSelector).toBe('{service_name="api"}');
    expect(migrateQuery({ refId: 'A', labelSelector: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds' }).labelSelector).toBe('{}');
  });

  it('does not mistake a colon inside a value for a profile type', () => {
    const q = { refId: 'A', labelSelector: '{pod="a:b:c:d:e"}' };
    expect(migrateQuery(q)).toBe(q);
  });

  it('normalises an empty selector, SQL formats and SQL without a query type', () => {
    expect(migrateQuery({ refId: 'A', labelSelector: '' }).labelSelector).toBe('{}');
    expect(migrateQuery({ refId: 'A', queryType: 'sql', format: 0 } as unknown as ProfilesQuery).format).toBe('time_series');
    expect(migrateQuery({ refId: 'A', queryType: 'sql', format: 1 } as unknown as ProfilesQuery).format).toBe('table');
    expect(migrateQuery({ refId: 'A', queryType: 'sql', format: 'timeseries' } as unknown as ProfilesQuery).format).toBe('time_series');
    expect(migrateQuery<ProfilesQuery>({ refId: 'A', rawSql: 'SELECT 1', format: 'table' }).queryType).toBe('sql');
  });

  it('is idempotent', () => {
    const once = migrateQuery({ refId: 'A', queryType: 'flamegraph', limit: '5', groupBy: 'a' } as unknown as ProfilesQuery);
    expect(migrateQuery(once)).toBe(once);
  });
});
