import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { Catalog } from './catalog.js';
import * as catalogOps from './catalog-ops.js';
import { Database } from './db.js';
import { checkProjectId } from './ids.js';
import * as jobs from './jobs/api.js';
import type { JobContext } from './jobs/context.js';
import { DurableJournal, MemoryJournal } from './jobs/journal.js';
import { QueryCache } from './jobs/query-cache.js';
import { dropExpiredResults, SmallResults } from './jobs/result-store.js';
import { LoadAccess } from './load-access.js';
import { type Logger, silentLogger } from './logger.js';
import { DEFAULT_PAGE, MAX_PAGE, type Paging } from './paging.js';
import type { Json } from './rest.js';
import type { TableKey } from './store.js';
import * as tabledata from './tabledata.js';
import { loadTranslator, type Translator } from './translator.js';
import type { TimestampFormat } from './types.js';
import * as routines from './udf/routines.js';
import { installViews } from './views.js';
import { type WriteHelpers, writeTransaction } from './write-transaction.js';

export type { Logger } from './logger.js';
export { silentLogger } from './logger.js';
export { timestampFormatOf } from './rest.js';
export type { WriteHelpers } from './write-transaction.js';

export interface WarehouseOptions {
  /** Directory holding `warehouse.duckdb`; null/undefined = in memory. */
  dataDir?: string | null;
  /** Default project (for jobs without one and for `dp warehouse seed`). */
  projectId?: string;
  logger?: Logger;
  /** Injected translator (tests); defaults to ./sql/index.js. */
  translator?: Translator;
  /** Rows per page when the client gives no maxResults (and the cap when it does). */
  pageSize?: number;
  maxPageSize?: number;
  /**
   * DuckDB's buffer-pool cap (e.g. '1GB'): with a data dir, pages beyond it are evicted or spilled to
   * `<dataDir>/tmp`, so memory stays bounded whatever the result sizes. Default: '1GB' with a data dir, DuckDB's own
   * default (80% of RAM) in memory, where the data itself must fit.
   */
  memoryLimit?: string;
  /** DuckDB worker threads (default: DuckDB's, one per core). */
  threads?: number;
  /**
   * Directories load jobs may read `file://` URIs from (`dp warehouse serve --load-dir`); default none. Uploads are
   * spooled to a private folder of the warehouse, which is always allowed. See README "Security: what SQL can reach".
   */
  loadDirs?: readonly string[];
}

const DEFAULT_FILE_MEMORY_LIMIT = '1GB';

/** DuckDB instance settings from the options (validated: they reach DuckDB's configuration, not SQL). */
export function duckdbSettings(opts: WarehouseOptions, spillDir?: string): Record<string, string> {
  const settings: Record<string, string> = {};
  const limit = opts.memoryLimit ?? (opts.dataDir ? DEFAULT_FILE_MEMORY_LIMIT : undefined);
  if (limit !== undefined) {
    if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB)$/i.test(limit))
      throw new Error(`memory limit must look like 512MB or 2GB, got "${limit.slice(0, 40)}"`);
    settings.memory_limit = limit;
  }
  if (opts.threads !== undefined) {
    if (!Number.isInteger(opts.threads) || opts.threads < 1 || opts.threads > 999)
      throw new Error(`threads must be an integer in [1, 999], got ${opts.threads}`);
    settings.threads = String(opts.threads);
  }
  // DuckDB spills to `.tmp` in the working directory by default; an in-memory warehouse spills into its own private
  // folder instead (see open), so nothing is written outside a folder the warehouse owns.
  const spillTo = opts.dataDir ? join(opts.dataDir, 'tmp') : spillDir;
  if (spillTo !== undefined) settings.temp_directory = spillTo;
  return settings;
}

/**
 * The warehouse: a BigQuery-shaped catalog and job engine over one DuckDB database. Every public method takes REST-shaped
 * input, validates it, and returns REST-shaped resources or throws BigQueryError. This class only wires the modules
 * that do the work: catalog-ops.ts (datasets, tables), tabledata.ts, write-transaction.ts (the seeder) and jobs/.
 */
