// The SQL tab: DuckDB SQL over the plugin's views in Grafana's code editor (Monaco), with completion
// of views, columns, functions, macros and variables (src/sql/completions.ts), Ctrl/Cmd+Enter to run,
// the result format, and the backend's error shown as a marker where DuckDB points.
import { css } from '@emotion/css';
import { useEffect, useRef, useState } from 'react';

import { DataQueryError, GrafanaTheme2, LoadingState, PanelData } from '@grafana/data';
import { Button, CodeEditor, InlineField, Monaco, MonacoEditor, RadioButtonGroup, monacoTypes, useStyles2 } from '@grafana/ui';

import { CountField } from '../components/CountField';
import { CompletionLanguage, registerModelCompletion } from '../components/modelCompletion';
import { ProfileTypeCascader } from '../components/ProfileTypeCascader';
import { templateVariableNames } from '../components/templateScope';
import { type ProfilesDataSource, type SqlSchema, toResourceRange } from '../datasource';
import { errorMessage } from '../selector/errorMessage';
import { parseSqlMaxNodes } from '../selector/queryOptions';
import { SqlCompletionItem, SqlCompletionKind, sqlCompletions } from '../sql/completions';
import { SqlErrorMarker, sqlErrorMarker } from '../sql/errorPosition';
import { SqlFormat } from '../types';
import { ModeEditorProps } from './types';

export const SQL_FORMATS: Array<{ label: string; value: SqlFormat; description: string }> = [
  { label: 'Table', value: 'table', description: 'One row per result row' },
  { label: 'Time series', value: 'time_series', description: 'Needs a time column: $__timeGroupAlias(time, $__interval)' },
  { label: 'Flame graph', value: 'flamegraph', description: 'A stack_id (or stack) column and a numeric value column' },
];

const MARKER_OWNER = 'grafana-profiles-sql';
const SQL_COMPLETION: CompletionLanguage = { id: 'sql', triggerCharacters: ['.', ' ', '$', ','] };

export function SqlEditor({ datasource, query, onChange, onRunQuery, data, range }: ModeEditorProps) {
  const styles = useStyles2(getStyles);
  const format = query.format ?? 'table';
  const [schemaError, setSchemaError] = useState<string>();
  const editorRef = useRef<{ editor: MonacoEditor; monaco: Monaco }>(undefined);
  const latest = useRef({ datasource, query, onChange, onRunQuery });
  useEffect(() => {
    latest.current = { datasource, query, onChange, onRunQuery };
  });
  const unregister = useRef<() => void>(undefined);
  useEffect(() => () => unregister.current?.(), []);

  /** Takes the editor's text into the query, then runs it. */
  const run = () => {
    const { query: q, onChange: change, onRunQuery: runQuery } = latest.current;
    const text = editorRef.current?.editor.getValue() ?? q.rawSql ?? '';
    if (text !== (q.rawSql ?? '')) {
      change({ ...q, rawSql: text });
    }
    runQuery();
  };

  // The backend's error for this query as a marker; a later answer without one clears it.
  const marker = markerFor(data, query.refId, query.rawSql ?? '');
  useEffect(() => {
    const mounted = editorRef.current;
    const model = mounted?.editor.getModel();
    if (!mounted || !model || (data && data.state === LoadingState.Loading)) {
      return;
    }
    mounted.monaco.editor.setModelMarkers(model, MARKER_OWNER, marker ? [toMonacoMarker(mounted.monaco, marker)] : []);
  }, [marker?.startLine, marker?.startColumn, marker?.endColumn, marker?.message, data]); // eslint-disable-line react-hooks/exhaustive-deps

  const onEditorDidMount = (editor: MonacoEditor, monaco: Monaco) => {
    editorRef.current = { editor, monaco };
    const model = editor.getModel();
    if (model) {
      unregister.current = registerModelCompletion(monaco, SQL_COMPLETION, model.id, (m, position) =>
        completeSql(monaco, m, position, {
          schema: () => cachedSchema(latest.current.datasource),
          variables: templateVariableNames(),
          onError: setSchemaError,
        })
      );
      if (marker) {
        monaco.editor.setModelMarkers(model, MARKER_OWNER, [toMonacoMarker(monaco, marker)]);
      }
    }
    editor.addAction({
      id: 'grafana-profiles.sql.run-query',
      label: 'Run query',
      keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter],
      run,
    });
  };

  return (
    <div data-testid="sql-tab">
      <div className={styles.editorRow}>
        <div className={styles.editor} data-testid="sql-editor">
          <CodeEditor
            value={query.rawSql ?? ''}
            language="sql"
            height={200}
            showMiniMap={false}
            showLineNumbers
            onEditorDidMount={onEditorDidMount}
            onBlur={(value) => {
              const { query: q, onChange: change } = latest.current;
              if (value !== (q.rawSql ?? '')) {
                change({ ...q, rawSql: value });
              }
            }}
            monacoOptions={{
              fontSize: 14,
              scrollBeyondLastLine: false,
              suggestOnTriggerCharacters: true,
              quickSuggestions: { other: true, strings: true, comments: false },
              suggest: { showWords: false },
              placeholder: 'SELECT … FROM samples WHERE $__timeFilter(time) — Ctrl/Cmd+Enter runs the query',
            } as monacoTypes.editor.IStandaloneEditorConstructionOptions}
          />
        </div>
        <Button data-testid="sql-run" icon="play" variant="primary" size="sm" onClick={run} tooltip="Run query (Ctrl/Cmd+Enter)">
          Run
        </Button>
      </div>
      {schemaError && (
        <div className={styles.error} role="alert" data-testid="sql-schema-error">
          {schemaError}
        </div>
      )}
      <div className={styles.optionsRow}>
        <InlineField label="Format" tooltip="How the backend shapes the result (Sql/README.md: formats)">
          <div data-testid="sql-format">
            <RadioButtonGroup<SqlFormat>
              options={SQL_FORMATS}
              value={format}
              onChange={(next) => {
                latest.current.onChange({ ...latest.current.query, format: next });
                latest.current.onRunQuery();
              }}
            />
          </div>
        </InlineField>
        {format === 'flamegraph' && (
          <>
            <InlineField label="Profile type" tooltip="The unit of the flame graph's values; the data source's default when empty">
              <ProfileTypeCascader
                data-testid="sql-profile-type"
                datasource={datasource}
                value={query.profileTypeId}
                range={toResourceRange(range)}
                onChange={(profileTypeId) => {
                  latest.current.onChange({ ...latest.current.query, profileTypeId });
                  latest.current.onRunQuery();
                }}
              />
            </InlineField>
            <CountField
              label="Max nodes"
              tooltip="Most nodes in the flame graph; the backend's default when empty"
              testId="sql-max-nodes"
              placeholder="default"
              width={12}
              value={query.maxNodes}
              parse={parseSqlMaxNodes}
              onChange={(maxNodes) => {
                latest.current.onChange({ ...latest.current.query, maxNodes });
                latest.current.onRunQuery();
              }}
            />
          </>
        )}
      </div>
    </div>
  );
}

