import { randomBytes } from 'node:crypto';
import type { DuckDBConnection, DuckDBDataChunk, DuckDBMaterializedResult } from '@duckdb/node-api';
import type { Database } from '../db.js';
import { schemaOf } from '../physical.js';
import { type Cell, encodeColumns, type FieldSchema } from '../types.js';
import { type JobContext, jobKey } from './context.js';

/** Where query results live: small ones encoded with the job record (and cached), large ones in `_results` tables. */

/** Results up to this many rows are read once with their schema and answered from memory (see readResult). */
const SMALL_RESULT_ROWS = 1_000;
const SMALL_RESULT_CACHE = 64;
/** ...and at most this much JSON: larger ones are stored like large results. */
const SMALL_RESULT_BYTES = 1 << 20;
const RESULT_TTL_MS = 24 * 3600 * 1000;

/** A result row as the REST API returns it (f/v cells). */
export type EncodedRow = { f: { v: Cell }[] };

/** Rows of the latest small results (job key → f/v rows, int64 timestamps), oldest first; see readResult. */
export class SmallResults {
  private readonly rows = new Map<string, EncodedRow[]>();

  get(key: string): EncodedRow[] | undefined {
    return this.rows.get(key);
  }

  delete(key: string): void {
    this.rows.delete(key);
  }

  remember(key: string, rows: EncodedRow[]): void {
    this.rows.set(key, rows);
    if (this.rows.size > SMALL_RESULT_CACHE) {
      const oldest = this.rows.keys().next().value;
      if (oldest !== undefined) this.rows.delete(oldest);
    }
  }
}

/**
 * Runs a SELECT on reader `c` and keeps its result (BigQuery's anonymous result table) the cheapest way that survives
 * a restart: the rows are streamed; a result of at most SMALL_RESULT_ROWS rows is returned encoded, to be stored with
 * the job record (one statement the job writes anyway) and answered from memory; a larger one is appended, chunk by
 * chunk, to a `_results` table on the spool connection (memory stays bounded) and paged from there. The query runs
 * once either way.
 */
