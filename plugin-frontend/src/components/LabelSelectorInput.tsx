// The label selector in Grafana's code editor (Monaco): colours for names, operators and strings, and
// completion of label names and values from the data source, scoped by the profile type and the other
// matchers. What to offer is decided by the pure `selectorCompletions` (src/selector/completions.ts);
// this file only maps its items to Monaco's.
import { css } from '@emotion/css';
import { useEffect, useRef, useState } from 'react';

import { GrafanaTheme2 } from '@grafana/data';
import { CodeEditor, Monaco, MonacoEditor, monacoTypes, useStyles2 } from '@grafana/ui';

import type { ProfilesDataSource } from '../datasource';
import { errorMessage } from '../selector/errorMessage';
import { SelectorCompletionItem, SelectorCompletionKind, SelectorCompletionSources, selectorCompletions } from '../selector/completions';
import { CompletionLanguage, registerModelCompletion } from './modelCompletion';
import { dashboardRange, templateVariableNames } from './templateScope';

export interface LabelSelectorInputProps {
  datasource: ProfilesDataSource;
  value: string;
  onChange: (value: string) => void;
  onRunQuery: () => void;
  /** Scopes completion to the series of this profile type. */
  profileTypeId?: string;
  /** Scopes completion to this time range (epoch ms); the dashboard's when absent. */
  range?: { from: number; to: number };
  'data-testid'?: string;
  /** Shown while the selector is empty. */
  placeholder?: string;
}

export const SELECTOR_LANGUAGE_ID = 'grafana-profiles-selector';
export const SELECTOR_TRIGGER_CHARACTERS = ['{', ',', '=', '~', '"', '|', ' '];

const SELECTOR_COMPLETION: CompletionLanguage = { id: SELECTOR_LANGUAGE_ID, triggerCharacters: SELECTOR_TRIGGER_CHARACTERS };

type CompletionSources = SelectorCompletionSources & { onError: (message: string | undefined) => void };

export function LabelSelectorInput(props: LabelSelectorInputProps) {
  const styles = useStyles2(getStyles);
  const containerRef = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string>();
  // Monaco's callbacks outlive a render: they read the latest props through this ref.
  const latest = useRef(props);
  useEffect(() => {
    latest.current = props;
  });
  const unregister = useRef<() => void>(undefined);

  useEffect(() => () => unregister.current?.(), []);

  /** What completion reads from the latest props when Monaco asks. */
  const sources = (): CompletionSources => {
    const { datasource, profileTypeId } = latest.current;
    const range = latest.current.range ?? dashboardRange();
    return {
      profileTypeId,
      // The scope already carries the profile type, so it is not passed a second time.
      labelNames: (scope) => datasource.getLabelNames(scope, undefined, range),
      labelValues: (label, scope) => datasource.getLabelValues(label, scope, undefined, range),
      variables: templateVariableNames(),
      onError: setError,
    };
  };

  const onEditorDidMount = (editor: MonacoEditor, monaco: Monaco) => {
    const model = editor.getModel();
    if (model) {
      unregister.current = registerModelCompletion(monaco, SELECTOR_COMPLETION, model.id, (m, position) =>
        completeSelector(monaco, m, position, sources())
      );
    }

    // Grow with the text (a selector is one line until it is not).
    const fitHeight = () => {
      const container = containerRef.current;
      if (container) {
        const height = editor.getContentHeight();
        container.style.height = `${height + 2}px`;
        editor.layout({ width: container.clientWidth, height });
      }
    };
    editor.onDidContentSizeChange(fitHeight);
    fitHeight();

    editor.addAction({
      id: 'grafana-profiles.run-query',
      label: 'Run query',
      keybindings: [monaco.KeyMod.Shift | monaco.KeyCode.Enter],
      run: () => {
        const value = editor.getValue();
        if (value !== latest.current.value) {
          latest.current.onChange(value);
        }
        latest.current.onRunQuery();
      },
    });
  };

  return (
    <div className={styles.column}>
      <div className={styles.wrapper} ref={containerRef} data-testid={props['data-testid'] ?? 'label-selector'}>
        <CodeEditor
          value={props.value}
          language={SELECTOR_LANGUAGE_ID}
          containerStyles={styles.editor}
          showMiniMap={false}
          showLineNumbers={false}
          wordWrap
          onBeforeEditorMount={ensureSelectorLanguage}
          onEditorDidMount={onEditorDidMount}
          onBlur={(value) => {
            if (value !== latest.current.value) {
              latest.current.onChange(value);
            }
          }}
          monacoOptions={{
            folding: false,
            fontSize: 14,
            lineNumbers: 'off',
            overviewRulerLanes: 0,
            renderLineHighlight: 'none',
            scrollBeyondLastLine: false,
            scrollbar: { vertical: 'hidden', horizontal: 'hidden', verticalScrollbarSize: 8, horizontalScrollbarSize: 0 },
            padding: { top: 4, bottom: 5 },
            suggestOnTriggerCharacters: true,
            quickSuggestions: { other: true, strings: true, comments: false },
            // Words of the text are no completion here (Monaco's `text` items).
            suggest: { showWords: false, snippetsPreventQuickSuggestions: false },
            placeholder: props.placeholder ?? 'Label selector, e.g. {service_name="api"} — Shift+Enter runs the query',
          } as monacoTypes.editor.IStandaloneEditorConstructionOptions}
        />
      </div>
      {error && (
        <div className={styles.error} role="alert" data-testid={`${props['data-testid'] ?? 'label-selector'}-error`}>
          {error}
        </div>
      )}
    </div>
  );
}

