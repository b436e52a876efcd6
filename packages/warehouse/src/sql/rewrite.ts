import { SqlError, syntaxError } from './errors.js';
import {
  callArgs,
  convertFormat,
  FORMAT_FIRST_ARG,
  FUNCTION_RENAMES,
  LEGACY_RENAMES,
  NET_FUNCTIONS,
  SPACE_PAD,
  SPECIAL_CALLS,
  WRAPS,
} from './functions.js';
import { decodeStringLiteral, encodeStringLiteral } from './literals.js';
import { parameterSql, type QueryParameter, TIMESTAMP_TYPE_MARKER } from './params.js';
import { checkFromItem } from './sandbox.js';
import { type ResolvedTable, type TableRef, tableRefFromParts } from './tables.js';
import { isPunct, isWord, join, matchClose, nextSig, prevSig, type Token, tokenize } from './tokenize.js';

/** A FROM item replaced by a placeholder identifier; filled in after the transpiler ran. */
export type Deferred =
  | { kind: 'table'; ref: TableRef; resolved: ResolvedTable; alias?: string }
  | { kind: 'unnest'; expr: string; alias?: string; offsetAlias?: string }
  | { kind: 'literal'; duck: string };

export interface RewriteContext {
  sql: string;
  legacy: boolean;
  defaultDataset?: string;
  params: QueryParameter[];
  positional: boolean;
  nextPositional: number;
  resolveTable: (ref: TableRef) => ResolvedTable;
  deferred: Deferred[];
  targetTable?: TableRef;
  /** names that are CTEs or range variables (aliases), lower-cased */
  cteNames: Set<string>;
  /** positions of names that refer to a CTE in scope (sandbox.ts); other names in FROM are tables */
  cteRefs?: Set<number>;
  rangeNames: Set<string>;
  /** UNNEST aliases equal to the unnested column's own name (FROM t, t.arr): references get qualified afterwards */
  shadowing?: { tokens: Token[]; scopeStart: number; alias: string; qualified: string }[];
}

export const PLACEHOLDER_RE = /__dp_(\d+)__/g;

export function placeholder(ctx: RewriteContext, d: Deferred): string {
  ctx.deferred.push(d);
  return `__dp_${ctx.deferred.length - 1}__`;
}

const CLAUSE_END = new Set([
  'WHERE',
  'GROUP',
  'HAVING',
  'QUALIFY',
  'WINDOW',
  'ORDER',
  'LIMIT',
  'UNION',
  'INTERSECT',
  'EXCEPT',
  'SELECT',
  'ON',
  'USING',
  'SET',
  'WHEN',
  'VALUES',
  'OFFSET',
]);

const NOT_ALIAS = new Set([
  ...CLAUSE_END,
  'JOIN',
  'INNER',
  'LEFT',
  'RIGHT',
  'FULL',
  'CROSS',
  'OUTER',
  'WITH',
  'FOR',
  'TABLESAMPLE',
  'FROM',
  'AS',
  'LATERAL',
  'NATURAL',
  'PIVOT',
  'UNPIVOT',
  'ROWS',
  'THEN',
  'AND',
  'OR',
  'NOT',
  'IS',
  'IN',
]);

/** DuckDB keywords (reserved, type_function and column_name categories of duckdb_keywords()) that cannot be bare names. */
const DUCKDB_KEYWORDS = new Set(
  (
    'all analyse analyze and any array as asc asymmetric both case cast check collate column constraint create default ' +
    'deferrable desc describe distinct do else end except false fetch for foreign from group having in initially intersect ' +
    'into lambda lateral leading limit not null offset on only or order pivot pivot_longer pivot_wider placing primary ' +
    'qualify references returning select show some summarize symmetric table then to trailing true union unique unpivot ' +
    'using variadic when where window with anti asof at authorization binary by collation columns concurrently cross ' +
    'freeze full generated glob ilike inner is isnull join left like map natural notnull outer overlaps positional right ' +
    'semi similar struct tablesample try_cast unpack verbose between bigint bit boolean char character coalesce dec ' +
    'decimal exists extract float grouping grouping_id inout int integer interval national nchar none nullif numeric out ' +
    'overlay position precision real row setof smallint substring time timestamp treat trim values varchar'
  ).split(' '),
);

/** DuckDB keywords that GoogleSQL allows as bare names (not GoogleSQL keywords, not used as types or functions here). */
const UNQUOTED_DUCK_KEYWORDS = new Set(
  (
    'analyse analyze asymmetric both check column constraint deferrable describe do foreign initially leading ' +
    'lambda only pivot_longer pivot_wider placing primary references returning show summarize symmetric trailing ' +
    'unique variadic anti asof authorization binary collation columns concurrently freeze generated glob ilike isnull ' +
    'notnull overlaps positional semi similar unpack verbose inout national nchar none out setof'
  ).split(' '),
);

/** Backtick-quoted identifier text → its name. */
export function unquote(t: Token): string {
  if (t.kind === 'quoted') return t.text.slice(1, -1).replace(/\\(.)/g, '$1');
  return t.text;
}

function duckIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Rewrites a GoogleSQL token stream into GoogleSQL the transpiler can digest: table paths, UNNEST items, parameters,
 * bytes literals become placeholders or literals; BigQuery functions whose DuckDB meaning differs are renamed to our
 * macros; `SELECT *` over relations with pseudo-columns gets `EXCEPT (...)`.
 */
