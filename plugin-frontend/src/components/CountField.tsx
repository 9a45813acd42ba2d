// A count of a query (a limit, max nodes) in a checked box: empty is the backend's default, anything
// else reaches the query only once it is a whole number of at least 1 (and at most `max`).
import { Checked, parsePositiveInt } from '../selector/queryOptions';
import { CheckedInput, CheckedInputProps } from './CheckedInput';

type Count = number | undefined;

export interface CountFieldProps extends Pick<CheckedInputProps<Count>, 'label' | 'tooltip' | 'testId' | 'placeholder' | 'labelWidth' | 'width'> {
  value: Count;
  onChange: (value: Count) => void;
  /** The most the backend takes. */
  max?: number;
  /** A check of its own instead of a whole number of at least 1 up to `max`. */
  parse?: (text: string) => Checked<Count>;
}

const formatCount = (value: Count) => (value === undefined ? '' : String(value));

export function CountField({ value, onChange, max, parse, ...field }: CountFieldProps) {
  return (
    <CheckedInput
      {...field}
      committed={value}
      format={formatCount}
      parse={parse ?? ((text) => parsePositiveInt(text, field.label, max))}
      onCommit={onChange}
    />
  );
}