/** The DuckDB file a data dir's warehouse lives in (its presence is what makes a folder a warehouse). */
export const WAREHOUSE_FILE = 'warehouse.duckdb';

export class Warehouse {
  readonly projectId: string;
  private readonly paging: Paging;
  /** The job engine's state: jobs under way, result and query caches (see jobs/context.ts). */
  private readonly jobs: JobContext;

  private constructor(
    readonly db: Database,
    readonly catalog: Catalog,
    logger: Logger,
    readonly translator: Translator | undefined,
    opts: WarehouseOptions,
    loadAccess: LoadAccess,
    private readonly scratch: string | undefined,
  ) {
    this.projectId = opts.projectId ?? 'local-project';
    this.paging = { pageSize: opts.pageSize ?? DEFAULT_PAGE, maxPageSize: opts.maxPageSize ?? MAX_PAGE };
    this.jobs = {
      db,
      catalog,
      logger,
      translator,
      paging: this.paging,
      running: new Map(),
      pending: new Map(),
      smallResults: new SmallResults(),
      journal: opts.dataDir ? new DurableJournal(db, opts.dataDir) : new MemoryJournal(),
      queryCache: new QueryCache(),
      loadAccess,
      finishedJobs: 0,
    };
  }

  /** The private folder multipart uploads are written to before they are loaded (see LoadAccess). */
  get uploadDir(): string {
    return this.jobs.loadAccess.uploadDir;
  }

  static async open(opts: WarehouseOptions = {}): Promise<Warehouse> {
    if (opts.projectId !== undefined) checkProjectId(opts.projectId); // requests naming any other id get 400
    let path: string | null = null;
    if (opts.dataDir) {
      await mkdir(opts.dataDir, { recursive: true });
      path = join(opts.dataDir, WAREHOUSE_FILE);
    }
    // in memory: a private 0700 folder for DuckDB's spills and the upload spool, removed at close
    const scratch = opts.dataDir ? undefined : await mkdtemp(join(tmpdir(), 'dp-warehouse-'));
    const privateDir = opts.dataDir || (scratch as string);
    let loadAccess: LoadAccess;
    let db: Database;
    let translator: Translator | undefined;
    try {
      const settings = duckdbSettings(opts, scratch && join(scratch, 'tmp'));
      loadAccess = await LoadAccess.create(opts.loadDirs ?? [], privateDir);
      translator = opts.translator ?? (await loadTranslator());
      db = await Database.open(
        path,
        translator?.DUCKDB_MACROS ?? [],
        4,
        settings,
        translator?.registerNativeFunctions,
      ).catch((e: unknown) => {
        const msg = e instanceof Error ? e.message : String(e);
        if (/lock/i.test(msg))
          throw new Error(`data dir ${opts.dataDir} is in use by another warehouse process`);
        throw new Error(`cannot open the warehouse database in ${opts.dataDir}: ${msg.split('\n')[0]}`);
      });
    } catch (e) {
      if (scratch) await rm(scratch, { recursive: true, force: true });
      throw e;
    }
    if (opts.dataDir) await DurableJournal.recover(db, opts.dataDir);
    const catalog = await db.write((c) => Catalog.load(c));
    if (translator) installViews(catalog, translator);
    const wh = new Warehouse(db, catalog, opts.logger ?? silentLogger, translator, opts, loadAccess, scratch);
    await dropExpiredResults(wh.jobs, true);
    return wh;
  }

  async close(): Promise<void> {
    for (const r of this.jobs.running.values()) {
      r.cancelled = true;
      r.connection?.interrupt();
    }
    await Promise.allSettled([...this.jobs.running.values()].map((r) => r.done));
    await this.db.close();
    if (this.scratch) await rm(this.scratch, { recursive: true, force: true });
  }

  // ───────────────────────────── datasets and tables (catalog-ops.ts) ─────────────────────────────

  insertDataset(project: string, body: unknown): Promise<Json> {
    return catalogOps.insertDataset(this, project, body);
  }

  getDataset(project: string, datasetId: string): Json {
    return catalogOps.getDataset(this, project, datasetId);
  }

  listDatasets(project: string, q: { maxResults?: string; pageToken?: string }): Json {
    return catalogOps.listDatasets(this, project, q);
  }

