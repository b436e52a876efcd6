import { randomBytes } from 'node:crypto';
import type { JobRecord } from '../catalog.js';
import * as catalogOps from '../catalog-ops.js';
import { BigQueryError, invalidQuery } from '../errors.js';
import { type JobContext, jobKey, type Running, withConnection } from '../jobs/context.js';
import { execute } from '../jobs/execute.js';
import type { JobOutcome } from '../jobs/outcome.js';
import { newJobRecord } from '../jobs/record.js';
import { inlineRows } from '../jobs/result-pages.js';
import { readResult } from '../jobs/result-store.js';
import type { Json } from '../rest.js';
import type { QueryParameter } from '../sql/params.js';
import { parameterSql } from '../sql/params.js';
import { isPunct, isWord, nextSig, prevSig, type Token, tokenize } from '../sql/tokenize.js';
import { translateCached } from '../translate-pool.js';
import { isCreateFunction, parseCreateFunction, type UdfDef } from '../udf/define.js';
import { expandUdfs } from '../udf/expand.js';
import { jsFunctionName, registerJsUdf } from '../udf/js.js';
import { persistentUdfs } from '../udf/routines.js';
import { at, lineCol, parseScript, type Span, type Stmt } from './parse.js';
import { coercible, firstRow, nullValue, typeFromText, typeText, type Variable } from './values.js';

/**
 * Runs a GoogleSQL script (multi-statement query) as BigQuery does: each SQL statement is a child job of the script's
 * job (`statistics.parentJobId`, `scriptStatistics`), control statements and variables are evaluated here, and the
 * script's result is its last SELECT's. Temporary tables live in a dataset of the script's own that is dropped when it
 * ends; temporary functions are expanded into each statement (../udf/expand.ts).
 */

/** Loop iterations a script may run in all before it fails (never hangs). */
export const MAX_LOOP_ITERATIONS = 10_000;
/** Statements a script may run in all. */
export const MAX_STATEMENTS = 1_000;

export interface ScriptJob {
  defaultProject: string;
  defaultDataset?: string;
}

class Break {}
class Continue {}

export class Script {
  private readonly scopes: Map<string, Variable>[] = [new Map()];
  private readonly temp = new Map<string, UdfDef>();
  private readonly jsNames = new Map<UdfDef, string>();
  private readonly tempTables = new Map<string, string>();
  private tempDataset: string | undefined;
  private children = 0;
  private iterations = 0;
  private lastSelect: JobRecord | undefined;
  private bytes = 0n;

  constructor(
    private readonly ctx: JobContext,
    private readonly record: JobRecord,
    private readonly text: string,
    private readonly running: Running,
    private readonly job: ScriptJob,
  ) {}

  async run(): Promise<JobOutcome> {
    const stmts = parseScript(this.text);
    try {
      await this.block(stmts, false);
    } finally {
      if (this.tempDataset) {
        await catalogOps
          .deleteDataset(this.ctx, this.record.project, this.tempDataset, true)
          .catch((e: unknown) =>
            this.ctx.logger.warn('script temp dataset cleanup failed', { error: String(e) }),
          );
      }
      (this.record.resource.statistics as Json).numChildJobs = String(this.children);
    }
    const outcome: JobOutcome = {
      committed: this.children > 0,
      queryStats: { statementType: 'SCRIPT', totalBytesProcessed: String(this.bytes), totalBytesBilled: '0' },
    };
    const last = this.lastSelect;
    if (last) {
      outcome.schema = last.resultSchema ?? [];
      outcome.totalRows = last.totalRows ?? 0;
      (outcome.queryStats as Json).schema = { fields: outcome.schema };
      if (last.inlineResult) {
        const rows = (await inlineRows(this.ctx, last)) ?? [];
        outcome.inlineRows = rows;
        outcome.inlineJson = JSON.stringify(rows);
      } else if (last.resultTable) outcome.resultTable = last.resultTable;
      else if (last.resultSource) outcome.resultSource = last.resultSource;
    }
    return outcome;
  }

  private async block(stmts: Stmt[], scoped: boolean): Promise<void> {
    if (scoped) this.scopes.push(new Map());
    try {
      for (const s of stmts) {
        if (this.running.cancelled)
          throw new BigQueryError('stopped', 'Job execution was cancelled: User requested cancellation');
        await this.statement(s);
      }
    } finally {
      if (scoped) this.scopes.pop();
    }
  }

