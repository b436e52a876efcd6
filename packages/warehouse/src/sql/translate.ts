import { Dialect as PolyDialect, transpile } from '@polyglot-sql/sdk';
import { guardArithmetic } from './arith.js';
import type { Dialect } from './dialect.js';
import { SqlError } from './errors.js';
import { guardDoubleOverflow } from './float-overflow.js';
import { nameOutputColumns } from './output-names.js';
import { type QueryParameter, TIMESTAMP_TYPE_MARKER } from './params.js';
import { type Deferred, PLACEHOLDER_RE, type RewriteContext, rewriteTokens } from './rewrite.js';
import { checkSandbox, cteReferences } from './sandbox.js';
import type { ResolvedTable, TableRef } from './tables.js';
import { isPunct, isWord, nextSig, prevSig, type Token, tokenize } from './tokenize.js';

export interface TranslateOptions {
  dialect: Dialect;
  defaultProject: string;
  defaultDataset?: string;
  /** BigQuery REST `queryParameters` */
  params?: QueryParameter[];
  /** REST `parameterMode`; inferred from the parameters (named when they have names) when absent */
  parameterMode?: 'NAMED' | 'POSITIONAL';
  resolveTable: (ref: TableRef) => ResolvedTable;
}

export type StatementKind = 'select' | 'insert' | 'update' | 'delete' | 'merge' | 'create' | 'drop' | 'other';

export interface TranslateResult {
  /** one DuckDB statement */
  sql: string;
  /** always empty: parameter values are inlined as typed, escaped literals */
  params: unknown[];
  statementKind: StatementKind;
  /** the table a DML/DDL statement writes */
  targetTable?: TableRef;
}

const KIND_OF: Record<string, StatementKind> = {
  SELECT: 'select',
  WITH: 'select',
  INSERT: 'insert',
  UPDATE: 'update',
  DELETE: 'delete',
  MERGE: 'merge',
  CREATE: 'create',
  DROP: 'drop',
};

/** Translates one BigQuery statement (GoogleSQL or legacy SQL) into DuckDB SQL. Throws SqlError. */
export function translateQuery(sql: string, opts: TranslateOptions): TranslateResult {
  try {
    return translateOrThrow(sql, opts);
  } catch (e) {
    // errors with a BigQuery reason (ours, or the resolver's notFound) pass through; anything else is a query we cannot
    // translate, reported as one line instead of a crash
    if (e instanceof Error && typeof (e as { reason?: unknown }).reason === 'string') throw e;
    throw new SqlError('invalidQuery', `Unsupported query: ${firstLine(String((e as Error)?.message ?? e))}`);
  }
}

function translateOrThrow(sql: string, opts: TranslateOptions): TranslateResult {
  if (sql.length > 1_048_576)
    throw new SqlError(
      'invalidQuery',
      'The query is too large. The maximum query length is 1024.00K characters.',
    );
  const tokens = tokenize(sql);
  const first = tokens[nextSig(tokens, 0)];
  if (!first) throw new SqlError('invalidQuery', 'Syntax error: Unexpected end of script at [1:1]');
  let kind: StatementKind = 'other';
  let k = nextSig(tokens, 0);
  while (tokens[k]?.text === '(') k = nextSig(tokens, k + 1);
  const firstWord = tokens[k];
  if (firstWord && firstWord.kind === 'ident') kind = KIND_OF[firstWord.text.toUpperCase()] ?? 'other';
  if (kind === 'other' && !isWord(firstWord, 'TRUNCATE', 'ALTER')) {
    throw new SqlError(
      'invalidQuery',
      `Syntax error: Unexpected ${describe(firstWord)} at [${lineColOf(sql, firstWord?.pos ?? 0)}]`,
    );
  }
  checkSandbox(tokens, sql, opts.dialect === 'legacy');
  const params = opts.params ?? [];
  const ctx: RewriteContext = {
    sql,
    legacy: opts.dialect === 'legacy',
    params,
    positional: opts.parameterMode ? opts.parameterMode === 'POSITIONAL' : params.every((p) => !p.name),
    nextPositional: 0,
    resolveTable: opts.resolveTable,
    deferred: [],
    cteNames: new Set(),
    cteRefs: cteReferences(tokens),
    rangeNames: new Set(),
  };
  if (opts.defaultDataset !== undefined) ctx.defaultDataset = opts.defaultDataset;
  // f0_, f1_… for anonymous result columns; duplicate names refused (./output-names.ts)
  const named = kind === 'select' || kind === 'create' ? nameOutputColumns(tokens) : tokens;
  const rewritten = rewriteTokens(named, ctx);
  const duck = transpileOne(rewritten, sql);
  const final = fillPlaceholders(postprocess(duck), ctx.deferred, sql);
  const result: TranslateResult = { sql: final, params: [], statementKind: kind };
  if (ctx.targetTable) result.targetTable = ctx.targetTable;
  return result;
}