export function rewriteTokens(tokens: Token[], ctx: RewriteContext): string {
  collectNames(tokens, ctx);
  const out = tokens.map((t) => t.text);
  // per paren depth: are we inside a FROM list, and which SELECT owns this depth
  interface Level {
    fromList: boolean;
    select?: {
      stars: number[];
      exclude: Set<string>;
      qualifiedStars: { idx: number; qual: string }[];
      start: number;
      aliases?: string[];
    };
    pseudoAliases: Map<string, string[]>;
  }
  const stack: Level[] = [{ fromList: false, pseudoAliases: new Map() }];
  const finishSelect = (lvl: Level) => {
    const sel = lvl.select;
    if (!sel || sel.exclude.size === 0) return;
    for (const s of sel.stars) addExcept(tokens, out, s, [...sel.exclude]);
    for (const q of sel.qualifiedStars) {
      const cols = lvl.pseudoAliases.get(q.qual.toLowerCase());
      if (cols) addExcept(tokens, out, q.idx, cols);
    }
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const lvl = stack[stack.length - 1] as Level;
    if (t.kind === 'ws') continue;
    if (t.kind === 'param') {
      out[i] = paramSql(t, ctx);
      continue;
    }
    if (t.kind === 'string' && /^(b|rb|br)/i.test(t.text)) {
      out[i] = placeholder(ctx, { kind: 'literal', duck: bytesLiteral(t, ctx.sql) });
      continue;
    }
    if (t.kind === 'string') {
      // resolve GoogleSQL escapes (\u00e9, \x41, raw and triple-quoted forms) ourselves; DuckDB strings have none
      if (out[i] === t.text) out[i] = encodeStringLiteral(decodeStringLiteral(t, ctx.sql));
      continue;
    }
    if (t.kind === 'punct') {
      if (t.text === '[') arrayOffset(tokens, i, out);
      if (t.text === '(') {
        stack.push({ fromList: false, pseudoAliases: new Map() });
      } else if (t.text === ')') {
        finishSelect(lvl);
        if (stack.length > 1) stack.pop();
      } else if (t.text === ',' && lvl.fromList) {
        i = fromItem(tokens, i + 1, ctx, out, lvl.select ? lvl : undefined) - 1;
      } else if (t.text === '*' && lvl.select && !lvl.fromList) {
        const p = tokens[prevSig(tokens, i)];
        if (isPunct(p, '.')) {
          const q = tokens[prevSig(tokens, prevSig(tokens, i))];
          if (q && (q.kind === 'ident' || q.kind === 'quoted'))
            lvl.select.qualifiedStars.push({ idx: i, qual: unquote(q) });
        } else if (p && (isWord(p, 'SELECT', 'DISTINCT', 'ALL', 'STRUCT') || isPunct(p, ','))) {
          lvl.select.stars.push(i);
        }
      } else if (t.text === ';') {
        const k = nextSig(tokens, i + 1);
        if (k >= 0)
          throw new SqlError('invalidQuery', 'Only one statement per query is supported here (found ";")');
        out[i] = '';
      }
      continue;
    }
    if (t.kind === 'quoted') {
      // a backticked name DuckDB would read as a keyword (at, by, select...) must reach DuckDB double-quoted
      const name = unquote(t);
      if (DUCKDB_KEYWORDS.has(name.toLowerCase()) && !isPunct(tokens[nextSig(tokens, i + 1)], '(')) {
        out[i] = placeholder(ctx, { kind: 'literal', duck: duckIdent(name) });
      }
      continue;
    }
    if (t.kind !== 'ident') continue;
    const word = t.text.toUpperCase();
    if (ctx.legacy && legacyOperator(tokens, i, out)) continue;
    const lower = t.text.toLowerCase();
    if (
      (UNQUOTED_DUCK_KEYWORDS.has(lower) && !isPunct(tokens[nextSig(tokens, i + 1)], '(')) ||
      // `at` is a column name unless it starts AT TIME ZONE (GoogleSQL reserves it, but people and the transpiler accept it)
      (lower === 'at' && !isWord(tokens[nextSig(tokens, i + 1)], 'TIME'))
    ) {
      out[i] = placeholder(ctx, { kind: 'literal', duck: duckIdent(t.text) });
      continue;
    }
    const prev = tokens[prevSig(tokens, i)];
    const nextIdx = nextSig(tokens, i + 1);
    const next = tokens[nextIdx];
    if (isPunct(prev, '.')) continue; // a field or a qualified name part
    if (
      word === 'OFFSET' &&
      !isPunct(next, '(') &&
      !isWord(prev, 'WITH') &&
      next?.kind !== 'number' &&
      next?.kind !== 'param'
    ) {
      out[i] = '`offset`'; // a name (WITH OFFSET AS offset) that DuckDB reserves
      continue;
    }
    if (word === 'SELECT') {
      finishSelect(lvl);
      lvl.select = { stars: [], exclude: new Set(), qualifiedStars: [], start: i + 1 };
      lvl.pseudoAliases = new Map();
      lvl.fromList = false;
      continue;
    }
    if (word === 'FROM') {
      if (isWord(prev, 'DELETE')) {
        i = targetItem(tokens, i + 1, ctx, out, 'alias') - 1;
        continue;
      }
      // EXTRACT(x FROM y), TRIM(.. FROM ..), IS [NOT] DISTINCT FROM: not a FROM clause
      if (!lvl.select || isWord(prev, 'DISTINCT')) continue;
      if (lvl.select && !lvl.select.aliases) lvl.select.aliases = selectAliases(tokens, lvl.select.start, i);
      lvl.fromList = true;
      i = fromItem(tokens, i + 1, ctx, out, lvl.select ? lvl : undefined) - 1;
      continue;
    }
    if (word === 'GROUP' && isWord(next, 'BY') && lvl.select?.aliases) {
      groupByAliases(tokens, nextIdx + 1, lvl.select.aliases, out);
    }
    if (word === 'JOIN') {
      lvl.fromList = true;
      i = fromItem(tokens, i + 1, ctx, out, lvl.select ? lvl : undefined) - 1;
      continue;
    }
    if (CLAUSE_END.has(word) && !(word === 'EXCEPT' && isPunct(prev, '*'))) {
      if (!(word === 'ON' || word === 'USING') || !lvl.fromList) lvl.fromList = false;
      else if (word === 'USING' && isPunct(next, '(')) continue;
      if (word === 'USING' && isWord(tokens[prevSig(tokens, i)], 'MERGE')) lvl.fromList = false;
      if (word === 'USING' && !isPunct(next, '(')) {
        i = fromItem(tokens, i + 1, ctx, out, undefined) - 1;
      }
      continue;
    }
    if (word === 'INTO' || word === 'UPDATE' || word === 'MERGE' || word === 'INSERT' || word === 'DELETE') {
      if (isPunct(next, '(') || isWord(next, 'SET', 'VALUES', 'ROW', 'INTO', 'FROM')) continue;
      if (word === 'INTO' && !isWord(prev, 'INSERT', 'MERGE')) continue;
      if ((word === 'INSERT' || word === 'UPDATE' || word === 'DELETE') && isWord(prev, 'THEN')) continue;
      // BigQuery allows `INSERT t ...`, `DELETE t ...`, `MERGE t ...`; DuckDB needs INTO / FROM
      const mode =
        word === 'INSERT' ? 'into' : word === 'DELETE' ? 'from' : word === 'INTO' ? 'plain' : 'alias';
      i = targetItem(tokens, i + 1, ctx, out, mode) - 1;
      continue;
    }
    if (word === 'TABLE' || word === 'VIEW') {
      // CREATE [OR REPLACE] [TEMP] TABLE [IF NOT EXISTS] x, DROP TABLE [IF EXISTS] x, TRUNCATE TABLE x, ALTER TABLE x
      let k = nextIdx;
      while (isWord(tokens[k], 'IF', 'NOT', 'EXISTS')) k = nextSig(tokens, k + 1);
      if (k < 0) continue;
      for (let m = i + 1; m < k; m++) out[m] = (tokens[m] as Token).text;
      i = targetItem(tokens, k, ctx, out) - 1;
      continue;
    }
    if ((word === 'SAFE' || word === 'NET') && prefixedFunction(tokens, i, out)) continue;
    if (word === 'TIMESTAMP' && out[i] === t.text && timestampTypePosition(tokens, i, prev, next)) {
      out[i] = TIMESTAMP_TYPE_MARKER;
      continue;
    }
    if (word === 'CAST' || word === 'SAFE_CAST') castToBytes(tokens, i, nextIdx, out);
    if (word === 'ARRAY' && isPunct(next, '(')) {
      for (let m = i + 1; m < nextIdx; m++) out[m] = ''; // `ARRAY (SELECT ...)` → ARRAY(SELECT ...)
      arraySubquerySetOp(tokens, nextIdx, out);
    }
    if (isPunct(next, '(')) {
      i = renameFunction(tokens, i, ctx, out, prev);
    }
  }
  while (stack.length > 0) finishSelect(stack.pop() as Level);
  qualifyShadowed(tokens, ctx, out);
  return out.join('');
}