  private async statement(s: Stmt): Promise<void> {
    this.persistent = await persistentUdfs(this.ctx);
    switch (s.kind) {
      case 'declare': {
        const scope = this.scopes[this.scopes.length - 1] as Map<string, Variable>;
        const declared = s.type !== undefined ? typeFromText(s.type) : undefined;
        let value = nullValue();
        let type = declared;
        if (s.defaultExpr) {
          const [v] = await this.evaluate(s.defaultExpr, 1);
          const got = v as Variable;
          if (declared && !isNullResult(got) && !coercible(got.type, declared)) {
            throw invalidQuery(
              `Cannot coerce expression ${this.slice(s.defaultExpr).slice(0, 60)} to type ${typeText(declared)} at ${at(this.text, s.defaultExpr.start)}`,
            );
          }
          value = got.value;
          type ??= got.type;
        }
        for (const name of s.names) {
          const key = name.toLowerCase();
          if (scope.has(key))
            throw invalidQuery(`Variable ${name} is already declared at ${at(this.text, s.span.start)}`);
          scope.set(key, { name, type: type as Variable['type'], value });
        }
        return;
      }
      case 'set': {
        const targets = s.names.map((n) => {
          const v = this.variable(n);
          if (!v) throw invalidQuery(`Undeclared variable: ${n} at ${at(this.text, s.span.start)}`);
          return v;
        });
        const values = await this.evaluate(s.expr, targets.length);
        targets.forEach((t, i) => {
          const got = values[i] as Variable;
          if (!isNullResult(got) && !coercible(got.type, t.type)) {
            throw invalidQuery(
              `Cannot coerce expression ${this.slice(s.expr).slice(0, 60)} to type ${typeText(t.type)} at ${at(this.text, s.expr.start)}`,
            );
          }
          t.value = got.value;
        });
        return;
      }
      case 'if': {
        for (const b of s.branches) {
          if (await this.condition(b.cond)) {
            await this.block(b.body, true);
            return;
          }
        }
        if (s.elseBody) await this.block(s.elseBody, true);
        return;
      }
      case 'block':
        await this.block(s.body, true);
        return;
      case 'loop':
      case 'while':
        for (;;) {
          if (++this.iterations > MAX_LOOP_ITERATIONS) {
            throw invalidQuery(
              `Script exceeded the limit of ${MAX_LOOP_ITERATIONS} loop iterations at ${at(this.text, s.span.start)}`,
            );
          }
          if (s.kind === 'while' && !(await this.condition(s.cond))) return;
          try {
            await this.block(s.body, true);
          } catch (e) {
            if (e instanceof Break) return;
            if (e instanceof Continue) continue;
            throw e;
          }
        }
      case 'break':
        throw new Break();
      case 'continue':
        throw new Continue();
      case 'sql':
        await this.sql(s.span);
        return;
    }
  }

