import { QueryEditorProps } from '@grafana/data';
import { InlineField, Input } from '@grafana/ui';

import { ProfilesDataSource } from './datasource';
import { ProfilesDataSourceOptions, ProfilesQuery } from './types';

type Props = QueryEditorProps<ProfilesDataSource, ProfilesQuery, ProfilesDataSourceOptions>;

export function QueryEditor({ query, onChange, onRunQuery }: Props) {
  return (
    <InlineField label="Label selector" labelWidth={16}>
      <Input
        data-testid="query-label-selector"
        value={query.labelSelector ?? ''}
        onChange={(e) => onChange({ ...query, labelSelector: e.currentTarget.value })}
        onBlur={onRunQuery}
      />
    </InlineField>
  );
}