export async function readResult(
  db: Database,
  c: DuckDBConnection,
  sql: string,
  bind: never[] | undefined,
): Promise<{
  schema: FieldSchema[];
  totalRows: number;
  inlineRows?: EncodedRow[];
  inlineJson?: string;
  resultTable?: string;
}> {
  // prepare + stream: one trip less than DuckDBConnection.stream (the translator emits exactly one statement).
  const prepared = await c.prepare(sql);
  let stream: Awaited<ReturnType<typeof prepared.stream>>;
  try {
    if (bind) prepared.bind(bind);
    stream = await prepared.stream();
  } finally {
    prepared.destroySync();
  }
  const schema = schemaOf(stream.columnNames(), stream.columnTypes());
  const chunks: DuckDBDataChunk[] = [];
  let rows = 0;
  let ended = false;
  while (rows <= SMALL_RESULT_ROWS) {
    const chunk = await stream.fetchChunk();
    if (!chunk || chunk.rowCount === 0) {
      ended = true;
      const columns = schema.map((_, i) => chunks.flatMap((ch) => ch.getColumnValues(i)));
      const inlineRows = encodeColumns(schema, columns, 'int64');
      const inlineJson = JSON.stringify(inlineRows);
      // Wide rows go to a result table like large results: job records stay small.
      if (inlineJson.length <= SMALL_RESULT_BYTES) return { schema, totalRows: rows, inlineRows, inlineJson };
      break;
    }
    chunks.push(chunk);
    rows += chunk.rowCount;
  }
  const resultTable = `_results."r_${randomBytes(8).toString('hex')}"`;
  const types = stream.columnTypes();
  try {
    const totalRows = await db.spool(async (s) => {
      // Positional column names: the schema lives in the job record, and pages are read with SELECT *.
      await s.run(`CREATE TABLE ${resultTable} (${types.map((t, i) => `c${i} ${t.toString()}`).join(', ')})`);
      const appender = await s.createAppender(
        resultTable.slice('_results.'.length).replace(/"/g, ''),
        '_results',
      );
      let n = 0;
      try {
        for (const chunk of chunks) appender.appendDataChunk(chunk);
        n = rows;
        while (!ended) {
          const chunk = await stream.fetchChunk();
          if (!chunk || chunk.rowCount === 0) break;
          appender.appendDataChunk(chunk);
          n += chunk.rowCount;
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
      return n;
    });
    return { schema, totalRows, resultTable };
  } catch (e) {
    await dropResultTable(db, resultTable);
    throw e;
  }
}

/**
 * Reads a result expected to be small (its text's last result was) in ONE call to DuckDB: the query under
 * `LIMIT SMALL_RESULT_ROWS + 1`, planned and run as one auto-commit statement — one snapshot by itself, so no
 * BEGIN/COMMIT around it — materialized and read from memory. `names` are the result's column names as the last run
 * returned them: the subquery keeps them (noteResult only keeps unique ones), and a mismatch counts as a miss.
 * Undefined when the result is not small after all (more rows, or too wide), or its names differ: the caller then runs
 * the query with readResult, in one snapshot of its own. Order is kept: DuckDB preserves the subquery's row order
 * through SELECT * and LIMIT.
 */
export async function readSmallResult(
  db: Database,
  sql: string,
  names: readonly string[],
  around: (
    c: DuckDBConnection,
    call: () => Promise<DuckDBMaterializedResult>,
  ) => Promise<DuckDBMaterializedResult>,
): Promise<
  { schema: FieldSchema[]; totalRows: number; inlineRows: EncodedRow[]; inlineJson: string } | undefined
> {
  const result = await db.runOne(`SELECT * FROM (${sql}\n) AS q LIMIT ${SMALL_RESULT_ROWS + 1}`, around);
  const got = result.columnNames();
  if (
    result.rowCount > SMALL_RESULT_ROWS ||
    got.length !== names.length ||
    got.some((n, i) => n !== names[i])
  ) {
    return undefined;
  }
  const schema = schemaOf(got, result.columnTypes());
  const chunks: DuckDBDataChunk[] = [];
  for (let i = 0; i < result.chunkCount; i++) chunks.push(result.getChunk(i));
  const columns = schema.map((_, i) => chunks.flatMap((ch) => ch.getColumnValues(i)));
  const inlineRows = encodeColumns(schema, columns, 'int64');
  const inlineJson = JSON.stringify(inlineRows);
  if (inlineJson.length > SMALL_RESULT_BYTES) return undefined;
  return { schema, totalRows: result.rowCount, inlineRows, inlineJson };
}

export async function dropResultTable(db: Database, resultTable: string): Promise<void> {
  await db.spool((s) => s.run(`DROP TABLE IF EXISTS ${resultTable}`)).catch(() => undefined);
}

/** Result tables live as long as BigQuery keeps anonymous results (24 h). */
export async function dropExpiredResults(ctx: JobContext, atStartup = false): Promise<void> {
  const cutoff = Date.now() - RESULT_TTL_MS;
  let drop: string[];
  if (atStartup) {
    // Nothing runs yet: every result or staging table no live job refers to is garbage (e.g. from a killed job).
    const keep = new Set(
      [...ctx.catalog.jobs.values()]
        .filter((j) => j.creationTime >= cutoff && j.resultTable)
        .map((j) => j.resultTable),
    );
    const existing = await ctx.db.read((c) =>
      c.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE schema_name = '_results'`),
    );
    drop = existing
      .getRows()
      .map(([n]) => `_results."${String(n)}"`)
      .filter((n) => !keep.has(n));
  } else {
    // While jobs run, only tables of known, expired jobs may go.
    drop = [...ctx.catalog.jobs.values()]
      .filter((j) => j.creationTime < cutoff && j.resultTable)
      .map((j) => j.resultTable!);
  }
  // Small results stored with their job records expire alike.
  const inline = [...ctx.catalog.jobs.values()].filter((j) => j.creationTime < cutoff && j.inlineResult);
  if (drop.length === 0 && inline.length === 0) return;
  await ctx.db.write(async (c) => {
    for (const n of drop) await c.run(`DROP TABLE IF EXISTS ${n}`);
    if (inline.length > 0) await ctx.journal.expireResults(c, cutoff);
  });
  for (const j of inline) {
    delete j.inlineResult;
    ctx.smallResults.delete(jobKey(j.project, j.jobId));
  }
  if (!atStartup) {
    for (const j of ctx.catalog.jobs.values()) if (j.creationTime < cutoff) delete j.resultTable;
  }
}