function addExcept(tokens: Token[], out: string[], starIdx: number, cols: string[]): void {
  const k = nextSig(tokens, starIdx + 1);
  const list = cols.join(', ');
  if (isWord(tokens[k], 'EXCEPT')) {
    const p = nextSig(tokens, k + 1);
    if (isPunct(tokens[p], '(')) {
      out[p] = `(${list}, `;
      return;
    }
  }
  out[starIdx] = `${out[starIdx]} EXCEPT (${list})`;
}

/** Qualifies references to UNNEST aliases that shadow a column of the same name, within the SELECT that owns them. */
function qualifyShadowed(tokens: Token[], ctx: RewriteContext, out: string[]): void {
  const mine = (ctx.shadowing ?? []).filter((s) => s.tokens === tokens);
  if (mine.length === 0) return;
  ctx.shadowing = (ctx.shadowing ?? []).filter((s) => s.tokens !== tokens);
  for (const sh of mine) {
    let depth = 0;
    const lower = sh.alias.toLowerCase();
    for (let k = sh.scopeStart; k < tokens.length; k++) {
      const t = tokens[k] as Token;
      if (isPunct(t, '(')) depth++;
      else if (isPunct(t, ')')) {
        depth--;
        if (depth < 0) break;
      }
      if (
        (t.kind !== 'ident' && t.kind !== 'quoted') ||
        out[k] !== t.text ||
        unquote(t).toLowerCase() !== lower
      )
        continue;
      const prev = tokens[prevSig(tokens, k)];
      if (isPunct(prev, '.') || isWord(prev, 'AS') || isPunct(tokens[nextSig(tokens, k + 1)], '(')) continue;
      out[k] = placeholder(ctx, { kind: 'literal', duck: sh.qualified });
    }
  }
}

/** Output names of a select list (lower-cased, '' when unnamed), in order. */
function selectAliases(tokens: Token[], start: number, end: number): string[] {
  const names: string[] = [];
  let depth = 0;
  let last: Token | undefined;
  let afterAs = false;
  let simplePath = true;
  const flush = () => {
    const named = last && (last.kind === 'ident' || last.kind === 'quoted') && (afterAs || simplePath);
    names.push(named && last ? unquote(last).toLowerCase() : '');
    last = undefined;
    afterAs = false;
    simplePath = true;
  };
  for (let k = start; k < end; k++) {
    const t = tokens[k] as Token;
    if (t.kind === 'ws') continue;
    if (t.kind === 'punct' && (t.text === '(' || t.text === '[')) depth++;
    else if (t.kind === 'punct' && (t.text === ')' || t.text === ']')) depth--;
    else if (depth === 0 && isPunct(t, ',')) {
      flush();
      continue;
    }
    if (depth !== 0) {
      simplePath = false;
      continue;
    }
    if (isWord(t, 'AS')) {
      afterAs = true;
      continue;
    }
    if (!(t.kind === 'ident' || t.kind === 'quoted' || isPunct(t, '.'))) simplePath = false;
    if (isWord(t, 'DISTINCT', 'ALL') && last === undefined) continue;
    last = t;
  }
  flush();
  return names;
}