function describe(t: Token | undefined): string {
  if (!t) return 'end of script';
  if (t.kind === 'ident') return `identifier "${t.text.slice(0, 40)}"`;
  if (t.kind === 'string') return 'string literal';
  return `"${t.text.slice(0, 10)}"`;
}

function lineColOf(sql: string, pos: number): string {
  const before = sql.slice(0, pos);
  return `${before.split('\n').length}:${pos - before.lastIndexOf('\n')}`;
}

/**
 * The transpiler is the expensive step (WASM parse + generate). Its input is our rewritten text, in which table
 * relations are still placeholders, so the output is a pure function of it and safe to reuse across queries.
 */
const TRANSPILE_CACHE = new Map<string, string>();
const TRANSPILE_CACHE_SIZE = 512;

function transpileOne(bq: string, original: string): string {
  const hit = TRANSPILE_CACHE.get(bq);
  if (hit !== undefined) {
    TRANSPILE_CACHE.delete(bq); // refresh its LRU position
    TRANSPILE_CACHE.set(bq, hit);
    return hit;
  }
  const out = transpileUncached(bq, original);
  if (TRANSPILE_CACHE.size >= TRANSPILE_CACHE_SIZE) {
    const oldest = TRANSPILE_CACHE.keys().next().value;
    if (oldest !== undefined) TRANSPILE_CACHE.delete(oldest);
  }
  TRANSPILE_CACHE.set(bq, out);
  return out;
}

function transpileUncached(bq: string, original: string): string {
  let r: ReturnType<typeof transpile>;
  try {
    r = transpile(bq, PolyDialect.BigQuery, PolyDialect.DuckDB);
  } catch (e) {
    throw new SqlError('invalidQuery', `Syntax error: ${firstLine(String((e as Error).message ?? e))}`);
  }
  if (!r.success || !r.sql)
    throw new SqlError('invalidQuery', `Syntax error: ${firstLine(String(r.error ?? 'cannot parse query'))}`);
  const stmts = r.sql.filter((s) => s.trim() !== '');
  if (stmts.length !== 1) {
    void original;
    throw new SqlError('invalidQuery', 'Only one statement per query is supported here');
  }
  return stmts[0] as string;
}

function firstLine(s: string): string {
  return (s.split('\n')[0] ?? s).slice(0, 300);
}

/** Fixes the transpiler's DuckDB output where BigQuery's types need more than the default mapping. */
function postprocess(duck: string): string {
  const toks = tokenize(duck, { duck: true });
  const scopes = new LiteralScopes();
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i] as Token;
    if (t.kind === 'number') {
      numberLiteral(toks, i, scopes);
      continue;
    }
    scopes.see(toks, i);
    if (t.kind !== 'ident') continue;
    const w = t.text.toUpperCase();
    const n = toks[i + 1];
    const hasArgs = n !== undefined && n.kind === 'punct' && n.text === '(';
    if (w === 'INTERVAL' && n?.kind === 'ws' && toks[i + 2]?.text === '-' && toks[i + 3]?.kind === 'number') {
      // DuckDB wants INTERVAL '-3' DAY, not INTERVAL -3 DAY
      (toks[i + 2] as Token).text = `'-${(toks[i + 3] as Token).text}'`;
      (toks[i + 3] as Token).text = '';
    }
    if (t.text === TIMESTAMP_TYPE_MARKER) t.text = 'TIMESTAMPTZ';
    // the transpiler prints types in upper case and keeps the user's spelling of aliases, so `AS numeric` stays
    if (t.text === 'DECIMAL' && !hasArgs) t.text = 'DECIMAL(38, 9)';
    else if ((t.text === 'BIGNUMERIC' || t.text === 'BIGDECIMAL') && !hasArgs) t.text = 'DECIMAL(38, 18)';
  }
  guardArithmetic(toks); // `/`, DIV, MOD and SUM raise BigQuery's errors (./arith.ts)
  return guardDoubleOverflow(toks.map((t) => t.text).join('')); // FLOAT64 + - * (./float-overflow.ts)
}

const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '//']);

/**
 * GoogleSQL literals are INT64 and FLOAT64; DuckDB types `1` as INTEGER (so `2147483647 + 1` and, through a CTE
 * column, `SELECT 100000 AS n` … `n * n` overflow at 32 bits) and `1.5` as DECIMAL(2,1). Float literals become DOUBLE.
 * Integer literals become BIGINT wherever they are values (see `plainIntegerSpot` for where they stay DuckDB's).
 */
