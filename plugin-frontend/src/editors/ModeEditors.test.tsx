import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';

import { CoreApp, dateTime } from '@grafana/data';

import type { ProfilesDataSource } from '../datasource';
import { ProfilesQuery } from '../types';
import { DiffEditor } from './DiffEditor';
import { FunctionEditor } from './FunctionEditor';
import { SqlEditor, markerFor } from './SqlEditor';
import { TopEditor } from './TopEditor';
import { ModeEditorProps } from './types';

// The code editor is a text box (Monaco does not run in jsdom).
jest.mock('@grafana/ui', () => jest.requireActual('../../tests/jest/textCodeEditor').grafanaUiWithTextCodeEditor());

// Combobox sizes its menu by measuring text on a canvas, which jsdom lacks: a fixed-width font.
beforeAll(() => {
  HTMLCanvasElement.prototype.getContext = (() => ({
    font: '',
    measureText: (text: string) => ({ width: text.length * 7 }),
  })) as unknown as typeof HTMLCanvasElement.prototype.getContext;
});

const CPU = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds';
const RANGE = { from: 1_700_000_000_000, to: 1_700_003_600_000 };

function setup(Editor: (p: ModeEditorProps) => React.JSX.Element, query: Partial<ProfilesQuery>) {
  const datasource = {
    uid: 'profiles',
    getProfileTypes: jest.fn().mockResolvedValue([{ id: CPU, label: 'process_cpu - cpu' }]),
    getLabelNames: jest.fn().mockResolvedValue(['service_name', 'region']),
    getLabelValues: jest.fn().mockResolvedValue([]),
    getFunctions: jest.fn().mockImplementation(async (search: string) =>
      ['main.handler', 'main.serve', 'encoding/json.Marshal'].filter((f) => f.includes(search))
    ),
  };
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  const props = {
    datasource: datasource as unknown as ProfilesDataSource,
    query: { refId: 'A', ...query } as ProfilesQuery,
    onChange,
    onRunQuery,
    range: { from: dateTime(RANGE.from), to: dateTime(RANGE.to), raw: { from: 'now-1h', to: 'now' } },
    app: CoreApp.PanelEditor,
  } as unknown as ModeEditorProps;
  const view = render(<Editor {...props} />);
  return { datasource, onChange, onRunQuery, view };
}

const type = (el: HTMLElement, value: string) => {
  fireEvent.change(el, { target: { value } });
  fireEvent.blur(el);
};

