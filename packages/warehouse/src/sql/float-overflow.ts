import { isPunct, type Token, tokenize } from './tokenize.js';

/**
 * GoogleSQL raises `double overflow: …` where `+`, `-` or `*` of finite FLOAT64 values is ±Infinity; DuckDB answers
 * the Infinity. Operands that are already ±inf or NaN propagate as IEEE says (`CAST('inf' AS FLOAT64) + 1` is inf).
 *
 * Wrapping every operator would name each operand several times per nesting level, so the plan would grow
 * exponentially with a long sum. Instead each maximal chain of `+ - *` (through plain parentheses) is wrapped once:
 * within such a chain an Infinity or NaN never turns finite again, so the chain's result is non-finite while all its
 * leaves are finite exactly when one of its operations overflowed. `bq_double_check(chain, leaves finite, message)`
 * tests that; for a chain that is not DOUBLE (INT64, NUMERIC, dates) `typeof` is constant and DuckDB folds the check
 * away while planning, so integer arithmetic pays nothing per row. The message shows the chain with its leaves'
 * values (BigQuery names only the operation that overflowed, which is one of them).
 */
export function guardDoubleOverflow(duck: string): string {
  const toks = tokenize(duck, { duck: true });
  const pre: string[] = [];
  const post: string[] = [];
  const root = newFrame('root', -1);
  const stack: Frame[] = [root];
  let found = false;
  const top = () => stack[stack.length - 1] as Frame;
  let prev = -1; // previous significant token
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as Token;
    if (t.kind === 'ws') continue;
    const f = top();
    if (t.kind === 'punct' && (t.text === '(' || t.text === '[' || t.text === '{')) {
      extend(f, i);
      const p = toks[prev];
      const group = t.text === '(' && !(p !== undefined && endsValue(p));
      stack.push(newFrame(group ? 'group' : 'other', i));
    } else if (
      t.kind === 'punct' &&
      (t.text === ')' || t.text === ']' || t.text === '}') &&
      stack.length > 1
    ) {
      endSegment(f, i);
      stack.pop();
      extend(top(), i);
    } else if (t.kind === 'ident' && /^case$/i.test(t.text)) {
      extend(f, i);
      stack.push(newFrame('other', i));
    } else if (
      t.kind === 'ident' &&
      /^end$/i.test(t.text) &&
      f.kind === 'other' &&
      /^case$/i.test(toks[f.open]?.text ?? '')
    ) {
      endSegment(f, -1);
      stack.pop();
      extend(top(), i);
    } else if (
      t.kind === 'punct' &&
      (t.text === '+' || t.text === '-' || t.text === '*') &&
      binary(i, prev)
    ) {
      f.ops.push(i);
      found = true;
    } else if (partOfTerm(t)) {
      extend(f, i);
    } else {
      endSegment(f, -1);
    }
    prev = i;
  }
  while (stack.length > 0) endSegment(stack.pop() as Frame, -1);
  if (!found) return duck;
  return toks.map((t, k) => (pre[k] ?? '') + t.text + (post[k] ?? '')).join('');

  function binary(i: number, p: number): boolean {
    if (p < 0 || !endsValue(toks[p] as Token)) return false;
    if ((toks[i] as Token).text !== '*') return true;
    const nt = toks[firstSig(i + 1)];
    return (
      nt !== undefined && !isPunct(nt, ')') && !isPunct(nt, ',') && !(nt.kind === 'ident' && isKeyword(nt))
    );
  }

  function extend(f: Frame, i: number): void {
    if (f.start < 0) f.start = i;
    f.end = i;
  }

  /** The segment of f so far ends: at a delimiter, or at f's closing bracket (its index in `close`, else -1). */
  function endSegment(f: Frame, close: number): void {
    if (f.start >= 0 && f.ops.length > 0 && (f.ops[f.ops.length - 1] as number) > f.end) {
      f.ops.pop(); // a trailing operator without a right operand (not ours to judge)
    }
    if (f.start >= 0 && f.ops.length > 0) {
      const chain: Chain = { start: f.start, end: f.end, ops: f.ops, inner: f.pending };
      const whole = close >= 0 && f.kind === 'group' && f.start === firstSig(f.open + 1);
      const parent = stack[stack.length - 2];
      if (whole && parent !== undefined) parent.pending.push({ ...chain, open: f.open, close });
      else wrap(chain);
    } else {
      for (const p of f.pending) wrap(p); // groups that were not a leaf of an enclosing chain
    }
    f.start = -1;
    f.end = -1;
    f.ops = [];
    f.pending = [];
  }

  function firstSig(k: number): number {
    while (k < toks.length && (toks[k] as Token).kind === 'ws') k++;
    return k;
  }

  function render(from: number, to: number): string {
    let s = '';
    for (let k = from; k <= to; k++) s += (pre[k] ?? '') + (toks[k] as Token).text + (post[k] ?? '');
    return s;
  }

  /** The chain's pieces: leaf texts and the operator/parenthesis text between them. */
  function pieces(c: Chain, out: Piece[]): void {
    let from = c.start;
    const bounds = [...c.ops, c.end + 1];
    bounds.forEach((op, n) => {
      const ls = firstSig(from);
      let le = op - 1;
      while (le > ls && (toks[le] as Token).kind === 'ws') le--;
      const group = c.inner.find((g) => g.open === ls && g.close === le);
      if (group) {
        out.push({ leaf: false, text: '(' });
        pieces(group, out);
        out.push({ leaf: false, text: ')' });
      } else {
        for (const g of c.inner) if (g.open >= ls && g.open <= le) wrap(g); // inside a leaf: checked on its own
        out.push({ leaf: true, text: render(ls, le) });
      }
      if (n < c.ops.length) out.push({ leaf: false, text: ` ${(toks[op] as Token).text} ` });
      from = op + 1;
    });
  }

  function wrap(c: Chain): void {
    const parts: Piece[] = [];
    pieces(c, parts);
    const leaves = parts.filter((p) => p.leaf && literalText(p.text) === undefined).map((p) => p.text);
    if (leaves.length === 0) return; // integer literals only: INT64 arithmetic, checked by DuckDB itself
    const ok = leaves.map((l) => `bq_finite(${l})`).join(' AND ');
    const msgParts: { text: string; sql: boolean }[] = [];
    for (const p of parts) {
      const text = p.leaf ? literalText(p.text) : p.text;
      const last = msgParts[msgParts.length - 1];
      if (text === undefined) msgParts.push({ text: p.text, sql: true });
      else if (last !== undefined && !last.sql) last.text += text;
      else msgParts.push({ text, sql: false });
    }
    const msg = msgParts.map((p) => (p.sql ? p.text : `'${p.text.replace(/'/g, "''")}'`)).join(' || ');
    pre[c.start] = `bq_double_check(${pre[c.start] ?? ''}`;
    post[c.end] = `${post[c.end] ?? ''}, ${ok}, 'double overflow: ' || ${msg})`;
  }
}

