import { Observable, lastValueFrom, of } from 'rxjs';

import {
  AbstractQuery,
  AdHocVariableFilter,
  CoreApp,
  DataFrame,
  DataQueryRequest,
  DataQueryResponse,
  DataSourceGetTagKeysOptions,
  DataSourceGetTagValuesOptions,
  DataSourceInstanceSettings,
  LegacyMetricFindQueryOptions,
  MetricFindValue,
  ScopedVars,
  TimeRange,
  dateTime,
} from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv } from '@grafana/runtime';

import { fromAbstractQuery, toAbstractQuery } from './migrations/abstractQuery';
import { migrateQuery } from './migrations/migrateQuery';
import { adHocMatcher } from './variables/adhoc';
import { applyGroupByKeys, interpolateQuery, interpolateText } from './variables/query';
import { Resolve, templateResolver } from './variables/references';
import { interpolateSelector } from './variables/selector';
import { migrateVariableQuery } from './variables/variableQuery';
import { ProfilesVariableSupport } from './variables/variableSupport';
import { ProfileTypeInfo, ProfilesDataSourceOptions, ProfilesQuery, RecordedMetricInfo, VariableQuery, defaultQuery } from './types';

/** A time range for the resources: epoch milliseconds. */
export interface ResourceRange {
  from: number;
  to: number;
}

/** The `sqlSchema` resource (backend Sql/SqlSchema.cs): the views user SQL sees and the macros. */
export interface SqlSchema {
  tenant: string;
  tables: Array<{ name: string; description: string; columns: Array<{ name: string; type: string; description: string }> }>;
  macros: Array<{ syntax: string; expansion: string }>;
}

export class ProfilesDataSource extends DataSourceWithBackend<ProfilesQuery, ProfilesDataSourceOptions> {
  /** The data source's `defaultProfileType` setting, when set. */
  readonly defaultProfileType?: string;

  constructor(instanceSettings: DataSourceInstanceSettings<ProfilesDataSourceOptions>) {
    super(instanceSettings);
    this.defaultProfileType = instanceSettings.jsonData?.defaultProfileType?.trim() || undefined;
    this.variables = new ProfilesVariableSupport(this);
  }

  /**
   * Saved queries of older shapes (and Pyroscope's) are normalised before they are sent, queries with
   * nothing to run are skipped (also where Grafana did not ask filterQuery), and the labels of a
   * dashboard's "Group by" variable are added to the builder queries' group-by.
   */
  query(request: DataQueryRequest<ProfilesQuery>): Observable<DataQueryResponse> {
    const targets = request.targets
      .map((t) => applyGroupByKeys(migrateQuery(t), request.groupByKeys))
      .filter((t) => this.filterQuery(t));
    if (targets.length === 0) {
      return of({ data: [] });
    }
    return super.query({ ...request, targets });
  }

  getDefaultQuery(app: CoreApp): Partial<ProfilesQuery> {
    return {
      ...defaultQuery,
      queryType: app === CoreApp.Explore ? 'both' : 'profile',
      ...(this.defaultProfileType ? { profileTypeId: this.defaultProfileType } : {}),
    };
  }

  /** Hidden queries, SQL without SQL and a diff with neither side are not run. */
  filterQuery(query: ProfilesQuery): boolean {
    if (query.hide) {
      return false;
    }
    const q = migrateQuery(query);
    if (q.queryType === 'sql') {
      return Boolean(q.rawSql && q.rawSql.trim());
    }
    if (q.queryType === 'diff') {
      return Boolean(q.left || q.right);
    }
    return true;
  }

  /**
   * Variables interpolated with the escaping each field needs (variables/query.ts) and the dashboard's
   * ad-hoc filters appended to the selectors (not to SQL).
   */
  applyTemplateVariables(query: ProfilesQuery, scopedVars: ScopedVars, filters?: AdHocVariableFilter[]): ProfilesQuery {
    return interpolateQuery(migrateQuery(query), this.resolver(scopedVars), filters);
  }

  interpolateVariablesInQueries(queries: ProfilesQuery[], scopedVars: ScopedVars, filters?: AdHocVariableFilter[]): ProfilesQuery[] {
    return queries.map((q) => ({ ...this.applyTemplateVariables(q, scopedVars, filters), datasource: this.getRef() }));
  }

