// A query row as Explore or the panel editor shows it: the plugin's QueryEditor with the props Grafana
// passes (datasource, query, onChange, onRunQuery, range, app, data), a Run button, and on run
// `datasource.query(request)` with a DataQueryRequest built as Grafana's query runner builds it; the
// frames go to the panels Grafana would choose.
import { useCallback, useRef, useState } from 'react';

import {
  CoreApp,
  DataFrame,
  DataQueryError,
  DataQueryRequest,
  DataQueryResponse,
  DataSourceApi,
  DataSourcePlugin,
  LoadingState,
  PanelData,
  TimeRange,
  rangeUtil,
} from '@grafana/data';
import { DataQuery } from '@grafana/schema';
import { Button } from '@grafana/ui';

import { Panels } from './Panels';

interface Props {
  plugin: DataSourcePlugin<DataSourceApi>;
  datasource: DataSourceApi;
  range: TimeRange;
  app: CoreApp;
  initialQuery?: Partial<DataQuery>;
}

let requestCounter = 0;

export function EditorPage({ plugin, datasource, range, app, initialQuery }: Props) {
  const [query, setQuery] = useState<DataQuery>(() => ({
    refId: 'A',
    ...(datasource.getDefaultQuery?.(app) ?? {}),
    ...(initialQuery ?? {}),
  }));
  const latest = useRef(query);
  const [data, setData] = useState<PanelData>();
  const [series, setSeries] = useState<DataFrame[]>([]);
  const [errors, setErrors] = useState<DataQueryError[]>([]);
  const [runs, setRuns] = useState(0);
  const width = Math.max(600, window.innerWidth - 32);
  const Editor = plugin.components.QueryEditor;

  const onChange = useCallback((next: DataQuery) => {
    latest.current = next;
    setQuery(next);
  }, []);

  const onRunQuery = useCallback(() => {
    const target = { ...latest.current, datasource: datasource.getRef() };
    if (datasource.filterQuery && !datasource.filterQuery(target)) {
      setSeries([]);
      setErrors([]);
      return;
    }
    const interval = rangeUtil.calculateInterval(range, 800, '15s');
    const request: DataQueryRequest = {
      app,
      requestId: `Q${++requestCounter}`,
      interval: interval.interval,
      intervalMs: interval.intervalMs,
      maxDataPoints: 800,
      range,
      rangeRaw: range.raw,
      scopedVars: {
        __interval: { text: interval.interval, value: interval.interval },
        __interval_ms: { text: String(interval.intervalMs), value: interval.intervalMs },
      },
      targets: [target],
      timezone: 'utc',
      startTime: Date.now(),
    };
    setData({ state: LoadingState.Loading, series: [], timeRange: range });
    const result = datasource.query(request);
    const apply = (response: DataQueryResponse) => {
      const frames = response.data as DataFrame[];
      const errs = response.errors ?? (response.error ? [response.error] : []);
      setSeries(frames);
      setErrors(errs);
      setData({ state: errs.length ? LoadingState.Error : LoadingState.Done, series: frames, errors: errs, timeRange: range, request });
      setRuns((n) => n + 1);
    };
    if ('subscribe' in result) {
      result.subscribe({ next: apply, error: (e) => apply({ data: [], errors: [{ message: String(e?.message ?? e) }] }) });
    } else {
      result.then(apply, (e) => apply({ data: [], errors: [{ message: String(e?.message ?? e) }] }));
    }
  }, [app, datasource, range]);

  if (!Editor) {
    return <div>The plugin has no QueryEditor</div>;
  }

  return (
    <div data-testid="editor-page">
      <div style={{ display: 'flex', gap: 8, alignItems: 'flex-start' }}>
        <div style={{ flex: 1, minWidth: 0 }}>
          <Editor datasource={datasource} query={query} onChange={onChange} onRunQuery={onRunQuery} range={range} app={app} data={data} />
        </div>
        <Button data-testid="run-query" icon="sync" onClick={onRunQuery}>
          Run query
        </Button>
      </div>
      <div data-testid="results" data-runs={runs} data-state={data?.state ?? 'NotStarted'} style={{ marginTop: 16 }}>
        <Panels series={series} errors={errors} range={range} width={width} />
      </div>
    </div>
  );
}
