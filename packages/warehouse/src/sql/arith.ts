import { SqlError } from './errors.js';
import { findBalancing, isPunct, isWord, matchClose, nextSig, prevSig, type Token } from './tokenize.js';

/**
 * GoogleSQL raises "division by zero" where DuckDB answers Infinity, NaN or NULL. GoogleSQL has no `/`-like operator
 * but `/` (DIV and MOD are functions), so every `/`, `//` (DIV) and `%` (MOD) in the transpiler's DuckDB output becomes
 * a call of a checking macro: `a / b` → `bq_divide(a, b)`, `a // b` → `bq_div(a, b)`, `a % b` → `bq_mod(a, b)`.
 *
 * The operands are found on DuckDB's precedence rules: `* / % //` bind left to right, tighter than `+ -` and every
 * other binary operator, looser than `^`, unary signs, `::`, `.` and `[]`. So the left operand is the chain of
 * multiplicative terms before the operator and the right operand is one term after it. A shape we cannot read is a
 * translation error rather than an unchecked division. Calls of SUM are wrapped in `bq_int64_sum(...)` (an INT64
 * SUM that leaves INT64's range is an error in BigQuery; DuckDB widens it to HUGEINT).
 */
export function guardArithmetic(toks: Token[]): void {
  const pre: string[] = [];
  const post: string[] = [];
  const ops: [number, number][] = [];
  let found = false;
  for (let i = 0; i < toks.length; i++) {
    const close = sumCallEnd(toks, i);
    if (close >= 0) {
      // SUM of INT64 is HUGEINT in DuckDB: bq_int64_sum fails where BigQuery's INT64 SUM overflows
      found = true;
      pre[i] = `bq_int64_sum(${pre[i] ?? ''}`;
      post[close] = `${post[close] ?? ''})`;
      continue;
    }
    const op = operatorAt(toks, i);
    if (!op) continue;
    found = true;
    const start = leftStart(toks, i);
    const after = nextSig(toks, i + op.width);
    const end = after < 0 ? -1 : termEnd(toks, after);
    if (start < 0 || end < 0) {
      throw new SqlError('invalidQuery', `Unsupported query: cannot tell the operands of "${op.text}"`);
    }
    // each checked operator names its dividend twice (value and message), so every nesting level doubles the plan;
    // past a few levels the *_deep macros name it once, through a one-element list (slower per row, linear to plan)
    const nested = ops.filter(([k]) => k >= start && k < i).length;
    const fn =
      nested >= DEEP
        ? `${op.fn}_deep`
        : op.fn !== 'bq_mod' && !typedOperands(toks, start, end)
          ? `${op.fn}_any`
          : op.fn;
    pre[start] = `${fn}(${pre[start] ?? ''}`;
    post[end] = `${post[end] ?? ''})`;
    ops.push([i, op.width]);
    i += op.width - 1;
  }
  if (!found) return;
  // texts change only now: the walks above read the operators of the chain they are part of
  for (const [i, width] of ops) {
    (toks[i] as Token).text = ',';
    for (let w = 1; w < width; w++) (toks[i + w] as Token).text = '';
  }
  toks.forEach((t, k) => {
    if (pre[k] !== undefined) t.text = pre[k] + t.text;
    if (post[k] !== undefined) t.text += post[k];
  });
}

/**
 * Can DuckDB tell the operands' types when it expands the macro? Then `bq_divide` / `bq_div` pick their typed
 * overload (NUMERIC stays NUMERIC). Calls other than casts, subqueries, windows and lambdas are typed only later (an
 * aggregate's type is unknown while its macro is expanded), so those get the untyped `_any` form (FLOAT64).
 */
function typedOperands(toks: Token[], start: number, end: number): boolean {
  for (let k = start; k <= end; k++) {
    const t = toks[k] as Token;
    if (t.kind === 'punct' && t.text === '->') return false;
    if (t.kind !== 'ident') continue;
    if (/^(select|over|filter)$/i.test(t.text)) return false;
    if (isPunct(toks[nextSig(toks, k + 1)], '(') && !TYPED_CALLS.has(t.text.toLowerCase())) return false;
  }
  return true;
}

const TYPED_CALLS = new Set(
  'cast try_cast bq_cast_numeric bq_cast_bignumeric bq_cast_int64 bq_cast_float64 decimal abs round'.split(
    ' ',
  ),
);

/** End of the call (with FILTER/OVER) when token i is the aggregate SUM, else -1. */
function sumCallEnd(toks: Token[], i: number): number {
  const t = toks[i] as Token;
  if (t.kind !== 'ident' || t.text.toUpperCase() !== 'SUM' || isPunct(toks[prevSig(toks, i)], '.')) return -1;
  const open = nextSig(toks, i + 1);
  if (!isPunct(toks[open], '(')) return -1;
  return callEnd(toks, open);
}

/** Checked operators nested in a dividend from which it is bound once (bq_divide_deep & co.). */
const DEEP = 3;

const CHECKED: Record<string, string> = { '/': 'bq_divide', '//': 'bq_div', '%': 'bq_mod' };

