import { syntaxError } from './errors.js';

export type TokenKind =
  | 'ws' // whitespace and comments
  | 'ident' // bare identifier or keyword
  | 'quoted' // `backtick` identifier (text keeps the backticks)
  | 'string' // any string or bytes literal (text keeps prefix and quotes)
  | 'number'
  | 'param' // @name or ?
  | 'sysvar' // @@name
  | 'punct';

export interface Token {
  kind: TokenKind;
  text: string;
  /** offset in the source */
  pos: number;
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;

/**
 * A small lossless tokenizer for GoogleSQL / legacy SQL. It only has to know where strings, comments and quoted
 * identifiers start and end so the rewriting passes never touch their contents; joining all `text`s gives the input.
 */
export function tokenize(sql: string, opts: { duck?: boolean } = {}): Token[] {
  const duck = opts.duck === true;
  const out: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i] as string;
    const start = i;
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(sql[i] as string)) i++;
      out.push({ kind: 'ws', text: sql.slice(start, i), pos: start });
      continue;
    }
    if ((c === '-' && sql[i + 1] === '-') || (c === '#' && !duck)) {
      while (i < n && sql[i] !== '\n') i++;
      out.push({ kind: 'ws', text: sql.slice(start, i), pos: start });
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end < 0) throw syntaxError('Unclosed comment', sql, start);
      i = end + 2;
      out.push({ kind: 'ws', text: sql.slice(start, i), pos: start });
      continue;
    }
    if (IDENT_START.test(c)) {
      // string prefixes r, b, rb, br (any case) directly followed by a quote
      let j = i;
      while (j < n && IDENT_PART.test(sql[j] as string)) j++;
      const word = sql.slice(i, j);
      const q = sql[j];
      if ((q === "'" || q === '"') && (duck ? /^e$/i.test(word) : /^(r|b|rb|br)$/i.test(word))) {
        i = scanString(sql, j, !duck && /r/i.test(word), false);
        out.push({ kind: 'string', text: sql.slice(start, i), pos: start });
        continue;
      }
      i = j;
      out.push({ kind: 'ident', text: word, pos: start });
      continue;
    }
    if (c === "'" || c === '"') {
      // DuckDB strings have no backslash escapes ('' doubles a quote, which scans as two adjacent literals)
      i = scanString(sql, i, duck, duck);
      out.push({ kind: 'string', text: sql.slice(start, i), pos: start });
      continue;
    }
    if (c === '`') {
      i++;
      while (i < n && sql[i] !== '`') {
        if (sql[i] === '\\') i++;
        i++;
      }
      if (i >= n) throw syntaxError('Unclosed identifier literal', sql, start);
      i++;
      out.push({ kind: 'quoted', text: sql.slice(start, i), pos: start });
      continue;
    }
    const prevTok = out[out.length - 1];
    const afterName =
      prevTok !== undefined &&
      (prevTok.kind === 'ident' || prevTok.kind === 'quoted' || prevTok.text === ')' || prevTok.text === ']');
    if (/[0-9]/.test(c) || (c === '.' && !afterName && /[0-9]/.test(sql[i + 1] ?? ''))) {
      if (c === '0' && /[xX]/.test(sql[i + 1] ?? '')) {
        i += 2;
        while (i < n && /[0-9A-Fa-f]/.test(sql[i] as string)) i++;
      } else {
        while (i < n && /[0-9]/.test(sql[i] as string)) i++;
        if (sql[i] === '.') {
          i++;
          while (i < n && /[0-9]/.test(sql[i] as string)) i++;
        }
        if (/[eE]/.test(sql[i] ?? '') && /[-+0-9]/.test(sql[i + 1] ?? '')) {
          i += 2;
          while (i < n && /[0-9]/.test(sql[i] as string)) i++;
        }
      }
      // a table name like 20261123 or a path part like day.2026* continues with letters/underscores
      while (i < n && IDENT_PART.test(sql[i] as string)) i++;
      out.push({ kind: 'number', text: sql.slice(start, i), pos: start });
      continue;
    }
    if (c === '@') {
      if (sql[i + 1] === '@') {
        i += 2;
        while (i < n && /[A-Za-z0-9_.]/.test(sql[i] as string)) i++;
        out.push({ kind: 'sysvar', text: sql.slice(start, i), pos: start });
        continue;
      }
      i++;
      if (sql[i] === '`') {
        const end = sql.indexOf('`', i + 1);
        if (end < 0) throw syntaxError('Unclosed identifier literal', sql, start);
        i = end + 1;
      } else {
        while (i < n && IDENT_PART.test(sql[i] as string)) i++;
      }
      if (i === start + 1) throw syntaxError('Unexpected "@"', sql, start);
      out.push({ kind: 'param', text: sql.slice(start, i), pos: start });
      continue;
    }
    if (c === '?') {
      out.push({ kind: 'param', text: '?', pos: start });
      i++;
      continue;
    }
    const two = sql.slice(i, i + 2);
    if (['<=', '>=', '<>', '!=', '||', '<<', '>>', '=>', '->', '::'].includes(two)) {
      out.push({ kind: 'punct', text: two, pos: start });
      i += 2;
      continue;
    }
    out.push({ kind: 'punct', text: c, pos: start });
    i++;
  }
  return out;
}

