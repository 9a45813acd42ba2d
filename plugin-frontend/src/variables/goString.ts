// Decoding the inside of a quoted selector value: Go string literal escapes, as the backend's parser
// reads them (store/Read/Query/Selectors/README.md): \a \b \f \n \r \t \v \\ \<own quote>, \ooo and \xHH
// (bytes: a run of them must form UTF-8), \uHHHH and \UHHHHHHHH.

const SIMPLE: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The value `raw` (the text between the quotes) stands for, or undefined when an escape is invalid
 * (the backend reports it with its position; the caller leaves such text alone).
 */
export function decodeGoString(raw: string, quote: '"' | "'"): string | undefined {
  let out = '';
  let bytes: number[] = [];
  const flush = (): boolean => {
    if (bytes.length === 0) {
      return true;
    }
    try {
      out += utf8.decode(new Uint8Array(bytes));
    } catch {
      return false;
    }
    bytes = [];
    return true;
  };
  let i = 0;
  while (i < raw.length) {
    const c = raw[i];
    if (c !== '\\') {
      if (!flush()) {
        return undefined;
      }
      out += c;
      i++;
      continue;
    }
    const e = raw[i + 1];
    if (e === undefined) {
      return undefined;
    }
    if (e === 'x' || (e >= '0' && e <= '7')) {
      const digits = e === 'x' ? raw.slice(i + 2, i + 4) : raw.slice(i + 1, i + 4);
      const valid = e === 'x' ? /^[0-9A-Fa-f]{2}$/ : /^[0-7]{3}$/;
      if (!valid.test(digits)) {
        return undefined;
      }
      const value = parseInt(digits, e === 'x' ? 16 : 8);
      if (value > 0xff) {
        return undefined;
      }
      bytes.push(value);
      i += 4;
      continue;
    }
    if (!flush()) {
      return undefined;
    }
    if (e in SIMPLE) {
      out += SIMPLE[e];
      i += 2;
    } else if (e === quote) {
      out += quote;
      i += 2;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      const digits = raw.slice(i + 2, i + 2 + n);
      if (!new RegExp(`^[0-9A-Fa-f]{${n}}$`).test(digits)) {
        return undefined;
      }
      const code = parseInt(digits, 16);
      if (code > 0x10ffff || (code >= 0xd800 && code < 0xe000)) {
        return undefined;
      }
      out += String.fromCodePoint(code);
      i += 2 + n;
    } else {
      return undefined;
    }
  }
  return flush() ? out : undefined;
}
