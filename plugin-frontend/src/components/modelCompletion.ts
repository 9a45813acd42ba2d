// Completion for code editors that share a language. Monaco's completion providers are global per
// language: one provider per editor would list every item once per editor on the page. So there is
// one provider per Monaco instance and language, registered with the first editor and disposed with
// the last, and it hands each request to the editor whose model asks.
import type { Monaco, monacoTypes } from '@grafana/ui';

/** The items of one mounted editor at a position; it reads that editor's latest props when called. */
export type ModelCompletion = (
  model: monacoTypes.editor.ITextModel,
  position: monacoTypes.Position
) => Promise<monacoTypes.languages.CompletionItem[]>;

export interface CompletionLanguage {
  id: string;
  triggerCharacters: string[];
}

interface Registry {
  completions: Map<string, ModelCompletion>;
  provider?: monacoTypes.IDisposable;
}

const registries = new WeakMap<Monaco, Map<string, Registry>>();

/** Serves `complete` for the model `modelId` until the returned function is called (at unmount). */
export function registerModelCompletion(
  monaco: Monaco,
  language: CompletionLanguage,
  modelId: string,
  complete: ModelCompletion
): () => void {
  let languages = registries.get(monaco);
  if (!languages) {
    languages = new Map();
    registries.set(monaco, languages);
  }
  let registry = languages.get(language.id);
  if (!registry) {
    registry = { completions: new Map() };
    languages.set(language.id, registry);
  }
  const reg = registry;
  reg.completions.set(modelId, complete);
  if (!reg.provider) {
    reg.provider = monaco.languages.registerCompletionItemProvider(language.id, {
      triggerCharacters: language.triggerCharacters,
      provideCompletionItems: async (model, position) => {
        const completeModel = reg.completions.get(model.id);
        return { suggestions: completeModel ? await completeModel(model, position) : [] };
      },
    });
  }
  return () => {
    reg.completions.delete(modelId);
    if (reg.completions.size === 0) {
      reg.provider?.dispose();
      reg.provider = undefined;
    }
  };
}
