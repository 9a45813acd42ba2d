// The label selector's completion list as plain data: the editor (Monaco) only maps these items to its
// own types, so everything it offers is decided — and tested — here.
import { CompletionContext, TextRange, completionContext } from './context';
import { escapeRegex, formatLabelName, quoteString, scopeSelector } from './format';
import { MatchOperator } from './parse';

export type SelectorCompletionKind = 'labelName' | 'labelValue' | 'operator' | 'variable';

export interface SelectorCompletionItem {
  kind: SelectorCompletionKind;
  /** Shown in the list. */
  label: string;
  insertText: string;
  /** What the editor matches against the text typed between `range.start` and the cursor. */
  filterText: string;
  /** Offsets of the text the insertion replaces. */
  range: TextRange;
  detail?: string;
  documentation?: string;
  /** `insertText` is a snippet: `$0` marks where the cursor goes. */
  snippet: boolean;
  /** Open the list again after inserting: a name is followed by its operator, an operator by values. */
  retrigger: boolean;
  /** Keeps the order decided here. */
  sortText: string;
}

/** Where the lists come from. `scope` is a selector (`type{a="1"}`) the lists are restricted to. */
export interface SelectorCompletionSources {
  labelNames(scope: string): Promise<string[]>;
  labelValues(label: string, scope: string): Promise<string[]>;
  /** Scopes the lists when the selector has no profile type of its own (a `$variable` is ignored). */
  profileTypeId?: string;
  /** Template variable names offered as values (`service` → `"$service"`). */
  variables?: string[];
}

const OPERATORS: Array<{ op: MatchOperator; doc: string }> = [
  { op: '=', doc: 'equals' },
  { op: '!=', doc: 'does not equal' },
  { op: '=~', doc: 'matches the regular expression (RE2, anchored at both ends)' },
  { op: '!~', doc: 'does not match the regular expression' },
];

/** The completion list at `offset` of `text`. Rejects only when a source rejects. */
export async function selectorCompletions(
  text: string,
  offset: number,
  sources: SelectorCompletionSources
): Promise<SelectorCompletionItem[]> {
  return completionsFor(completionContext(text, offset), sources);
}

export async function completionsFor(ctx: CompletionContext, sources: SelectorCompletionSources): Promise<SelectorCompletionItem[]> {
  switch (ctx.kind) {
    case 'labelName':
      return labelNameItems(ctx, await sources.labelNames(scopeSelector(ctx.parsed, ctx.matcher, sources.profileTypeId)));
    case 'operator':
      return sorted(
        OPERATORS.map(({ op, doc }) => ({
          kind: 'operator' as const,
          label: op,
          insertText: op,
          filterText: op,
          range: ctx.replace,
          detail: `${ctx.label} ${doc}`,
          snippet: false,
          retrigger: true,
        }))
      );
    case 'labelValue': {
      const values = await sources.labelValues(ctx.label, scopeSelector(ctx.parsed, ctx.matcher, sources.profileTypeId));
      return labelValueItems(ctx, values, sources.variables ?? []);
    }
    default:
      return [];
  }
}

type Unsorted = Omit<SelectorCompletionItem, 'sortText'>;

function labelNameItems(ctx: Extract<CompletionContext, { kind: 'labelName' }>, names: string[]): SelectorCompletionItem[] {
  const used = new Set(ctx.used);
  const unique = Array.from(new Set(names));
  // Names not in the selector yet first, Pyroscope's private `__…__` labels after them, used ones last
  // (a label may be matched twice: `{env=~"prod.*", env!="prod-old"}`).
  const rank = (n: string) => (used.has(n) ? 2 : n.startsWith('__') ? 1 : 0);
  const ordered = unique.map((n, i) => ({ n, i })).sort((a, b) => rank(a.n) - rank(b.n) || a.i - b.i);
  return sorted(
    ordered.map(({ n }) => {
      const written = ctx.quoted ? quoteString(n) : formatLabelName(n);
      let insertText = written;
      let snippet = false;
      let retrigger = false;
      if (ctx.openBrace) {
        insertText = `{${escapeSnippet(written)}=$0}`;
        snippet = true;
        retrigger = true;
      } else if (!ctx.operatorFollows) {
        insertText = `${written}=`;
        retrigger = true;
      }
      return {
        kind: 'labelName' as const,
        label: n,
        insertText,
        filterText: ctx.quoted ? quoteString(n) : n,
        range: ctx.replace,
        detail: used.has(n) ? 'label (already in the selector)' : 'label',
        snippet,
        retrigger,
      };
    })
  );
}

function labelValueItems(
  ctx: Extract<CompletionContext, { kind: 'labelValue' }>,
  values: string[],
  variables: string[]
): SelectorCompletionItem[] {
  const regex = ctx.operator === '=~' || ctx.operator === '!~';
  // Under a regex operator, `prod|sta` completes its last alternative and keeps the others.
  const bar = regex ? lastAlternationBar(ctx.partial) : -1;
  const prefix = bar >= 0 ? ctx.partial.slice(0, bar + 1) : '';
  const chosen = new Set(bar >= 0 ? prefix.slice(0, -1).split('|') : []);
  const quoted = ctx.quote !== undefined;
  const item = (kind: SelectorCompletionKind, label: string, value: string, detail: string): Unsorted => {
    const insertText = quoteString(prefix + value);
    return {
      kind,
      label,
      insertText,
      // Typed inside quotes the editor compares `"pro…`; typed bare, `pro…`.
      filterText: quoted ? insertText : prefix + value,
      range: ctx.replace,
      detail,
      snippet: false,
      retrigger: false,
    };
  };
  const items: Unsorted[] = Array.from(new Set(values))
    .filter((v) => !chosen.has(regex ? escapeRegex(v) : v))
    .map((v) => item('labelValue', v, regex ? escapeRegex(v) : v, `value of ${ctx.label}`));
  for (const name of variables) {
    items.push(item('variable', `$${name}`, `$${name}`, 'template variable'));
  }
  return sorted(items);
}

/** Index of the last `|` that is not escaped (`a\|b` is a literal bar), or -1. */
function lastAlternationBar(pattern: string): number {
  let last = -1;
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] === '\\') {
      i++;
    } else if (pattern[i] === '|') {
      last = i;
    }
  }
  return last;
}

function escapeSnippet(text: string): string {
  return text.replace(/[$}\\]/g, '\\$&');
}

function sorted(items: Unsorted[]): SelectorCompletionItem[] {
  const width = String(items.length).length;
  return items.map((it, i) => ({ ...it, sortText: String(i).padStart(width, '0') }));
}
