// Grafana's data source settings page, reduced to what a user does there: edit the settings in the
// plugin's ConfigEditor, then "Save & test": PUT the settings, take the saved version back, build the
// data source anew from them and run its health check; the result shows in an Alert with the
// backend's message (and, on failure, its details), as Grafana's DataSourceTestingStatus does.
import { useState } from 'react';

import { DataSourceApi, DataSourcePlugin, DataSourceSettings } from '@grafana/data';
import { Alert, Button, Stack } from '@grafana/ui';

import { backendSrv } from './backendSrv';

interface TestResult {
  status: 'success' | 'error';
  message: string;
  details?: { message?: string; verboseMessage?: string };
}

interface Props {
  plugin: DataSourcePlugin<DataSourceApi>;
  initial: DataSourceSettings;
  /** Builds the data source from saved settings (as Grafana's DataSourceSrv does after a save). */
  instantiate: (settings: DataSourceSettings) => { testDatasource(): Promise<{ status?: string; message?: string }> };
}

export function ConfigPage({ plugin, initial, instantiate }: Props) {
  const [options, setOptions] = useState<DataSourceSettings>(initial);
  const [testing, setTesting] = useState(false);
  const [result, setResult] = useState<TestResult>();
  const Editor = plugin.components.ConfigEditor;
  if (!Editor) {
    return <Alert title="The plugin has no ConfigEditor" severity="error" />;
  }

  const saveAndTest = async () => {
    setTesting(true);
    setResult(undefined);
    try {
      const saved = await backendSrv.put<{ datasource: DataSourceSettings }>(`/api/datasources/uid/${options.uid}`, options);
      setOptions(saved.datasource);
      const ds = instantiate(saved.datasource);
      const r = await ds.testDatasource();
      setResult({ status: r.status === 'success' ? 'success' : 'error', message: r.message ?? '' });
    } catch (e) {
      const err = e as { message?: string; data?: { message?: string }; error?: { details?: TestResult['details'] } };
      setResult({ status: 'error', message: err.message ?? err.data?.message ?? String(e), details: err.error?.details });
    } finally {
      setTesting(false);
    }
  };

  return (
    <div data-testid="config-page">
      <h2>{options.name}</h2>
      <Editor options={options} onOptionsChange={setOptions} />
      <div style={{ marginTop: 16 }}>
        <Stack direction="column" gap={2}>
          {result && (
            <div data-testid="health-result" data-status={result.status}>
              <Alert severity={result.status} title={result.message}>
                {result.details?.message && <p>{result.details.message}</p>}
                {result.details?.verboseMessage && <pre>{result.details.verboseMessage}</pre>}
              </Alert>
            </div>
          )}
          <Stack direction="row">
            <Button data-testid="save-and-test" onClick={saveAndTest} disabled={testing}>
              {testing ? 'Testing...' : 'Save & test'}
            </Button>
          </Stack>
        </Stack>
      </div>
    </div>
  );
}