/**
 * GoogleSQL resolves a bare name in GROUP BY to a SELECT-list alias before a FROM column; DuckDB does the reverse.
 * Rewrites such names into ordinals.
 */
function groupByAliases(tokens: Token[], start: number, aliases: string[], out: string[]): void {
  let depth = 0;
  let itemStart = -1;
  let itemTokens = 0;
  const check = () => {
    const t = tokens[itemStart];
    if (itemTokens === 1 && t && (t.kind === 'ident' || t.kind === 'quoted')) {
      const idx = aliases.indexOf(unquote(t).toLowerCase());
      if (idx >= 0) out[itemStart] = String(idx + 1);
    }
    itemStart = -1;
    itemTokens = 0;
  };
  for (let k = start; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.kind === 'ws') continue;
    if (
      depth === 0 &&
      (isPunct(t, ')') || isPunct(t, ';') || (t.kind === 'ident' && CLAUSE_END.has(t.text.toUpperCase())))
    )
      break;
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) depth--;
    if (depth === 0 && isPunct(t, ',')) {
      check();
      continue;
    }
    if (itemStart < 0) itemStart = k;
    itemTokens++;
  }
  if (itemStart >= 0) check();
}

/** Names introduced by WITH (CTEs) and by AS (aliases) anywhere in the statement. */
function collectNames(tokens: Token[], ctx: RewriteContext): void {
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind !== 'ident' && t.kind !== 'quoted') continue;
    const n = tokens[nextSig(tokens, i + 1)];
    const p = tokens[prevSig(tokens, i)];
    if (isWord(n, 'AS') && isPunct(tokens[nextSig(tokens, nextSig(tokens, i + 1) + 1)], '(')) {
      if (isWord(p, 'WITH', 'RECURSIVE') || isPunct(p, ',')) ctx.cteNames.add(unquote(t).toLowerCase());
    }
    if (isWord(p, 'AS')) ctx.rangeNames.add(unquote(t).toLowerCase());
  }
}

interface Path {
  parts: string[];
  end: number;
  display: string;
}

/** Reads a dotted path `a.b.c`, `my-project.d.t`, `` `p.d.t` ``, `d.t*`; returns null when `i` starts none. */
export function readPath(tokens: Token[], i: number): Path | null {
  const parts: string[] = [];
  let k = i;
  let display = '';
  for (;;) {
    const t = tokens[k];
    if (!t || (t.kind !== 'ident' && t.kind !== 'quoted' && t.kind !== 'number'))
      return parts.length ? null : null;
    let piece = unquote(t);
    display += t.text;
    k++;
    // dashed project ids and names with a leading number are written unquoted: my-project.d.t, d.t-2
    while (
      t.kind !== 'quoted' &&
      isPunct(tokens[k], '-') &&
      (tokens[k + 1]?.kind === 'ident' || tokens[k + 1]?.kind === 'number')
    ) {
      piece += `-${(tokens[k + 1] as Token).text}`;
      display += `-${(tokens[k + 1] as Token).text}`;
      k += 2;
    }
    if (isPunct(tokens[k], '*')) {
      piece += '*';
      display += '*';
      k++;
    }
    // legacy SQL writes project:dataset.table without brackets too
    if (
      isPunct(tokens[k], ':') &&
      (tokens[k + 1]?.kind === 'ident' || tokens[k + 1]?.kind === 'number') &&
      parts.length === 0
    ) {
      const next = tokens[k + 1] as Token;
      piece += `:${next.text}`;
      display += `:${next.text}`;
      k += 2;
    }
    parts.push(piece);
    if (isPunct(tokens[k], '.') && tokens[k + 1] && tokens[k + 1]?.kind !== 'ws') {
      display += '.';
      k++;
      continue;
    }
    return { parts, end: k, display };
  }
}

/** Optional `[AS] alias` after a FROM item; returns [alias, index after it]. */
function readAlias(tokens: Token[], i: number): [string | undefined, number] {
  let k = nextSig(tokens, i);
  if (k < 0) return [undefined, i];
  let sawAs = false;
  if (isWord(tokens[k], 'AS')) {
    sawAs = true;
    k = nextSig(tokens, k + 1);
  }
  const t = tokens[k];
  if (t && (t.kind === 'quoted' || (t.kind === 'ident' && (sawAs || !NOT_ALIAS.has(t.text.toUpperCase()))))) {
    return [unquote(t), k + 1];
  }
  return [undefined, i];
}

function blank(out: string[], from: number, to: number): void {
  for (let m = from; m < to; m++) out[m] = '';
}

