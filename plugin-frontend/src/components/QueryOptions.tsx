// The profile tab's options, collapsed to a one-line summary (as in Grafana's Pyroscope data source):
// query type, group by, limit, max nodes, span ids. Every change here runs the query; the number and
// span boxes commit when they lose focus or on Enter, after their check.
import { css } from '@emotion/css';
import { useState } from 'react';

import { GrafanaTheme2 } from '@grafana/data';
import { Icon, InlineField, InlineFieldRow, RadioButtonGroup, useStyles2 } from '@grafana/ui';

import type { ProfilesDataSource } from '../datasource';
import {
  MAX_NODES_LIMIT,
  PROFILE_QUERY_TYPES,
  effectiveQueryType,
  optionsSummary,
  parseSpanIds,
} from '../selector/queryOptions';
import { ProfilesQuery } from '../types';
import { CheckedInput } from './CheckedInput';
import { CountField } from './CountField';
import { GroupBySelect } from './GroupBySelect';

export interface QueryOptionsProps {
  query: ProfilesQuery;
  /** A change of an option; the caller runs the query. */
  onChange: (query: ProfilesQuery) => void;
  datasource: ProfilesDataSource;
  /** Explore shows `both` when the query sets no type. */
  explore: boolean;
  range?: { from: number; to: number };
  /** Open at first (collapsed by default). */
  defaultOpen?: boolean;
}

const LABEL_WIDTH = 14;

export function QueryOptions({ query, onChange, datasource, explore, range, defaultOpen = false }: QueryOptionsProps) {
  const styles = useStyles2(getStyles);
  const [open, setOpen] = useState(defaultOpen);
  const summary = optionsSummary(query, explore);

  return (
    <div className={styles.group}>
      <button type="button" className={styles.header} data-testid="options-toggle" aria-expanded={open} onClick={() => setOpen(!open)}>
        <Icon name={open ? 'angle-down' : 'angle-right'} />
        <span className={styles.title}>Options</span>
        {!open && (
          <span className={styles.summary} data-testid="options-summary">
            {summary}
          </span>
        )}
      </button>
      {open && (
        <div className={styles.body}>
          <InlineFieldRow>
            <InlineField label="Query type" labelWidth={LABEL_WIDTH} tooltip="Series over time, the flame graph, or both">
              <div data-testid="query-type">
                <RadioButtonGroup
                  options={PROFILE_QUERY_TYPES}
                  value={effectiveQueryType(query.queryType, explore)}
                  onChange={(queryType) => onChange({ ...query, queryType })}
                />
              </div>
            </InlineField>
          </InlineFieldRow>
          <InlineFieldRow>
            <GroupBySelect
              data-testid="group-by"
              query={query}
              onChange={onChange}
              datasource={datasource}
              range={range}
              tooltip="Labels that split the series (series only)"
              labelWidth={LABEL_WIDTH}
              width={48}
            />
          </InlineFieldRow>
          <InlineFieldRow>
            <CountField
              label="Limit"
              labelWidth={LABEL_WIDTH}
              tooltip="Most series, the largest by sum are kept (series only; empty: all, up to 1,000)"
              testId="limit"
              placeholder="all"
              value={query.limit}
              onChange={(limit) => onChange({ ...query, limit })}
            />
            <CountField
              label="Max nodes"
              labelWidth={LABEL_WIDTH}
              tooltip={`Most nodes of the flame graph (empty: 8,192; at most ${MAX_NODES_LIMIT.toLocaleString('en-US')})`}
              testId="max-nodes"
              placeholder="8192"
              value={query.maxNodes}
              max={MAX_NODES_LIMIT}
              onChange={(maxNodes) => onChange({ ...query, maxNodes })}
            />
          </InlineFieldRow>
          <InlineFieldRow>
            <CheckedInput
              label="Span ID"
              labelWidth={LABEL_WIDTH}
              tooltip="Only samples recorded in these spans: 16 hex digits each, separated by commas"
              testId="span-selector"
              placeholder="64f170a95f537095"
              width={48}
              committed={query.spanSelector}
              format={(v) => (v ?? []).join(', ')}
              parse={parseSpanIds}
              onCommit={(ids) => onChange({ ...query, spanSelector: ids })}
            />
          </InlineFieldRow>
        </div>
      )}
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  group: css({ marginTop: theme.spacing(1) }),
  header: css({
    display: 'flex',
    alignItems: 'center',
    gap: theme.spacing(0.5),
    background: 'none',
    border: 'none',
    padding: 0,
    cursor: 'pointer',
    color: theme.colors.text.primary,
    maxWidth: '100%',
  }),
  title: css({ fontWeight: theme.typography.fontWeightMedium }),
  summary: css({
    color: theme.colors.text.secondary,
    fontSize: theme.typography.bodySmall.fontSize,
    marginLeft: theme.spacing(1),
    whiteSpace: 'nowrap',
    overflow: 'hidden',
    textOverflow: 'ellipsis',
  }),
  body: css({ paddingTop: theme.spacing(1) }),
});