  /** Whether the query uses a template variable (alert rules cannot resolve dashboard variables). */
  targetContainsTemplate(query: ProfilesQuery): boolean {
    const templateSrv = getTemplateSrv();
    const texts = [
      query.profileTypeId,
      query.labelSelector,
      query.function,
      query.functionRegex,
      query.metricName,
      query.rawSql,
      ...(query.groupBy ?? []),
      ...(query.spanSelector ?? []),
      query.left?.labelSelector,
      query.left?.profileTypeId,
      query.right?.labelSelector,
      query.right?.profileTypeId,
    ];
    return texts.some((t) => typeof t === 'string' && templateSrv.containsTemplate(t));
  }

  // Ad-hoc filters: label names and values in the dashboard's range, scoped by the other filters.

  async getTagKeys(options?: DataSourceGetTagKeysOptions<ProfilesQuery>): Promise<MetricFindValue[]> {
    const names = await this.getLabelNames(filterScope(options?.filters), undefined, toResourceRange(options?.timeRange));
    return names.map((text) => ({ text }));
  }

  /** Label names for a dashboard's "Group by" variable. */
  async getGroupByKeys(options?: DataSourceGetTagKeysOptions<ProfilesQuery>): Promise<MetricFindValue[]> {
    return this.getTagKeys(options);
  }

  async getTagValues(options: DataSourceGetTagValuesOptions<ProfilesQuery>): Promise<MetricFindValue[]> {
    const others = options.filters?.filter((f) => f.key !== options.key);
    const values = await this.getLabelValues(options.key, filterScope(others), undefined, toResourceRange(options.timeRange));
    return values.map((text) => ({ text }));
  }

  // Template variables (variables/variableQuery.ts for the query shapes).

  async metricFindQuery(saved: VariableQuery | string, options?: LegacyMetricFindQueryOptions): Promise<MetricFindValue[]> {
    const query = migrateVariableQuery(saved);
    const resolve = this.resolver(options?.scopedVars ?? {});
    const range = toResourceRange(options?.range);
    const text = (t?: string) => (t ? interpolateText(t, resolve) : undefined);
    const selector = (t?: string) => (t ? interpolateSelector(t, resolve) : undefined);
    switch (query.type) {
      case 'profileTypes': {
        const types = await this.getProfileTypes(range);
        return types.map((t) => ({ text: t.label || t.id, value: t.id }));
      }
      case 'labelNames': {
        const names = await this.getLabelNames(selector(query.labelSelector), text(query.profileTypeId), range);
        return names.map((n) => ({ text: n, value: n }));
      }
      case 'labelValues': {
        const label = text(query.label);
        if (!label) {
          throw new Error('The label values variable names no label: choose the label whose values it lists.');
        }
        const values = await this.getLabelValues(label, selector(query.labelSelector), text(query.profileTypeId), range);
        return values.map((v) => ({ text: v, value: v }));
      }
      case 'sql':
        return this.sqlVariableValues(query.rawSql, options);
    }
  }

  /** Runs the SQL as a table: the first column is the text, a second one the value behind it. */
  private async sqlVariableValues(rawSql: string, options?: LegacyMetricFindQueryOptions): Promise<MetricFindValue[]> {
    if (!rawSql.trim()) {
      return [];
    }
    const range = options?.range ?? defaultRange();
    const request: DataQueryRequest<ProfilesQuery> = {
      requestId: `variable-${options?.variable?.name ?? 'sql'}`,
      app: CoreApp.Dashboard,
      interval: '1m',
      intervalMs: 60_000,
      range,
      scopedVars: options?.scopedVars ?? {},
      startTime: Date.now(),
      timezone: 'utc',
      targets: [{ refId: 'variable', queryType: 'sql', rawSql, format: 'table' }],
    };
    const response = await lastValueFrom(this.query(request));
    const error = response.errors?.[0] ?? response.error;
    if (error) {
      throw new Error(`The SQL variable query failed: ${error.message ?? error.data?.message ?? 'unknown error'}`);
    }
    return framesToValues(response.data as DataFrame[]);
  }

  // Explore: label matchers carried over from Prometheus and Loki, and back.