describe('DiffEditor', () => {
  const query: Partial<ProfilesQuery> = {
    queryType: 'diff',
    profileTypeId: CPU,
    labelSelector: '{service_name="api"}',
    left: { labelSelector: '{service_name="api", version="v1"}' },
    right: { labelSelector: '{service_name="api", version="v2"}', timeShift: '1w' },
  };

  it('shows both sides, their times and what is compared', async () => {
    setup(DiffEditor, query);
    expect(within(screen.getByTestId('diff-left')).getByText('Baseline')).toBeInTheDocument();
    expect(within(screen.getByTestId('diff-right')).getByText('Comparison')).toBeInTheDocument();
    expect(within(screen.getByTestId('diff-left-selector')).getByLabelText('code editor')).toHaveValue('{service_name="api", version="v1"}');
    expect(within(screen.getByTestId('diff-right-selector')).getByLabelText('code editor')).toHaveValue('{service_name="api", version="v2"}');
    expect(within(screen.getByTestId('diff-left-time')).getByLabelText('Dashboard range')).toBeChecked();
    expect(within(screen.getByTestId('diff-right-time')).getByLabelText('Time shift')).toBeChecked();
    expect(screen.getByTestId('diff-right-shift')).toHaveValue('1w');
    expect(screen.getByTestId('diff-summary')).toHaveTextContent(
      'Baseline: {service_name="api", version="v1"} over the dashboard range · Comparison: {service_name="api", version="v2"} 1 week earlier'
    );
    expect(screen.queryByTestId('diff-warning')).not.toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId('profile-type').querySelector('input')).toHaveValue('process_cpu - cpu'));
  });

  it('normalises a typed shift and refuses one it cannot read, under the field', async () => {
    const { onChange, onRunQuery } = setup(DiffEditor, query);
    const shift = screen.getByTestId('diff-right-shift');
    type(shift, '1 month ago');
    expect(screen.getByText("Time shift '1 month ago' is in months, which differ in length; use weeks or days, e.g. 4w or 30d")).toBeInTheDocument();
    expect(onChange).not.toHaveBeenCalled();
    // 7 days is the committed 1w: the box shows it as the backend reads it, nothing changes or runs.
    type(shift, '7 days ago');
    expect(onChange).not.toHaveBeenCalled();
    expect(shift).toHaveValue('1w');
    expect(onRunQuery).not.toHaveBeenCalled();
    type(shift, 'yesterday');
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ right: expect.objectContaining({ timeShift: '1d' }) }));
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('switches a side to a range of its own and checks its ends', async () => {
    const { onChange } = setup(DiffEditor, query);
    await act(async () => fireEvent.click(within(screen.getByTestId('diff-left-time')).getByLabelText('Range')));
    const next = onChange.mock.lastCall[0] as ProfilesQuery;
    expect(next.left).toEqual({ labelSelector: '{service_name="api", version="v1"}', from: 'now-7d', to: 'now-6d' });
    expect(next.right).toEqual(query.right);
  });

  it('says when a range is the wrong way round and when a time cannot be read', () => {
    setup(DiffEditor, { ...query, left: { from: 'now-6d', to: 'now-7d' } });
    expect(screen.getByText('From (now-6d) must be before To (now-7d)')).toBeInTheDocument();
    type(screen.getByTestId('diff-left-to'), '1795341600');
    expect(screen.getByText("To '1795341600' looks like epoch seconds; epoch milliseconds are 13 digits (1795341600000)")).toBeInTheDocument();
  });

  it('takes the selector of a side from the editor and max nodes and limit after their checks', () => {
    const { onChange } = setup(DiffEditor, { queryType: 'diff', labelSelector: '{service_name="api"}' });
    expect(screen.getByTestId('diff-warning')).toHaveTextContent('Both sides select the same profiles over the same time');
    type(within(screen.getByTestId('diff-right-selector')).getByLabelText('code editor'), '{service_name="api", version="v2"}');
    expect(onChange).toHaveBeenLastCalledWith(
      expect.objectContaining({
        left: { labelSelector: '{service_name="api"}' },
        right: { labelSelector: '{service_name="api", version="v2"}' },
      })
    );
    type(screen.getByTestId('diff-max-nodes'), '0');
    expect(screen.getByText("Max nodes must be a whole number of at least 1, not '0'")).toBeInTheDocument();
    type(screen.getByTestId('diff-limit'), '20');
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ limit: 20 }));
  });
});

describe('TopEditor', () => {
  it('shows the selector and checks the limit', () => {
    const { onChange, onRunQuery } = setup(TopEditor, { queryType: 'top', labelSelector: '{service_name="api"}', limit: 50 });
    expect(within(screen.getByTestId('top-selector')).getByLabelText('code editor')).toHaveValue('{service_name="api"}');
    const limit = screen.getByTestId('top-limit');
    expect(limit).toHaveValue('50');
    type(limit, '-3');
    expect(screen.getByText("Limit must be a whole number of at least 1, not '-3'")).toBeInTheDocument();
    expect(onChange).not.toHaveBeenCalled();
    type(limit, '');
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'A', queryType: 'top', labelSelector: '{service_name="api"}', limit: undefined });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });
});