/** A checked operator starting at token i: `/`, `//` (two adjacent `/` tokens) or `%`. */
function operatorAt(toks: Token[], i: number): { text: string; fn: string; width: number } | undefined {
  const t = toks[i] as Token;
  if (t.kind !== 'punct' || (t.text !== '/' && t.text !== '%')) return undefined;
  if (t.text === '/' && isPunct(toks[i + 1], '/')) return { text: '//', fn: 'bq_div', width: 2 };
  return { text: t.text, fn: CHECKED[t.text] as string, width: 1 };
}

/** Words that can stand right before `(` or a value without being a function name or a value themselves. */
const KEYWORDS = new Set(
  (
    'select where and or not when then else case in on by having as is like ilike glob similar between distinct all ' +
    'any some from return limit offset qualify using values set join with union intersect except order group ' +
    'partition groups preceding following asc desc nulls lateral returning into exclude escape window table over ' +
    'within unbounded'
  ).split(' '),
);

function isKeyword(t: Token | undefined): boolean {
  return t !== undefined && t.kind === 'ident' && KEYWORDS.has(t.text.toLowerCase());
}

/** Does token t end a value (so a following `-` is binary)? */
function endsValue(t: Token | undefined): boolean {
  if (t === undefined) return false;
  if (t.kind === 'ident') return !isKeyword(t);
  if (t.kind === 'punct') return t.text === ')' || t.text === ']' || t.text === '}';
  return t.kind !== 'ws';
}

/** Index where a multiplicative operator ending at token k begins (`//` and `**` are two tokens), or -1. */
function mulOpStart(toks: Token[], k: number): number {
  const t = toks[k];
  if (t === undefined || t.kind !== 'punct') return -1;
  if (t.text === '/' || t.text === '*') return isPunct(toks[k - 1], t.text) ? k - 1 : k;
  if (t.text === '%' || t.text === '^') return k;
  return -1;
}

/** First token of the left operand of the operator at `op`: the multiplicative chain before it. */
function leftStart(toks: Token[], op: number): number {
  let k = prevSig(toks, op);
  for (;;) {
    k = k < 0 ? -1 : factorStart(toks, k);
    if (k < 0) return -1;
    let p = prevSig(toks, k);
    while (p >= 0 && (isPunct(toks[p], '-') || isPunct(toks[p], '+')) && !endsValue(toks[prevSig(toks, p)])) {
      k = p; // a unary sign binds tighter than * and /
      p = prevSig(toks, p);
    }
    const m = p < 0 ? -1 : mulOpStart(toks, p);
    if (m < 0) return k;
    k = prevSig(toks, m);
  }
}

/** First token of the term (value with its postfix `.x`, `[i]`, `::T`) whose last token is at k, or -1. */
function factorStart(toks: Token[], k: number): number {
  let s = primaryStart(toks, k);
  for (;;) {
    if (s < 0) return -1;
    const p = prevSig(toks, s);
    const pt = toks[p];
    if (isPunct(pt, '.') || isPunct(pt, '::')) {
      s = primaryStart(toks, prevSig(toks, p));
      continue;
    }
    return s;
  }
}

function primaryStart(toks: Token[], k: number): number {
  const t = toks[k];
  if (t === undefined) return -1;
  if (isPunct(t, ')')) {
    const open = matchOpen(toks, k, '(', ')');
    if (open < 0) return -1;
    const q = prevSig(toks, open);
    const qt = toks[q];
    if (qt?.kind === 'ident' && /^(over|filter)$/i.test(qt.text) && isPunct(toks[prevSig(toks, q)], ')')) {
      return factorStart(toks, prevSig(toks, q)); // f(x) FILTER (...) OVER (...)
    }
    if (qt && (qt.kind === 'ident' || qt.kind === 'quoted') && !isKeyword(qt)) return q; // a call
    return open;
  }
  if (isPunct(t, ']')) {
    const open = matchOpen(toks, k, '[', ']');
    if (open < 0) return -1;
    const q = prevSig(toks, open);
    if (endsValue(toks[q])) return factorStart(toks, q); // indexing a value
    return open; // a list literal
  }
  if (isPunct(t, '}')) return matchOpen(toks, k, '{', '}');
  if (t.kind === 'ident' && /^end$/i.test(t.text)) return caseStart(toks, k);
  const interval = intervalStart(toks, k);
  if (interval >= 0) return interval;
  if (t.kind === 'ident' && /^over$/i.test(toks[prevSig(toks, k)]?.text ?? '')) {
    return factorStart(toks, prevSig(toks, prevSig(toks, k))); // f(x) OVER w
  }
  if (t.kind === 'ident' && isKeyword(t)) return -1;
  if (t.kind === 'punct' || t.kind === 'ws') return -1;
  return k;
}

/**
 * A typed literal ending at k — `INTERVAL '4' DAY`, `INTERVAL 4 DAY`, `INTERVAL '4 days'`, `DATE '2026-01-01'` — the
 * index of its type keyword, else -1.
 */