  async importFromAbstractQueries(abstractQueries: AbstractQuery[]): Promise<ProfilesQuery[]> {
    return abstractQueries.map((q) => fromAbstractQuery(q, this.defaultProfileType));
  }

  async exportToAbstractQueries(queries: ProfilesQuery[]): Promise<AbstractQuery[]> {
    return queries.map((q) => toAbstractQuery(migrateQuery(q)));
  }

  private resolver(scopedVars: ScopedVars): Resolve {
    return templateResolver(getTemplateSrv(), scopedVars);
  }

  // Resources the editors call (backend/README.md "Resources"). A selector scoped to a profile type is
  // written `<profileTypeId>{matchers}`.

  getProfileTypes(range?: ResourceRange): Promise<ProfileTypeInfo[]> {
    return this.getResource('profileTypes', { ...rangeParams(range) });
  }

  getLabelNames(selector?: string, profileTypeId?: string, range?: ResourceRange): Promise<string[]> {
    return this.getResource('labelNames', { ...scopeParams(selector, profileTypeId), ...rangeParams(range) });
  }

  getLabelValues(label: string, selector?: string, profileTypeId?: string, range?: ResourceRange): Promise<string[]> {
    return this.getResource('labelValues', { label, ...scopeParams(selector, profileTypeId), ...rangeParams(range) });
  }

  getFunctions(search: string, limit = 100, range?: ResourceRange): Promise<string[]> {
    return this.getResource('functions', { search, limit, ...rangeParams(range) });
  }

  getSqlSchema(): Promise<SqlSchema> {
    return this.getResource('sqlSchema');
  }

  /** The metrics the collector's recording rules recorded in the range (Rules tab). */
  getRecordedMetrics(range?: ResourceRange): Promise<RecordedMetricInfo[]> {
    return this.getResource('recordedMetrics', { ...rangeParams(range) });
  }
}

/** A dashboard TimeRange as resource milliseconds. */
export function toResourceRange(range?: TimeRange): ResourceRange | undefined {
  return range ? { from: range.from.valueOf(), to: range.to.valueOf() } : undefined;
}

/** The selector of the filters that scope an ad-hoc list; filters with other operators only widen it. */
function filterScope(filters?: AdHocVariableFilter[]): string | undefined {
  const matchers: string[] = [];
  for (const f of filters ?? []) {
    try {
      matchers.push(adHocMatcher(f));
    } catch {
      // An operator without a selector equivalent: left out of the scope, never applied to a query.
    }
  }
  return matchers.length ? `{${matchers.join(', ')}}` : undefined;
}

/** The rows of the first frame: text from the first field, value from the second when there is one. */
export function framesToValues(frames: DataFrame[]): MetricFindValue[] {
  const frame = frames.find((f) => f.fields.length > 0);
  if (!frame) {
    return [];
  }
  const [textField, valueField] = frame.fields;
  const out: MetricFindValue[] = [];
  for (let i = 0; i < frame.length; i++) {
    const text = textField.values[i];
    if (text === null || text === undefined) {
      continue;
    }
    const value = valueField?.values[i];
    out.push(valueField ? { text: String(text), value: value === null || value === undefined ? undefined : String(value) } : { text: String(text) });
  }
  return out;
}

function defaultRange(): TimeRange {
  const to = dateTime();
  const from = dateTime(to.valueOf() - 6 * 3600_000);
  return { from, to, raw: { from: 'now-6h', to: 'now' } };
}

function rangeParams(range?: ResourceRange): Record<string, number> {
  return range ? { from: Math.floor(range.from), to: Math.ceil(range.to) } : {};
}

function scopeParams(selector?: string, profileTypeId?: string): Record<string, string> {
  const matchers = selector && selector.trim() ? selector.trim() : '{}';
  // A profile type written in front of the braces wins over the separate one, as in the backend.
  const hasProfileType = /^[A-Za-z_][\w.-]*:/.test(matchers);
  if (profileTypeId && !profileTypeId.startsWith('$') && !hasProfileType) {
    return { query: `${profileTypeId}${matchers.startsWith('{') ? matchers : `{${matchers}}`}` };
  }
  return matchers === '{}' ? {} : { query: matchers };
}
