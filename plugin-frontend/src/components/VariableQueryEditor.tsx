// The editor of a template variable's query: what to list (profile types, label names, label values,
// or the rows of a SQL query) and, chained, the profile type, selector and label that scope it. Values
// may reference other variables (`$service`), which are interpolated when the variable is refreshed.
import { useEffect, useMemo, useState } from 'react';

import { QueryEditorProps, SelectableValue } from '@grafana/data';
import { InlineField, InlineFieldRow, Input, Select, Stack, TextArea } from '@grafana/ui';

import type { ProfilesDataSource } from '../datasource';
import { ProfilesDataSourceOptions, ProfilesQuery, VariableDataQuery, VariableQuery } from '../types';
import { VARIABLE_QUERY_TYPES, VariableQueryType, describeVariableQuery, migrateVariableQuery } from '../variables/variableQuery';

type Props = QueryEditorProps<ProfilesDataSource, ProfilesQuery, ProfilesDataSourceOptions, VariableDataQuery>;

const LABEL_WIDTH = 20;

type Listed = { status: 'loading' } | { status: 'done'; options: Array<SelectableValue<string>> } | { status: 'error'; message: string };

function message(e: unknown): string {
  const err = e as { data?: { message?: string }; message?: string };
  return err?.data?.message ?? err?.message ?? String(e);
}

