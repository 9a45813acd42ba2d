import { ProfilesQuery } from '../types';

import { applyGroupByKeys, expandValues, interpolateQuery, resolveTime } from './query';
import { templateResolver } from './references';
import { TestTemplateSrv } from './testTemplateSrv';

const srv = new TestTemplateSrv([
  { name: 'type', current: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds' },
  { name: 'svc', current: 'api' },
  { name: 'versions', current: ['v1.2', 'v2'], multi: true, options: ['v1.2', 'v2'] },
  { name: 'groups', current: ['pod', 'region'], multi: true, options: ['pod', 'region'] },
  { name: 'fns', current: ['main.a', 'pkg.(*T).b'], multi: true, options: ['main.a', 'pkg.(*T).b'] },
  { name: 'fn', current: 'main.handler' },
  { name: 'shift', current: '1w' },
]);
const resolve = templateResolver(srv, {});

describe('interpolateQuery', () => {
  it('interpolates every field of a profile query', () => {
    const q: ProfilesQuery = {
      refId: 'A',
      queryType: 'both',
      profileTypeId: '$type',
      labelSelector: '{service_name="$svc", version="$versions"}',
      groupBy: ['$groups', 'zone'],
      spanSelector: ['$svc'],
    };
    expect(interpolateQuery(q, resolve)).toEqual({
      refId: 'A',
      queryType: 'both',
      profileTypeId: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
      labelSelector: '{service_name="api", version=~"v1\\\\.2|v2"}',
      groupBy: ['pod', 'region', 'zone'],
      spanSelector: ['api'],
    });
  });

  it('applies ad-hoc filters to the selector and to both diff sides, interpolating the sides', () => {
    const q: ProfilesQuery = {
      refId: 'A',
      queryType: 'diff',
      labelSelector: '{service_name="$svc"}',
      left: { labelSelector: '{service_name="$svc", version="v1"}', timeShift: '$shift' },
      right: { labelSelector: '{version=~"$versions"}', profileTypeId: '$type' },
    };
    const out = interpolateQuery(q, resolve, [{ key: 'env', operator: '=', value: 'prod' }]);
    expect(out.labelSelector).toBe('{service_name="api", env="prod"}');
    expect(out.left).toEqual({ labelSelector: '{service_name="api", version="v1", env="prod"}', timeShift: '1w' });
    expect(out.right?.labelSelector).toBe('{version=~"v1\\\\.2|v2", env="prod"}');
    expect(out.right?.profileTypeId).toBe('process_cpu:cpu:nanoseconds:cpu:nanoseconds');
  });

  it('resolves relative diff times to epoch milliseconds', () => {
    const out = interpolateQuery({ refId: 'A', queryType: 'diff', left: { from: 'now-2h', to: 'now-1h' }, right: {} }, resolve);
    const now = Date.now();
    expect(typeof out.left?.from).toBe('number');
    expect(Math.abs(now - 7_200_000 - (out.left?.from as number))).toBeLessThan(60_000);
    expect(resolveTime('2026-11-22T10:00:00Z', false)).toBe('2026-11-22T10:00:00Z');
    expect(resolveTime(1795341600000, false)).toBe(1795341600000);
  });

  it('turns a multi-value function into an escaped pattern; escapes multi values in functionRegex', () => {
    const out = interpolateQuery({ refId: 'A', queryType: 'function', function: '$fns' }, resolve);
    expect(out.function).toBeUndefined();
    expect(out.functionRegex).toBe('main\\.a|pkg\\.\\(\\*T\\)\\.b');
    expect(interpolateQuery({ refId: 'A', queryType: 'function', function: '$fn' }, resolve).function).toBe('main.handler');
    expect(interpolateQuery({ refId: 'A', queryType: 'function', functionRegex: '$fns.*' }, resolve).functionRegex).toBe(
      '(?:main\\.a|pkg\\.\\(\\*T\\)\\.b).*'
    );
    expect(interpolateQuery({ refId: 'A', queryType: 'function', functionRegex: '${fn}.*' }, resolve).functionRegex).toBe('main.handler.*');
  });

  it('interpolates only rawSql of a SQL query and never applies ad-hoc filters to it', () => {
    const q: ProfilesQuery = { refId: 'A', queryType: 'sql', rawSql: 'SELECT * FROM samples WHERE version IN ($versions)', labelSelector: '{}' };
    const out = interpolateQuery(q, resolve, [{ key: 'env', operator: '=', value: 'prod' }]);
    expect(out.rawSql).toBe("SELECT * FROM samples WHERE version IN ('v1.2', 'v2')");
    expect(out.labelSelector).toBe('{}');
  });

  it('expands the cross product of multi values', () => {
    expect(expandValues('$groups-$versions', resolve)).toEqual(['pod-v1.2', 'pod-v2', 'region-v1.2', 'region-v2']);
  });
});

describe('applyGroupByKeys', () => {
  it("adds a Group by variable's labels after the query's own, without repeats, and not to SQL", () => {
    expect(applyGroupByKeys({ refId: 'A', queryType: 'metrics', groupBy: ['pod'] }, ['region', 'pod']).groupBy).toEqual(['pod', 'region']);
    expect(applyGroupByKeys({ refId: 'A', queryType: 'metrics' }, ['region']).groupBy).toEqual(['region']);
    const sql: ProfilesQuery = { refId: 'A', queryType: 'sql', rawSql: 'SELECT 1' };
    expect(applyGroupByKeys(sql, ['region'])).toBe(sql);
  });
});
