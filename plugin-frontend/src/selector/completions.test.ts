import { SelectorCompletionItem, SelectorCompletionSources, selectorCompletions } from './completions';

/** A fake backend over a fixed set of series; it records the scopes it was asked with. */
function sources(extra: Partial<SelectorCompletionSources> = {}) {
  const calls: Array<{ kind: string; label?: string; scope: string }> = [];
  const values: Record<string, string[]> = {
    service_name: ['api', 'worker'],
    env: ['prod', 'staging', 'dev.1'],
    'k8s.pod': ['api-7d9f', 'worker-1'],
  };
  const s: SelectorCompletionSources = {
    labelNames: async (scope) => {
      calls.push({ kind: 'names', scope });
      return ['__name__', 'env', 'k8s.pod', 'service_name', 'app/tier', 'env'];
    },
    labelValues: async (label, scope) => {
      calls.push({ kind: 'values', label, scope });
      return values[label] ?? [];
    },
    ...extra,
  };
  return { s, calls };
}

async function complete(marked: string, extra: Partial<SelectorCompletionSources> = {}) {
  const offset = marked.indexOf('‸');
  const text = marked.replace('‸', '');
  const { s, calls } = sources(extra);
  const items = await selectorCompletions(text, offset, s);
  return { items, calls, text };
}

/** The text after choosing `item`, as the editor would write it (snippet `$0` dropped). */
function apply(text: string, item: SelectorCompletionItem): string {
  const insert = item.snippet ? item.insertText.replace('$0', '').replace(/\\([$}\\])/g, '$1') : item.insertText;
  return text.slice(0, item.range.start) + insert + text.slice(item.range.end);
}

describe('selectorCompletions', () => {
  it('offers label names, unused first, private ones after, followed by = and the value list', async () => {
    const { items, calls, text } = await complete('{service_name="api", ‸}');
    expect(items.map((i) => i.label)).toEqual(['env', 'k8s.pod', 'app/tier', '__name__', 'service_name']);
    expect(items.at(-1)!.detail).toBe('label (already in the selector)');
    expect(calls).toEqual([{ kind: 'names', scope: '{service_name="api"}' }]);
    const env = items[0];
    expect(env).toMatchObject({ kind: 'labelName', retrigger: true });
    expect(apply(text, env)).toBe('{service_name="api", env=}');
    expect(apply(text, items[2])).toBe('{service_name="api", "app/tier"=}');
  });

  it('keeps items in the order decided here', async () => {
    const { items } = await complete('{‸}');
    expect(items.map((i) => i.sortText)).toEqual([...items.map((i) => i.sortText)].sort());
  });

  it('replaces a name in place when an operator follows', async () => {
    const { items, text } = await complete('{se‸rvice="api"}');
    const item = items.find((i) => i.label === 'env')!;
    expect(item.retrigger).toBe(false);
    expect(apply(text, item)).toBe('{env="api"}');
  });

  it('opens the braces on an empty selector', async () => {
    const { items, text } = await complete('‸');
    const item = items.find((i) => i.label === 'app/tier')!;
    expect(item.snippet).toBe(true);
    expect(apply(text, item)).toBe('{"app/tier"=}');
  });

  it('completes a quoted name with quotes and filters by what is typed in them', async () => {
    const { items, text } = await complete('{"k8s‸');
    const item = items.find((i) => i.label === 'k8s.pod')!;
    expect(item.filterText).toBe('"k8s.pod"');
    expect(apply(text, item)).toBe('{"k8s.pod"=');
  });

  it('offers values scoped by the profile type and the other matchers, inserted quoted', async () => {
    const { items, calls, text } = await complete('{service_name="api", env=‸}', { profileTypeId: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds' });
    expect(calls).toEqual([
      { kind: 'values', label: 'env', scope: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="api"}' },
    ]);
    expect(items.map((i) => i.label)).toEqual(['prod', 'staging', 'dev.1']);
    expect(apply(text, items[0])).toBe('{service_name="api", env="prod"}');
  });

  it('replaces the string the value is typed in', async () => {
    const { items, text } = await complete('{env="st‸"}');
    const item = items.find((i) => i.label === 'staging')!;
    expect(item.filterText).toBe('"staging"');
    expect(apply(text, item)).toBe('{env="staging"}');
  });

  it('keeps the closing brace swallowed by an open string', async () => {
    const { items, text } = await complete('{env="st‸}');
    expect(apply(text, items[1])).toBe('{env="staging"}');
  });

  it('regex-escapes values under =~ and completes the last alternative', async () => {
    const { items, text } = await complete('{env=~"prod|‸"}');
    expect(items.map((i) => i.label)).toEqual(['staging', 'dev.1']);
    expect(apply(text, items[1])).toBe('{env=~"prod|dev\\\\.1"}');
  });

  it('escapes quotes and backslashes in inserted values', async () => {
    const { items, text } = await complete('{env=‸}', { labelValues: async () => ['say "hi"\\'] });
    expect(apply(text, items[0])).toBe('{env="say \\"hi\\"\\\\"}');
  });

  it('scopes a quoted name value by its decoded name, leaving out templated matchers', async () => {
    const { calls } = await complete('{"k8s.pod"="‸", service_name="$service", env="prod"}', { profileTypeId: '$type' });
    expect(calls).toEqual([{ kind: 'values', label: 'k8s.pod', scope: '{env="prod"}' }]);
  });

  it('uses the selector own profile type before the one given', async () => {
    const { calls } = await complete('memory:alloc_space:bytes:space:bytes{env=‸}', { profileTypeId: 'process_cpu:cpu:nanoseconds:cpu:nanoseconds' });
    expect(calls[0].scope).toBe('memory:alloc_space:bytes:space:bytes{}');
  });

  it('offers template variables after the values', async () => {
    const { items, text } = await complete('{service_name=‸}', { variables: ['service'] });
    expect(items.map((i) => i.label)).toEqual(['api', 'worker', '$service']);
    expect(items[2]).toMatchObject({ kind: 'variable', detail: 'template variable' });
    expect(apply(text, items[2])).toBe('{service_name="$service"}');
  });

  it('offers the four operators after a name', async () => {
    const { items, calls, text } = await complete('{env ‸}');
    expect(calls).toEqual([]);
    expect(items.map((i) => i.label)).toEqual(['=', '!=', '=~', '!~']);
    expect(apply(text, items[3])).toBe('{env !~}');
    expect(items.every((i) => i.retrigger)).toBe(true);
  });

  it('offers nothing and asks nothing where nothing fits', async () => {
    const { items, calls } = await complete('{env="prod"‸}');
    expect(items).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('passes a failing source on to the caller', async () => {
    await expect(
      selectorCompletions('{a=', 3, { labelNames: async () => [], labelValues: () => Promise.reject(new Error('timeout')) })
    ).rejects.toThrow('timeout');
  });

  it('produces a selector the parser accepts after completing name then value', async () => {
    let { items, text } = await complete('{‸}');
    text = apply(text, items.find((i) => i.label === 'k8s.pod')!);
    const cursor = text.indexOf('=') + 1;
    const { s } = sources();
    const values = await selectorCompletions(text, cursor, s);
    text = apply(text, values[0]);
    expect(text).toBe('{k8s.pod="api-7d9f"}');
  });
});
