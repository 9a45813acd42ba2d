import { of } from 'rxjs';

import {
  CoreApp,
  DataQueryRequest,
  DataSourceInstanceSettings,
  FieldType,
  createDataFrame,
  dataFrameToJSON,
  dateTime,
} from '@grafana/data';
import { BackendSrv, setBackendSrv, setTemplateSrv } from '@grafana/runtime';

import { ProfilesDataSource } from './datasource';
import { ProfilesDataSourceOptions, ProfilesQuery } from './types';
import { TestTemplateSrv } from './variables/testTemplateSrv';

function settings(jsonData: ProfilesDataSourceOptions = {}): DataSourceInstanceSettings<ProfilesDataSourceOptions> {
  return {
    id: 1,
    uid: 'profiles',
    type: 'grafana-profiles-datasource',
    name: 'Profiles',
    access: 'proxy',
    readOnly: false,
    jsonData,
    meta: { id: 'grafana-profiles-datasource' },
  } as unknown as DataSourceInstanceSettings<ProfilesDataSourceOptions>;
}

const range = { from: dateTime(1_700_000_000_000), to: dateTime(1_700_003_600_000), raw: { from: 'now-1h', to: 'now' } };

/** Grafana's backend: records the /api/ds/query bodies and answers with the given frames per refId. */
function fakeBackend(frames: Record<string, Array<ReturnType<typeof createDataFrame>>> = {}) {
  const bodies: Array<{ queries: ProfilesQuery[] }> = [];
  const fetch = jest.fn((options: { url: string; data: { queries: ProfilesQuery[] } }) => {
    bodies.push(options.data);
    const results = Object.fromEntries(
      options.data.queries.map((q) => [q.refId, { status: 200, frames: (frames[q.refId] ?? []).map((f) => dataFrameToJSON(f)) }])
    );
    return of({ data: { results }, status: 200, ok: true, headers: new Headers(), redirected: false, statusText: 'OK', type: 'basic', url: options.url, config: options });
  });
  setBackendSrv({ fetch } as unknown as BackendSrv);
  return bodies;
}

function request(targets: ProfilesQuery[], extra: Partial<DataQueryRequest<ProfilesQuery>> = {}): DataQueryRequest<ProfilesQuery> {
  return {
    requestId: 'r',
    app: CoreApp.Dashboard,
    interval: '1m',
    intervalMs: 60_000,
    range,
    scopedVars: {},
    startTime: 0,
    timezone: 'utc',
    targets,
    ...extra,
  };
}

beforeEach(() => {
  setTemplateSrv(
    new TestTemplateSrv([
      { name: 'svc', current: ['a.b', 'c'], multi: true, options: ['a.b', 'c'] },
      { name: 'type', current: 'memory:alloc_space:bytes:space:bytes' },
    ])
  );
});

