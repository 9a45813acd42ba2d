// A count of a query (a limit, max nodes) in a checked box: empty is the backend's default, anything
// else reaches the query only once it is a whole number of at least 1 (and at most `max`).
import { Checked, parsePositiveInt } from '../selector/queryOptions';
import { CheckedInput } from './CheckedInput';

export interface CountFieldProps {
  label: string;
  tooltip: string;
  testId: string;
  placeholder: string;
  labelWidth?: number;
  width?: number;
  value: number | undefined;
  onChange: (value: number | undefined) => void;
  /** The most the backend takes. */
  max?: number;
  /** A check of its own instead of a whole number of at least 1 up to `max`. */
  parse?: (text: string) => Checked<number | undefined>;
}

const formatCount = (value: number | undefined) => (value === undefined ? '' : String(value));

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