function scanString(sql: string, i: number, raw: boolean, plain: boolean): number {
  const q = sql[i] as string;
  const triple = !plain && sql.slice(i, i + 3) === q.repeat(3);
  const start = i;
  i += triple ? 3 : 1;
  while (i < sql.length) {
    const c = sql[i];
    if (c === '\\' && !raw) {
      i += 2;
      continue;
    }
    if (c === '\\' && raw && !plain) {
      // in raw strings a backslash still keeps the quote from ending the literal
      i += 2;
      continue;
    }
    if (triple) {
      if (sql.slice(i, i + 3) === q.repeat(3)) return i + 3;
    } else {
      if (c === q) return i + 1;
      if (c === '\n' && !plain) break;
    }
    i++;
  }
  throw syntaxError('Unclosed string literal', sql, start);
}

/** Index of the next non-whitespace token at or after `i`, or -1. */
export function nextSig(tokens: Token[], i: number): number {
  for (let k = i; k < tokens.length; k++) if ((tokens[k] as Token).kind !== 'ws') return k;
  return -1;
}

/** Index of the previous non-whitespace token before `i`, or -1. */
export function prevSig(tokens: Token[], i: number): number {
  for (let k = i - 1; k >= 0; k--) if ((tokens[k] as Token).kind !== 'ws') return k;
  return -1;
}

export function isWord(t: Token | undefined, ...words: string[]): boolean {
  return t !== undefined && t.kind === 'ident' && words.includes(t.text.toUpperCase());
}

export function isPunct(t: Token | undefined, p: string): boolean {
  return t !== undefined && t.kind === 'punct' && t.text === p;
}

/**
 * Walks from `from` (step 1: forward, -1: backward) to the token that balances it: `deeper` tokens (the one at `from`
 * among them) open a level, `shallower` ones close it. The index of the one that closes `from`'s level, or -1.
 */
export function findBalancing(
  tokens: Token[],
  from: number,
  step: 1 | -1,
  deeper: (t: Token) => boolean,
  shallower: (t: Token) => boolean,
): number {
  let depth = 0;
  for (let k = from; k >= 0 && k < tokens.length; k += step) {
    const t = tokens[k] as Token;
    if (deeper(t)) depth++;
    else if (shallower(t)) {
      depth--;
      if (depth === 0) return k;
    }
  }
  return -1;
}

/** Index of the token that closes the bracket opened at `open` (`(`/`[`), or -1. */
export function matchClose(tokens: Token[], open: number): number {
  const o = (tokens[open] as Token).text;
  const c = o === '(' ? ')' : o === '[' ? ']' : '>';
  return findBalancing(
    tokens,
    open,
    1,
    (t) => isPunct(t, o),
    (t) => isPunct(t, c),
  );
}

export function join(tokens: Token[]): string {
  let s = '';
  for (const t of tokens) s += t.text;
  return s;
}