/** The language is registered once per Monaco instance. */
export function ensureSelectorLanguage(monaco: Monaco) {
  if (monaco.languages.getLanguages().some((l) => l.id === SELECTOR_LANGUAGE_ID)) {
    return;
  }
  monaco.languages.register({ id: SELECTOR_LANGUAGE_ID, aliases: ['Profile label selector'] });
  monaco.languages.setMonarchTokensProvider(SELECTOR_LANGUAGE_ID, {
    defaultToken: 'invalid',
    tokenizer: {
      root: [
        [/\s+/, 'white'],
        [/[A-Za-z_][\w.]*:[\w.:-]+/, 'type'],
        [/\$[A-Za-z_]\w*|\$\{[^}]+\}|\[\[[^\]]+\]\]/, 'variable'],
        [/[A-Za-z_][\w.]*/, 'tag'],
        // A quoted name is a string followed by an operator.
        [/"(?:[^"\\\n]|\\.)*"(?=\s*[=!])/, 'tag'],
        [/=~|!~|!=|=|!/, 'operator'],
        [/[{}]/, 'delimiter.bracket'],
        [/,/, 'delimiter'],
        [/"/, 'string', '@dquoted'],
        [/'/, 'string', '@squoted'],
        [/`/, 'string', '@raw'],
      ],
      dquoted: [
        [/[^\\"$\n]+/, 'string'],
        [/\$[A-Za-z_]\w*|\$\{[^}]+\}/, 'variable'],
        [/\\./, 'string.escape'],
        [/"/, 'string', '@pop'],
        [/\n/, 'string', '@pop'],
        [/./, 'string'],
      ],
      squoted: [
        [/[^\\'$\n]+/, 'string'],
        [/\$[A-Za-z_]\w*|\$\{[^}]+\}/, 'variable'],
        [/\\./, 'string.escape'],
        [/'/, 'string', '@pop'],
        [/\n/, 'string', '@pop'],
        [/./, 'string'],
      ],
      raw: [
        [/[^`]+/, 'string'],
        [/`/, 'string', '@pop'],
      ],
    },
  } as monacoTypes.languages.IMonarchLanguage);
  monaco.languages.setLanguageConfiguration(SELECTOR_LANGUAGE_ID, {
    brackets: [['{', '}']],
    autoClosingPairs: [
      { open: '{', close: '}' },
      { open: '"', close: '"', notIn: ['string'] },
      { open: "'", close: "'", notIn: ['string'] },
      { open: '`', close: '`', notIn: ['string'] },
    ],
    surroundingPairs: [
      { open: '{', close: '}' },
      { open: '"', close: '"' },
    ],
    wordPattern: /[A-Za-z_][\w.]*/,
  });
}

/** Monaco's items for the selector at `position`; a failed load of labels shows under the editor. */
async function completeSelector(
  monaco: Monaco,
  model: monacoTypes.editor.ITextModel,
  position: monacoTypes.Position,
  sources: CompletionSources
): Promise<monacoTypes.languages.CompletionItem[]> {
  try {
    const items = await selectorCompletions(model.getValue(), model.getOffsetAt(position), sources);
    sources.onError(undefined);
    return items.map((item) => toMonacoItem(monaco, model, position, item));
  } catch (e) {
    sources.onError(`Completion could not load labels: ${errorMessage(e)}`);
    return [];
  }
}

function toMonacoItem(
  monaco: Monaco,
  model: monacoTypes.editor.ITextModel,
  position: monacoTypes.Position,
  item: SelectorCompletionItem
): monacoTypes.languages.CompletionItem {
  // Monaco wants a one-line range around the cursor: a raw string may span lines, so clamp to this one.
  const lineStart = model.getOffsetAt({ lineNumber: position.lineNumber, column: 1 });
  const lineEnd = model.getOffsetAt({ lineNumber: position.lineNumber, column: model.getLineMaxColumn(position.lineNumber) });
  const start = model.getPositionAt(Math.max(item.range.start, lineStart));
  const end = model.getPositionAt(Math.min(item.range.end, lineEnd));
  return {
    label: item.label,
    kind: monacoKind(monaco, item.kind),
    insertText: item.insertText,
    filterText: item.filterText,
    sortText: item.sortText,
    detail: item.detail,
    documentation: item.documentation,
    range: new monaco.Range(start.lineNumber, start.column, end.lineNumber, end.column),
    insertTextRules: item.snippet ? monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet : undefined,
    command: item.retrigger ? { id: 'editor.action.triggerSuggest', title: 'Suggest' } : undefined,
  };
}

function monacoKind(monaco: Monaco, kind: SelectorCompletionKind): monacoTypes.languages.CompletionItemKind {
  const kinds = monaco.languages.CompletionItemKind;
  switch (kind) {
    case 'labelName':
      return kinds.Enum;
    case 'labelValue':
      return kinds.EnumMember;
    case 'operator':
      return kinds.Operator;
    case 'variable':
      return kinds.Variable;
  }
}

const getStyles = (theme: GrafanaTheme2) => ({
  column: css({ display: 'flex', flexDirection: 'column', flex: 1, minWidth: 0 }),
  wrapper: css({ display: 'flex', flex: 1 }),
  // Without a small width the editor grows with its container but never shrinks back.
  editor: css({ flex: 1, width: '100px' }),
  error: css({ color: theme.colors.error.text, fontSize: theme.typography.bodySmall.fontSize, marginTop: theme.spacing(0.5) }),
});