/** A FROM/JOIN item at `i`: a table path, a legacy [bracketed] table, UNNEST(...), or an implicit unnest `alias.field`. */
function fromItem(
  tokens: Token[],
  i: number,
  ctx: RewriteContext,
  out: string[],
  lvl: { select?: { exclude: Set<string>; start: number }; pseudoAliases: Map<string, string[]> } | undefined,
): number {
  let k = nextSig(tokens, i);
  if (k < 0) return i;
  if (ctx.legacy && isWord(tokens[k], 'EACH')) {
    out[k] = ''; // JOIN EACH: a legacy execution hint
    k = nextSig(tokens, k + 1);
    if (k < 0) return i;
  }
  const t = tokens[k] as Token;
  checkFromItem(tokens, k, ctx.sql, ctx.legacy);
  if (isPunct(t, '[') && ctx.legacy) {
    const close = matchClose(tokens, k);
    if (close < 0) throw syntaxError('Unclosed [', ctx.sql, t.pos);
    const raw = ctx.sql.slice(t.pos + 1, (tokens[close] as Token).pos).trim();
    const parts = raw.split('.');
    return finishTable(tokens, k, close + 1, parts, `[${raw}]`, ctx, out, lvl);
  }
  if (isWord(t, 'UNNEST') && isPunct(tokens[nextSig(tokens, k + 1)], '(')) {
    const open = nextSig(tokens, k + 1);
    const close = matchClose(tokens, open);
    if (close < 0) throw syntaxError('Unclosed (', ctx.sql, t.pos);
    const inner = tokens.slice(open + 1, close);
    return finishUnnest(
      tokens,
      k,
      close + 1,
      rewriteTokens(inner, childCtx(ctx)),
      ctx,
      out,
      undefined,
      lvl?.select?.start,
    );
  }
  if (t.kind !== 'ident' && t.kind !== 'quoted' && t.kind !== 'number') return i;
  const path = readPath(tokens, k);
  if (!path) return i;
  if (isPunct(tokens[nextSig(tokens, path.end)], '(')) return i; // table-valued function
  const first = (path.parts[0] as string).toLowerCase();
  if (path.parts.length === 1 && isCteRef(ctx, t, first)) {
    // a CTE: leave it, but remember its alias as a range name
    return path.end;
  }
  if (
    path.parts.length > 1 &&
    (ctx.rangeNames.has(first) || ctx.cteNames.has(first)) &&
    t.kind !== 'quoted'
  ) {
    // implicit UNNEST of an array field: FROM t, t.arr
    const expr = join(tokens.slice(k, path.end));
    return finishUnnest(
      tokens,
      k,
      path.end,
      expr,
      ctx,
      out,
      path.parts[path.parts.length - 1],
      lvl?.select?.start,
    );
  }
  return finishTable(tokens, k, path.end, path.parts, path.display, ctx, out, lvl);
}

function finishTable(
  tokens: Token[],
  start: number,
  end: number,
  parts: string[],
  display: string,
  ctx: RewriteContext,
  out: string[],
  lvl: { select?: { exclude: Set<string> }; pseudoAliases: Map<string, string[]> } | undefined,
): number {
  const refOpts: Parameters<typeof tableRefFromParts>[1] = { legacy: ctx.legacy, access: 'read', display };
  if (ctx.defaultDataset !== undefined) refOpts.defaultDataset = ctx.defaultDataset;
  const ref = tableRefFromParts(parts, refOpts);
  const resolved = ctx.resolveTable(ref);
  const [alias, after] = readAlias(tokens, end);
  const name = alias ?? (ref.wildcardPrefix !== undefined ? ref.wildcardPrefix || 'wildcard' : ref.table);
  ctx.rangeNames.add(name.toLowerCase());
  blank(out, start, after);
  out[start] = placeholder(ctx, { kind: 'table', ref, resolved, alias: name });
  if (resolved.pseudoColumns.length > 0 && lvl) {
    for (const c of resolved.pseudoColumns) lvl.select?.exclude.add(c);
    lvl.pseudoAliases.set(name.toLowerCase(), resolved.pseudoColumns);
  }
  return after;
}

