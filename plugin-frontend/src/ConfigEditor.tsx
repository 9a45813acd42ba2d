// The data source's settings page: where the profiles are, whose they are, the limits of one query,
// and whether long ranges are answered from rollups. Each field is checked as the backend will read
// it (settings/validate.ts) and a bad value shows its message under the field; "Save & test"
// (Grafana's button) then runs the backend's health check, which reports what it found or what to fix.
import { ChangeEvent, useState } from 'react';

import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Field, FieldSet, Input, SecretInput, Switch } from '@grafana/ui';

import {
  MAX_ROW_LIMIT,
  validateDataDirectory,
  validateMemoryLimit,
  validateMinStep,
  validateProfileType,
  validateQueryTimeout,
  validateRowLimit,
  validateTenant,
} from './settings/validate';
import { ProfilesDataSourceOptions, ProfilesSecureJsonData } from './types';

type Props = DataSourcePluginOptionsEditorProps<ProfilesDataSourceOptions, ProfilesSecureJsonData>;

type TextSetting = 'dataDirectory' | 'tenant' | 'defaultProfileType' | 'queryTimeout' | 'memoryLimit' | 'minStep';

const WIDTH = 60;

export function ConfigEditor({ options, onOptionsChange }: Props) {
  const jsonData = options.jsonData ?? {};
  const secureConfigured = Boolean(options.secureJsonFields?.tenant);
  const [secretTenant, setSecretTenant] = useState(secureConfigured || options.secureJsonData?.tenant !== undefined);
  const [dataDirectoryTouched, setDataDirectoryTouched] = useState(Boolean(jsonData.dataDirectory));

  const setJson = (patch: Partial<ProfilesDataSourceOptions>) => {
    const next: Record<string, unknown> = { ...jsonData, ...patch };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || v === '') {
        delete next[k];
      }
    }
    onOptionsChange({ ...options, jsonData: next as ProfilesDataSourceOptions });
  };

  const text = (key: TextSetting) => ({
    value: (jsonData[key] as string | undefined) ?? '',
    onChange: (e: ChangeEvent<HTMLInputElement>) => setJson({ [key]: e.currentTarget.value }),
  });

  const setSecure = (tenant: string | undefined, configured: boolean) =>
    onOptionsChange({
      ...options,
      jsonData: Object.fromEntries(Object.entries(jsonData).filter(([k]) => k !== 'tenant')) as ProfilesDataSourceOptions,
      secureJsonData: { ...options.secureJsonData, tenant: tenant ?? '' },
      secureJsonFields: { ...options.secureJsonFields, tenant: configured },
    });

  const toggleSecretTenant = (on: boolean) => {
    setSecretTenant(on);
    if (on) {
      // The name moves into the secure store and leaves the plain settings.
      setSecure(jsonData.tenant, false);
    } else {
      onOptionsChange({
        ...options,
        secureJsonData: { ...options.secureJsonData, tenant: '' },
        secureJsonFields: { ...options.secureJsonFields, tenant: false },
      });
    }
  };

  const dataDirectoryError = dataDirectoryTouched ? validateDataDirectory(jsonData.dataDirectory) : undefined;
  const tenantError = secretTenant ? validateTenant(options.secureJsonData?.tenant) : validateTenant(jsonData.tenant);
  const profileTypeError = validateProfileType(jsonData.defaultProfileType);
  const timeoutError = validateQueryTimeout(jsonData.queryTimeout);
  const memoryError = validateMemoryLimit(jsonData.memoryLimit);
  const rowLimitError = validateRowLimit(jsonData.rowLimit);
  const minStepError = validateMinStep(jsonData.minStep);

  return (
    <>
      <FieldSet label="Profiles">
        <Field
          label="Data directory"
          description="The collector's data directory (its data_dir) as the Grafana server sees it, e.g. a shared volume."
          required
          invalid={Boolean(dataDirectoryError)}
          error={dataDirectoryError}
        >
          <Input
            id="config-data-directory"
            data-testid="config-data-directory"
            width={WIDTH}
            placeholder="/var/lib/grafana-profiles"
            {...text('dataDirectory')}
            onBlur={() => setDataDirectoryTouched(true)}
          />
        </Field>
        <Field
          label="Tenant"
          description="The tenant whose profiles this data source reads (the X-Scope-OrgID the collector stores them under). Empty: default."
          invalid={Boolean(tenantError)}
          error={tenantError}
        >
          {secretTenant ? (
            <SecretInput
              id="config-secure-tenant"
              data-testid="config-secure-tenant"
              width={WIDTH}
              placeholder="Tenant name, stored encrypted"
              isConfigured={secureConfigured}
              value={options.secureJsonData?.tenant ?? ''}
              onChange={(e) => setSecure(e.currentTarget.value, false)}
              onReset={() => setSecure('', false)}
            />
          ) : (
            <Input id="config-tenant" data-testid="config-tenant" width={WIDTH} placeholder="default" {...text('tenant')} />
          )}
        </Field>
        <Field label="Secret tenant name" description="Store the tenant encrypted, for tenants whose name is a secret.">
          <Switch
            id="config-secret-tenant"
            data-testid="config-secret-tenant"
            value={secretTenant}
            onChange={(e) => toggleSecretTenant(e.currentTarget.checked)}
          />
        </Field>
        <Field
          label="Default profile type"
          description="Used by queries that name no profile type."
          invalid={Boolean(profileTypeError)}
          error={profileTypeError}
        >
          <Input
            id="config-default-profile-type"
            data-testid="config-default-profile-type"
            width={WIDTH}
            placeholder="process_cpu:cpu:nanoseconds:cpu:nanoseconds"
            {...text('defaultProfileType')}
          />
        </Field>
      </FieldSet>
      <FieldSet label="Query limits">
        <Field
          label="Query timeout"
          description="A query running longer is stopped (100ms to 1h). Default 30s."
          invalid={Boolean(timeoutError)}
          error={timeoutError}
        >
          <Input id="config-query-timeout" data-testid="config-query-timeout" width={20} placeholder="30s" {...text('queryTimeout')} />
        </Field>
        <Field
          label="Memory limit"
          description="DuckDB's memory limit for one query, e.g. 512MB or 2GB. Default 1GB."
          invalid={Boolean(memoryError)}
          error={memoryError}
        >
          <Input id="config-memory-limit" data-testid="config-memory-limit" width={20} placeholder="1GB" {...text('memoryLimit')} />
        </Field>
        <Field
          label="Row limit"
          description={`Most rows a SQL query returns (1 to ${MAX_ROW_LIMIT.toLocaleString('en-US')}); more are cut with a notice. Default 100,000.`}
          invalid={Boolean(rowLimitError)}
          error={rowLimitError}
        >
          <Input
            id="config-row-limit"
            data-testid="config-row-limit"
            width={20}
            placeholder="100000"
            inputMode="numeric"
            value={jsonData.rowLimit ?? ''}
            onChange={(e) => {
              const t = e.currentTarget.value.trim();
              // A valid number is stored as one; other text is kept as typed, so the field shows its
              // error and "Save & test" reports it too rather than dropping it.
              setJson({ rowLimit: (t === '' ? undefined : /^\d+$/.test(t) ? Number(t) : t) as number | undefined });
            }}
          />
        </Field>
        <Field
          label="Minimal step"
          description="The smallest time-series step, as in Pyroscope (e.g. 15s; 1s to 1d). Default 15s."
          invalid={Boolean(minStepError)}
          error={minStepError}
        >
          <Input id="config-min-step" data-testid="config-min-step" width={20} placeholder="15s" {...text('minStep')} />
        </Field>
        <Field
          label="Use rollups"
          description="Answers flame graphs and series over long ranges from the hour and day rollups the collector writes as it compacts, with the same results as raw samples, much faster. Turn off only to compare with the raw answer."
        >
          <Switch
            id="config-use-rollups"
            data-testid="config-use-rollups"
            // Not set is on, as the backend reads it (PluginSettings.UseRollups).
            value={jsonData.useRollups !== false}
            onChange={(e) => setJson({ useRollups: e.currentTarget.checked })}
          />
        </Field>
      </FieldSet>
    </>
  );
}
