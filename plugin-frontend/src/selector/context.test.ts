import { CompletionContext, completionContext } from './context';

/** `‸` marks the cursor. */
function at(marked: string): CompletionContext {
  const offset = marked.indexOf('‸');
  if (offset < 0) {
    throw new Error(`no cursor in ${marked}`);
  }
  return completionContext(marked.replace('‸', ''), offset);
}

/** The context without the parse, for comparisons. */
function brief(marked: string): Record<string, unknown> {
  const { parsed, ...rest } = at(marked) as CompletionContext & Record<string, unknown>;
  void parsed;
  return rest;
}

describe('completionContext', () => {
  it('expects a label name after { and after a comma', () => {
    expect(brief('{‸}')).toMatchObject({ kind: 'labelName', partial: '', quoted: false, used: [], openBrace: false });
    expect(brief('{a="1", ‸}')).toMatchObject({ kind: 'labelName', partial: '', used: ['a'], replace: { start: 8, end: 8 } });
    expect(brief('{a="1",‸')).toMatchObject({ kind: 'labelName', used: ['a'] });
  });

  it('continues a label name being typed and replaces the whole name', () => {
    expect(brief('{serv‸}')).toMatchObject({ kind: 'labelName', partial: 'serv', replace: { start: 1, end: 5 }, operatorFollows: false });
    expect(brief('{se‸rvice="x"}')).toMatchObject({ kind: 'labelName', partial: 'se', replace: { start: 1, end: 8 }, operatorFollows: true, matcher: 0 });
    expect(brief('{‸env="x"}')).toMatchObject({ kind: 'labelName', partial: '', replace: { start: 1, end: 4 }, operatorFollows: true });
  });

  it('reads a quoted label name, decoded', () => {
    expect(brief('{"k8s.‸')).toMatchObject({ kind: 'labelName', partial: 'k8s.', quoted: true, replace: { start: 1, end: 6 } });
    expect(brief('{a="1", "k8s\\"x‸"="v"}')).toMatchObject({
      kind: 'labelName',
      partial: 'k8s"x',
      quoted: true,
      replace: { start: 8, end: 16 },
      operatorFollows: true,
      used: ['a'],
    });
  });

  it('opens the braces on an empty selector', () => {
    expect(brief('‸')).toMatchObject({ kind: 'labelName', openBrace: true });
    expect(brief('  ‸ ')).toMatchObject({ kind: 'labelName', openBrace: true });
    expect(brief('‸{a="1"}').kind).toBe('none');
  });

  it('expects an operator after a name and a space, or after a lone !', () => {
    expect(brief('{env ‸}')).toMatchObject({ kind: 'operator', label: 'env', replace: { start: 5, end: 5 } });
    expect(brief('{env!‸}')).toMatchObject({ kind: 'operator', label: 'env', replace: { start: 4, end: 5 } });
    expect(brief('{env !‸')).toMatchObject({ kind: 'operator', label: 'env' });
  });

  it('expects a value right after an operator', () => {
    expect(brief('{env=‸}')).toMatchObject({ kind: 'labelValue', label: 'env', operator: '=', partial: '', quote: undefined, replace: { start: 5, end: 5 } });
    expect(brief('{env=~ ‸}')).toMatchObject({ kind: 'labelValue', operator: '=~', partial: '' });
    expect(brief('{env!=‸"x"}')).toMatchObject({ kind: 'labelValue', operator: '!=', replace: { start: 6, end: 9 } });
    expect(brief('{env=‸pro}')).toMatchObject({ kind: 'labelValue', replace: { start: 5, end: 8 } });
  });

  it('reads the partial value inside quotes', () => {
    expect(brief('{env="pro‸"}')).toMatchObject({ kind: 'labelValue', label: 'env', partial: 'pro', quote: '"', replace: { start: 5, end: 10 } });
    expect(brief('{env="‸"}')).toMatchObject({ kind: 'labelValue', partial: '', quote: '"' });
    expect(brief("{env='a\\'b‸'}")).toMatchObject({ kind: 'labelValue', partial: "a'b", quote: "'" });
    expect(brief('{env=~"prod|sta‸')).toMatchObject({ kind: 'labelValue', operator: '=~', partial: 'prod|sta', replace: { start: 6, end: 15 } });
  });

  it('replaces an open string only up to the cursor, keeping the brace it swallowed', () => {
    expect(brief('{env="pro‸}')).toMatchObject({ kind: 'labelValue', partial: 'pro', replace: { start: 5, end: 9 } });
  });

  it('reads an unquoted value being typed', () => {
    expect(brief('{env=pro‸')).toMatchObject({ kind: 'labelValue', partial: 'pro', quote: undefined, replace: { start: 5, end: 8 } });
  });

  it('names the matcher being edited among several', () => {
    expect(brief('{a="1", b="2‸", c="3"}')).toMatchObject({ kind: 'labelValue', label: 'b', matcher: 1 });
    expect(brief('{a="1", "k8s.pod"=‸, c="3"}')).toMatchObject({ kind: 'labelValue', label: 'k8s.pod', matcher: 1 });
  });

  it('offers nothing after a complete value, after }, in the profile type, or between ! and =', () => {
    expect(brief('{a="1"‸}').kind).toBe('none');
    expect(brief('{a="1" ‸}').kind).toBe('none');
    expect(brief('{a="1"}‸').kind).toBe('none');
    expect(brief('process_cpu:cp‸').kind).toBe('none');
    expect(brief('{a!‸="1"}').kind).toBe('none');
  });

  it('works after a profile type prefix', () => {
    expect(brief('process_cpu:cpu:nanoseconds:cpu:nanoseconds{‸}')).toMatchObject({ kind: 'labelName' });
    expect(brief('memory:alloc_space:bytes:space:bytes{pod="‸"}')).toMatchObject({ kind: 'labelValue', label: 'pod' });
  });

  it('reads selectors without braces', () => {
    expect(brief('servi‸')).toMatchObject({ kind: 'labelName', partial: 'servi', openBrace: false });
    expect(brief('service_name="api", env=‸')).toMatchObject({ kind: 'labelValue', label: 'env' });
  });

  it('spans lines', () => {
    expect(brief('{\n  a="1",\n  b=~‸\n}')).toMatchObject({ kind: 'labelValue', label: 'b', operator: '=~' });
  });

  it('clamps offsets outside the text', () => {
    expect(completionContext('{a=', 99).kind).toBe('labelValue');
    expect(completionContext('{', -5).kind).toBe('none');
    expect(completionContext('{', Number.NaN).kind).toBe('labelName');
  });

  describe('never throws, at every offset of', () => {
    const selectors = [
      '',
      '{}',
      '{service_name="api", env=~"prod|staging", "k8s.pod"!="a"}',
      'process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="api"}',
      '{a="\\\\ \\" \\n", b!~`raw\nline`, c=\'x\'}',
      '{"k8s.pod"="a", "é"!="ü😀"}',
      'service_name="api", env!="dev"',
      '{a=1, b!, =="", }}} {{ ,,',
      '{a="open',
      '$var{a=~"$x|${y}"}',
    ];
    it.each(selectors)('%s', (text) => {
      for (let offset = 0; offset <= text.length; offset++) {
        const ctx = completionContext(text, offset);
        expect(['labelName', 'operator', 'labelValue', 'none']).toContain(ctx.kind);
        if (ctx.kind !== 'none') {
          expect(ctx.replace.start).toBeLessThanOrEqual(offset);
          expect(ctx.replace.end).toBeGreaterThanOrEqual(offset);
          expect(ctx.replace.end).toBeLessThanOrEqual(text.length);
        }
      }
    });
  });

  it('agrees with the whole text when the selector is split at every position and typed so far', () => {
    // What a person sees while typing left to right: the text up to the cursor.
    const text = '{service_name="api", env=~"prod"}';
    const expected: Record<number, string> = { 1: 'labelName', 5: 'labelName', 14: 'labelValue', 15: 'labelValue', 20: 'labelName', 21: 'labelName', 25: 'labelValue', 26: 'labelValue', 27: 'labelValue' };
    for (const [offset, kind] of Object.entries(expected)) {
      const prefix = text.slice(0, Number(offset));
      expect([prefix, completionContext(prefix, prefix.length).kind]).toEqual([prefix, kind]);
    }
  });
});