function finishUnnest(
  tokens: Token[],
  start: number,
  end: number,
  expr: string,
  ctx: RewriteContext,
  out: string[],
  defaultAlias?: string,
  scopeStart?: number,
): number {
  let [alias, after] = readAlias(tokens, end);
  alias ??= defaultAlias;
  const lastName = /([A-Za-z_][A-Za-z0-9_]*)`?\s*$/.exec(expr)?.[1];
  if (alias !== undefined && scopeStart !== undefined && lastName?.toLowerCase() === alias.toLowerCase()) {
    // `FROM t, t.kv` / `UNNEST(t.kv) AS kv`: in DuckDB both t.kv and the element would answer to `kv`
    ctx.shadowing ??= [];
    ctx.shadowing.push({
      tokens,
      scopeStart,
      alias,
      qualified: `${duckIdent(`${alias}__dp`)}.${duckIdent(alias)}`,
    });
  }
  let offsetAlias: string | undefined;
  const w = nextSig(tokens, after);
  if (isWord(tokens[w], 'WITH') && isWord(tokens[nextSig(tokens, w + 1)], 'OFFSET')) {
    const o = nextSig(tokens, w + 1);
    const [oa, oAfter] = readAlias(tokens, o + 1);
    offsetAlias = oa ?? 'offset';
    after = oAfter === o + 1 ? o + 1 : oAfter;
  }
  if (alias) ctx.rangeNames.add(alias.toLowerCase());
  blank(out, start, after);
  const d: Deferred = { kind: 'unnest', expr };
  if (alias !== undefined) d.alias = alias;
  if (offsetAlias !== undefined) d.offsetAlias = offsetAlias;
  out[start] = placeholder(ctx, d);
  return after;
}

/**
 * The written table of INSERT/UPDATE/DELETE/MERGE/CREATE/DROP. `mode`: 'alias' adds the table name as alias when the
 * statement gives none (BigQuery lets `t.col` name the target), 'into'/'from' also supply the keyword DuckDB requires.
 */
function targetItem(
  tokens: Token[],
  i: number,
  ctx: RewriteContext,
  out: string[],
  mode: 'plain' | 'alias' | 'into' | 'from' = 'plain',
): number {
  const k = nextSig(tokens, i);
  if (k < 0) return i;
  const t = tokens[k] as Token;
  let parts: string[];
  let end: number;
  let display: string;
  if (isPunct(t, '[') && ctx.legacy) {
    const close = matchClose(tokens, k);
    if (close < 0) throw syntaxError('Unclosed [', ctx.sql, t.pos);
    display = ctx.sql.slice(t.pos + 1, (tokens[close] as Token).pos).trim();
    parts = display.split('.');
    end = close + 1;
  } else {
    const path = readPath(tokens, k);
    if (!path) return i;
    if (path.parts.length === 1 && isCteRef(ctx, t, (path.parts[0] as string).toLowerCase())) return path.end;
    parts = path.parts;
    end = path.end;
    display = path.display;
  }
  const refOpts: Parameters<typeof tableRefFromParts>[1] = { legacy: ctx.legacy, access: 'write', display };
  if (ctx.defaultDataset !== undefined) refOpts.defaultDataset = ctx.defaultDataset;
  const ref = tableRefFromParts(parts, refOpts);
  const resolved = ctx.resolveTable(ref);
  ctx.targetTable ??= ref;
  ctx.rangeNames.add(ref.table.toLowerCase());
  blank(out, k, end);
  const d: Deferred = { kind: 'table', ref, resolved };
  if (mode === 'alias' || mode === 'from') {
    const [alias] = readAlias(tokens, end);
    if (alias === undefined && !isWord(tokens[nextSig(tokens, end)], 'AS')) d.alias = ref.table;
  }
  out[k] = `${mode === 'into' ? 'INTO ' : mode === 'from' ? 'FROM ' : ''}${placeholder(ctx, d)}`;
  return end;
}

function isCteRef(ctx: RewriteContext, t: Token, lowerName: string): boolean {
  return ctx.cteRefs ? ctx.cteRefs.has(t.pos) : ctx.cteNames.has(lowerName);
}

function childCtx(ctx: RewriteContext): RewriteContext {
  return ctx; // shares deferred list, names and parameter cursor
}

function paramSql(t: Token, ctx: RewriteContext): string {
  if (t.text === '?') {
    const p = ctx.params[ctx.nextPositional];
    if (!p || !ctx.positional) {
      throw new SqlError(
        'invalidQuery',
        `Query parameter at position ${ctx.nextPositional + 1} has no value`,
      );
    }
    ctx.nextPositional++;
    return `(${parameterSql(p, `#${ctx.nextPositional}`)})`;
  }
  const name = t.text.slice(1).replace(/^`|`$/g, '');
  const p = ctx.params.find((q) => q.name !== undefined && q.name.toLowerCase() === name.toLowerCase());
  if (!p)
    throw new SqlError('invalidQuery', `Query parameter '${name}' not found at [${lineCol(ctx.sql, t.pos)}]`);
  return `(${parameterSql(p, name)})`;
}

export function lineCol(sql: string, pos: number): string {
  const before = sql.slice(0, pos);
  return `${before.split('\n').length}:${pos - before.lastIndexOf('\n')}`;
}

/** b'..' / rb'..' literal → DuckDB BLOB literal with \xHH escapes. */
function bytesLiteral(t: Token, sql: string): string {
  const m = /^([rRbB]{1,2})('''|"""|'|")([\s\S]*)\2$/.exec(t.text);
  if (!m) throw syntaxError('Invalid bytes literal', sql, t.pos);
  const raw = /r/i.test(m[1] as string);
  const body = m[3] as string;
  const bytes: number[] = [];
  const enc = new TextEncoder();
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === '\\' && !raw) {
      const e = body[i + 1] ?? '';
      i++;
      const simple: Record<string, number> = {
        n: 10,
        r: 13,
        t: 9,
        a: 7,
        b: 8,
        f: 12,
        v: 11,
        '\\': 92,
        "'": 39,
        '"': 34,
        '`': 96,
        '?': 63,
      };
      if (e in simple) bytes.push(simple[e] as number);
      else if (e === 'x' || e === 'X') {
        bytes.push(Number.parseInt(body.slice(i + 1, i + 3), 16));
        i += 2;
      } else if (/[0-7]/.test(e)) {
        bytes.push(Number.parseInt(body.slice(i, i + 3), 8));
        i += 2;
      } else throw syntaxError(`Illegal escape sequence: \\${e}`, sql, t.pos);
      continue;
    }
    const cp = body.codePointAt(i) as number;
    if (cp > 0xffff) i++;
    for (const b of enc.encode(String.fromCodePoint(cp))) bytes.push(b);
  }
  return `'${bytes.map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('')}'::BLOB`;
}

function renameFunction(
  tokens: Token[],
  i: number,
  ctx: RewriteContext,
  out: string[],
  prev: Token | undefined,
): number {
  const t = tokens[i] as Token;
  const word = t.text.toUpperCase();
  if (isPunct(prev, '.')) return i;
  const renamed = (ctx.legacy ? LEGACY_RENAMES[word] : undefined) ?? FUNCTION_RENAMES[word];
  if (renamed) out[i] = renamed;
  const open = nextSig(tokens, i + 1);
  const special = SPECIAL_CALLS[word];
  if (special) special(tokens, i, open, out);
  const wrap = WRAPS[word];
  if (wrap) {
    const close = matchClose(tokens, open);
    if (close > 0 && !isWord(tokens[nextSig(tokens, close + 1)], 'OVER')) {
      out[i] = `${wrap[0]}(${wrap[1] ?? out[i]}`;
      out[close] = `${out[close]})`;
    }
  }
  if (FORMAT_FIRST_ARG.has(word)) {
    const a = nextSig(tokens, nextSig(tokens, i + 1) + 1);
    const at = tokens[a];
    if (
      at &&
      at.kind === 'string' &&
      !/^[rRbB]/.test(at.text) &&
      isPunct(tokens[nextSig(tokens, a + 1)], ',')
    ) {
      out[a] = convertFormat(at.text, word.startsWith('PARSE_'));
      const close = matchClose(tokens, nextSig(tokens, i + 1));
      if (out[a]?.includes(SPACE_PAD) && close > 0) {
        out[i] = `bq_space_pad(${out[i]}`;
        out[close] = `)${out[close]}`;
      }
    }
  }
  return i;
}

