// Interim: replaced by the full Function mode editor.
import { LabelSelectorInput } from '../components/LabelSelectorInput';
import { ModeEditorProps } from './types';

export function FunctionEditor({ datasource, query, onChange, onRunQuery }: ModeEditorProps) {
  return (
    <LabelSelectorInput
      datasource={datasource}
      value={query.labelSelector ?? ''}
      onChange={(labelSelector) => onChange({ ...query, labelSelector })}
      onRunQuery={onRunQuery}
    />
  );
}