  private variable(name: string): Variable | undefined {
    const key = name.toLowerCase();
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const v = this.scopes[i]?.get(key);
      if (v) return v;
    }
    return undefined;
  }

  private slice(span: Span): string {
    return this.text.slice(span.start, span.end);
  }

  /**
   * The statement's text as the translator gets it: everything before it blanked (newlines kept), so positions in
   * its errors are positions in the script; variables replaced by their values, UDF calls expanded, temp tables
   * resolved. `prefix` is written just before the span when there is room on its line (e.g. `SELECT `).
   */
  private prepare(span: Span, prefix = ''): string {
    return this.prepareText(span.start, this.slice(span), prefix);
  }

  private prepareText(offset: number, text: string, prefix: string): string {
    let pad = this.text.slice(0, offset).replace(/[^\n]/g, ' ');
    const lineStart = pad.lastIndexOf('\n') + 1;
    if (prefix && pad.length - lineStart >= prefix.length)
      pad = pad.slice(0, pad.length - prefix.length) + prefix;
    else if (prefix) pad += prefix;
    return this.expand(pad + this.substitute(text));
  }

  private expand(sql: string): string {
    return expandUdfs(sql, {
      temp: this.temp,
      ...(this.persistent ? { persistent: this.persistent } : {}),
      defaultProject: this.job.defaultProject,
      jsFunction: (def) => this.jsNames.get(def) ?? jsFunctionName(def),
    });
  }

  /** Persistent functions, looked up again before each statement (a statement of the script may create one). */
  private persistent: Awaited<ReturnType<typeof persistentUdfs>>;

  /**
   * Variables → typed literals; temp table names → the script's dataset. A variable standing alone as a select-list
   * item keeps its name as the column's (`SELECT n` answers a column `n`, as in BigQuery).
   */
  private substitute(sql: string): string {
    const tokens = tokenize(sql);
    let out = '';
    const clause: (string | undefined)[] = [undefined];
    for (let k = 0; k < tokens.length; k++) {
      const t = tokens[k] as Token;
      if (isPunct(t, '(')) clause.push(undefined);
      else if (isPunct(t, ')')) clause.pop();
      else if (isWord(t, 'SELECT')) clause[clause.length - 1] = 'select';
      else if (
        isWord(
          t,
          'FROM',
          'WHERE',
          'GROUP',
          'HAVING',
          'ORDER',
          'LIMIT',
          'QUALIFY',
          'WINDOW',
          'UNION',
          'EXCEPT',
          'INTERSECT',
          'SET',
          'VALUES',
          'ON',
        )
      )
        clause[clause.length - 1] = 'other';
      const r = this.replacement(tokens, k);
      if (r === undefined) {
        out += t.text;
        continue;
      }
      const prev = tokens[prevSig(tokens, k)];
      const nextIdx = nextSig(tokens, k + 1);
      const next = nextIdx < 0 ? undefined : tokens[nextIdx];
      const alone =
        clause[clause.length - 1] === 'select' &&
        (isWord(prev, 'SELECT', 'DISTINCT', 'ALL') || isPunct(prev, ',')) &&
        (next === undefined ||
          isPunct(next, ',') ||
          isPunct(next, ')') ||
          isPunct(next, ';') ||
          isWord(next, 'FROM', 'UNION', 'EXCEPT', 'INTERSECT', 'WHERE', 'ORDER', 'LIMIT'));
      out += alone && !r.startsWith('`') ? `${r} AS ${t.text}` : r;
    }
    return out;
  }

  private replacement(tokens: Token[], k: number): string | undefined {
    const t = tokens[k] as Token;
    if (t.kind !== 'ident' && t.kind !== 'quoted') return undefined;
    const prev = tokens[prevSig(tokens, k)];
    const next = tokens[nextSig(tokens, k + 1)];
    if (isPunct(prev, '.') || isPunct(next, '.')) return undefined;
    const name = t.kind === 'quoted' ? t.text.slice(1, -1) : t.text;
    if (isWord(prev, 'FROM', 'JOIN', 'INTO', 'UPDATE', 'TABLE', 'USING', 'DELETE', 'MERGE')) {
      const ds = this.tempTables.get(name.toLowerCase());
      return ds ? `\`${ds}.${name}\`` : undefined;
    }
    if (t.kind !== 'ident' || isWord(prev, 'AS') || isPunct(next, '(')) return undefined;
    const v = this.variable(name);
    if (!v) return undefined;
    const marked = this.marked(v);
    if (marked) return marked;
    return `(${parameterSql({ name, parameterType: v.type, parameterValue: v.value } as QueryParameter, name)})`;
  }

  /**
   * While an expression is prepared: a scalar variable becomes `CAST('<marker>' AS T)` and the marker is replaced by
   * the value's text in the translated DuckDB SQL. The GoogleSQL text (the translator's cache key) then stays the same
   * from one loop iteration to the next, so it is translated once, not once per value. The value is a DuckDB string
   * literal (quotes doubled) or NULL, cast exactly as the parameter path casts it. Other types use the typed literal.
   */
  private markers: Map<string, string> | undefined;
  private readonly nonce = randomBytes(6).toString('hex');

  private marked(v: Variable): string | undefined {
    if (!this.markers || !MARKABLE.has(v.type.type) || v.value.arrayValues || v.value.structValues)
      return undefined;
    const marker = `'dpv_${this.nonce}_${this.markers.size}'`;
    const raw = v.value.value;
    this.markers.set(
      marker,
      raw === null || raw === undefined ? 'NULL' : `'${String(raw).replace(/'/g, "''")}'`,
    );
    return `CAST(${marker} AS ${v.type.type})`;
  }

  /** Evaluates an expression (or, for SET (a, b) = (…), a tuple); `n` values. */
  private async evaluate(span: Span, n: number): Promise<Variable[]> {
    let offset = span.start;
    let body = this.slice(span);
    let prefix = 'SELECT ';
    if (n > 1) {
      // (SELECT AS STRUCT …) / (SELECT a, b) / (e1, e2)
      const trimmed = body.trim();
      if (!trimmed.startsWith('(') || !trimmed.endsWith(')'))
        throw invalidQuery(
          `SET of ${n} variables needs a parenthesised list or subquery at ${at(this.text, span.start)}`,
        );
      offset = span.start + body.indexOf('(') + 1;
      body = trimmed.slice(1, -1);
      const struct = /^(\s*SELECT)(\s+AS\s+STRUCT)\b/i.exec(body);
      if (struct) {
        body = `${struct[1]}${' '.repeat((struct[2] as string).length)}${body.slice(struct[0].length)}`;
        prefix = '';
      } else if (/^\s*(SELECT|WITH)\b/i.test(body)) prefix = '';
    }
    this.markers = new Map();
    let select: string;
    let markers: Map<string, string>;
    try {
      select = this.prepareText(offset, body, prefix);
    } finally {
      markers = this.markers;
      this.markers = undefined;
    }
    const { schema, rows } = await this.query(select, span, markers);
    if (schema.length !== n) {
      throw invalidQuery(
        `Expected ${n} value(s), the expression gives ${schema.length} at ${at(this.text, span.start)}`,
      );
    }
    if (rows && rows.length > 1)
      throw invalidQuery(`Scalar subquery produced more than one element at ${at(this.text, span.start)}`);
    return firstRow(schema, rows);
  }

  private async condition(span: Span): Promise<boolean> {
    const [v] = await this.evaluate(span, 1);
    const got = v as Variable;
    if (got.type.type !== 'BOOL')
      throw invalidQuery(
        `The condition must be BOOL, not ${typeText(got.type)} at ${at(this.text, span.start)}`,
      );
    return String(got.value.value).toLowerCase() === 'true';
  }

  /** An expression's SELECT, run on a reader (no child job: BigQuery shows expressions in the parent). */
  private async query(sql: string, span: Span, markers: Map<string, string>) {
    try {
      const tr = this.ctx.translator;
      if (!tr) throw invalidQuery('The SQL translator is not available in this build.');
      const translated = await translateCached(this.ctx.queryCache, this.ctx.catalog, tr, sql, {
        dialect: 'standard',
        defaultProject: this.job.defaultProject,
        ...(this.job.defaultDataset ? { defaultDataset: this.job.defaultDataset } : {}),
      });
      if (translated.statementKind !== 'select')
        throw invalidQuery(`Expected an expression at ${at(this.text, span.start)}`);
      let duck = translated.sql;
      for (const [marker, value] of markers) duck = duck.split(marker).join(value);
      const result = await this.ctx.db.read((c) =>
        withConnection(this.running, c, () => readResult(this.ctx.db, c, duck, undefined)),
      );
      if (!result.inlineRows)
        throw invalidQuery(`The expression's result is too large at ${at(this.text, span.start)}`);
      return { schema: result.schema, rows: result.inlineRows };
    } catch (e) {
      throw located(e, this.text, span.start);
    }
  }

  /** A SQL statement: temp functions and tables are the script's; anything else runs as a child job. */
  private async sql(span: Span): Promise<void> {
    const text = this.slice(span);
    if (isCreateFunction(text)) {
      const def = parseCreateFunction(text);
      if (def.temp) {
        const key = def.name.toLowerCase();
        if (this.temp.has(key) && !def.replace && !def.ifNotExists)
          throw invalidQuery(`Function ${def.name} already exists at ${at(this.text, span.start)}`);
        if (this.temp.has(key) && def.ifNotExists) return;
        if (def.language === 'JAVASCRIPT') this.jsNames.set(def, await registerJsUdf(this.ctx.db, def));
        this.temp.set(key, def);
        return;
      }
    }
    const m =
      /^(\s*CREATE\s+(?:OR\s+REPLACE\s+)?)(TEMP|TEMPORARY)(\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?)(`?)([A-Za-z_][A-Za-z0-9_]*)\4/i.exec(
        text,
      );
    if (m) {
      const name = m[5] as string;
      this.tempDataset ??= await this.createTempDataset();
      this.tempTables.set(name.toLowerCase(), this.tempDataset);
      const rewritten = `${m[1]}${' '.repeat((m[2] as string).length)}${m[3]}\`${this.tempDataset}.${name}\`${text.slice(m[0].length)}`;
      await this.child(span, this.prepareText(span.start, rewritten, ''));
      return;
    }
    await this.child(span, this.prepare(span));
  }

  private async createTempDataset(): Promise<string> {
    const id = `_script_${randomBytes(8).toString('hex')}`;
    await catalogOps.insertDataset(this.ctx, this.record.project, { datasetReference: { datasetId: id } });
    return id;
  }

  /** Runs one statement as a child job of the script's job. */
  private async child(span: Span, sql: string): Promise<void> {
    if (++this.children > MAX_STATEMENTS)
      throw invalidQuery(
        `Script exceeded the limit of ${MAX_STATEMENTS} statements at ${at(this.text, span.start)}`,
      );
    const project = this.record.project;
    const jobId = `script_job_${this.record.jobId}_${this.children - 1}`.slice(0, 1024);
    const start = lineCol(this.text, span.start);
    const end = lineCol(this.text, span.end);
    const text = this.slice(span);
    const query: Json = { query: text, useLegacySql: false };
    if (this.job.defaultDataset)
      query.defaultDataset = { projectId: this.job.defaultProject, datasetId: this.job.defaultDataset };
    const child = newJobRecord(
      project,
      jobId,
      { query, jobType: 'QUERY' },
      {
        parentJobId: this.record.jobId,
        scriptStatistics: {
          evaluationKind: 'STATEMENT',
          stackFrames: [
            {
              startLine: start.line,
              startColumn: start.column,
              endLine: end.line,
              endColumn: end.column,
              text,
            },
          ],
        },
      },
    );
    const key = jobKey(project, jobId);
    const mine: Running = { done: Promise.resolve(), cancelled: false };
    this.ctx.pending.set(key, child);
    this.ctx.running.set(key, mine);
    const config: Json = { ...query, query: sql };
    mine.done = execute(this.ctx, child, 'query', config, this.running).finally(() =>
      this.ctx.running.delete(key),
    );
    await mine.done;
    const status = child.resource.status as { errorResult?: { reason: string; message: string } };
    if (status.errorResult) {
      throw located(
        new BigQueryError(status.errorResult.reason as never, status.errorResult.message),
        this.text,
        span.start,
      );
    }
    const stats = child.resource.statistics as Json & { query?: Json };
    this.bytes += BigInt(String(stats.totalBytesProcessed ?? '0'));
    if (stats.query?.statementType === 'SELECT') this.lastSelect = child;
  }
}

