import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';

import { CoreApp, dateTime } from '@grafana/data';

import type { ProfilesDataSource } from '../datasource';
import { QueryEditor } from '../QueryEditor';
import { ProfilesQuery, RecordedMetricInfo } from '../types';
import { RecordingRuleEditor } from './RecordingRuleEditor';
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
const METRICS: RecordedMetricInfo[] = [
  { name: 'profiles_recorded_cpu_nanoseconds', profileType: CPU, labels: ['env', 'service_name'] },
  { name: 'profiles_recorded_gc_cpu_nanoseconds', profileType: CPU, labels: ['service_name'] },
];

function setup(query: Partial<ProfilesQuery>, metrics: Promise<RecordedMetricInfo[]> = Promise.resolve(METRICS), Editor = RecordingRuleEditor) {
  const datasource = {
    uid: 'profiles',
    getRecordedMetrics: jest.fn().mockReturnValue(metrics),
    // What the Profile tab asks for when the query editor opens on it.
    getProfileTypes: jest.fn().mockResolvedValue([{ id: CPU, label: 'process_cpu - cpu' }]),
    getLabelNames: jest.fn().mockResolvedValue([]),
    getLabelValues: jest.fn().mockResolvedValue([]),
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
  render(<Editor {...props} />);
  return { datasource, onChange, onRunQuery };
}

const type = (el: HTMLElement, value: string) => {
  fireEvent.change(el, { target: { value } });
  fireEvent.blur(el);
};

describe('RecordingRuleEditor', () => {
  const query: Partial<ProfilesQuery> = { queryType: 'recording_rule' };

  it("lists the range's recorded metrics and runs with the chosen one", async () => {
    const { datasource, onChange, onRunQuery } = setup(query);
    await waitFor(() => expect(datasource.getRecordedMetrics).toHaveBeenCalledWith(RANGE));
    const input = screen.getByTestId('rule-metric');
    await act(async () => {
      fireEvent.focus(input);
      fireEvent.change(input, { target: { value: 'gc' } });
    });
    // The list is virtualised and jsdom lays nothing out: choose from the keyboard, as a person can.
    await act(async () => fireEvent.keyDown(input, { key: 'ArrowDown' }));
    await act(async () => fireEvent.keyDown(input, { key: 'Enter' }));
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ metricName: 'profiles_recorded_gc_cpu_nanoseconds' }));
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId('rule-summary')).toHaveTextContent("Choose a metric recorded by the collector's recording rules");
  });

  it("groups by the chosen metric's labels and sums it up", async () => {
    const { onChange } = setup({ ...query, metricName: 'profiles_recorded_cpu_nanoseconds' });
    await waitFor(() => expect(screen.getByTestId('rule-summary')).toHaveTextContent(
      'profiles_recorded_cpu_nanoseconds · each recorded series · sum per step · process_cpu - cpu'
    ));
    await act(async () => {
      fireEvent.keyDown(within(screen.getByTestId('rule-group-by')).getByRole('combobox'), { key: 'ArrowDown' });
    });
    await act(async () => fireEvent.click(await screen.findByText('env')));
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ groupBy: ['env'], metricName: 'profiles_recorded_cpu_nanoseconds' }));
  });

  it('checks the label selector before it reaches the query, and sets aggregation and limit', async () => {
    const { onChange, onRunQuery } = setup({ ...query, metricName: 'profiles_recorded_cpu_nanoseconds' });
    const selector = screen.getByTestId('rule-selector');
    type(selector, '{service_name="api}');
    expect(screen.getByText(/^Label selector: /)).toBeInTheDocument();
    expect(onChange).not.toHaveBeenCalled();
    type(selector, '{service_name="api"}');
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ labelSelector: '{service_name="api"}' }));
    await act(async () => fireEvent.click(within(screen.getByTestId('rule-aggregation')).getByLabelText('Average')));
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ aggregation: 'average' }));
    type(screen.getByTestId('rule-limit'), '5');
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ limit: 5 }));
    expect(onRunQuery).toHaveBeenCalledTimes(3);
  });

  it('says so when the metrics cannot be loaded', async () => {
    setup(query, Promise.reject(new Error('data directory not readable')));
    expect(await screen.findByText('Recorded metrics could not be loaded: data directory not readable')).toBeInTheDocument();
  });

  it('is the Rules tab of the query editor', async () => {
    const { onChange } = setup({ queryType: 'profile', profileTypeId: CPU, labelSelector: '{pod="a"}' }, Promise.resolve(METRICS), QueryEditor);
    await act(async () => fireEvent.click(within(screen.getByTestId('query-mode')).getByLabelText('Rules')));
    expect(onChange).toHaveBeenLastCalledWith(expect.objectContaining({ queryType: 'recording_rule', labelSelector: undefined, groupBy: [] }));
    setup({ queryType: 'recording_rule', metricName: 'profiles_recorded_cpu_nanoseconds' }, Promise.resolve(METRICS), QueryEditor);
    expect(await screen.findByTestId('rule-editor')).toBeInTheDocument();
  });
});
