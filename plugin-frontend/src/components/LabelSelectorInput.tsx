// Interim plain input; replaced by the Monaco selector editor with completion.
import { Input } from '@grafana/ui';

import type { ProfilesDataSource } from '../datasource';

export interface LabelSelectorInputProps {
  datasource: ProfilesDataSource;
  value: string;
  onChange: (value: string) => void;
  onRunQuery: () => void;
  /** Scopes completion to the series of this profile type. */
  profileTypeId?: string;
  /** Scopes completion to this time range (epoch ms); the dashboard's when absent. */
  range?: { from: number; to: number };
  'data-testid'?: string;
}

export function LabelSelectorInput(props: LabelSelectorInputProps) {
  return (
    <Input
      data-testid={props['data-testid'] ?? 'label-selector'}
      value={props.value}
      onChange={(e) => props.onChange(e.currentTarget.value)}
      onBlur={props.onRunQuery}
    />
  );
}
