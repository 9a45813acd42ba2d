// A text box whose content reaches the query only once it passes its check (a limit, a span id, a time,
// a pattern); otherwise the message says under the field what to change. It commits on blur and Enter.
import { useState } from 'react';

import { InlineField, Input } from '@grafana/ui';

import { Checked } from '../selector/queryOptions';

export interface CheckedInputProps<T> {
  label: string;
  tooltip: string;
  testId: string;
  placeholder: string;
  labelWidth?: number;
  width?: number;
  committed: T;
  format: (value: T) => string;
  parse: (text: string) => Checked<T>;
  onCommit: (value: T) => void;
  /** A message about the committed value (e.g. a range whose ends are the wrong way round). */
  problem?: string;
}

export function CheckedInput<T>(props: CheckedInputProps<T>) {
  const committedText = props.format(props.committed);
  // Typed text belongs to the committed value it was typed over; a change from outside starts again.
  const [draft, setDraft] = useState<{ over: string; text: string }>();
  const [error, setError] = useState<string>();
  const text = draft && draft.over === committedText ? draft.text : committedText;
  const shown = error ?? props.problem;

  const commit = () => {
    const checked = props.parse(text);
    if (!checked.ok) {
      setError(checked.error);
      return;
    }
    setError(undefined);
    setDraft(undefined);
    if (props.format(checked.value) !== committedText) {
      props.onCommit(checked.value);
    }
  };

  return (
    <InlineField label={props.label} labelWidth={props.labelWidth} tooltip={props.tooltip} invalid={shown !== undefined} error={shown}>
      <Input
        data-testid={props.testId}
        width={props.width ?? 16}
        placeholder={props.placeholder}
        value={text}
        onChange={(e) => setDraft({ over: committedText, text: e.currentTarget.value })}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') {
            commit();
          }
        }}
      />
    </InlineField>
  );
}
