import { AbstractLabelOperator } from '@grafana/data';

import { fromAbstractQuery, toAbstractQuery } from './abstractQuery';

describe('abstract queries', () => {
  it('carries Prometheus or Loki label matchers into a selector, leaving out the metric name', () => {
    const q = fromAbstractQuery(
      {
        refId: 'A',
        labelMatchers: [
          { name: '__name__', operator: AbstractLabelOperator.Equal, value: 'http_requests_total' },
          { name: 'service_name', operator: AbstractLabelOperator.Equal, value: 'api' },
          { name: 'env', operator: AbstractLabelOperator.NotEqual, value: 'dev' },
          { name: 'pod', operator: AbstractLabelOperator.EqualRegEx, value: 'web-.*' },
          { name: 'k8s.namespace', operator: AbstractLabelOperator.NotEqualRegEx, value: 'kube-"sys"' },
        ],
      },
      'memory:alloc_space:bytes:space:bytes'
    );
    expect(q).toEqual({
      refId: 'A',
      queryType: 'both',
      labelSelector: '{service_name="api", env!="dev", pod=~"web-.*", k8s.namespace!~"kube-\\"sys\\""}',
      profileTypeId: 'memory:alloc_space:bytes:space:bytes',
      groupBy: [],
    });
  });

  it('exports the complete matchers of a selector, decoded', () => {
    const a = toAbstractQuery({ refId: 'B', labelSelector: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="a\\"b", "k8s.pod"=~"x|y", env!' });
    expect(a).toEqual({
      refId: 'B',
      labelMatchers: [
        { name: 'service_name', operator: AbstractLabelOperator.Equal, value: 'a"b' },
        { name: 'k8s.pod', operator: AbstractLabelOperator.EqualRegEx, value: 'x|y' },
      ],
    });
  });

  it('round-trips', () => {
    const labelSelector = '{service_name="api", env!="dev", pod=~"web-.*", zone!~"eu-.*"}';
    const back = fromAbstractQuery(toAbstractQuery({ refId: 'A', labelSelector }));
    expect(back.labelSelector).toBe(labelSelector);
  });

  it('exports nothing from a SQL query', () => {
    expect(toAbstractQuery({ refId: 'A', queryType: 'sql', labelSelector: '{a="1"}' }).labelMatchers).toEqual([]);
  });
});
