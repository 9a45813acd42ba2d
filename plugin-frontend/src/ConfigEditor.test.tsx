import { fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';

import { DataSourceSettings } from '@grafana/data';

import { ConfigEditor } from './ConfigEditor';
import { ProfilesDataSourceOptions, ProfilesSecureJsonData } from './types';

type Settings = DataSourceSettings<ProfilesDataSourceOptions, ProfilesSecureJsonData>;

function initial(jsonData: ProfilesDataSourceOptions = {}, secureJsonFields: Record<string, boolean> = {}): Settings {
  return {
    id: 1,
    uid: 'profiles',
    orgId: 1,
    name: 'Profiles',
    type: 'grafana-profiles-datasource',
    typeName: 'Grafana Profiles',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    database: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    readOnly: false,
    withCredentials: false,
    jsonData,
    secureJsonFields,
  } as Settings;
}

/** The editor inside a page that keeps its settings, as Grafana's settings page does. */
function renderEditor(start: Settings) {
  const seen: Settings[] = [];
  function Page() {
    const [options, setOptions] = useState(start);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(o) => {
          seen.push(o as Settings);
          setOptions(o as Settings);
        }}
      />
    );
  }
  render(<Page />);
  return () => seen[seen.length - 1];
}

const type = (testId: string, value: string) => fireEvent.change(screen.getByTestId(testId), { target: { value } });

describe('ConfigEditor', () => {
  it('writes every setting into jsonData', () => {
    const last = renderEditor(initial());
    type('config-data-directory', '/data/profiles');
    type('config-tenant', 'team-a');
    type('config-default-profile-type', 'memory:alloc_space:bytes:space:bytes');
    type('config-query-timeout', '45s');
    type('config-memory-limit', '2GB');
    type('config-row-limit', '5000');
    type('config-min-step', '30s');
    expect(last().jsonData).toEqual({
      dataDirectory: '/data/profiles',
      tenant: 'team-a',
      defaultProfileType: 'memory:alloc_space:bytes:space:bytes',
      queryTimeout: '45s',
      memoryLimit: '2GB',
      rowLimit: 5000,
      minStep: '30s',
    });
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('shows an error under each bad field, naming the rule', () => {
    renderEditor(initial({ dataDirectory: '/d' }));
    type('config-query-timeout', '2h');
    type('config-memory-limit', 'lots');
    type('config-row-limit', '0');
    type('config-min-step', '1.5s');
    type('config-default-profile-type', 'cpu');
    expect(screen.getByText('Query timeout must be between 100ms and 1h; got 2h.')).toBeInTheDocument();
    expect(screen.getByText(/"lots" is not a memory size/)).toBeInTheDocument();
    expect(screen.getByText('Row limit must be a whole number from 1 to 10,000,000; got 0.')).toBeInTheDocument();
    expect(screen.getByText(/Minimal step "1.5s" must be a whole number with a unit/)).toBeInTheDocument();
    expect(screen.getByText(/must have five ':'-separated parts/)).toBeInTheDocument();
  });

  it('flags an empty data directory once the field was left', () => {
    renderEditor(initial());
    expect(screen.queryByText(/Data directory is required/)).toBeNull();
    fireEvent.blur(screen.getByTestId('config-data-directory'));
    expect(screen.getByText(/Data directory is required/)).toBeInTheDocument();
  });

  it('keeps non-numeric row limits as typed so Save & test reports them', () => {
    const last = renderEditor(initial({ dataDirectory: '/d' }));
    type('config-row-limit', 'many');
    expect(last().jsonData.rowLimit).toBe('many');
    type('config-row-limit', '');
    expect('rowLimit' in last().jsonData).toBe(false);
  });

  it('moves the tenant into secure settings when the switch is on, and resets a configured one', () => {
    const last = renderEditor(initial({ dataDirectory: '/d', tenant: 'secret-team' }));
    fireEvent.click(screen.getByTestId('config-secret-tenant'));
    expect(last().jsonData.tenant).toBeUndefined();
    expect(last().secureJsonData?.tenant).toBe('secret-team');
    expect(screen.getByTestId('config-secure-tenant')).toHaveAttribute('type', 'password');
    type('config-secure-tenant', 'other/team');
    expect(screen.getByText(/Tenant "other\/team" may contain only letters/)).toBeInTheDocument();
  });

  it('shows rollups on when the setting is absent, as the backend reads it, and writes the switch as useRollups', () => {
    const last = renderEditor(initial({ dataDirectory: '/d' }));
    const rollups = screen.getByTestId('config-use-rollups');
    expect(rollups).toBeChecked();
    expect(screen.getByText(/from the hour and day rollups/)).toBeInTheDocument();
    expect(screen.getByText(/Turn off only to compare with the raw answer/)).toBeInTheDocument();

    fireEvent.click(rollups);
    expect(last().jsonData).toEqual({ dataDirectory: '/d', useRollups: false });
    expect(screen.getByTestId('config-use-rollups')).not.toBeChecked();

    fireEvent.click(screen.getByTestId('config-use-rollups'));
    expect(last().jsonData).toEqual({ dataDirectory: '/d', useRollups: true });
    expect(screen.getByTestId('config-use-rollups')).toBeChecked();
  });

  it('shows rollups off for a data source saved with useRollups false', () => {
    renderEditor(initial({ dataDirectory: '/d', useRollups: false }));
    expect(screen.getByTestId('config-use-rollups')).not.toBeChecked();
  });

  it('shows a configured secure tenant as configured, with a reset', () => {
    const last = renderEditor(initial({ dataDirectory: '/d' }, { tenant: true }));
    expect(screen.getByTestId('config-secure-tenant')).toHaveValue('configured');
    fireEvent.click(screen.getByRole('button', { name: 'Reset' }));
    expect(last().secureJsonFields.tenant).toBe(false);
    expect(last().secureJsonData?.tenant).toBe('');
  });
});
