import { SqlError } from './errors.js';
import { isPunct, isWord, matchClose, nextSig, prevSig, type Token } from './tokenize.js';

/**
 * Output column names as BigQuery gives them. GoogleSQL names a select item by its alias, or by the last name of a
 * path or field access (`t.a.b` → `b`, `arr[OFFSET(0)].name` → `name`); every other item is anonymous and its column
 * is `f<n>_`, where n counts the anonymous items only (`SELECT 1, x, 2` → `f0_, x, f1_`). DuckDB would name such a
 * column by its own text (`CAST(1 AS BIGINT)`, `bq_offset(…)`), so the query's outermost select list gets explicit
 * aliases before anything else rewrites it. The same walk finds duplicate names, which BigQuery refuses in a query's
 * result (its results are a table): `Duplicate column names in the result are not supported. Found duplicate(s): a`.
 *
 * Only names this pass can see are checked: the columns that `*` expands to are DuckDB's business.
 */
export function nameOutputColumns(tokens: Token[]): Token[] {
  const list = outermostSelectList(tokens);
  if (!list) return tokens;
  const items = splitItems(tokens, list.start, list.end);
  const inserts: { after: number; name: string }[] = [];
  const seen = new Map<string, string>();
  const dups: string[] = [];
  let anonymous = 0;
  for (const [s, e] of items) {
    const named = itemName(tokens, s, e);
    if (named === STAR) continue;
    let name = named;
    if (name === undefined) {
      name = `f${anonymous++}_`;
      inserts.push({ after: prevSig(tokens, e), name });
    }
    const key = name.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined && !dups.includes(first)) dups.push(first);
    if (first === undefined) seen.set(key, name);
  }
  if (dups.length > 0)
    throw new SqlError(
      'invalidQuery',
      `Duplicate column names in the result are not supported. Found duplicate(s): ${dups.join(', ')}`,
    );
  if (inserts.length === 0) return tokens;
  const out = tokens.slice();
  for (const { after, name } of inserts.reverse()) {
    const pos = (tokens[after] as Token).pos;
    out.splice(
      after + 1,
      0,
      { kind: 'ws', text: ' ', pos },
      { kind: 'ident', text: 'AS', pos },
      { kind: 'ws', text: ' ', pos },
      { kind: 'ident', text: name, pos },
    );
  }
  return out;
}

const STAR = Symbol('star');

/** Words that end a select list at its own depth. */
const LIST_END = new Set(
  'FROM WHERE GROUP HAVING QUALIFY WINDOW ORDER LIMIT UNION INTERSECT EXCEPT'.split(' '),
);

/**
 * [start, end) of the select list of the query whose result is the statement's: after `WITH …` and through leading
 * parentheses; for `CREATE TABLE … AS SELECT` the query after AS. Set operations take the first query's names.
 */
function outermostSelectList(tokens: Token[]): { start: number; end: number } | undefined {
  let k = nextSig(tokens, 0);
  if (isWord(tokens[k], 'CREATE')) {
    // CREATE [OR REPLACE] [TEMP] TABLE name [(columns)] [options] AS <query>: the first depth-0 AS
    for (; k >= 0; k = nextSig(tokens, k + 1)) {
      const t = tokens[k] as Token;
      if (isPunct(t, '(')) {
        k = matchClose(tokens, k);
        if (k < 0) return undefined;
      } else if (isWord(t, 'AS')) break;
      else if (isWord(t, 'VIEW', 'FUNCTION', 'PROCEDURE')) return undefined;
    }
    if (k < 0) return undefined;
    k = nextSig(tokens, k + 1);
  } else if (!isWord(tokens[k], 'SELECT', 'WITH') && !isPunct(tokens[k], '(')) return undefined;
  let end = tokens.length;
  for (;;) {
    const t = tokens[k];
    if (t === undefined) return undefined;
    if (isPunct(t, '(')) {
      const c = matchClose(tokens, k);
      if (c < 0) return undefined;
      end = c;
      k = nextSig(tokens, k + 1);
      continue;
    }
    if (isWord(t, 'WITH')) {
      k = skipWith(tokens, k);
      if (k < 0) return undefined;
      continue;
    }
    if (!isWord(t, 'SELECT')) return undefined;
    break;
  }
  let start = nextSig(tokens, k + 1);
  if (isWord(tokens[start], 'AS')) return undefined; // SELECT AS STRUCT / AS VALUE: one unnamed value
  while (isWord(tokens[start], 'DISTINCT', 'ALL')) start = nextSig(tokens, start + 1);
  if (start < 0) return undefined;
  let depth = 0;
  for (let i = start; i < end; i++) {
    const t = tokens[i] as Token;
    if (isPunct(t, '(') || isPunct(t, '[')) depth++;
    else if (isPunct(t, ')') || isPunct(t, ']')) {
      if (depth === 0) return { start, end: i };
      depth--;
    } else if (depth === 0 && isPunct(t, ';')) return { start, end: i };
    else if (depth === 0 && t.kind === 'ident' && LIST_END.has(t.text.toUpperCase())) {
      // `* EXCEPT (…)` is a star modifier, not the set operator
      if (t.text.toUpperCase() === 'EXCEPT' && isPunct(tokens[prevSig(tokens, i)], '*')) continue;
      // `a IS [NOT] DISTINCT FROM b` is an operator, not the FROM clause
      if (t.text.toUpperCase() === 'FROM' && isWord(tokens[prevSig(tokens, i)], 'DISTINCT')) continue;
      return { start, end: i };
    }
  }
  return { start, end };
}

