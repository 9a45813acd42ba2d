import { fireEvent, render, screen, waitFor } from '@testing-library/react';

import { dateTime } from '@grafana/data';

import type { ProfilesDataSource } from '../datasource';
import { VariableDataQuery } from '../types';

import { VariableQueryEditor } from './VariableQueryEditor';

const range = { from: dateTime(1_700_000_000_000), to: dateTime(1_700_003_600_000), raw: { from: 'now-1h', to: 'now' } };

function datasource(overrides: Partial<Record<'getProfileTypes' | 'getLabelNames', jest.Mock>> = {}) {
  return {
    uid: 'profiles',
    getProfileTypes: jest.fn().mockResolvedValue([
      { id: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', label: 'process_cpu - cpu' },
      { id: 'memory:alloc_space:bytes:space:bytes', label: 'memory - alloc_space' },
    ]),
    getLabelNames: jest.fn().mockResolvedValue(['pod', 'region']),
    ...overrides,
  } as unknown as ProfilesDataSource & Record<'getProfileTypes' | 'getLabelNames', jest.Mock>;
}

function renderEditor(query: unknown, ds = datasource()) {
  const onChange = jest.fn();
  const view = render(
    <VariableQueryEditor datasource={ds} query={query as VariableDataQuery} onChange={onChange} onRunQuery={() => {}} range={range} />
  );
  return { onChange, ds, view };
}

async function choose(label: string, option: string) {
  fireEvent.keyDown(screen.getByLabelText(label), { key: 'ArrowDown' });
  fireEvent.click(await screen.findByText(option));
}

describe('VariableQueryEditor', () => {
  it('lists label names scoped by the profile type, selector and range, and picks one', async () => {
    const { onChange, ds } = renderEditor({
      refId: 'A',
      type: 'labelValues',
      label: 'pod',
      profileTypeId: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
      labelSelector: '{service_name="api"}',
    });
    await waitFor(() =>
      expect(ds.getLabelNames).toHaveBeenCalledWith('{service_name="api"}', 'process_cpu:cpu:nanoseconds:cpu:nanoseconds', {
        from: 1_700_000_000_000,
        to: 1_700_003_600_000,
      })
    );
    expect(screen.getByText('pod')).toBeInTheDocument();
    expect(await screen.findByText('process_cpu - cpu')).toBeInTheDocument();
    await choose('Label', 'region');
    expect(onChange).toHaveBeenLastCalledWith(
      {
        refId: 'A',
        type: 'labelValues',
        label: 'region',
        profileTypeId: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds',
        labelSelector: '{service_name="api"}',
      },
      'label_values(process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="api"}, region)'
    );
  });

  it('does not scope the label list by a selector holding a variable', async () => {
    const { ds } = renderEditor({ refId: 'A', type: 'labelValues', label: 'pod', labelSelector: '{service_name="$service"}' });
    await waitFor(() => expect(ds.getLabelNames).toHaveBeenCalledWith(undefined, undefined, expect.anything()));
  });

  it('opens a legacy string query and commits the selector on blur', async () => {
    const { onChange, ds } = renderEditor({ refId: 'A', query: 'label_values({service_name="x"}, pod)' });
    await waitFor(() => expect(ds.getLabelNames).toHaveBeenCalledWith('{service_name="x"}', undefined, expect.anything()));
    const input = screen.getByTestId('variable-label-selector');
    expect(input).toHaveValue('{service_name="x"}');
    fireEvent.change(input, { target: { value: '{service_name="$service"}' } });
    expect(onChange).not.toHaveBeenCalled();
    fireEvent.blur(input);
    expect(onChange).toHaveBeenLastCalledWith(
      { refId: 'A', type: 'labelValues', label: 'pod', labelSelector: '{service_name="$service"}' },
      'label_values({service_name="$service"}, pod)'
    );
  });

  it('switches to SQL and edits it', async () => {
    const { onChange, view } = renderEditor({ refId: 'A', type: 'profileTypes' });
    expect(screen.queryByTestId('variable-label-selector')).toBeNull();
    await choose('Query type', 'SQL');
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'A', type: 'sql', rawSql: '' }, '');
    view.rerender(
      <VariableQueryEditor
        datasource={datasource()}
        query={{ refId: 'A', type: 'sql', rawSql: '' }}
        onChange={onChange}
        onRunQuery={() => {}}
        range={range}
      />
    );
    const sql = screen.getByTestId('variable-sql');
    fireEvent.change(sql, { target: { value: 'SELECT DISTINCT service_name FROM samples' } });
    fireEvent.blur(sql);
    expect(onChange).toHaveBeenLastCalledWith(
      { refId: 'A', type: 'sql', rawSql: 'SELECT DISTINCT service_name FROM samples' },
      'SELECT DISTINCT service_name FROM samples'
    );
  });

  it('shows why the profile types could not be loaded', async () => {
    const ds = datasource({ getProfileTypes: jest.fn().mockRejectedValue({ data: { message: 'data directory not found' } }) });
    renderEditor({ refId: 'A', type: 'labelNames' }, ds);
    expect(await screen.findByText('Profile types could not be loaded: data directory not found')).toBeInTheDocument();
  });
});
