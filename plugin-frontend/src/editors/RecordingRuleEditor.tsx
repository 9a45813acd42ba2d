// The Rules tab: a metric the collector's recording rules recorded from profiles ("Metrics from
// rules"), its series narrowed by a selector over the metric's labels, grouped, summed or averaged
// per step. Answered by the backend from the store's metrics files, so alert rules can run it.
import { css } from '@emotion/css';
import { useEffect, useState } from 'react';

import { GrafanaTheme2, SelectableValue } from '@grafana/data';
import { Combobox, InlineField, InlineFieldRow, MultiSelect, RadioButtonGroup, useStyles2 } from '@grafana/ui';

import { CheckedInput } from '../components/CheckedInput';
import { CountField } from '../components/CountField';
import { AGGREGATIONS, checkRuleSelector, groupByChoices, metricOptions, ruleSummary } from '../rules/recordedMetrics';
import { errorMessage } from '../selector/errorMessage';
import { RecordedMetricInfo } from '../types';
import { ModeEditorProps, runOnChange } from './types';

const LABEL_WIDTH = 14;

export function RecordingRuleEditor(props: ModeEditorProps) {
  const { datasource, query, onChange, onRunQuery, range } = props;
  const styles = useStyles2(getStyles);
  const changeAndRun = runOnChange(onChange, onRunQuery);
  const [metrics, setMetrics] = useState<RecordedMetricInfo[]>([]);
  const [loadError, setLoadError] = useState<string>();
  const from = range?.from.valueOf();
  const to = range?.to.valueOf();

  useEffect(() => {
    let current = true;
    datasource
      .getRecordedMetrics(from !== undefined && to !== undefined ? { from, to } : undefined)
      .then((list) => {
        if (current) {
          setMetrics(list);
          setLoadError(undefined);
        }
      })
      .catch((e) => current && setLoadError(`Recorded metrics could not be loaded: ${errorMessage(e)}`));
    return () => {
      current = false;
    };
  }, [datasource, from, to]);

  const metric = metrics.find((m) => m.name === query.metricName);
  const options = metricOptions(metrics, query.metricName);
  const groupBy = query.groupBy ?? [];
  const groupOptions: Array<SelectableValue<string>> = groupByChoices(metric, groupBy).map((n) => ({ label: n, value: n }));
  const noMetrics = loadError === undefined && metrics.length === 0;

  return (
    <div data-testid="rule-editor">
      <InlineFieldRow>
        <InlineField
          label="Metric"
          labelWidth={LABEL_WIDTH}
          tooltip="A metric_name of the collector's recording_rules, as recorded in the dashboard's time range"
          invalid={loadError !== undefined}
          error={loadError}
        >
          <Combobox<string>
            data-testid="rule-metric"
            width={56}
            placeholder={noMetrics ? 'No metric recorded in this range' : 'Choose a recorded metric'}
            createCustomValue
            customValueDescription="Use this metric name"
            options={options}
            value={query.metricName ? { label: query.metricName, value: query.metricName } : null}
            onChange={(option) => changeAndRun({ ...query, metricName: option.value })}
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow className={styles.options}>
        <CheckedInput
          label="Label selector"
          labelWidth={LABEL_WIDTH}
          tooltip={'Matchers over the metric\'s labels (its group-by and extra labels), e.g. {service_name="api"}'}
          testId="rule-selector"
          placeholder='{service_name="api"}'
          width={56}
          committed={query.labelSelector}
          format={(v) => v ?? ''}
          parse={checkRuleSelector}
          onCommit={(labelSelector) => changeAndRun({ ...query, labelSelector })}
        />
      </InlineFieldRow>
      <InlineFieldRow>
        <div data-testid="rule-group-by">
          <InlineField label="Group by" labelWidth={LABEL_WIDTH} tooltip="Sum the recorded series by these labels (empty: every recorded series on its own)">
            <MultiSelect<string>
              width={40}
              placeholder="each recorded series"
              allowCustomValue
              options={groupOptions}
              value={groupBy}
              onChange={(selected) => changeAndRun({ ...query, groupBy: selected.map((s) => s.value!).filter(Boolean) })}
            />
          </InlineField>
        </div>
        <CountField
          label="Limit"
          labelWidth={8}
          tooltip="Most series, the largest by sum are kept (empty: all, up to 1,000)"
          testId="rule-limit"
          placeholder="all"
          value={query.limit}
          onChange={(limit) => changeAndRun({ ...query, limit })}
        />
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField label="Aggregation" labelWidth={LABEL_WIDTH} tooltip="Per step: the recorded sum, or the average per profile window">
          <div data-testid="rule-aggregation">
            <RadioButtonGroup
              options={AGGREGATIONS}
              value={query.aggregation ?? 'sum'}
              onChange={(aggregation) => changeAndRun({ ...query, aggregation })}
            />
          </div>
        </InlineField>
      </InlineFieldRow>
      <div className={styles.hint} data-testid="rule-summary">
        {ruleSummary(query, metric)}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  options: css({ marginTop: theme.spacing(1) }),
  hint: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize, marginTop: theme.spacing(0.5) }),
});
