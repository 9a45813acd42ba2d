// The panels Grafana would pick for the frames of a query (Explore's choice by
// meta.preferredVisualisationType): flame graph frames in @grafana/flamegraph, series in the
// TimeSeries panel (after Grafana's field overrides, so values have display processors and colours),
// everything else in the Table panel; query errors as text.
import { useMemo } from 'react';

import {
  DataFrame,
  DataQueryError,
  FieldColorModeId,
  FieldConfigSource,
  FieldType,
  GrafanaTheme2,
  TimeRange,
  applyFieldOverrides,
} from '@grafana/data';
import { FlameGraph } from '@grafana/flamegraph';
import { AxisPlacement, GraphDrawStyle, LegendDisplayMode, LineInterpolation, VisibilityMode } from '@grafana/schema';
import { Table, TimeSeries, useTheme2 } from '@grafana/ui';

interface Props {
  series: DataFrame[];
  errors: DataQueryError[];
  range: TimeRange;
  width: number;
}

function kindOf(frame: DataFrame): 'flamegraph' | 'graph' | 'table' {
  const preferred = frame.meta?.preferredVisualisationType as string | undefined;
  if (preferred === 'flamegraph') {
    return 'flamegraph';
  }
  const hasTime = frame.fields.some((f) => f.type === FieldType.time);
  if (preferred === 'graph' || (preferred === undefined && hasTime && frame.fields.some((f) => f.type === FieldType.number))) {
    return 'graph';
  }
  return 'table';
}

// The field defaults of Grafana's time series panel (classic palette, lines with points), and none for tables.
const GRAPH_DEFAULTS: FieldConfigSource = {
  defaults: {
    color: { mode: FieldColorModeId.PaletteClassic },
    custom: {
      drawStyle: GraphDrawStyle.Line,
      lineInterpolation: LineInterpolation.Linear,
      lineWidth: 1,
      fillOpacity: 0,
      showPoints: VisibilityMode.Auto,
      pointSize: 5,
      spanNulls: false,
      axisPlacement: AxisPlacement.Auto,
    },
  },
  overrides: [],
};

const TABLE_DEFAULTS: FieldConfigSource = { defaults: {}, overrides: [] };

function withOverrides(frames: DataFrame[], theme: GrafanaTheme2, fieldConfig: FieldConfigSource): DataFrame[] {
  // Grafana merges a panel's defaults through the standard field config registry its core fills at start;
  // outside Grafana that registry is empty, so the defaults are merged here (the frame's own config wins).
  const { custom, ...defaults } = fieldConfig.defaults;
  const configured = frames.map((frame) => ({
    ...frame,
    fields: frame.fields.map((field) => ({
      ...field,
      config: { ...defaults, ...field.config, custom: { ...custom, ...field.config.custom } },
    })),
  }));
  return applyFieldOverrides({
    data: configured,
    fieldConfig,
    replaceVariables: (value: string) => value,
    theme,
    timeZone: 'utc',
  });
}

export function Panels({ series, errors, range, width }: Props) {
  const theme = useTheme2();
  const graphs = useMemo(() => withOverrides(series.filter((f) => kindOf(f) === 'graph'), theme, GRAPH_DEFAULTS), [series, theme]);
  const tables = useMemo(() => withOverrides(series.filter((f) => kindOf(f) === 'table'), theme, TABLE_DEFAULTS), [series, theme]);
  const flames = series.filter((f) => kindOf(f) === 'flamegraph');

  return (
    <div data-testid="panels">
      {errors.map((e, i) => (
        <pre key={i} data-testid="query-error" style={{ color: theme.colors.error.text, whiteSpace: 'pre-wrap' }}>
          {e.refId ? `${e.refId}: ` : ''}
          {e.message ?? e.data?.message ?? 'Query error'}
        </pre>
      ))}
      {graphs.length > 0 && (
        <section data-testid="panel-timeseries" style={{ marginBottom: 16 }}>
          <TimeSeries
            frames={graphs}
            width={width}
            height={220}
            timeRange={range}
            timeZone="utc"
            legend={{ displayMode: LegendDisplayMode.List, placement: 'bottom', showLegend: true, calcs: [] }}
          />
        </section>
      )}
      {flames.map((frame, i) => (
        <section key={`flame-${i}`} data-testid="panel-flamegraph" style={{ height: 560, marginBottom: 16 }}>
          <FlameGraph data={frame} getTheme={() => theme} />
        </section>
      ))}
      {tables.map((frame, i) => (
        <section key={`table-${i}`} data-testid={`panel-table-${frame.name ?? i}`} style={{ marginBottom: 16 }}>
          <h4>{frame.name ?? 'Table'}</h4>
          <Table data={frame} width={width} height={260} />
        </section>
      ))}
    </div>
  );
}