/** ARRAY(SELECT .. UNION ALL SELECT ..): the transpiler needs the set operation wrapped in a derived table. */
function arraySubquerySetOp(tokens: Token[], open: number, out: string[]): void {
  if (!isWord(tokens[nextSig(tokens, open + 1)], 'SELECT', 'WITH')) return;
  const close = matchClose(tokens, open);
  let depth = 0;
  for (let k = open + 1; k < close; k++) {
    const t = tokens[k] as Token;
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) depth--;
    else if (
      (depth === 0 && isWord(t, 'UNION', 'INTERSECT')) ||
      (depth === 0 && isWord(t, 'EXCEPT') && !isPunct(tokens[prevSig(tokens, k)], '*'))
    ) {
      out[open] = '(SELECT * FROM (';
      out[close] = `)${out[close]}`;
      return;
    }
  }
}

/** Legacy SQL: `GROUP EACH BY` / `JOIN EACH` hints are dropped; `x CONTAINS 'text'` is a substring test. */
function legacyOperator(tokens: Token[], i: number, out: string[]): boolean {
  const t = tokens[i] as Token;
  const word = t.text.toUpperCase();
  const p = prevSig(tokens, i);
  const n = nextSig(tokens, i + 1);
  if (word === 'EACH' && isWord(tokens[p], 'GROUP', 'JOIN')) {
    out[i] = '';
    return true;
  }
  const left = tokens[p];
  const right = tokens[n];
  if (
    word === 'CONTAINS' &&
    left &&
    right &&
    (left.kind === 'ident' || left.kind === 'quoted') &&
    right.kind === 'string'
  ) {
    out[p] = `STRPOS(${out[p]}`;
    out[i] = ',';
    out[n] = `${out[n]}) > 0`;
    return true;
  }
  return false;
}

/**
 * `arr[OFFSET(i)]` / `arr[ORDINAL(i)]`: GoogleSQL raises "Array index i is out of bounds" where DuckDB answers NULL, so
 * the access becomes bq_offset(arr, i) / bq_ordinal(arr, i). Only for arrays written as a name path, a call or a
 * literal; other forms keep the transpiler's plain indexing.
 */
function arrayOffset(tokens: Token[], open: number, out: string[]): void {
  const kw = nextSig(tokens, open + 1);
  const kt = tokens[kw];
  if (!isWord(kt, 'OFFSET', 'ORDINAL')) return;
  const paren = nextSig(tokens, kw + 1);
  if (!isPunct(tokens[paren], '(')) return;
  const pclose = matchClose(tokens, paren);
  const close = nextSig(tokens, pclose + 1);
  if (pclose < 0 || !isPunct(tokens[close], ']')) return;
  // find where the array expression starts
  let start = prevSig(tokens, open);
  const last = tokens[start];
  if (!last) return;
  if (isPunct(last, ')') || isPunct(last, ']')) {
    let depth = 0;
    let k = start;
    for (; k >= 0; k--) {
      const t = tokens[k] as Token;
      if (isPunct(t, ')') || isPunct(t, ']')) depth++;
      else if (isPunct(t, '(') || isPunct(t, '[')) {
        depth--;
        if (depth === 0) break;
      }
    }
    if (k < 0) return;
    start = k;
    const fn = tokens[prevSig(tokens, k)];
    if (isPunct(last, ')') && fn?.kind === 'ident') start = prevSig(tokens, k);
  } else if (last.kind !== 'ident' && last.kind !== 'quoted') return;
  while (isPunct(tokens[prevSig(tokens, start)], '.')) {
    const before = prevSig(tokens, prevSig(tokens, start));
    const bt = tokens[before];
    if (!bt || (bt.kind !== 'ident' && bt.kind !== 'quoted')) return;
    start = before;
  }
  if (out[open] !== '[' || out[close] !== ']') return;
  out[start] = `${(kt as Token).text.toUpperCase() === 'OFFSET' ? 'bq_offset' : 'bq_ordinal'}(${out[start]}`;
  out[open] = ',';
  out[kw] = '';
  out[close] = ')';
}

/** TIMESTAMP as a type (CAST(x AS TIMESTAMP), ARRAY<TIMESTAMP>, STRUCT<a TIMESTAMP>), not a literal, call or column. */
function timestampTypePosition(
  tokens: Token[],
  i: number,
  prev: Token | undefined,
  next: Token | undefined,
): boolean {
  if (isPunct(next, '(') || next?.kind === 'string') return false;
  if (isWord(prev, 'AS') && isPunct(next, ')')) return true;
  if (!(isPunct(next, '>') || isPunct(next, ','))) return false;
  // inside ARRAY<...> / STRUCT<...>: an unmatched '<' right after ARRAY or STRUCT before any parenthesis
  let depth = 0;
  for (let k = i - 1; k >= 0; k--) {
    const t = tokens[k] as Token;
    if (isPunct(t, '>')) depth++;
    else if (isPunct(t, '<')) {
      if (depth === 0) return isWord(tokens[prevSig(tokens, k)], 'ARRAY', 'STRUCT');
      depth--;
    } else if (isPunct(t, '(') || isPunct(t, ')') || isPunct(t, ';')) return false;
  }
  return false;
}

