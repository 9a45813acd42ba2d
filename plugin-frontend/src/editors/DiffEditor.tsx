// The Diff tab: one profile type, then a baseline (left) and a comparison (right), each a selector
// and a time (the dashboard's range, a shift back such as "1 week ago", or a range of its own), and
// the size of the result. Grafana's panels draw the answer as a diff flame graph and the `changes`
// table; this tab only builds the query. What each input accepts is decided in src/diff/.
import { css } from '@emotion/css';

import { GrafanaTheme2 } from '@grafana/data';
import { InlineField, InlineFieldRow, RadioButtonGroup, useStyles2 } from '@grafana/ui';

import { CheckedInput } from '../components/CheckedInput';
import { CountField } from '../components/CountField';
import { LabelSelectorInput } from '../components/LabelSelectorInput';
import { ProfileTypeCascader } from '../components/ProfileTypeCascader';
import { ResourceRange, toResourceRange } from '../datasource';
import {
  DiffSideName,
  SIDE_TIME_MODES,
  SIDE_TITLES,
  diffSummary,
  sameSidesWarning,
  setDiffProfileType,
  sideSelector,
  sideTimeMode,
  updateSide,
  withTimeMode,
} from '../diff/sides';
import { TIME_EXAMPLES, checkRange, parseTimeInput } from '../diff/timeRange';
import { TIME_SHIFT_EXAMPLES, parseTimeShift } from '../diff/timeShift';
import { MAX_NODES_LIMIT } from '../selector/queryOptions';
import { ProfilesQuery } from '../types';
import { ModeEditorProps, runOnChange } from './types';

const LABEL_WIDTH = 14;

export function DiffEditor({ datasource, query, onChange, onRunQuery, range }: ModeEditorProps) {
  const styles = useStyles2(getStyles);
  const resourceRange = toResourceRange(range);
  const changeAndRun = runOnChange(onChange, onRunQuery);
  const warning = sameSidesWarning(query);

  return (
    <div data-testid="diff-editor">
      <InlineFieldRow>
        <InlineField label="Profile type" labelWidth={LABEL_WIDTH} tooltip="Both sides compare the same profile type">
          <ProfileTypeCascader
            datasource={datasource}
            value={query.profileTypeId}
            range={resourceRange}
            onChange={(profileTypeId) => changeAndRun(setDiffProfileType(query, profileTypeId))}
          />
        </InlineField>
      </InlineFieldRow>
      <div className={styles.sides}>
        {(['left', 'right'] as const).map((name) => (
          <DiffSideEditor
            key={name}
            name={name}
            query={query}
            onChange={onChange}
            onRunQuery={onRunQuery}
            datasource={datasource}
            range={resourceRange}
          />
        ))}
      </div>
      <InlineFieldRow>
        <CountField
          label="Max nodes"
          labelWidth={LABEL_WIDTH}
          tooltip={`Most nodes of the diff flame graph (empty: 8,192; at most ${MAX_NODES_LIMIT.toLocaleString('en-US')})`}
          testId="diff-max-nodes"
          placeholder="8192"
          value={query.maxNodes}
          max={MAX_NODES_LIMIT}
          onChange={(maxNodes) => changeAndRun({ ...query, maxNodes })}
        />
        <CountField
          label="Limit"
          labelWidth={LABEL_WIDTH}
          tooltip="Most rows of the changes table, the largest changes first (empty: all)"
          testId="diff-limit"
          placeholder="all"
          value={query.limit}
          onChange={(limit) => changeAndRun({ ...query, limit })}
        />
      </InlineFieldRow>
      <div className={styles.hint} data-testid="diff-summary">
        {diffSummary(query)}
      </div>
      {warning && (
        <div className={styles.warning} data-testid="diff-warning">
          {warning}
        </div>
      )}
    </div>
  );
}

interface DiffSideEditorProps {
  name: DiffSideName;
  query: ProfilesQuery;
  onChange: (query: ProfilesQuery) => void;
  onRunQuery: () => void;
  datasource: ModeEditorProps['datasource'];
  range?: ResourceRange;
}

