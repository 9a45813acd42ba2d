import { RadioButtonGroup } from '@grafana/ui';
import { useEffect, useMemo } from 'react';

import { DiffEditor } from './editors/DiffEditor';
import { FunctionEditor } from './editors/FunctionEditor';
import { ProfileEditor } from './editors/ProfileEditor';
import { RecordingRuleEditor } from './editors/RecordingRuleEditor';
import { SqlEditor } from './editors/SqlEditor';
import { TopEditor } from './editors/TopEditor';
import { ModeEditorProps } from './editors/types';
import { migrateQuery } from './migrations/migrateQuery';
import { EditorMode, modeOf, switchMode } from './modes';

const modes: Array<{ label: string; value: EditorMode; description: string }> = [
  { label: 'Profile', value: 'profile', description: 'Flame graph and series of a selection' },
  { label: 'Diff', value: 'diff', description: 'Compare two selections or two time ranges' },
  { label: 'Top', value: 'top', description: 'The functions that take the most, untruncated' },
  { label: 'Function', value: 'function', description: 'One function (or pattern) over time, for alerts' },
  { label: 'Rules', value: 'rule', description: "Metrics the collector's recording rules recorded from profiles: cheap over long ranges, for alerts" },
  { label: 'SQL', value: 'sql', description: 'DuckDB SQL over the profile tables' },
];

export function QueryEditor(incoming: ModeEditorProps) {
  // A query saved in an older shape (or by Grafana's Pyroscope data source with aliases) opens in
  // today's shape; migrateQuery returns the same object when there is nothing to change.
  const query = useMemo(() => migrateQuery(incoming.query), [incoming.query]);
  const props = query === incoming.query ? incoming : { ...incoming, query };
  const { onChange, app } = props;
  useEffect(() => {
    if (query !== incoming.query) {
      onChange(query);
    }
  }, [query, incoming.query, onChange]);
  const mode = modeOf(query.queryType);
  return (
    <div data-testid="query-editor">
      <div style={{ marginBottom: 8 }}>
        <RadioButtonGroup
          data-testid="query-mode"
          size="sm"
          options={modes}
          value={mode}
          onChange={(next) => onChange(switchMode(query, next, app))}
        />
      </div>
      {mode === 'profile' && <ProfileEditor {...props} />}
      {mode === 'diff' && <DiffEditor {...props} />}
      {mode === 'top' && <TopEditor {...props} />}
      {mode === 'function' && <FunctionEditor {...props} />}
      {mode === 'rule' && <RecordingRuleEditor {...props} />}
      {mode === 'sql' && <SqlEditor {...props} />}
    </div>
  );
}
