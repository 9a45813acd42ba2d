// The group by of the profile and function tabs: label names of the query's selection (scoped by its
// profile type and the range), loaded when the list opens; a name not listed can be typed.
import { useState } from 'react';

import { SelectableValue } from '@grafana/data';
import { InlineField, MultiSelect } from '@grafana/ui';

import type { ProfilesDataSource, ResourceRange } from '../datasource';
import { errorMessage } from '../selector/errorMessage';
import { scopeSelector } from '../selector/format';
import { parseSelector } from '../selector/parse';
import { ProfilesQuery } from '../types';

export interface GroupBySelectProps {
  query: ProfilesQuery;
  /** A change of the group by; the caller runs the query. */
  onChange: (query: ProfilesQuery) => void;
  datasource: ProfilesDataSource;
  range?: ResourceRange;
  tooltip: string;
  labelWidth: number;
  /** Width of the list in multiples of 8px. */
  width: number;
  'data-testid': string;
}

export function GroupBySelect({ query, onChange, datasource, range, tooltip, labelWidth, width, ...rest }: GroupBySelectProps) {
  const [names, setNames] = useState<string[]>();
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string>();
  const selected = query.groupBy ?? [];

  const load = async () => {
    setLoading(true);
    try {
      const scope = scopeSelector(parseSelector(query.labelSelector ?? ''), -1, query.profileTypeId);
      setNames(await datasource.getLabelNames(scope, undefined, range));
      setError(undefined);
    } catch (e) {
      setError(`Label names could not be loaded: ${errorMessage(e)}`);
    } finally {
      setLoading(false);
    }
  };

  const options: Array<SelectableValue<string>> = Array.from(new Set([...(names ?? []), ...selected])).map((n) => ({ label: n, value: n }));
  return (
    // The test id sits outside the field: InlineField hands its `invalid` to its child.
    <div data-testid={rest['data-testid']}>
      <InlineField label="Group by" labelWidth={labelWidth} tooltip={tooltip} invalid={error !== undefined} error={error}>
        <MultiSelect<string>
          placeholder="Label names"
          width={width}
          allowCustomValue
          isLoading={loading}
          options={options}
          value={selected.map((n) => ({ label: n, value: n }))}
          onOpenMenu={load}
          onChange={(values) => onChange({ ...query, groupBy: values.map((v) => v.value!).filter((v) => v !== undefined) })}
          noOptionsMessage={error ?? 'No label names in this selection'}
        />
      </InlineField>
    </div>
  );
}