function DiffSideEditor({ name, query, onChange, onRunQuery, datasource, range }: DiffSideEditorProps) {
  const styles = useStyles2(getStyles);
  const side = query[name] ?? {};
  const mode = sideTimeMode(side);
  const changeAndRun = runOnChange(onChange, onRunQuery);
  const rangeProblem = mode === 'range' ? checkRange(side.from, side.to, range) : undefined;
  const formatTime = (v: number | string | undefined) => (v === undefined ? '' : String(v));

  return (
    <div className={styles.side} data-testid={`diff-${name}`}>
      <div className={styles.title}>{SIDE_TITLES[name]}</div>
      <LabelSelectorInput
        data-testid={`diff-${name}-selector`}
        datasource={datasource}
        value={sideSelector(query, name)}
        profileTypeId={query.profileTypeId}
        range={range}
        placeholder='{service_name="api", version="v1"}'
        onChange={(labelSelector) => onChange(updateSide(query, name, (s) => ({ ...s, labelSelector })))}
        onRunQuery={onRunQuery}
      />
      <div data-testid={`diff-${name}-time`}>
        <InlineFieldRow>
          <InlineField label="Time" labelWidth={LABEL_WIDTH} tooltip={`Which time the ${SIDE_TITLES[name].toLowerCase()} reads`}>
            <RadioButtonGroup
              size="sm"
              options={SIDE_TIME_MODES}
              value={mode}
              onChange={(next) => changeAndRun(updateSide(query, name, (s) => withTimeMode(s, next)))}
            />
          </InlineField>
        </InlineFieldRow>
        {mode === 'shift' && (
          <InlineFieldRow>
            <CheckedInput
              label="Shift back"
              labelWidth={LABEL_WIDTH}
              tooltip={`The dashboard's range moved back: ${TIME_SHIFT_EXAMPLES}. Months are not accepted (they differ in length): use 4w or 30d.`}
              testId={`diff-${name}-shift`}
              placeholder="1 week ago"
              width={20}
              committed={side.timeShift ?? ''}
              format={(v) => v}
              parse={parseTimeShift}
              onCommit={(timeShift) => changeAndRun(updateSide(query, name, (s) => ({ ...s, timeShift })))}
            />
          </InlineFieldRow>
        )}
        {mode === 'range' && (
          <InlineFieldRow>
            <CheckedInput
              label="From"
              labelWidth={LABEL_WIDTH}
              tooltip={`Start of this side's range: ${TIME_EXAMPLES} (empty: the dashboard's)`}
              testId={`diff-${name}-from`}
              placeholder="now-7d"
              width={26}
              committed={side.from}
              format={formatTime}
              parse={(text) => parseTimeInput(text, 'From')}
              onCommit={(from) => changeAndRun(updateSide(query, name, (s) => ({ ...s, from })))}
              problem={rangeProblem}
            />
            <CheckedInput
              label="To"
              labelWidth={4}
              tooltip={`End of this side's range: ${TIME_EXAMPLES} (empty: the dashboard's)`}
              testId={`diff-${name}-to`}
              placeholder="now-6d"
              width={26}
              committed={side.to}
              format={formatTime}
              parse={(text) => parseTimeInput(text, 'To')}
              onCommit={(to) => changeAndRun(updateSide(query, name, (s) => ({ ...s, to })))}
            />
          </InlineFieldRow>
        )}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  sides: css({ display: 'flex', gap: theme.spacing(2), flexWrap: 'wrap', margin: theme.spacing(1, 0) }),
  side: css({ flex: '1 1 420px', minWidth: 0, display: 'flex', flexDirection: 'column', gap: theme.spacing(0.5) }),
  title: css({ fontWeight: theme.typography.fontWeightMedium }),
  hint: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize, marginTop: theme.spacing(0.5) }),
  warning: css({ color: theme.colors.warning.text, fontSize: theme.typography.bodySmall.fontSize }),
});