  patchDataset(project: string, datasetId: string, body: unknown, replace: boolean): Promise<Json> {
    return catalogOps.patchDataset(this, project, datasetId, body, replace);
  }

  deleteDataset(project: string, datasetId: string, deleteContents: boolean): Promise<void> {
    return catalogOps.deleteDataset(this, project, datasetId, deleteContents);
  }

  insertTable(project: string, datasetId: string, body: unknown): Promise<Json> {
    return catalogOps.insertTable(this, project, datasetId, body);
  }

  listRoutines(project: string, datasetId: string): Json {
    return routines.listRoutines(this, project, datasetId);
  }

  getRoutine(project: string, datasetId: string, routineId: string): Json {
    return routines.getRoutine(this, project, datasetId, routineId);
  }

  deleteRoutine(project: string, datasetId: string, routineId: string): Promise<void> {
    return routines.deleteRoutine(this, project, datasetId, routineId);
  }

  getTable(project: string, datasetId: string, tableIdRaw: string): Json {
    return catalogOps.getTable(this, project, datasetId, tableIdRaw);
  }

  listTables(project: string, datasetId: string, q: { maxResults?: string; pageToken?: string }): Json {
    return catalogOps.listTables(this, project, datasetId, q);
  }

  patchTable(project: string, datasetId: string, tableId: string, body: unknown, replace: boolean) {
    return catalogOps.patchTable(this, project, datasetId, tableId, body, replace);
  }

  deleteTable(project: string, datasetId: string, tableIdRaw: string): Promise<void> {
    return catalogOps.deleteTable(this, project, datasetId, tableIdRaw);
  }

  // ───────────────────────────── tabledata (tabledata.ts) ─────────────────────────────

  insertAll(project: string, datasetId: string, tableIdRaw: string, body: unknown): Promise<Json> {
    return tabledata.insertAll(this, project, datasetId, tableIdRaw, body);
  }

  listRows(
    project: string,
    datasetId: string,
    tableIdRaw: string,
    q: { maxResults?: string; pageToken?: string; startIndex?: string; selectedFields?: string },
    ts: TimestampFormat,
  ): Promise<Json> {
    return tabledata.listRows(this, this.paging, project, datasetId, tableIdRaw, q, ts);
  }

  /** Loads rows given as JSON objects (used by the seeder and tests); validates like insertAll. */
  appendJsonRows(key: TableKey, rows: unknown[]): Promise<void> {
    return tabledata.appendJsonRows(this, key, rows);
  }

  /** Runs `fn` in a write transaction with helpers the seeder needs. */
  writeTransaction<T>(fn: (c: DuckDBConnection, helpers: WriteHelpers) => Promise<T>): Promise<T> {
    return writeTransaction(this, fn);
  }

  // ───────────────────────────── jobs (jobs/api.ts) ─────────────────────────────

  /** jobs.insert: starts the job, waits a little for it, returns the job resource (DONE in the common case). */
  insertJob(project: string, body: unknown, waitMs?: number): Promise<Json> {
    return jobs.insertJob(this.jobs, project, body, waitMs);
  }

  getJob(project: string, jobId: string): Json {
    return jobs.getJob(this.jobs, project, jobId);
  }

  listJobs(
    project: string,
    q: { maxResults?: string; pageToken?: string; stateFilter?: string; parentJobId?: string },
  ): Json {
    return jobs.listJobs(this.jobs, project, q);
  }

  cancelJob(project: string, jobId: string): Promise<Json> {
    return jobs.cancelJob(this.jobs, project, jobId);
  }

  /** jobs.getQueryResults */
  getQueryResults(
    project: string,
    jobId: string,
    q: { maxResults?: string; pageToken?: string; startIndex?: string; timeoutMs?: string },
    ts: TimestampFormat,
  ): Promise<Json> {
    return jobs.getQueryResults(this.jobs, project, jobId, q, ts);
  }

  /** jobs.query: runs a query job and returns its first page. */
  query(project: string, body: unknown): Promise<Json> {
    return jobs.query(this.jobs, project, body);
  }
}