/** Scalar types whose values reach an expression as a marker (see Script.marked). */
const MARKABLE = new Set([
  'INT64',
  'FLOAT64',
  'NUMERIC',
  'BIGNUMERIC',
  'BOOL',
  'STRING',
  'DATE',
  'DATETIME',
  'TIME',
  'TIMESTAMP',
]);

const isNullResult = (v: Variable): boolean =>
  v.value.value === null && v.value.arrayValues === undefined && v.value.structValues === undefined;

/** An error of a statement: BigQuery's reason and message, with the statement's position when it has none. */
function located(e: unknown, text: string, offset: number): unknown {
  if (!(e instanceof Error)) return e;
  const reason = (e as { reason?: string }).reason;
  if (!reason || reason === 'stopped') return e;
  if (/ at \[\d+:\d+\]$/.test(e.message)) return e;
  return new BigQueryError(reason as never, `${e.message} at ${at(text, offset)}`);
}

/**
 * Temp function definitions followed by ONE query are not a script (BigQuery runs them as one query): the query with
 * the functions expanded, or undefined when the text is a real script.
 */
export async function singleQueryWithFunctions(
  ctx: JobContext,
  text: string,
  defaultProject: string,
): Promise<string | undefined> {
  const stmts = parseScript(text);
  const sqls = stmts.filter((s): s is Extract<Stmt, { kind: 'sql' }> => s.kind === 'sql');
  if (sqls.length !== stmts.length) return undefined;
  const defs = sqls.slice(0, -1);
  const last = sqls[sqls.length - 1];
  if (!last || defs.length === 0) return undefined;
  const temp = new Map<string, UdfDef>();
  const js = new Map<UdfDef, string>();
  for (const s of defs) {
    const t = text.slice(s.span.start, s.span.end);
    if (!isCreateFunction(t)) return undefined;
    const def = parseCreateFunction(t);
    if (!def.temp) return undefined;
    if (def.language === 'JAVASCRIPT') js.set(def, await registerJsUdf(ctx.db, def));
    temp.set(def.name.toLowerCase(), def);
  }
  const lastText = text.slice(last.span.start, last.span.end);
  if (isCreateFunction(lastText)) return undefined;
  const pad = text.slice(0, last.span.start).replace(/[^\n]/g, ' ');
  const persistent = await persistentUdfs(ctx);
  return expandUdfs(pad + lastText, {
    temp,
    ...(persistent ? { persistent } : {}),
    defaultProject,
    jsFunction: (def) => js.get(def) ?? jsFunctionName(def),
  });
}