/** Skips `WITH [RECURSIVE] a AS (…), b AS (…)`, returning the index of what follows. */
function skipWith(tokens: Token[], k: number): number {
  let i = nextSig(tokens, k + 1);
  if (isWord(tokens[i], 'RECURSIVE')) i = nextSig(tokens, i + 1);
  for (;;) {
    // name AS (
    let open = i;
    while (open >= 0 && !isPunct(tokens[open], '(')) open = nextSig(tokens, open + 1);
    if (open < 0) return -1;
    const close = matchClose(tokens, open);
    if (close < 0) return -1;
    const n = nextSig(tokens, close + 1);
    if (!isPunct(tokens[n], ',')) return n;
    i = nextSig(tokens, n + 1);
  }
}

function splitItems(tokens: Token[], start: number, end: number): [number, number][] {
  const items: [number, number][] = [];
  let depth = 0;
  let s = start;
  for (let i = start; i < end; i++) {
    const t = tokens[i] as Token;
    if (isPunct(t, '(') || isPunct(t, '[')) depth++;
    else if (isPunct(t, ')') || isPunct(t, ']')) depth--;
    else if (depth === 0 && isPunct(t, ',')) {
      items.push([s, i]);
      s = i + 1;
    }
  }
  if (nextSig(tokens, s) >= 0 && nextSig(tokens, s) < end) items.push([s, end]);
  return items;
}

/** Words that end an expression but are not names (`x IS NULL`, `CASE … END`, `INTERVAL 1 DAY`). */
const NOT_NAMES = new Set(
  (
    'END NULL TRUE FALSE CURRENT_DATE CURRENT_TIME CURRENT_DATETIME CURRENT_TIMESTAMP NULLS FIRST LAST ' +
    'MICROSECOND MILLISECOND SECOND MINUTE HOUR DAY WEEK MONTH QUARTER YEAR ISOWEEK ISOYEAR DAYOFWEEK DAYOFYEAR ' +
    'AND OR NOT IS IN LIKE BETWEEN'
  ).split(' '),
);

const VALUE_WORDS = [
  'NULL',
  'TRUE',
  'FALSE',
  'CURRENT_DATE',
  'CURRENT_TIME',
  'CURRENT_DATETIME',
  'CURRENT_TIMESTAMP',
];

/** The item's name, undefined when it is anonymous, STAR for `*` / `t.*` (and their EXCEPT / REPLACE). */
function itemName(tokens: Token[], s: number, e: number): string | typeof STAR | undefined {
  const sig: number[] = [];
  for (let i = s; i < e; i++) if ((tokens[i] as Token).kind !== 'ws') sig.push(i);
  let depth = 0;
  for (const i of sig) {
    const t = tokens[i] as Token;
    if (isPunct(t, '(') || isPunct(t, '[')) depth++;
    else if (isPunct(t, ')') || isPunct(t, ']')) depth--;
    else if (depth === 0 && isPunct(t, '*')) {
      const p = tokens[prevSig(tokens, i)];
      if (i === sig[0] || isPunct(p, '.')) return STAR;
    }
  }
  const last = tokens[sig[sig.length - 1] as number];
  if (last === undefined) return undefined;
  const prev = sig.length > 1 ? tokens[sig[sig.length - 2] as number] : undefined;
  const nameOf = (t: Token) => (t.kind === 'quoted' ? t.text.slice(1, -1) : t.text);
  if (last.kind !== 'quoted' && last.kind !== 'ident') return undefined;
  if (isWord(prev, 'AS') || isPunct(prev, '.')) return nameOf(last); // an alias, a path or a field access
  if (prev === undefined) return isWord(last, ...VALUE_WORDS) ? undefined : nameOf(last); // a column
  if (last.kind === 'ident' && NOT_NAMES.has(last.text.toUpperCase())) return undefined;
  // an implicit alias: `expr name` where expr ends in an operand
  const operandEnd =
    prev.kind === 'number' ||
    prev.kind === 'string' ||
    prev.kind === 'quoted' ||
    prev.kind === 'param' ||
    isPunct(prev, ')') ||
    isPunct(prev, ']') ||
    (prev.kind === 'ident' &&
      !/^(SELECT|DISTINCT|NOT|AND|OR|IS|INTERVAL|CASE|WHEN|THEN|ELSE)$/i.test(prev.text));
  if (operandEnd) return nameOf(last);
  return undefined;
}
