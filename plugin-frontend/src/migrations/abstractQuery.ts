// Explore's query import and export: when a user switches Explore from Prometheus or Loki to this data
// source (or back), the label matchers travel as an AbstractQuery and become our label selector.
import { AbstractLabelMatcher, AbstractLabelOperator, AbstractQuery } from '@grafana/data';

import { completeMatchers, formatSelector } from '../selector/format';
import { MatchOperator, parseSelector } from '../selector/parse';
import { ProfilesQuery } from '../types';

const TO_OPERATOR: Record<AbstractLabelOperator, MatchOperator> = {
  [AbstractLabelOperator.Equal]: '=',
  [AbstractLabelOperator.NotEqual]: '!=',
  [AbstractLabelOperator.EqualRegEx]: '=~',
  [AbstractLabelOperator.NotEqualRegEx]: '!~',
};

const FROM_OPERATOR: Record<MatchOperator, AbstractLabelOperator> = {
  '=': AbstractLabelOperator.Equal,
  '!=': AbstractLabelOperator.NotEqual,
  '=~': AbstractLabelOperator.EqualRegEx,
  '!~': AbstractLabelOperator.NotEqualRegEx,
};

/**
 * Labels that do not mean the same here: Prometheus' `__name__` is a metric name (ours would read it
 * as the profile name and match nothing), `__profile_type__` is our profile type, which Prometheus
 * and Loki do not have.
 */
const NOT_CARRIED = new Set(['__name__', '__profile_type__']);

/** A profile query (both flame graph and series, as Explore shows) selecting what the abstract query did. */
export function fromAbstractQuery(query: AbstractQuery, defaultProfileType?: string): ProfilesQuery {
  const matchers = query.labelMatchers
    .filter((m) => !NOT_CARRIED.has(m.name) && TO_OPERATOR[m.operator] !== undefined)
    .map((m) => ({ name: m.name, operator: TO_OPERATOR[m.operator], value: m.value }));
  return {
    refId: query.refId,
    queryType: 'both',
    labelSelector: formatSelector(matchers),
    ...(defaultProfileType ? { profileTypeId: defaultProfileType } : {}),
    groupBy: [],
  };
}

/** The label matchers of a query's selector (complete ones; what is still being typed is left out). */
export function toAbstractQuery(query: ProfilesQuery): AbstractQuery {
  const selector = query.queryType === 'sql' ? '' : (query.labelSelector ?? '');
  const labelMatchers: AbstractLabelMatcher[] = completeMatchers(parseSelector(selector))
    .filter((m) => !NOT_CARRIED.has(m.name))
    .map((m) => ({ name: m.name, operator: FROM_OPERATOR[m.operator], value: m.value }));
  return { refId: query.refId, labelMatchers };
}
