import { syntaxError } from './errors.js';
import type { Token } from './tokenize.js';

const SIMPLE: Record<string, string> = {
  n: '\n',
  r: '\r',
  t: '\t',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"',
  '`': '`',
  '?': '?',
};

/** The value of a GoogleSQL string literal token ('..', "..", '''..''', r'..'), escapes resolved. */
export function decodeStringLiteral(t: Token, sql: string): string {
  const m = /^([rR]?)('''|"""|'|")([\s\S]*)\2$/.exec(t.text);
  if (!m) throw syntaxError('Invalid string literal', sql, t.pos);
  const body = m[3] as string;
  if (m[1]) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[i + 1] ?? '';
    i++;
    if (e in SIMPLE) out += SIMPLE[e];
    else if (e === 'x' || e === 'X') {
      out += String.fromCharCode(Number.parseInt(body.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n)
        throw syntaxError(`Illegal escape sequence: \\${e}${hex}`, sql, t.pos);
      out += String.fromCodePoint(Number.parseInt(hex, 16));
      i += n;
    } else if (/[0-7]/.test(e)) {
      out += String.fromCharCode(Number.parseInt(body.slice(i, i + 3), 8));
      i += 2;
    } else throw syntaxError(`Illegal escape sequence: \\${e}`, sql, t.pos);
  }
  return out;
}

/** A plain single-quoted GoogleSQL literal that the transpiler maps to DuckDB faithfully. */
export function encodeStringLiteral(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