/** The digits of an integer literal leaf (`7`, `CAST(7 AS BIGINT)`), which is finite and prints as itself. */
function literalText(leaf: string): string | undefined {
  return /^(?:CAST\()?(-?[0-9]+)(?: AS BIGINT\))?$/.exec(leaf)?.[1];
}

interface Chain {
  start: number;
  end: number;
  /** binary + - * at this level */
  ops: number[];
  /** whole-parenthesis chains met inside this one (flattened when they are a leaf of it) */
  inner: Group[];
}

/** A chain that is the whole content of a parenthesis */
interface Group extends Chain {
  open: number;
  close: number;
}

interface Frame {
  kind: 'root' | 'group' | 'other';
  open: number;
  start: number;
  end: number;
  ops: number[];
  pending: Group[];
}

interface Piece {
  leaf: boolean;
  text: string;
}

function newFrame(kind: Frame['kind'], open: number): Frame {
  return { kind, open, start: -1, end: -1, ops: [], pending: [] };
}

/** Words that separate expressions (everything else that is a word belongs to a term: names, types, OVER, INTERVAL…). */
const DELIMITERS = new Set(
  (
    'select from where and or not when then else in on by having as is like ilike glob similar between distinct all ' +
    'any some return limit offset qualify using values set join with union intersect except order group partition ' +
    'asc desc nulls window returning into exclude replace escape rows range groups preceding following unbounded ' +
    'current exists lateral table left right inner outer full cross natural semi anti positional asof'
  ).split(' '),
);

function isKeyword(t: Token): boolean {
  return t.kind === 'ident' && DELIMITERS.has(t.text.toLowerCase());
}

/** Does t end a value (so a following `-` is binary)? */
function endsValue(t: Token): boolean {
  if (t.kind === 'ident') return !isKeyword(t);
  if (t.kind === 'punct') return t.text === ')' || t.text === ']' || t.text === '}';
  return t.kind !== 'ws';
}

/** Tokens that are part of a term: values, names, postfix `.`/`::`, `^`, unary signs. */
function partOfTerm(t: Token): boolean {
  if (t.kind === 'ident') return !isKeyword(t);
  if (t.kind === 'punct')
    return t.text === '.' || t.text === '::' || t.text === '^' || t.text === '+' || t.text === '-';
  return true;
}