/** Casts done by a macro (CAST_MACROS in ./functions.ts); SAFE_CAST wraps the macro in TRY. */
const CAST_MACROS: Record<string, string> = {
  BYTES: 'bq_to_bytes',
  INT64: 'bq_cast_int64',
  INT: 'bq_cast_int64',
  INTEGER: 'bq_cast_int64',
  BIGINT: 'bq_cast_int64',
  SMALLINT: 'bq_cast_int64',
  TINYINT: 'bq_cast_int64',
  BYTEINT: 'bq_cast_int64',
  BOOL: 'bq_cast_bool',
  BOOLEAN: 'bq_cast_bool',
  FLOAT64: 'bq_cast_float64',
  NUMERIC: 'bq_cast_numeric',
  DECIMAL: 'bq_cast_numeric',
  BIGNUMERIC: 'bq_cast_bignumeric',
  BIGDECIMAL: 'bq_cast_bignumeric',
  DATE: 'bq_cast_date',
  TIMESTAMP: 'bq_cast_timestamp',
};

/**
 * CAST(x AS T) for the types DuckDB converts more liberally than BigQuery (its INT64 takes '1.5', '1e3' and '1_000',
 * its BOOL 'yes' and '1', its DATE 'infinity' and '2026-01-05 10:00'): a macro checks strings the way BigQuery does
 * and raises its error. CAST(x AS BYTES): DuckDB's cast rejects non-ASCII text, BigQuery takes the UTF-8 bytes.
 */
function castToBytes(tokens: Token[], cast: number, open: number, out: string[]): void {
  if (!isPunct(tokens[open], '(')) return;
  const close = matchClose(tokens, open);
  const ty = prevSig(tokens, close);
  const as = prevSig(tokens, ty);
  if (!isWord(tokens[as], 'AS')) return;
  const safe = (tokens[cast] as Token).text.toUpperCase() === 'SAFE_CAST';
  if (isWord(tokens[ty], 'GEOGRAPHY')) {
    out[ty] = 'STRING'; // GEOGRAPHY values are WKT text here
    return;
  }
  // BYTES from non-ASCII text; the others check strings as BigQuery does and round floats as it does (functions.ts)
  const tt = tokens[ty] as Token;
  const fn = tt.kind === 'ident' ? CAST_MACROS[tt.text.toUpperCase()] : undefined;
  if (!fn) return;
  out[as] = '';
  out[ty] = '';
  if (safe && !plainArg(tokens, [open + 1, as])) {
    // like SAFE.f(...) below: the argument's own errors are not SAFE_CAST's to swallow
    out[cast] = 'list_transform([';
    out[open] = '';
    out[close] = `], dp_safe -> TRY(${fn}(dp_safe)))[SAFE_OFFSET(0)]`;
    return;
  }
  out[cast] = safe ? `TRY(${fn}` : fn;
  if (safe) out[close] = `${out[close]})`;
}

/** SAFE.FN(...) → TRY(FN(...)); NET.FN(...) → its macro (NET_FUNCTIONS). Returns true when handled. */
function prefixedFunction(tokens: Token[], i: number, out: string[]): boolean {
  const word = (tokens[i] as Token).text.toUpperCase();
  const dot = nextSig(tokens, i + 1);
  if (!isPunct(tokens[dot], '.')) return false;
  const fn = nextSig(tokens, dot + 1);
  const ft = tokens[fn];
  if (ft?.kind !== 'ident') return false;
  const open = nextSig(tokens, fn + 1);
  if (!isPunct(tokens[open], '(')) return false;
  const name = ft.text.toUpperCase();
  if (word === 'NET') {
    const net = NET_FUNCTIONS[name];
    if (net === undefined) return false; // the sandbox refused it already
    if ('unsupported' in net)
      throw new SqlError(
        'invalidQuery',
        `NET.${name} is not supported by the local warehouse: ${net.unsupported}`,
      );
    out[i] = net.macro;
    out[dot] = '';
    out[fn] = '';
    return true;
  }
  const close = matchClose(tokens, open);
  if (close < 0) return false;
  const callee = FUNCTION_RENAMES[name] ?? ft.text;
  const args = callArgs(tokens, open);
  out[dot] = '';
  if (FORMAT_FIRST_ARG.has(name) || AGGREGATES.has(name) || args.every((a) => plainArg(tokens, a))) {
    out[i] = 'TRY(';
    out[fn] = callee;
    out[close] = '))';
    return true;
  }
  // SAFE. covers the function, not its arguments: SAFE.SQRT(x / 0) fails in BigQuery. TRY would also swallow the
  // arguments' errors, so they are computed first, into a one-element list of structs, and the call is TRY'd in a
  // lambda over it: list_transform([STRUCT(a AS dp_safe_arg0, ...)], dp_safe -> TRY(f(dp_safe.dp_safe_arg0, ...)))[SAFE_OFFSET(0)]
  out[i] = 'list_transform([STRUCT(';
  out[fn] = '';
  out[open] = '';
  const names = args.map((_, k) => `dp_safe_arg${k}`);
  args.forEach(([, end], k) => {
    if (k < args.length - 1) out[end] = ` AS ${names[k]}${out[end]}`;
  });
  const refs = names.map((n) => `dp_safe.${n}`).join(', ');
  out[close] = ` AS ${names[names.length - 1]})], dp_safe -> TRY(${callee}(${refs})))[SAFE_OFFSET(0)]`;
  return true;
}

/** Aggregates keep SAFE.f(...) → TRY(f(...)): a lambda cannot hold them. */
const AGGREGATES = new Set([
  'SUM',
  'AVG',
  'COUNT',
  'MIN',
  'MAX',
  'ARRAY_AGG',
  'STRING_AGG',
  'ANY_VALUE',
  'COUNTIF',
]);

/** An argument that cannot fail by itself: a name path, a literal or a parameter. */
function plainArg(tokens: Token[], [start, end]: [number, number]): boolean {
  for (let k = start; k < end; k++) {
    const t = tokens[k] as Token;
    if (t.kind === 'punct' ? t.text !== '.' : isPunct(tokens[nextSig(tokens, k + 1)], '(')) return false;
  }
  return true;
}

export { tokenize };