function intervalStart(toks: Token[], k: number): number {
  const isInterval = (i: number) => isWord(toks[i], 'INTERVAL');
  const t = toks[k] as Token;
  const p = prevSig(toks, k);
  if ((t.kind === 'string' || t.kind === 'number') && isInterval(p)) return p;
  if (t.kind === 'string' && isWord(toks[p], 'DATE', 'TIME', 'TIMESTAMP', 'TIMESTAMPTZ', 'DATETIME', 'JSON'))
    return p;
  const v = toks[p];
  if (
    t.kind === 'ident' &&
    v &&
    (v.kind === 'string' || v.kind === 'number') &&
    isInterval(prevSig(toks, p))
  ) {
    return prevSig(toks, p);
  }
  return -1;
}

function matchOpen(toks: Token[], close: number, open: string, closeText: string): number {
  return findBalancing(
    toks,
    close,
    -1,
    (t) => isPunct(t, closeText),
    (t) => isPunct(t, open),
  );
}

const wordIs = (word: RegExp) => (t: Token) => t.kind === 'ident' && word.test(t.text);
const isCase = wordIs(/^case$/i);
const isEnd = wordIs(/^end$/i);

function caseStart(toks: Token[], end: number): number {
  return findBalancing(toks, end, -1, isEnd, isCase);
}

function caseEnd(toks: Token[], start: number): number {
  return findBalancing(toks, start, 1, isCase, isEnd);
}

function matchBrace(toks: Token[], open: number): number {
  return findBalancing(
    toks,
    open,
    1,
    (t) => isPunct(t, '{'),
    (t) => isPunct(t, '}'),
  );
}

/** Last token of the term starting at k (unary signs, a value, its postfix operators and any `^` chain), or -1. */
function termEnd(toks: Token[], k: number): number {
  while (isPunct(toks[k], '-') || isPunct(toks[k], '+')) k = nextSig(toks, k + 1);
  const t = toks[k];
  if (t === undefined || k < 0) return -1;
  let e: number;
  if (isPunct(t, '(') || isPunct(t, '[')) e = matchClose(toks, k);
  else if (isPunct(t, '{')) e = matchBrace(toks, k);
  else if (t.kind === 'ident' && /^case$/i.test(t.text)) e = caseEnd(toks, k);
  else if (isWord(t, 'INTERVAL')) {
    e = nextSig(toks, k + 1); // INTERVAL '4' [DAY]
    if (isPunct(toks[e], '(')) e = matchClose(toks, e);
    const unit = nextSig(toks, e + 1);
    if (toks[unit]?.kind === 'ident' && !isKeyword(toks[unit])) e = unit;
  } else if (t.kind === 'ident' && isKeyword(t)) return -1;
  else if (t.kind === 'ident' || t.kind === 'quoted') {
    e = k;
    const n = nextSig(toks, k + 1);
    if (isPunct(toks[n], '(')) e = callEnd(toks, n);
    else if (toks[n]?.kind === 'string' && t.kind === 'ident') e = n; // DATE '2026-01-01'
  } else if (t.kind === 'punct' || t.kind === 'ws') return -1;
  else e = k;
  while (e >= 0) {
    const n = nextSig(toks, e + 1);
    const nt = toks[n];
    if (isPunct(nt, '.')) {
      const f = nextSig(toks, n + 1);
      if (f < 0) return -1;
      e = isPunct(toks[nextSig(toks, f + 1)], '(') ? callEnd(toks, nextSig(toks, f + 1)) : f;
    } else if (isPunct(nt, '[')) e = matchClose(toks, n);
    else if (isPunct(nt, '::')) e = typeEnd(toks, nextSig(toks, n + 1));
    else if (isPunct(nt, '^') || (isPunct(nt, '*') && isPunct(toks[n + 1], '*'))) {
      e = termEnd(toks, nextSig(toks, n + (isPunct(nt, '^') ? 1 : 2)));
    } else break;
  }
  return e;
}

/** End of a call whose `(` is at open, with its FILTER (...) and OVER (...) / OVER name clauses. */
function callEnd(toks: Token[], open: number): number {
  let e = matchClose(toks, open);
  for (;;) {
    if (e < 0) return -1;
    const n = nextSig(toks, e + 1);
    const nt = toks[n];
    if (!(nt?.kind === 'ident' && /^(over|filter)$/i.test(nt.text))) return e;
    const m = nextSig(toks, n + 1);
    e = isPunct(toks[m], '(') ? matchClose(toks, m) : m;
  }
}

/** End of a type name after `::` (DECIMAL(38, 9), BIGINT[], ...). */
function typeEnd(toks: Token[], k: number): number {
  if (k < 0 || toks[k]?.kind !== 'ident') return -1;
  let e = k;
  for (;;) {
    const n = nextSig(toks, e + 1);
    if (isPunct(toks[n], '(') || isPunct(toks[n], '[')) e = matchClose(toks, n);
    else return e;
    if (e < 0) return -1;
  }
}