function numberLiteral(toks: Token[], i: number, scopes: LiteralScopes): void {
  const t = toks[i] as Token;
  if (/^0[xX]/.test(t.text) || !/^[0-9.]/.test(t.text)) return;
  if (/[.eE]/.test(t.text)) {
    t.text = `CAST(${t.text} AS DOUBLE)`;
    return;
  }
  const p = prevSig(toks, i);
  if (/^[0-9]+$/.test(t.text) && BigInt(t.text) > INT64_MAX) {
    int64Bound(toks, i, p);
    return;
  }
  const next = toks[nextSig(toks, i + 1)];
  const arith = (x: Token | undefined) => x !== undefined && x.kind === 'punct' && ARITHMETIC.has(x.text);
  // a binary operator has an operand before it; `-1` after `(`, `,` or a keyword is a negative literal
  const binaryBefore = arith(toks[p]) && isOperand(toks[prevSig(toks, p)]);
  const binaryAfter = arith(next) && !(toks[p] !== undefined && isPunct(toks[p], '['));
  if (binaryBefore || binaryAfter || !plainIntegerSpot(toks, i, scopes)) t.text = `CAST(${t.text} AS BIGINT)`;
}

/**
 * Where an integer literal is not a value, or DuckDB needs its own INTEGER type, it stays as written: ordinals
 * (`GROUP BY 1`, `ORDER BY 2`), LIMIT/OFFSET, INTERVAL amounts, window frame offsets, indexes and slices, and a whole
 * argument of a call (`ROUND(x, 2)` and type parameters such as `DECIMAL(10, 2)`: DuckDB has no ROUND(DOUBLE, BIGINT)),
 * except the calls that pass the value through (COALESCE, IF, GREATEST, list and struct constructors…).
 */
function plainIntegerSpot(toks: Token[], i: number, scopes: LiteralScopes): boolean {
  let p = prevSig(toks, i);
  while ((isPunct(toks[p], '-') || isPunct(toks[p], '+')) && !isOperand(toks[prevSig(toks, p)]))
    p = prevSig(toks, p); // unary signs belong to the literal
  const before = toks[p];
  const after = toks[nextSig(toks, i + 1)];
  if (isWord(before, 'LIMIT', 'OFFSET', 'INTERVAL')) return true;
  if (isWord(after, 'PRECEDING', 'FOLLOWING')) return true;
  // a literal beside a comparison is compared, never kept: DuckDB widens it to the other side's type
  if (COMPARISON.has(before?.text ?? '') || COMPARISON.has(after?.text ?? '')) return true;
  const scope = scopes.current();
  const whole =
    (before === undefined || isPunct(before, '(') || isPunct(before, ',') || isWord(before, 'BY')) &&
    (after === undefined ||
      isPunct(after, ',') ||
      isPunct(after, ')') ||
      isPunct(after, ';') ||
      after.kind === 'ident');
  if (scope.open === '[') return scope.index;
  if (scope.clause === 'BY' && whole && !isPunct(before, '(')) return true; // an ordinal
  if (scope.call !== undefined && whole) return !PASS_THROUGH.has(scope.call.toLowerCase());
  return false;
}

const COMPARISON = new Set(['=', '==', '<>', '!=', '<', '>', '<=', '>=']);

/** Calls whose result is one of their arguments: an integer literal there is a value (INT64). */
const PASS_THROUGH = new Set(
  (
    'coalesce ifnull nullif greatest least if list_value array_value struct_pack row any_value max min first last ' +
    'array_agg list abs sign bq_div bq_mod bq_divide bq_ieee_divide bq_safe_add bq_safe_subtract bq_safe_multiply ' +
    'bq_safe_negate bq_safe_divide'
  ).split(' '),
);

/** Words after which `(` opens a group, not a call. */
const NOT_CALLS = new Set(
  (
    'select where and or not when then else case in on by having as is like ilike between distinct all any some from ' +
    'return limit offset qualify using values set join with union intersect except exists over filter recursive ' +
    'lateral into window partition order group'
  ).split(' '),
);

const CLAUSES = new Set(
  'select from where by having qualify limit offset on window values set returning using'.split(' '),
);

/** Tracks, while the post-pass walks forward, the bracket each token is in and the clause it belongs to. */
class LiteralScopes {
  private readonly stack: { open: string; call?: string; index: boolean; clause: string }[] = [
    { open: '', index: false, clause: '' },
  ];

  current(): { open: string; call?: string; index: boolean; clause: string } {
    return this.stack[this.stack.length - 1] as {
      open: string;
      call?: string;
      index: boolean;
      clause: string;
    };
  }

