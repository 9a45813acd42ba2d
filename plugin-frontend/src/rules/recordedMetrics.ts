// The Rules tab's logic: the metric list of the `recordedMetrics` resource as picker options, the
// group-by choices of the chosen metric, the check of a selector over its labels, and the one-line
// summary under the editor. The component renders what these decide.
import { parseSelector } from '../selector/parse';
import { Checked } from '../selector/queryOptions';
import { Aggregation, ProfilesQuery, RecordedMetricInfo } from '../types';
import { findReferences } from '../variables/references';

export interface MetricOption {
  label: string;
  value: string;
  description: string;
}

/** `process_cpu:cpu:nanoseconds:cpu:nanoseconds` → `process_cpu - cpu`, as the profile type picker names types. */
export function profileTypeLabel(id: string): string {
  const parts = id.split(':');
  return parts.length >= 2 ? `${parts[0]} - ${parts[1]}` : id;
}

/**
 * The picker's options, by name; the query's metric stays listed when the range recorded none of it
 * (a dashboard opened on a quiet range, a variable), said so in its description.
 */
export function metricOptions(metrics: RecordedMetricInfo[], current?: string): MetricOption[] {
  const options = [...metrics]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((m) => ({
      label: m.name,
      value: m.name,
      description: `${profileTypeLabel(m.profileType)}${m.labels.length ? ` · by ${m.labels.join(', ')}` : ''}`,
    }));
  if (current && !options.some((o) => o.value === current)) {
    const description = findReferences(current).length > 0 ? 'A template variable' : 'Not recorded in this time range';
    options.unshift({ label: current, value: current, description });
  }
  return options;
}

/** The label names the chosen metric's series carry (with what the query already groups by), for the group by. */
export function groupByChoices(metric: RecordedMetricInfo | undefined, selected: string[] = []): string[] {
  return Array.from(new Set([...(metric?.labels ?? []), ...selected]));
}

/** A selector over the metric's labels as the backend takes it, or what is wrong with it; empty is every series. */
export function checkRuleSelector(text: string): Checked<string | undefined> {
  const t = text.trim();
  if (t === '' || t === '{}') {
    return { ok: true, value: undefined };
  }
  if (findReferences(t).length > 0) {
    return { ok: true, value: t };
  }
  const parsed = parseSelector(t);
  if (parsed.issues.length > 0) {
    return { ok: false, error: `Label selector: ${parsed.issues[0].message}` };
  }
  if (parsed.matchers.some((m) => !m.complete)) {
    return { ok: false, error: 'Label selector: a matcher is incomplete; write name="value", e.g. {service_name="api"}' };
  }
  return { ok: true, value: t };
}

export const AGGREGATIONS: Array<{ value: Aggregation; label: string; description: string }> = [
  { value: 'sum', label: 'Sum', description: 'The recorded value summed over each step' },
  { value: 'average', label: 'Average', description: 'Per profile window in each step' },
];

/** `profiles_recorded_cpu_nanoseconds {env="prod"} · by service_name · sum per step` */
export function ruleSummary(query: ProfilesQuery, metric?: RecordedMetricInfo): string {
  if (!query.metricName) {
    return 'Choose a metric recorded by the collector\'s recording rules (recording_rules in its settings).';
  }
  const parts = [query.labelSelector && query.labelSelector !== '{}' ? `${query.metricName} ${query.labelSelector}` : query.metricName];
  parts.push(query.groupBy?.length ? `by ${query.groupBy.join(', ')}` : 'each recorded series');
  parts.push(query.aggregation === 'average' ? 'average per profile' : 'sum per step');
  if (query.limit) {
    parts.push(`top ${query.limit}`);
  }
  if (metric) {
    parts.push(profileTypeLabel(metric.profileType));
  }
  return parts.join(' · ');
}