describe('FunctionEditor', () => {
  const query: Partial<ProfilesQuery> = { queryType: 'function', profileTypeId: CPU, labelSelector: '{service_name="api"}' };

  it('completes function names from the data source and runs with the chosen one', async () => {
    const { datasource, onChange, onRunQuery } = setup(FunctionEditor, query);
    const input = screen.getByTestId('function-name');
    await act(async () => {
      fireEvent.focus(input);
      fireEvent.change(input, { target: { value: 'main' } });
    });
    await waitFor(() => expect(datasource.getFunctions).toHaveBeenCalledWith('main', 100, RANGE));
    // The list is virtualised and jsdom lays nothing out: choose from the keyboard, as a person can.
    await act(async () => {
      fireEvent.keyDown(input, { key: 'ArrowDown' });
    });
    await act(async () => {
      fireEvent.keyDown(input, { key: 'Enter' });
    });
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ function: 'main.handler' }));
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('switches to a pattern carrying the name over, and checks the pattern', async () => {
    const { onChange } = setup(FunctionEditor, { ...query, function: 'main.handler' });
    expect(screen.getByTestId('function-summary')).toHaveTextContent('Function main.handler: total over time');
    await act(async () => fireEvent.click(screen.getByTestId('function-regex-toggle')));
    const regexQuery = onChange.mock.lastCall[0] as ProfilesQuery;
    expect(regexQuery.function).toBeUndefined();
    expect(regexQuery.functionRegex).toBe('main\\.handler');

  });

  it('checks a pattern before it reaches the query', () => {
    const { onChange } = setup(FunctionEditor, { ...query, functionRegex: 'main\\..*' });
    const pattern = screen.getByTestId('function-regex');
    expect(pattern).toHaveValue('main\\..*');
    type(pattern, 'main(?!test)');
    expect(screen.getByText('Function pattern uses lookarounds ((?=…), (?!…), (?<=…), (?<!…)), which RE2 does not support')).toBeInTheDocument();
    expect(onChange).not.toHaveBeenCalled();
    type(pattern, 'encoding/json\\..*');
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ functionRegex: 'encoding/json\\..*' }));
  });

  it('sets self or total and groups by label names of the selection', async () => {
    const { datasource, onChange } = setup(FunctionEditor, { ...query, function: 'main.handler' });
    await act(async () => fireEvent.click(within(screen.getByTestId('function-value-kind')).getByLabelText('Self')));
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ valueKind: 'self' }));
    await act(async () => {
      fireEvent.keyDown(within(screen.getByTestId('function-group-by')).getByRole('combobox'), { key: 'ArrowDown' });
    });
    await waitFor(() => expect(datasource.getLabelNames).toHaveBeenCalledWith(`${CPU}{service_name="api"}`, undefined, RANGE));
    await act(async () => fireEvent.click(await screen.findByText('region')));
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ groupBy: ['region'], function: 'main.handler' }));
  });
});

describe('SqlEditor', () => {
  const sql = 'SELECT f.name, sum(s.value) AS self FROM samples s JOIN stack_frames f ON f.stack_id = s.stack_id GROUP BY 1';

  it('takes the edited SQL on blur and runs it from the Run button', () => {
    const { onChange, onRunQuery } = setup(SqlEditor, { queryType: 'sql', rawSql: 'SELECT 1', format: 'table' });
    type(screen.getByLabelText('code editor'), sql);
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ rawSql: sql, queryType: 'sql' }));
    fireEvent.click(screen.getByTestId('sql-run'));
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('changes the format and runs; the flame graph format asks for a profile type and max nodes', async () => {
    const { onChange, onRunQuery, view } = setup(SqlEditor, { queryType: 'sql', rawSql: sql, format: 'table' });
    expect(within(screen.getByTestId('sql-format')).getByLabelText('Table')).toBeChecked();
    expect(screen.queryByTestId('sql-max-nodes')).not.toBeInTheDocument();
    fireEvent.click(within(screen.getByTestId('sql-format')).getByLabelText('Time series'));
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ format: 'time_series' }));
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    view.unmount();
    const flame = setup(SqlEditor, { queryType: 'sql', rawSql: sql, format: 'flamegraph' });
    const maxNodes = screen.getByTestId('sql-max-nodes');
    type(maxNodes, '0');
    expect(screen.getByText("Max nodes must be a whole number above 0, not '0'.")).toBeInTheDocument();
    expect(flame.onChange).not.toHaveBeenCalled();
    type(maxNodes, '2048');
    expect(flame.onChange).toHaveBeenLastCalledWith(expect.objectContaining({ maxNodes: 2048 }));
    await waitFor(() => expect(flame.datasource.getProfileTypes).toHaveBeenCalled());
  });
});

describe('markerFor', () => {
  const error = 'Binder Error: Referenced column "nmae" not found in FROM clause!\n\nLINE 1: SELECT nmae FROM functions\n               ^';

  it('places the error of the query\'s refId in its SQL', () => {
    const data = { state: 'Error', series: [], errors: [{ refId: 'B', message: 'other' }, { refId: 'A', message: error }] };
    expect(markerFor(data as never, 'A', 'SELECT nmae FROM functions')).toMatchObject({ startLine: 1, startColumn: 8, endColumn: 12 });
  });

  it('has no marker without an error for the query', () => {
    expect(markerFor(undefined, 'A', 'SELECT 1')).toBeUndefined();
    expect(markerFor({ state: 'Done', series: [], errors: [{ refId: 'B', message: error }] } as never, 'A', 'SELECT 1')).toBeUndefined();
  });
});