  see(toks: Token[], i: number): void {
    const t = toks[i] as Token;
    if (t.kind === 'ident') {
      const w = t.text.toLowerCase();
      if (CLAUSES.has(w)) this.current().clause = w.toUpperCase();
      return;
    }
    if (t.kind !== 'punct') return;
    if (t.text === '(' || t.text === '[' || t.text === '{') {
      const q = toks[prevSig(toks, i)];
      const scope: { open: string; call?: string; index: boolean; clause: string } = {
        open: t.text,
        index: t.text === '[' && isOperand(q),
        clause: '',
      };
      if (
        t.text === '(' &&
        q !== undefined &&
        (q.kind === 'ident' || q.kind === 'quoted') &&
        !NOT_CALLS.has(q.text.toLowerCase())
      )
        scope.call = q.kind === 'quoted' ? q.text.slice(1, -1) : q.text;
      this.stack.push(scope);
    } else if ((t.text === ')' || t.text === ']' || t.text === '}') && this.stack.length > 1)
      this.stack.pop();
  }
}

/** Does token x end an operand (so a following `-` is binary)? */
function isOperand(x: Token | undefined): boolean {
  return (
    x !== undefined &&
    (x.kind === 'number' ||
      x.kind === 'quoted' ||
      x.kind === 'string' ||
      x.text === ')' ||
      x.text === ']' ||
      (x.kind === 'ident' &&
        !/^(SELECT|WHERE|AND|OR|NOT|THEN|ELSE|WHEN|CASE|BY|ON|IN|IS|AS|LIMIT|OFFSET|BETWEEN|RETURN)$/i.test(
          x.text,
        )))
  );
}

const INT64_MAX = 9223372036854775807n;

/**
 * An integer literal beyond INT64 is an error in GoogleSQL (DuckDB would type it HUGEINT and answer a value no INT64
 * column can hold), except 9223372036854775808 right after a unary minus: that is INT64's minimum.
 */
function int64Bound(toks: Token[], i: number, p: number): void {
  const t = toks[i] as Token;
  const minus = toks[p];
  const unary = minus !== undefined && isPunct(minus, '-') && !isOperand(toks[prevSig(toks, p)]);
  if (unary && BigInt(t.text) === INT64_MAX + 1n) {
    minus.text = '';
    t.text = "CAST('-9223372036854775808' AS BIGINT)";
    return;
  }
  throw new SqlError('invalidQuery', `Invalid integer literal: ${unary ? '-' : ''}${t.text}`);
}

function duckIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Puts the deferred FROM items and literals in place of their placeholders. Only whole names are replaced — a bare
 * `__dp_N__` or a double-quoted one — never text inside a string literal or a comment: a user's string (or a parameter
 * value) that reads `__dp_0__` must stay a string, not become resolved SQL that ends its quotes early. (The user's own
 * names of that form are refused by the sandbox check.)
 */
function fillPlaceholders(duck: string, deferred: Deferred[], original: string): string {
  let out = duck;
  for (let round = 0; round < 20; round++) {
    PLACEHOLDER_RE.lastIndex = 0;
    if (!PLACEHOLDER_RE.test(out)) break;
    PLACEHOLDER_RE.lastIndex = 0;
    let replaced = false;
    const toks = tokenize(out, { duck: true });
    for (const t of toks) {
      const name =
        t.kind === 'ident'
          ? t.text
          : t.kind === 'string' && t.text.startsWith('"')
            ? t.text.slice(1, -1)
            : '';
      const m = /^__dp_(\d+)__$/.exec(name);
      if (!m) continue;
      const d = deferred[Number(m[1])];
      if (!d) throw new SqlError('invalidQuery', `Unrecognized name: ${name}`);
      t.text = renderDeferred(d, original);
      replaced = true;
    }
    if (!replaced) break;
    out = toks.map((t) => t.text).join('');
  }
  PLACEHOLDER_RE.lastIndex = 0;
  return out;
}

function renderDeferred(d: Deferred, original: string): string {
  switch (d.kind) {
    case 'literal':
      return d.duck;
    case 'table': {
      if (d.alias === undefined) return d.resolved.sql;
      return `${d.resolved.sql} AS ${duckIdent(d.alias)}`;
    }
    case 'unnest': {
      const e = transpileExpr(d.expr, original);
      const a = d.alias ?? '__dp_unnest';
      if (d.offsetAlias !== undefined) {
        return `(SELECT UNNEST(${e}) AS ${duckIdent(a)}, generate_subscripts(${e}, 1) - 1 AS ${duckIdent(d.offsetAlias)}) AS ${duckIdent(`${a}__dp`)}`;
      }
      if (d.alias === undefined) return `(SELECT UNNEST(${e}, recursive := true))`;
      return `UNNEST(${e}) AS ${duckIdent(`${a}__dp`)}(${duckIdent(a)})`;
    }
  }
}

/** Translates one GoogleSQL expression (the argument of UNNEST) on its own. */
function transpileExpr(expr: string, original: string): string {
  const duck = postprocess(transpileOne(`SELECT ${expr}`, original));
  return duck.replace(/^\s*SELECT\s+/i, '');
}
