import { modeOf, switchMode } from '../modes';
import { ProfilesQuery, RecordedMetricInfo } from '../types';
import { checkRuleSelector, groupByChoices, metricOptions, profileTypeLabel, ruleSummary } from './recordedMetrics';

const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const METRICS: RecordedMetricInfo[] = [
  { name: 'profiles_recorded_gc_cpu_nanoseconds', profileType: CPU, labels: [] },
  { name: 'profiles_recorded_cpu_nanoseconds', profileType: CPU, labels: ['service_name', 'tenant_group'] },
];

describe('metricOptions', () => {
  it('lists the recorded metrics by name with their profile type and labels', () => {
    expect(metricOptions(METRICS)).toEqual([
      { label: 'profiles_recorded_cpu_nanoseconds', value: 'profiles_recorded_cpu_nanoseconds', description: 'process_cpu - cpu · by service_name, tenant_group' },
      { label: 'profiles_recorded_gc_cpu_nanoseconds', value: 'profiles_recorded_gc_cpu_nanoseconds', description: 'process_cpu - cpu' },
    ]);
  });

  it("keeps the query's metric first when the range recorded none of it, and names a variable", () => {
    expect(metricOptions(METRICS, 'old_metric')[0]).toEqual({ label: 'old_metric', value: 'old_metric', description: 'Not recorded in this time range' });
    expect(metricOptions([], '$metric')[0].description).toBe('A template variable');
    expect(metricOptions(METRICS, 'profiles_recorded_cpu_nanoseconds')).toHaveLength(2);
  });
});

describe('checkRuleSelector', () => {
  it('takes an empty selector as every series and a valid one as written', () => {
    expect(checkRuleSelector('  ')).toEqual({ ok: true, value: undefined });
    expect(checkRuleSelector('{}')).toEqual({ ok: true, value: undefined });
    expect(checkRuleSelector('{service_name=~"api|web", env!="dev"}')).toEqual({ ok: true, value: '{service_name=~"api|web", env!="dev"}' });
    expect(checkRuleSelector('{service_name="$service"}')).toEqual({ ok: true, value: '{service_name="$service"}' });
  });

  it('says what is wrong with a selector it cannot read', () => {
    const unterminated = checkRuleSelector('{service_name="api}');
    expect(unterminated.ok).toBe(false);
    expect(!unterminated.ok && unterminated.error).toMatch(/^Label selector: /);
    expect(checkRuleSelector('{service_name=}')).toEqual({ ok: false, error: expect.stringMatching(/^Label selector: /) });
  });
});

describe('groupByChoices and ruleSummary', () => {
  it("offers the metric's label names and keeps what the query groups by", () => {
    expect(groupByChoices(METRICS[1], ['region'])).toEqual(['service_name', 'tenant_group', 'region']);
    expect(groupByChoices(undefined)).toEqual([]);
  });

  it('sums up the query in one line', () => {
    const query: ProfilesQuery = { refId: 'A', queryType: 'recording_rule', metricName: 'profiles_recorded_cpu_nanoseconds' };
    expect(ruleSummary({ refId: 'A' })).toBe("Choose a metric recorded by the collector's recording rules (recording_rules in its settings).");
    expect(ruleSummary(query, METRICS[1])).toBe('profiles_recorded_cpu_nanoseconds · each recorded series · sum per step · process_cpu - cpu');
    expect(ruleSummary({ ...query, labelSelector: '{env="prod"}', groupBy: ['service_name'], aggregation: 'average', limit: 5 })).toBe(
      'profiles_recorded_cpu_nanoseconds {env="prod"} · by service_name · average per profile · top 5'
    );
    expect(profileTypeLabel('odd')).toBe('odd');
  });
});

describe('the Rules tab as an editor mode', () => {
  it('opens recording_rule queries and starts a rule query afresh from another tab', () => {
    expect(modeOf('recording_rule')).toBe('rule');
    const fromProfile = switchMode({ refId: 'A', queryType: 'profile', profileTypeId: CPU, labelSelector: '{pod="a"}', groupBy: ['pod'] }, 'rule');
    expect(fromProfile).toEqual({ refId: 'A', queryType: 'recording_rule', profileTypeId: CPU, labelSelector: undefined, groupBy: [] });
    expect(switchMode(fromProfile, 'rule')).toBe(fromProfile);
  });
});
