// Interim plain input; replaced by the cascader (name → sample type) fed by the profileTypes resource.
import { Input } from '@grafana/ui';

import type { ProfilesDataSource } from '../datasource';

export interface ProfileTypeCascaderProps {
  datasource: ProfilesDataSource;
  value?: string;
  onChange: (profileTypeId: string) => void;
  'data-testid'?: string;
}

export function ProfileTypeCascader(props: ProfileTypeCascaderProps) {
  return (
    <Input
      data-testid={props['data-testid'] ?? 'profile-type'}
      value={props.value ?? ''}
      onChange={(e) => props.onChange(e.currentTarget.value)}
    />
  );
}
