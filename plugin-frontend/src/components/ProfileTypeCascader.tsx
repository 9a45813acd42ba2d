// The profile type: a cascader of the types with data (name → sample type) from the `profileTypes`
// resource, independent of the service, as in Grafana's Pyroscope data source. A typed `$variable` or
// an id without data in the range is kept and shown as typed.
import { css } from '@emotion/css';
import { useEffect, useMemo, useState } from 'react';

import { GrafanaTheme2 } from '@grafana/data';
import { Cascader, CascaderOption, useStyles2 } from '@grafana/ui';

import type { ProfilesDataSource } from '../datasource';
import { errorMessage } from '../selector/errorMessage';
import { profileTypeOptions } from '../selector/profileTypes';
import { ProfileTypeInfo } from '../types';
import { dashboardRange, templateVariableNames } from './templateScope';

export interface ProfileTypeCascaderProps {
  datasource: ProfilesDataSource;
  value?: string;
  onChange: (profileTypeId: string) => void;
  'data-testid'?: string;
  /** Lists the types with data in this range (epoch ms); the backend's default (24 h) when absent. */
  range?: { from: number; to: number };
  /** Width in multiples of 8px. */
  width?: number;
}

type Loaded = { status: 'loading' } | { status: 'done'; types: ProfileTypeInfo[] } | { status: 'error'; message: string };

export const PROFILE_TYPE_SEPARATOR = ' - ';

export function ProfileTypeCascader({ datasource, value, onChange, range, width, ...rest }: ProfileTypeCascaderProps) {
  const testId = rest['data-testid'] ?? 'profile-type';
  const styles = useStyles2(getStyles);
  const loaded = useProfileTypes(datasource, range ?? dashboardRange());

  const options = useMemo<CascaderOption[]>(() => {
    const types = loaded.status === 'done' ? profileTypeOptions(loaded.types) : [];
    const variables = templateVariableNames();
    if (variables.length > 0) {
      types.push({ label: 'Variables', value: '$', items: variables.map((v) => ({ label: `$${v}`, value: `$${v}` })) });
    }
    return types;
  }, [loaded]);

  const placeholder =
    loaded.status === 'loading'
      ? 'Loading profile types…'
      : loaded.status === 'done' && loaded.types.length === 0
        ? 'No profiles in this time range'
        : 'Choose a profile type';

  return (
    <div className={styles.column}>
      <Cascader
        // The cascader reads its value once: mount it again when the options or the value change.
        key={`${loaded.status}:${value ?? ''}`}
        data-testid={testId}
        options={options}
        initialValue={value}
        onSelect={(id) => {
          if (id !== value) {
            onChange(id);
          }
        }}
        separator={PROFILE_TYPE_SEPARATOR}
        displayAllSelectedLevels
        allowCustomValue
        formatCreateLabel={(typed) => `Use ${typed}`}
        changeOnSelect={false}
        placeholder={placeholder}
        width={width}
      />
      {loaded.status === 'error' && (
        <div className={styles.error} role="alert" data-testid={`${testId}-error`}>
          Profile types could not be loaded: {loaded.message}
        </div>
      )}
    </div>
  );
}

/**
 * The types of the data source in the range. After a change of range the previous list stays until the
 * new one arrives (no flicker on a dashboard refresh); another data source starts from loading.
 */
function useProfileTypes(datasource: ProfilesDataSource, range?: { from: number; to: number }): Loaded {
  const [result, setResult] = useState<{ uid: string; loaded: Loaded }>();
  const from = range?.from;
  const to = range?.to;
  const uid = datasource.uid;
  useEffect(() => {
    let current = true;
    datasource
      .getProfileTypes(from !== undefined && to !== undefined ? { from, to } : undefined)
      .then((types) => current && setResult({ uid, loaded: { status: 'done', types: Array.isArray(types) ? types : [] } }))
      .catch((e) => current && setResult({ uid, loaded: { status: 'error', message: errorMessage(e) } }));
    return () => {
      current = false;
    };
  }, [datasource, uid, from, to]);
  return result && result.uid === uid ? result.loaded : { status: 'loading' };
}

const getStyles = (theme: GrafanaTheme2) => ({
  column: css({ display: 'flex', flexDirection: 'column' }),
  error: css({ color: theme.colors.error.text, fontSize: theme.typography.bodySmall.fontSize, marginTop: theme.spacing(0.5) }),
});
