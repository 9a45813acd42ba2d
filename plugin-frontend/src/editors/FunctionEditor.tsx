// The Function tab: one function (or a pattern of them) over time, as its total or self, one series
// per group-by combination — plain JSON with no panel-side work, so alert rules can run it.
import { css } from '@emotion/css';
import { useState } from 'react';

import { GrafanaTheme2 } from '@grafana/data';
import { Combobox, ComboboxOption, InlineField, InlineFieldRow, InlineSwitch, RadioButtonGroup, useStyles2 } from '@grafana/ui';

import { CheckedInput } from '../components/CheckedInput';
import { CountField } from '../components/CountField';
import { GroupBySelect } from '../components/GroupBySelect';
import { toResourceRange } from '../datasource';
import { checkFunctionRegex, functionSummary, toggleRegex, usesRegex } from '../diff/functionQuery';
import { errorMessage } from '../selector/errorMessage';
import { ValueKind } from '../types';
import { ProfileSelection } from './ProfileSelection';
import { ModeEditorProps, runOnChange } from './types';

const LABEL_WIDTH = 14;
/** Names offered per keystroke: enough to choose from, few enough to list at once. */
const FUNCTION_SUGGESTIONS = 100;

const VALUE_KINDS: Array<{ value: ValueKind; label: string; description: string }> = [
  { value: 'total', label: 'Total', description: 'The function and everything it calls' },
  { value: 'self', label: 'Self', description: 'The function alone, without its callees' },
];

export function FunctionEditor(props: ModeEditorProps) {
  const { datasource, query, onChange, onRunQuery, range } = props;
  const styles = useStyles2(getStyles);
  const resourceRange = toResourceRange(range);
  const regex = usesRegex(query);
  const [loadError, setLoadError] = useState<string>();
  const changeAndRun = runOnChange(onChange, onRunQuery);

  const loadFunctions = async (search: string): Promise<Array<ComboboxOption<string>>> => {
    try {
      const names = await datasource.getFunctions(search, FUNCTION_SUGGESTIONS, resourceRange);
      setLoadError(undefined);
      return names.map((n) => ({ label: n, value: n }));
    } catch (e) {
      setLoadError(`Function names could not be loaded: ${errorMessage(e)}`);
      return [];
    }
  };

  return (
    <div data-testid="function-editor">
      <ProfileSelection {...props} selectorTestId="function-selector" />
      <InlineFieldRow className={styles.options}>
        {regex ? (
          <CheckedInput
            label="Pattern"
            labelWidth={LABEL_WIDTH}
            tooltip="RE2, matching the whole function name; the matching functions are summed, each stack once"
            testId="function-regex"
            placeholder="encoding/json\..*"
            width={48}
            committed={query.functionRegex ?? ''}
            format={(v) => v}
            parse={checkFunctionRegex}
            onCommit={(functionRegex) => changeAndRun({ ...query, functionRegex })}
          />
        ) : (
          <InlineField
            label="Function"
            labelWidth={LABEL_WIDTH}
            tooltip="The function's full name as the profiles record it; type to search, or enter a name not listed"
            invalid={loadError !== undefined}
            error={loadError}
          >
            <Combobox<string>
              data-testid="function-name"
              width={48}
              placeholder="main.handler"
              createCustomValue
              customValueDescription="Use this name"
              options={loadFunctions}
              value={query.function ? { label: query.function, value: query.function } : null}
              onChange={(option) => changeAndRun({ ...query, function: option.value })}
              noOptionsMessage="No function with this text in its name"
            />
          </InlineField>
        )}
        <InlineField label="Regex" tooltip="Select functions by a pattern instead of one name">
          <InlineSwitch
            data-testid="function-regex-toggle"
            value={regex}
            onChange={(e) => onChange(toggleRegex(query, e.currentTarget.checked))}
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField label="Value" labelWidth={LABEL_WIDTH} tooltip="Total: with its callees (pprof's cum); self: the function alone">
          <div data-testid="function-value-kind">
            <RadioButtonGroup
              options={VALUE_KINDS}
              value={query.valueKind ?? 'total'}
              onChange={(valueKind) => changeAndRun({ ...query, valueKind })}
            />
          </div>
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <GroupBySelect
          data-testid="function-group-by"
          query={query}
          onChange={changeAndRun}
          datasource={datasource}
          range={resourceRange}
          tooltip="One series per combination of these labels"
          labelWidth={LABEL_WIDTH}
          width={40}
        />
        <CountField
          label="Limit"
          labelWidth={8}
          tooltip="Most series, the largest by sum are kept (empty: all, up to 1,000)"
          testId="function-limit"
          placeholder="all"
          value={query.limit}
          onChange={(limit) => changeAndRun({ ...query, limit })}
        />
      </InlineFieldRow>
      <div className={styles.hint} data-testid="function-summary">
        {functionSummary(query)}
      </div>
    </div>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  options: css({ marginTop: theme.spacing(1) }),
  hint: css({ color: theme.colors.text.secondary, fontSize: theme.typography.bodySmall.fontSize, marginTop: theme.spacing(0.5) }),
});
