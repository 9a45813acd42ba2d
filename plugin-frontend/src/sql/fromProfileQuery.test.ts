import { ProfilesQuery } from '../types';
import { profileQueryToSql, sqlFormatFor } from './fromProfileQuery';

const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const q = (query: Partial<ProfilesQuery>): ProfilesQuery => ({ refId: 'A', profileTypeId: CPU, ...query });

describe('profileQueryToSql', () => {
  it('turns a profile query into the flame graph SQL over samples, one condition per matcher', () => {
    expect(profileQueryToSql(q({ queryType: 'profile', labelSelector: '{service_name="shop", env!="dev", region=~"eu-.*", pod!~"canary.*"}' }))).toBe(
      [
        'SELECT stack_id, sum(value) AS value',
        'FROM samples',
        'WHERE $__timeFilter(time)',
        `  AND profile_type = '${CPU}'`,
        "  AND service_name = 'shop'",
        "  AND coalesce(labels['env'], '') != 'dev'",
        "  AND regexp_full_match(coalesce(labels['region'], ''), 'eu-.*')",
        "  AND NOT regexp_full_match(coalesce(labels['pod'], ''), 'canary.*')",
        'GROUP BY stack_id',
      ].join('\n')
    );
  });

  it('quotes values and label names as literals, so a selector cannot become SQL', () => {
    const sql = profileQueryToSql(q({ labelSelector: `{"it's"="x' OR '1'='1"}` }));
    expect(sql).toContain(`AND coalesce(labels['it''s'], '') = 'x'' OR ''1''=''1'`);
  });

  it('keeps a value that is one template variable a variable, as a list for multi-value', () => {
    const sql = profileQueryToSql(q({ labelSelector: '{service_name="$service", env!="${env}"}' }));
    expect(sql).toContain('AND service_name IN ($service)');
    expect(sql).toContain("AND coalesce(labels['env'], '') NOT IN (${env})");
  });

  it('takes the profile type from the selector when it names one, and leaves incomplete matchers out', () => {
    const sql = profileQueryToSql(q({ profileTypeId: undefined, labelSelector: 'memory:alloc_space:bytes:space:bytes{service_name="shop", env=' }));
    expect(sql).toContain("AND profile_type = 'memory:alloc_space:bytes:space:bytes'");
    expect(sql).not.toContain('env');
  });

  it('turns a metrics query into series per time bucket and group-by label', () => {
    expect(profileQueryToSql(q({ queryType: 'metrics', labelSelector: '{}', groupBy: ['service_name', 'k8s.pod'] }))).toBe(
      [
        `SELECT $__timeGroupAlias(time, $__interval), service_name AS "service_name", coalesce(labels['k8s.pod'], '') AS "k8s.pod", sum(value) AS value`,
        'FROM samples',
        `WHERE $__timeFilter(time)\n  AND profile_type = '${CPU}'`,
        'GROUP BY 1, 2, 3',
        'ORDER BY 1',
      ].join('\n')
    );
  });

  it('turns a top query into self values by leaf function with its limit', () => {
    const sql = profileQueryToSql(q({ queryType: 'top', labelSelector: '{service_name="shop"}', limit: 25 }));
    expect(sql).toContain('JOIN stack_frames f ON f.stack_id = s.stack_id AND f.is_leaf');
    expect(sql).toContain("AND s.service_name = 'shop'");
    expect(sql.endsWith('ORDER BY self DESC\nLIMIT 25')).toBe(true);
    expect(profileQueryToSql(q({ queryType: 'top' }))).toContain('LIMIT 100');
  });

  it('turns a function query into its series, self on the leaf or total anywhere on the stack', () => {
    const self = profileQueryToSql(q({ queryType: 'function', function: 'main.fibonacci', valueKind: 'self', groupBy: ['region'] }));
    expect(self).toContain("s.stack_id IN (SELECT f.stack_id FROM stack_frames f WHERE f.name = 'main.fibonacci' AND f.is_leaf)");
    expect(self).toContain(`coalesce(s.labels['region'], '') AS "region"`);
    const total = profileQueryToSql(q({ queryType: 'function', functionRegex: 'main\\..*', valueKind: 'total' }));
    expect(total).toContain("WHERE regexp_full_match(f.name, 'main\\..*'))");
    expect(total).not.toContain('is_leaf');
  });

  it('turns a diff into the comparison side\'s flame graph, saying so', () => {
    const sql = profileQueryToSql(q({ queryType: 'diff', labelSelector: '{version="v1"}', right: { labelSelector: '{version="v2"}' } }));
    expect(sql.startsWith('-- The comparison side')).toBe(true);
    expect(sql).toContain("coalesce(labels['version'], '') = 'v2'");
  });
});

describe('sqlFormatFor', () => {
  it.each([
    ['profile', 'flamegraph'],
    [undefined, 'flamegraph'],
    ['diff', 'flamegraph'],
    ['metrics', 'time_series'],
    ['both', 'time_series'],
    ['function', 'time_series'],
    ['top', 'table'],
  ] as const)('shows the SQL of a %s query as %s', (queryType, format) => {
    expect(sqlFormatFor(q({ queryType }))).toBe(format);
  });
});