/** The error of this query's refId in a response, placed in the SQL that was run. */
export function markerFor(data: PanelData | undefined, refId: string, sql: string): SqlErrorMarker | undefined {
  if (!data) {
    return undefined;
  }
  const errors: DataQueryError[] = [...(data.errors ?? []), ...(data.error ? [data.error] : [])];
  const error = errors.find((e) => e.refId === refId) ?? errors.find((e) => !e.refId);
  const text = error?.message ?? error?.data?.message;
  if (!text) {
    return undefined;
  }
  const executed = data.series.find((s) => s.refId === refId)?.meta?.executedQueryString;
  return sqlErrorMarker(text, sql, executed);
}

function toMonacoMarker(monaco: Monaco, m: SqlErrorMarker): monacoTypes.editor.IMarkerData {
  return {
    startLineNumber: m.startLine,
    startColumn: m.startColumn,
    endLineNumber: m.endLine,
    endColumn: m.endColumn,
    message: m.message,
    severity: monaco.MarkerSeverity.Error,
    source: 'DuckDB',
  };
}

/** The schema per data source, loaded once; a failed load is tried again at the next completion. */
const schemas = new WeakMap<ProfilesDataSource, Promise<SqlSchema>>();

export function cachedSchema(datasource: ProfilesDataSource): Promise<SqlSchema> {
  let schema = schemas.get(datasource);
  if (!schema) {
    schema = datasource.getSqlSchema();
    schemas.set(datasource, schema);
    schema.catch(() => schemas.delete(datasource));
  }
  return schema;
}

interface SqlCompletionSources {
  schema: () => Promise<SqlSchema>;
  variables: string[];
  onError: (message: string | undefined) => void;
}

/** Monaco's items for the SQL at `position`; without the schema, keywords, functions and variables still complete. */
async function completeSql(
  monaco: Monaco,
  model: monacoTypes.editor.ITextModel,
  position: monacoTypes.Position,
  sources: SqlCompletionSources
): Promise<monacoTypes.languages.CompletionItem[]> {
  let schema: SqlSchema | undefined;
  try {
    schema = await sources.schema();
    sources.onError(undefined);
  } catch (e) {
    sources.onError(`Completion could not load the SQL schema: ${errorMessage(e)}`);
  }
  const items = sqlCompletions(model.getValue(), model.getOffsetAt(position), schema, sources.variables);
  return items.map((item) => toMonacoItem(monaco, model, item));
}

function toMonacoItem(monaco: Monaco, model: monacoTypes.editor.ITextModel, item: SqlCompletionItem): monacoTypes.languages.CompletionItem {
  const start = model.getPositionAt(item.range.start);
  const end = model.getPositionAt(item.range.end);
  return {
    label: item.label,
    kind: monacoKind(monaco, item.kind),
    insertText: item.insertText,
    insertTextRules: item.snippet ? monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet : undefined,
    detail: item.detail,
    documentation: item.documentation,
    sortText: item.sortText,
    range: new monaco.Range(start.lineNumber, start.column, end.lineNumber, end.column),
  };
}

function monacoKind(monaco: Monaco, kind: SqlCompletionKind): monacoTypes.languages.CompletionItemKind {
  const kinds = monaco.languages.CompletionItemKind;
  switch (kind) {
    case 'view':
      return kinds.Class;
    case 'column':
      return kinds.Field;
    case 'function':
      return kinds.Function;
    case 'keyword':
      return kinds.Keyword;
    case 'macro':
      return kinds.Snippet;
    case 'variable':
      return kinds.Variable;
  }
}

const getStyles = (theme: GrafanaTheme2) => ({
  editorRow: css({ display: 'flex', alignItems: 'flex-start', gap: theme.spacing(1) }),
  // Without a small width the editor grows with its container but never shrinks back.
  editor: css({ flex: 1, width: '100px' }),
  optionsRow: css({ display: 'flex', flexWrap: 'wrap', alignItems: 'flex-start', gap: theme.spacing(1), marginTop: theme.spacing(1) }),
  error: css({ color: theme.colors.error.text, fontSize: theme.typography.bodySmall.fontSize, marginTop: theme.spacing(0.5) }),
});