describe('ProfilesDataSource', () => {
  it('sends queries migrated and interpolated, with ad-hoc filters on the selector', async () => {
    const bodies = fakeBackend();
    const ds = new ProfilesDataSource(settings());
    const saved = { refId: 'A', queryType: 'flamegraph', labelSelector: '{service_name="$svc"}', limit: '10' } as unknown as ProfilesQuery;
    await new Promise((done) => ds.query(request([saved], { filters: [{ key: 'env', operator: '!=', value: 'dev' }] })).subscribe({ complete: () => done(undefined) }));
    const sent = bodies[0].queries[0];
    expect(sent.queryType).toBe('profile');
    expect(sent.limit).toBe(10);
    expect(sent.labelSelector).toBe('{service_name=~"a\\\\.b|c", env!="dev"}');
  });

  it('does not send queries with nothing to run, and adds Group by keys', async () => {
    const bodies = fakeBackend();
    const ds = new ProfilesDataSource(settings());
    const targets: ProfilesQuery[] = [
      { refId: 'A', queryType: 'sql', rawSql: '' },
      { refId: 'B', queryType: 'metrics', labelSelector: '{}', groupBy: ['pod'] },
      { refId: 'C', queryType: 'profile', hide: true },
    ];
    await new Promise((done) => ds.query(request(targets, { groupByKeys: ['region'] })).subscribe({ complete: () => done(undefined) }));
    expect(bodies[0].queries.map((q) => q.refId)).toEqual(['B']);
    expect(bodies[0].queries[0].groupBy).toEqual(['pod', 'region']);
    const none = await new Promise((done) => ds.query(request([targets[0]])).subscribe({ next: done }));
    expect(none).toEqual({ data: [] });
    expect(bodies).toHaveLength(1);
  });

  it('starts Explore with both and dashboards with the flame graph, from the default profile type', () => {
    const ds = new ProfilesDataSource(settings({ defaultProfileType: 'memory:alloc_space:bytes:space:bytes' }));
    expect(ds.getDefaultQuery(CoreApp.Explore)).toMatchObject({ queryType: 'both', profileTypeId: 'memory:alloc_space:bytes:space:bytes' });
    expect(ds.getDefaultQuery(CoreApp.Dashboard)).toMatchObject({ queryType: 'profile', labelSelector: '{}' });
    expect(new ProfilesDataSource(settings()).getDefaultQuery(CoreApp.Dashboard).profileTypeId).toBeUndefined();
  });

  it('skips hidden queries, SQL without SQL and diffs without sides', () => {
    const ds = new ProfilesDataSource(settings());
    expect(ds.filterQuery({ refId: 'A', hide: true })).toBe(false);
    expect(ds.filterQuery({ refId: 'A', queryType: 'sql', rawSql: '  ' })).toBe(false);
    expect(ds.filterQuery({ refId: 'A', queryType: 'sql', rawSql: 'SELECT 1' })).toBe(true);
    expect(ds.filterQuery({ refId: 'A', queryType: 'diff' })).toBe(false);
    expect(ds.filterQuery({ refId: 'A', queryType: 'diff', left: { timeShift: '1w' } })).toBe(true);
    expect(ds.filterQuery({ refId: 'A', queryType: 'profile' })).toBe(true);
  });

  it('lists ad-hoc keys and values in the dashboard range, scoped by the other filters', async () => {
    const ds = new ProfilesDataSource(settings());
    const getResource = jest.spyOn(ds, 'getResource').mockImplementation(async (path: string) => (path === 'labelNames' ? ['env', 'pod'] : ['prod']));
    expect(await ds.getTagKeys({ timeRange: range, filters: [] })).toEqual([{ text: 'env' }, { text: 'pod' }]);
    expect(getResource).toHaveBeenLastCalledWith('labelNames', { from: 1_700_000_000_000, to: 1_700_003_600_000 });
    expect(
      await ds.getTagValues({
        key: 'env',
        timeRange: range,
        filters: [
          { key: 'env', operator: '=', value: 'x' },
          { key: 'pod', operator: '=~', value: 'web-.*' },
        ],
      })
    ).toEqual([{ text: 'prod' }]);
    expect(getResource).toHaveBeenLastCalledWith('labelValues', {
      label: 'env',
      query: '{pod=~"web-.*"}',
      from: 1_700_000_000_000,
      to: 1_700_003_600_000,
    });
  });

  it('lists variable values: profile types, label names and chained label values with interpolation', async () => {
    const ds = new ProfilesDataSource(settings());
    const getResource = jest.spyOn(ds, 'getResource').mockImplementation(async (path: string) => {
      switch (path) {
        case 'profileTypes':
          return [{ id: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', label: 'process_cpu - cpu' }];
        case 'labelNames':
          return ['pod'];
        default:
          return ['web-1'];
      }
    });
    expect(await ds.metricFindQuery({ type: 'profileTypes' }, { range })).toEqual([
      { text: 'process_cpu - cpu', value: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds' },
    ]);
    expect(await ds.metricFindQuery({ type: 'labelNames', profileTypeId: '$type' })).toEqual([{ text: 'pod', value: 'pod' }]);
    expect(getResource).toHaveBeenLastCalledWith('labelNames', { query: 'memory:alloc_space:bytes:space:bytes{}' });
    expect(await ds.metricFindQuery('label_values({service_name="$svc"}, pod)', { range })).toEqual([{ text: 'web-1', value: 'web-1' }]);
    expect(getResource).toHaveBeenLastCalledWith('labelValues', {
      label: 'pod',
      query: '{service_name=~"a\\\\.b|c"}',
      from: 1_700_000_000_000,
      to: 1_700_003_600_000,
    });
    await expect(ds.metricFindQuery({ type: 'labelValues', label: '' })).rejects.toThrow(/names no label/);
  });

  it('lists a SQL variable from the first column, the second as the value, through the backend', async () => {
    const frame = createDataFrame({
      refId: 'variable',
      fields: [
        { name: 'name', type: FieldType.string, values: ['api', 'web'] },
        { name: 'id', type: FieldType.number, values: [1, 2] },
      ],
    });
    const bodies = fakeBackend({ variable: [frame] });
    const ds = new ProfilesDataSource(settings());
    const values = await ds.metricFindQuery({ type: 'sql', rawSql: 'SELECT name, id FROM t WHERE s IN ($svc)' }, { range });
    expect(values).toEqual([
      { text: 'api', value: '1' },
      { text: 'web', value: '2' },
    ]);
    expect(bodies[0].queries[0]).toMatchObject({ queryType: 'sql', format: 'table', rawSql: "SELECT name, id FROM t WHERE s IN ('a.b', 'c')" });
  });

  it('imports matchers from Prometheus/Loki and exports them back', async () => {
    const ds = new ProfilesDataSource(settings());
    const [q] = await ds.importFromAbstractQueries([{ refId: 'A', labelMatchers: [{ name: 'job', operator: 'Equal' as never, value: 'api' }] }]);
    expect(q).toMatchObject({ refId: 'A', queryType: 'both', labelSelector: '{job="api"}' });
    const [a] = await ds.exportToAbstractQueries([{ refId: 'A', labelSelector: '{job="api"}' }]);
    expect(a.labelMatchers).toEqual([{ name: 'job', operator: 'Equal', value: 'api' }]);
  });

  it('says whether a query uses variables', () => {
    const ds = new ProfilesDataSource(settings());
    expect(ds.targetContainsTemplate({ refId: 'A', labelSelector: '{service_name="$svc"}' })).toBe(true);
    expect(ds.targetContainsTemplate({ refId: 'A', labelSelector: '{service_name="api"}' })).toBe(false);
  });

  it('scopes resources by a profile type unless the selector names one', async () => {
    const ds = new ProfilesDataSource(settings());
    const getResource = jest.spyOn(ds, 'getResource').mockResolvedValue([]);
    await ds.getLabelNames('{pod="a:b"}', 'process_cpu:cpu:nanoseconds:cpu:nanoseconds');
    expect(getResource).toHaveBeenLastCalledWith('labelNames', { query: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds{pod="a:b"}' });
    await ds.getLabelNames('memory:alloc_space:bytes:space:bytes{}', 'process_cpu:cpu:nanoseconds:cpu:nanoseconds');
    expect(getResource).toHaveBeenLastCalledWith('labelNames', { query: 'memory:alloc_space:bytes:space:bytes{}' });
  });
});
