// Monaco does not run in jsdom: in render tests the code editor is a text box that reports its value
// on blur, as CodeEditor does. The browser test drives the real one. A test file takes it with
//   jest.mock('@grafana/ui', () => jest.requireActual('<path to>/tests/jest/textCodeEditor').grafanaUiWithTextCodeEditor());

function TextCodeEditor(p: { value: string; onBlur?: (value: string) => void }) {
  return <textarea aria-label="code editor" defaultValue={p.value} onBlur={(e) => p.onBlur?.(e.currentTarget.value)} />;
}

/** @grafana/ui as it is, but for its CodeEditor. */
export function grafanaUiWithTextCodeEditor() {
  return { ...jest.requireActual('@grafana/ui'), CodeEditor: TextCodeEditor };
}
