// The query model and settings shared by the editors, the data source class and the backend.
// Keys follow Grafana's Pyroscope data source (GrafanaPyroscopeDataQuery) so its saved queries open
// unchanged; the backend's own keys (backend/GrafanaProfiles.Backend/Queries/README.md) extend them.
import { DataQuery, DataSourceJsonData } from '@grafana/schema';

/** Query types the backend answers (Data/QueryTypes.cs). */
export type QueryType = 'metrics' | 'profile' | 'both' | 'diff' | 'top' | 'function' | 'sql' | 'recording_rule';

/** One side of a diff: what it leaves out comes from the top level and the dashboard's range. */
export interface DiffSide {
  labelSelector?: string;
  profileTypeId?: string;
  /** Epoch milliseconds or RFC 3339 (or a Grafana relative time such as `now-7d`, resolved before sending). */
  from?: number | string;
  to?: number | string;
  /** Moves this side's range back: `30m`, `1h`, `1d`, `1w`. */
  timeShift?: string;
}

/** SQL result formats (Sql/README.md). */
export type SqlFormat = 'table' | 'time_series' | 'flamegraph';

export type Aggregation = 'sum' | 'average';
export type ValueKind = 'total' | 'self';

export interface ProfilesQuery extends DataQuery {
  queryType?: QueryType;
  /** `name:sample_type:sample_unit:period_type:period_unit`, or a `$variable`. */
  profileTypeId?: string;
  /** `{service_name="api", env=~"prod|staging"}` */
  labelSelector?: string;
  groupBy?: string[];
  /** Most series (metrics), most rows (top, changes). */
  limit?: number;
  maxNodes?: number;
  /** Span ids (16 hex digits) — Pyroscope's span profiles. */
  spanSelector?: string[];
  aggregation?: Aggregation;
  // diff
  left?: DiffSide;
  right?: DiffSide;
  // function
  function?: string;
  functionRegex?: string;
  valueKind?: ValueKind;
  // recording_rule: a metric the collector's recording rules recorded (labelSelector, groupBy,
  // aggregation and limit apply to the metric's own labels)
  metricName?: string;
  // sql
  rawSql?: string;
  format?: SqlFormat;
}

export interface ProfilesDataSourceOptions extends DataSourceJsonData {
  /** The collector's data directory as Grafana's machine sees it. */
  dataDirectory?: string;
  /** The tenant to read (the collector's X-Scope-OrgID). secureJsonData.tenant wins when set. */
  tenant?: string;
  defaultProfileType?: string;
  /** `30s`; 100ms–1h. */
  queryTimeout?: string;
  /** DuckDB memory limit of one query, e.g. `1GB`. */
  memoryLimit?: string;
  rowLimit?: number;
  /** Smallest time-series step, e.g. `15s` (Pyroscope's setting of the same name). */
  minStep?: string;
  /**
   * Whether flame graphs and series read the store's hour and day rollups for whole hours and days
   * (the backend's default, true); false reads raw samples only, to compare answers and timings.
   */
  useRollups?: boolean;
}

export interface ProfilesSecureJsonData {
  /** A tenant whose name is a secret. */
  tenant?: string;
}

/** `recordedMetrics` resource: a metric the collector's recording rules recorded in the range. */
export interface RecordedMetricInfo {
  name: string;
  /** The profile type the rule sums (its unit). */
  profileType: string;
  /** The label names of its series. */
  labels: string[];
}

/** `profileTypes` resource. */
export interface ProfileTypeInfo {
  id: string;
  label: string;
}

/**
 * A template variable's query (the data source's variable support). Chained: a profile type scopes
 * label names, a label and selector scope its values; `sql` lists the first column of a SQL query
 * (a second column, when present, is the value behind the shown text).
 */
export type VariableQuery =
  | { refId?: string; type: 'profileTypes' }
  | { refId?: string; type: 'labelNames'; profileTypeId?: string; labelSelector?: string }
  | { refId?: string; type: 'labelValues'; label: string; profileTypeId?: string; labelSelector?: string }
  | { refId?: string; type: 'sql'; rawSql: string };

/** Defaults the editors start from. */
export const defaultQuery: Partial<ProfilesQuery> = {
  labelSelector: '{}',
  groupBy: [],
};

export const PLUGIN_ID = 'grafana-profiles-datasource';

/** A variable query as Grafana's variable support hands it over (a DataQuery, so `refId` is set). */
export type VariableDataQuery = VariableQuery & { refId: string };
