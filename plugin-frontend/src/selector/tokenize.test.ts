import { tokenize } from './tokenize';

const kinds = (text: string) => tokenize(text).filter((t) => t.kind !== 'whitespace').map((t) => `${t.kind}:${t.text}`);

describe('tokenize', () => {
  it('reads a selector with every operator', () => {
    expect(kinds('{a="1", b!="2",c=~"x|y", d!~`z`}')).toEqual([
      'lbrace:{',
      'name:a',
      'operator:=',
      'string:"1"',
      'comma:,',
      'name:b',
      'operator:!=',
      'string:"2"',
      'comma:,',
      'name:c',
      'operator:=~',
      'string:"x|y"',
      'comma:,',
      'name:d',
      'operator:!~',
      'string:`z`',
      'rbrace:}',
    ]);
  });

  it('reads a profile type prefix as one token', () => {
    expect(kinds('process_cpu:cpu:nanoseconds:cpu:nanoseconds{service_name="api"}').slice(0, 2)).toEqual([
      'profileType:process_cpu:cpu:nanoseconds:cpu:nanoseconds',
      'lbrace:{',
    ]);
  });

  it('keeps dotted names whole', () => {
    expect(kinds('{otel.scope.name="x"}')[1]).toBe('name:otel.scope.name');
  });

  it('decodes escapes in double-quoted strings', () => {
    const [t] = tokenize('"a\\\\b\\"c\\nd\\te"');
    expect(t.value).toBe('a\\b"c\nd\te');
    expect(t.terminated).toBe(true);
  });

  it('joins byte escapes into UTF-8 and reads unicode escapes', () => {
    expect(tokenize('"\\xc3\\xa9"')[0].value).toBe('é');
    expect(tokenize('"\\303\\251"')[0].value).toBe('é');
    expect(tokenize('"\\u00e9\\U0001F600"')[0].value).toBe('é😀');
  });

  it('keeps backtick strings raw', () => {
    expect(tokenize('`a\\nb`')[0].value).toBe('a\\nb');
  });

  it('reads quoted UTF-8 label names as strings', () => {
    const t = tokenize('{"k8s.pod"="a"}')[1];
    expect(t).toMatchObject({ kind: 'string', value: 'k8s.pod', quote: '"', terminated: true });
  });

  it('ends an open double-quoted string at the newline, not at the end of the text', () => {
    const tokens = tokenize('{a="pro\n, b="x"}');
    expect(tokens[3]).toMatchObject({ kind: 'string', text: '"pro', terminated: false, value: 'pro' });
    expect(tokens.some((t) => t.kind === 'name' && t.text === 'b')).toBe(true);
  });

  it('reads a lone ! as a partial operator and stray characters one at a time', () => {
    expect(kinds('{a!')).toEqual(['lbrace:{', 'name:a', 'operator:!']);
    expect(kinds('$x(')).toEqual(['invalid:$', 'name:x', 'invalid:(']);
  });

  it('tolerates a trailing backslash and bad escapes while typing', () => {
    expect(tokenize('"ab\\')[0]).toMatchObject({ terminated: false, value: 'ab' });
    expect(tokenize('"\\x4"')[0].terminated).toBe(true);
  });

  it('covers the whole text with contiguous tokens', () => {
    const text = '  cpu:x:y:z:w { "a b" =~ `c`,d!="e\\"f" }\t$ü';
    const tokens = tokenize(text);
    let at = 0;
    for (const t of tokens) {
      expect(t.start).toBe(at);
      expect(t.text).toBe(text.slice(t.start, t.end));
      at = t.end;
    }
    expect(at).toBe(text.length);
  });
});