/** Loads options with `load` for `key` (what they depend on); a failure is shown, not swallowed. */
function useOptions(load: () => Promise<Array<SelectableValue<string>>>, key: string): Listed {
  const [result, setResult] = useState<{ key: string; listed: Listed }>();
  useEffect(() => {
    let current = true;
    load().then(
      (options) => current && setResult({ key, listed: { status: 'done', options } }),
      (e) => current && setResult({ key, listed: { status: 'error', message: message(e) } })
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return result && result.key === key ? result.listed : { status: 'loading' };
}

/** The options with the current value kept when the list does not hold it (a `$variable`, a type without data). */
function withCurrent(listed: Listed, value: string | undefined): Array<SelectableValue<string>> {
  const options = listed.status === 'done' ? listed.options : [];
  return value && !options.some((o) => o.value === value) ? [{ label: value, value }, ...options] : options;
}

export function VariableQueryEditor({ datasource, query: saved, onChange, range }: Props) {
  const query = useMemo(() => migrateVariableQuery(saved), [saved]);
  const refId = saved?.refId ?? 'variable';
  const resourceRange = range ? { from: range.from.valueOf(), to: range.to.valueOf() } : undefined;

  const change = (next: VariableQuery) => {
    // Grafana's variable editor takes the definition shown in the variables list as a second argument.
    (onChange as (q: VariableDataQuery, definition: string) => void)({ ...next, refId }, describeVariableQuery(next));
  };

  const setType = (type: VariableQueryType) => {
    const scope = 'profileTypeId' in query ? { profileTypeId: query.profileTypeId, labelSelector: query.labelSelector } : {};
    switch (type) {
      case 'profileTypes':
        return change({ type });
      case 'labelNames':
        return change({ type, ...scope });
      case 'labelValues':
        return change({ type, label: query.type === 'labelValues' ? query.label : '', ...scope });
      case 'sql':
        return change({ type, rawSql: query.type === 'sql' ? query.rawSql : '' });
    }
  };

  return (
    <Stack direction="column" gap={0}>
      <InlineFieldRow>
        <InlineField label="Query type" labelWidth={LABEL_WIDTH} tooltip="What the variable lists">
          <Select<VariableQueryType>
            data-testid="variable-query-type"
            aria-label="Query type"
            width={30}
            options={VARIABLE_QUERY_TYPES}
            value={query.type}
            onChange={(v) => v.value && setType(v.value)}
          />
        </InlineField>
      </InlineFieldRow>
      {(query.type === 'labelNames' || query.type === 'labelValues') && (
        <ScopeFields datasource={datasource} query={query} range={resourceRange} onChange={change} />
      )}
      {query.type === 'sql' && <SqlField query={query} onChange={change} />}
    </Stack>
  );
}

type ScopedQuery = Extract<VariableQuery, { type: 'labelNames' | 'labelValues' }>;

interface ScopeProps {
  datasource: ProfilesDataSource;
  query: ScopedQuery;
  range?: { from: number; to: number };
  onChange: (q: VariableQuery) => void;
}

function ScopeFields({ datasource, query, range, onChange }: ScopeProps) {
  // What is being typed; committed on blur.
  const [draft, setDraft] = useState<string>();
  const selector = draft ?? query.labelSelector ?? '';

  const types = useOptions(
    () => datasource.getProfileTypes(range).then((ts) => ts.map((t) => ({ label: t.label || t.id, value: t.id, description: t.id }))),
    `${datasource.uid} ${range?.from} ${range?.to}`
  );
  const hasVariable = (t?: string) => Boolean(t && t.includes('$'));
  const labels = useOptions(
    () =>
      query.type === 'labelValues'
        ? datasource
            .getLabelNames(
              hasVariable(query.labelSelector) ? undefined : query.labelSelector,
              hasVariable(query.profileTypeId) ? undefined : query.profileTypeId,
              range
            )
            .then((ns) => ns.map((n) => ({ label: n, value: n })))
        : Promise.resolve([]),
    JSON.stringify([datasource.uid, query.type, query.profileTypeId, query.labelSelector, range?.from, range?.to])
  );

  return (
    <>
      <InlineFieldRow>
        <InlineField
          label="Profile type"
          labelWidth={LABEL_WIDTH}
          tooltip="Scopes the list to one profile type; a $variable is interpolated"
          invalid={types.status === 'error'}
          error={types.status === 'error' ? `Profile types could not be loaded: ${types.message}` : undefined}
        >
          <Select<string>
            data-testid="variable-profile-type"
            aria-label="Profile type"
            width={50}
            isClearable
            allowCustomValue
            isLoading={types.status === 'loading'}
            placeholder="Any profile type"
            options={withCurrent(types, query.profileTypeId)}
            value={query.profileTypeId ?? null}
            onChange={(v) => onChange({ ...query, profileTypeId: v?.value || undefined })}
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField label="Label selector" labelWidth={LABEL_WIDTH} tooltip='Scopes the list, e.g. {service_name="$service"}'>
          <Input
            data-testid="variable-label-selector"
            aria-label="Label selector"
            width={50}
            placeholder="{}"
            value={selector}
            onChange={(e) => setDraft(e.currentTarget.value)}
            onBlur={() => {
              setDraft(undefined);
              if (selector !== (query.labelSelector ?? '')) {
                onChange({ ...query, labelSelector: selector || undefined });
              }
            }}
          />
        </InlineField>
      </InlineFieldRow>
      {query.type === 'labelValues' && (
        <InlineFieldRow>
          <InlineField
            label="Label"
            labelWidth={LABEL_WIDTH}
            tooltip="The label whose values the variable lists"
            invalid={labels.status === 'error' || !query.label}
            error={labels.status === 'error' ? `Label names could not be loaded: ${labels.message}` : 'Choose a label'}
          >
            <Select<string>
              data-testid="variable-label"
              aria-label="Label"
              width={50}
              allowCustomValue
              isLoading={labels.status === 'loading'}
              placeholder="Choose a label"
              options={withCurrent(labels, query.label)}
              value={query.label || null}
              onChange={(v) => onChange({ ...query, label: v?.value ?? '' })}
            />
          </InlineField>
        </InlineFieldRow>
      )}
    </>
  );
}

function SqlField({ query, onChange }: { query: Extract<VariableQuery, { type: 'sql' }>; onChange: (q: VariableQuery) => void }) {
  const [draft, setDraft] = useState<string>();
  const sql = draft ?? query.rawSql;
  return (
    <InlineFieldRow>
      <InlineField
        label="SQL"
        labelWidth={LABEL_WIDTH}
        grow
        tooltip="The first column is the text, a second column the value behind it; $variables become quoted SQL literals"
      >
        <TextArea
          data-testid="variable-sql"
          aria-label="SQL"
          rows={4}
          placeholder="SELECT DISTINCT service_name FROM samples WHERE $__timeFilter(time)"
          value={sql}
          onChange={(e) => setDraft(e.currentTarget.value)}
          onBlur={() => {
            setDraft(undefined);
            if (sql !== query.rawSql) {
              onChange({ ...query, rawSql: sql });
            }
          }}
        />
      </InlineField>
    </InlineFieldRow>
  );
}
