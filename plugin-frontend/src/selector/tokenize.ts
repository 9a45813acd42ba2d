// A tolerant tokenizer of label selectors: it never throws, and it reads incomplete text (an open
// string, a lone `!`, a missing `}`) the way a person is typing it. Offsets are UTF-16 indices into
// the text, as Monaco's model offsets are.

export type TokenKind =
  | 'lbrace'
  | 'rbrace'
  | 'comma'
  /** A plain label name: `service_name`, `otel.scope.name`. */
  | 'name'
  /** `name:sample_type:sample_unit:period_type:period_unit` in front of the braces. */
  | 'profileType'
  /** `"…"`, `'…'` or `` `…` ``; `value` holds the decoded text, `terminated` whether it is closed. */
  | 'string'
  /** `=`, `!=`, `=~`, `!~`, or a lone `!` while typing. */
  | 'operator'
  | 'whitespace'
  /** Anything else: one character that cannot start a token. */
  | 'invalid';

export type Quote = '"' | "'" | '`';

export interface Token {
  kind: TokenKind;
  /** Offset of the first character. */
  start: number;
  /** Offset after the last character. */
  end: number;
  text: string;
  /** Decoded string value (strings only). */
  value?: string;
  quote?: Quote;
  /** False for a string still open at the end of the line (or the text). */
  terminated?: boolean;
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_.]/;
/** Characters of a profile type id after its first colon (`memory:alloc_space:bytes:space:bytes`). */
const PROFILE_TYPE_PART = /[A-Za-z0-9_.:-]/;
const WHITESPACE = /\s/;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const start = i;
    const c = text[i];
    if (WHITESPACE.test(c)) {
      while (i < text.length && WHITESPACE.test(text[i])) {
        i++;
      }
      tokens.push({ kind: 'whitespace', start, end: i, text: text.slice(start, i) });
    } else if (c === '{' || c === '}' || c === ',') {
      i++;
      tokens.push({ kind: c === '{' ? 'lbrace' : c === '}' ? 'rbrace' : 'comma', start, end: i, text: c });
    } else if (c === '=' || c === '!') {
      i++;
      if (text[i] === '~' || (c === '!' && text[i] === '=')) {
        i++;
      }
      tokens.push({ kind: 'operator', start, end: i, text: text.slice(start, i) });
    } else if (c === '"' || c === "'" || c === '`') {
      const read = readString(text, i, c);
      i = read.end;
      tokens.push({ kind: 'string', start, end: i, text: text.slice(start, i), value: read.value, quote: c, terminated: read.terminated });
    } else if (NAME_START.test(c)) {
      while (i < text.length && NAME_PART.test(text[i])) {
        i++;
      }
      let kind: TokenKind = 'name';
      if (text[i] === ':') {
        kind = 'profileType';
        while (i < text.length && PROFILE_TYPE_PART.test(text[i])) {
          i++;
        }
      }
      tokens.push({ kind, start, end: i, text: text.slice(start, i) });
    } else {
      // One character at a time, so a stray `$` or `(` does not swallow what follows.
      i += c.codePointAt(0)! > 0xffff ? 2 : 1;
      tokens.push({ kind: 'invalid', start, end: i, text: text.slice(start, i) });
    }
  }
  return tokens;
}

interface StringRead {
  end: number;
  value: string;
  terminated: boolean;
}

/**
 * Reads a string literal starting at its opening quote. `"` and `'` take Go escapes and end at a raw
 * newline when unterminated (so an open quote does not swallow the following lines); a backtick string
 * is raw and may span lines.
 */
function readString(text: string, open: number, quote: Quote): StringRead {
  let i = open + 1;
  if (quote === '`') {
    const close = text.indexOf('`', i);
    return close < 0
      ? { end: text.length, value: text.slice(i), terminated: false }
      : { end: close + 1, value: text.slice(i, close), terminated: true };
  }
  let value = '';
  let bytes: number[] = [];
  const flushBytes = () => {
    if (bytes.length > 0) {
      value += decodeUtf8(bytes);
      bytes = [];
    }
  };
  while (i < text.length) {
    const c = text[i];
    if (c === quote) {
      flushBytes();
      return { end: i + 1, value, terminated: true };
    }
    if (c === '\n') {
      break;
    }
    if (c !== '\\') {
      flushBytes();
      value += c;
      i++;
      continue;
    }
    const escape = readEscape(text, i);
    if (escape.byte !== undefined) {
      bytes.push(escape.byte);
    } else {
      flushBytes();
      value += escape.text;
    }
    i = escape.end;
  }
  flushBytes();
  return { end: i, value, terminated: false };
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/** One escape at `text[at] === '\\'`: a character, or a byte (`\xHH`, `\ooo`) to join into UTF-8. */
function readEscape(text: string, at: number): { end: number; text?: string; byte?: number } {
  const c = text[at + 1];
  if (c === undefined) {
    return { end: at + 1, text: '' }; // a trailing backslash while typing
  }
  if (c in SIMPLE_ESCAPES) {
    return { end: at + 2, text: SIMPLE_ESCAPES[c] };
  }
  const hex = (len: number) => {
    const digits = text.slice(at + 2, at + 2 + len);
    return digits.length === len && /^[0-9a-fA-F]+$/.test(digits) ? parseInt(digits, 16) : undefined;
  };
  if (c === 'x') {
    const byte = hex(2);
    return byte === undefined ? { end: at + 2, text: '' } : { end: at + 4, byte };
  }
  if (c === 'u' || c === 'U') {
    const len = c === 'u' ? 4 : 8;
    const code = hex(len);
    if (code === undefined || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return { end: at + 2, text: '' };
    }
    return { end: at + 2 + len, text: String.fromCodePoint(code) };
  }
  if (/[0-7]/.test(c)) {
    const digits = text.slice(at + 1, at + 4);
    if (/^[0-7]{3}$/.test(digits) && parseInt(digits, 8) <= 0xff) {
      return { end: at + 4, byte: parseInt(digits, 8) };
    }
    return { end: at + 2, text: '' };
  }
  // An unknown escape: keep the character, as a person reading it would.
  return { end: at + 2, text: c };
}

/** Bytes from `\x` / octal escapes as UTF-8; an invalid sequence keeps each byte as its code point. */
function decodeUtf8(bytes: number[]): string {
  try {
    return decodeURIComponent(bytes.map((b) => '%' + b.toString(16).padStart(2, '0')).join(''));
  } catch {
    return String.fromCharCode(...bytes);
  }
}
