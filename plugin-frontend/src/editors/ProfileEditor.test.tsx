import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';

import { CoreApp, dateTime } from '@grafana/data';

import type { ProfilesDataSource } from '../datasource';
import { ProfilesQuery } from '../types';
import { ProfileEditor } from './ProfileEditor';
import { ModeEditorProps } from './types';

// The code editor is a text box (Monaco does not run in jsdom).
jest.mock('@grafana/ui', () => jest.requireActual('../../tests/jest/textCodeEditor').grafanaUiWithTextCodeEditor());

const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';

function setup(query: Partial<ProfilesQuery>, app: CoreApp = CoreApp.PanelEditor) {
  const datasource = {
    uid: 'profiles',
    getProfileTypes: jest.fn().mockResolvedValue([
      { id: CPU, label: 'process_cpu - cpu' },
      { id: 'memory:inuse_space:bytes:space:bytes', label: 'memory - inuse_space' },
    ]),
    getLabelNames: jest.fn().mockResolvedValue(['service_name', 'pod', 'region']),
    getLabelValues: jest.fn().mockResolvedValue([]),
  };
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  const range = { from: dateTime(1_700_000_000_000), to: dateTime(1_700_003_600_000), raw: { from: 'now-1h', to: 'now' } };
  const props = {
    datasource: datasource as unknown as ProfilesDataSource,
    query: { refId: 'A', ...query } as ProfilesQuery,
    onChange,
    onRunQuery,
    range,
    app,
  } as unknown as ModeEditorProps;
  const view = render(<ProfileEditor {...props} />);
  return { datasource, onChange, onRunQuery, view };
}

const openOptions = () => act(async () => fireEvent.click(screen.getByTestId('options-toggle')));

describe('ProfileEditor', () => {
  it('summarises the options in one line while they are collapsed', async () => {
    setup({ queryType: 'both', groupBy: ['pod', 'region'], limit: 10, maxNodes: 8192, labelSelector: '{}' });
    expect(screen.getByTestId('options-summary')).toHaveTextContent('Type: Both | Group by: pod, region | Limit: 10 | Max nodes: 8192');
    await openOptions();
    expect(screen.queryByTestId('options-summary')).not.toBeInTheDocument();
    expect(screen.getByTestId('limit')).toHaveValue('10');
    expect(screen.getByTestId('max-nodes')).toHaveValue('8192');
    await waitFor(() => expect(screen.getByTestId('profile-type').querySelector('input')).toHaveAttribute('placeholder', 'Choose a profile type'));
  });

  it('shows Both in Explore and Profile elsewhere when the query sets no type', async () => {
    setup({}, CoreApp.Explore);
    expect(screen.getByTestId('options-summary')).toHaveTextContent('Type: Both');
    setup({}, CoreApp.PanelEditor);
    expect(screen.getAllByTestId('options-summary')[1]).toHaveTextContent('Type: Profile');
  });

  it('shows the profile type and scopes the selector and group by to it and the range', async () => {
    const { datasource } = setup({ profileTypeId: CPU, labelSelector: '{service_name="api"}' });
    await waitFor(() => expect(screen.getByTestId('profile-type').querySelector('input')).toHaveValue('process_cpu - cpu'));
    expect(datasource.getProfileTypes).toHaveBeenCalledWith({ from: 1_700_000_000_000, to: 1_700_003_600_000 });
    expect(screen.getByLabelText('code editor')).toHaveValue('{service_name="api"}');

    await openOptions();
    const groupBy = screen.getByTestId('group-by');
    await act(async () => {
      fireEvent.keyDown(within(groupBy).getByRole('combobox'), { key: 'ArrowDown' });
    });
    await waitFor(() => expect(datasource.getLabelNames).toHaveBeenCalled());
    expect(datasource.getLabelNames).toHaveBeenCalledWith(`${CPU}{service_name="api"}`, undefined, {
      from: 1_700_000_000_000,
      to: 1_700_003_600_000,
    });
    expect(await screen.findByText('region')).toBeInTheDocument();
  });

  it('runs the query when the query type or group by changes', async () => {
    const { onChange, onRunQuery } = setup({ queryType: 'profile', groupBy: [] });
    await openOptions();
    await act(async () => fireEvent.click(within(screen.getByTestId('query-type')).getByLabelText('Metric')));
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ queryType: 'metrics' }));
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    await act(async () => {
      fireEvent.keyDown(within(screen.getByTestId('group-by')).getByRole('combobox'), { key: 'ArrowDown' });
    });
    await act(async () => fireEvent.click(await screen.findByText('pod')));
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ groupBy: ['pod'] }));
    expect(onRunQuery).toHaveBeenCalledTimes(2);
  });

  it('checks limit and max nodes before they reach the query', async () => {
    const { onChange, onRunQuery } = setup({});
    await openOptions();
    const limit = screen.getByTestId('limit');
    fireEvent.change(limit, { target: { value: 'ten' } });
    fireEvent.blur(limit);
    expect(screen.getByText("Limit must be a whole number of at least 1, not 'ten'")).toBeInTheDocument();
    expect(onChange).not.toHaveBeenCalled();

    fireEvent.change(limit, { target: { value: '25' } });
    fireEvent.blur(limit);
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ limit: 25 }));
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    const maxNodes = screen.getByTestId('max-nodes');
    fireEvent.change(maxNodes, { target: { value: '5000000' } });
    fireEvent.keyDown(maxNodes, { key: 'Enter' });
    expect(screen.getByText('Max nodes must be at most 1,048,576, not 5,000,000')).toBeInTheDocument();
  });

  it('takes span ids of 16 hex digits only', async () => {
    const { onChange } = setup({});
    await openOptions();
    const spans = screen.getByTestId('span-selector');
    fireEvent.change(spans, { target: { value: 'abc' } });
    fireEvent.blur(spans);
    expect(screen.getByText("Span ID 'abc' is not 16 hexadecimal digits (for example 9a3f5e0b1c2d3e4f)")).toBeInTheDocument();
    expect(onChange).not.toHaveBeenCalled();
    fireEvent.change(spans, { target: { value: '9A3F5E0B1C2D3E4F, 64f170a95f537095' } });
    fireEvent.blur(spans);
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ spanSelector: ['9a3f5e0b1c2d3e4f', '64f170a95f537095'] }));
  });

  it('updates the selector when the editor loses focus, without running the query', async () => {
    const { onChange, onRunQuery } = setup({ labelSelector: '{}' });
    const editor = screen.getByLabelText('code editor');
    fireEvent.change(editor, { target: { value: '{pod="a"}' } });
    fireEvent.blur(editor);
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ labelSelector: '{pod="a"}' }));
    expect(onRunQuery).not.toHaveBeenCalled();
  });

  it('runs the query with the chosen profile type', async () => {
    const { onChange, onRunQuery } = setup({});
    // The cascader mounts again once the types are there: look the box up afterwards.
    const input = () => screen.getByTestId('profile-type').querySelector('input')!;
    await waitFor(() => expect(input()).toHaveAttribute('placeholder', 'Choose a profile type'));
    await act(async () => fireEvent.click(input()));
    await act(async () => fireEvent.click(screen.getByText('memory')));
    await act(async () => fireEvent.click(screen.getByText('inuse_space')));
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ profileTypeId: 'memory:inuse_space:bytes:space:bytes' }));
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });
});
