import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { DuckDBConnection, DuckDBDataChunk } from '@duckdb/node-api';
import {
  Catalog,
  isIngestionPartitioned,
  type JobRecord,
  physicalName,
  type ResultSource,
  type TableMeta,
  type TimePartitioning,
} from './catalog.js';
import * as catalogOps from './catalog-ops.js';
import { afterDataWrite, partitionIdOf, resultVersion, todayUtc } from './data-write.js';
import { Database } from './db.js';
import {
  BigQueryError,
  duplicate,
  errorProto,
  invalid,
  invalidQuery,
  notFound,
  toBigQueryError,
} from './errors.js';
import {
  checkDatasetId,
  checkJobId,
  checkProjectId,
  checkTableId,
  partitionDate,
  splitDecorator,
} from './ids.js';
import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';
import { DEFAULT_PAGE, MAX_PAGE, type Paging, pageOf, pageParams } from './paging.js';
import {
  checkCompatible,
  countRows,
  createPhysical,
  evolveSchema,
  parseTimePartitioning,
  schemaOf,
  shapeOf,
} from './physical.js';
import {
  makeResolver,
  partitionFilter,
  type ResolvedTable,
  type TableRef,
  tableNotFound,
} from './resolve.js';
import { asObject, clampInt, etag, type Json, LOCATION, optString, timestampFormatOf } from './rest.js';
import { requireDataset, requireTable, type TableKey, type Tx } from './store.js';
import * as tabledata from './tabledata.js';
import { loadTranslator, type Translator, translatorLoadError } from './translator.js';
import {
  type Cell,
  encodeColumns,
  estimateRowBytes,
  type FieldSchema,
  normalizeSchema,
  reencodeTimestamps,
  type TimestampFormat,
} from './types.js';
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
}

const DEFAULT_FILE_MEMORY_LIMIT = '1GB';
/** Results up to this many rows are read once with their schema and answered from memory (see runQuery). */
const SMALL_RESULT_ROWS = 1_000;
const SMALL_RESULT_CACHE = 64;
/** ...and at most this much JSON: larger ones are stored like large results. */
const SMALL_RESULT_BYTES = 1 << 20;
const SCHEMA_CACHE = 256;
const TRANSLATION_CACHE = 256;

/** DuckDB instance settings from the options (validated: they reach DuckDB's configuration, not SQL). */
export function duckdbSettings(opts: WarehouseOptions): Record<string, string> {
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
  if (opts.dataDir) {
    settings.temp_directory = join(opts.dataDir, 'tmp');
  }
  return settings;
}

const JOB_WAIT_MS = 10_000;
const RESULT_TTL_MS = 24 * 3600 * 1000;

type Translation = ReturnType<Translator['translateQuery']>;

/** Whether `ref` still resolves to the relation `was` (a table that is gone now does not). */
function sameRelation(resolve: (ref: TableRef) => ResolvedTable, ref: TableRef, was: ResolvedTable): boolean {
  try {
    const now = resolve(ref);
    return now.sql === was.sql && now.pseudoColumns.join(',') === was.pseudoColumns.join(',');
  } catch {
    return false;
  }
}
type EncodedRow = { f: { v: Cell }[] };

interface Running {
  done: Promise<void>;
  connection?: DuckDBConnection;
  cancelled: boolean;
}

/** Writes rows produced by `sql` (columns = `schema`, plus `_PARTITIONTIME` when `withPartitionTime`). */
interface WriteSource {
  sql: string;
  schema: FieldSchema[];
  withPartitionTime?: boolean;
  /** Values for `?` placeholders in `sql` (absent: none; then DELETE and INSERT share one call). */
  params?: never[] | undefined;
  /** The rows are a query job's result (writeInto says where to read them later). */
  result?: boolean;
}

interface WriteOptions {
  createDisposition?: unknown;
  writeDisposition?: unknown;
  defaultWrite: 'WRITE_EMPTY' | 'WRITE_APPEND';
  timePartitioning?: unknown;
  schemaUpdateOptions?: unknown;
}

/**
 * The warehouse: a BigQuery-shaped catalog and job engine over one DuckDB database. Every public method takes REST-shaped
 * input, validates it, and returns REST-shaped resources or throws BigQueryError.
 */
export class Warehouse {
  readonly projectId: string;
  private readonly running = new Map<string, Running>();
  private readonly paging: Paging;

  private constructor(
    readonly db: Database,
    readonly catalog: Catalog,
    private readonly logger: Logger,
    private readonly translator: Translator | undefined,
    opts: WarehouseOptions,
  ) {
    this.projectId = opts.projectId ?? 'local-project';
    this.paging = { pageSize: opts.pageSize ?? DEFAULT_PAGE, maxPageSize: opts.maxPageSize ?? MAX_PAGE };
  }

  static async open(opts: WarehouseOptions = {}): Promise<Warehouse> {
    const { mkdir } = await import('node:fs/promises');
    let path: string | null = null;
    if (opts.dataDir) {
      await mkdir(opts.dataDir, { recursive: true });
      path = join(opts.dataDir, 'warehouse.duckdb');
    }
    const settings = duckdbSettings(opts);
    const translator = opts.translator ?? (await loadTranslator());
    let db: Database;
    try {
      db = await Database.open(path, translator?.DUCKDB_MACROS ?? [], 4, settings);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (/lock/i.test(msg))
        throw new Error(`data dir ${opts.dataDir} is in use by another warehouse process`);
      throw new Error(`cannot open the warehouse database in ${opts.dataDir}: ${msg.split('\n')[0]}`);
    }
    const catalog = await db.write((c) => Catalog.load(c));
    const wh = new Warehouse(db, catalog, opts.logger ?? silentLogger, translator, opts);
    await wh.dropExpiredResults(true);
    return wh;
  }

  async close(): Promise<void> {
    for (const r of this.running.values()) {
      r.cancelled = true;
      r.connection?.interrupt();
    }
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
    await this.db.close();
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

  // ───────────────────────────── jobs ─────────────────────────────

  /** jobs.insert: starts the job, waits a little for it, returns the job resource (DONE in the common case). */
  async insertJob(project: string, body: unknown, waitMs = JOB_WAIT_MS): Promise<Json> {
    checkProjectId(project);
    const b = asObject(body, 'Job');
    const ref = asObject(b.jobReference ?? {}, 'jobReference');
    const jobId = checkJobId(optString(ref.jobId, 'jobId') ?? `job_${randomUUID().replace(/-/g, '_')}`);
    const configuration = asObject(b.configuration, 'configuration');
    const kinds = ['query', 'copy', 'load', 'extract'].filter((k) => configuration[k] !== undefined);
    if (kinds.length !== 1) throw invalid('Exactly one of query, copy, load or extract must be configured.');
    const key = `${project}\u0000${jobId}`;
    if (this.catalog.job(project, jobId) || this.running.has(key))
      throw duplicate(`Job ${project}:${LOCATION}.${jobId}`);
    const now = Date.now();
    const record: JobRecord = {
      project,
      jobId,
      creationTime: now,
      resource: {
        kind: 'bigquery#job',
        etag: etag(now),
        id: `${project}:${LOCATION}.${jobId}`,
        selfLink: `/bigquery/v2/projects/${project}/jobs/${jobId}?location=${LOCATION}`,
        user_email: 'local@warehouse.local',
        jobReference: { projectId: project, jobId, location: LOCATION },
        configuration: { ...configuration, jobType: kinds[0]!.toUpperCase() },
        status: { state: 'RUNNING' },
        statistics: { creationTime: String(now), startTime: String(now) },
      },
    };
    const running: Running = { done: Promise.resolve(), cancelled: false };
    running.done = this.execute(record, kinds[0]!, configuration[kinds[0]!], running)
      .catch((e: unknown) => this.logger.error('job crashed', { jobId, error: String(e) }))
      .finally(() => this.running.delete(key));
    this.running.set(key, running);
    this.pendingRecords.set(key, record);
    await waitFor(running.done, waitMs);
    return this.getJob(project, jobId);
  }

  private readonly pendingRecords = new Map<string, JobRecord>();
  /** Translations with the table relations they were made with (see translate), oldest first. */
  private readonly translations = new Map<
    string,
    { result: Translation; resolved: [TableRef, ResolvedTable][] }
  >();
  /** Result schemas of translated queries (see resultSchemaOf), oldest first. */
  private readonly schemaCache = new Map<string, FieldSchema[]>();
  /** Rows of the latest small results (job key → f/v rows, int64 timestamps), oldest first; see readResult. */
  private readonly smallResults = new Map<string, EncodedRow[]>();

  private rememberSmallResult(key: string, rows: EncodedRow[]): void {
    this.smallResults.set(key, rows);
    if (this.smallResults.size > SMALL_RESULT_CACHE) {
      const oldest = this.smallResults.keys().next().value;
      if (oldest !== undefined) this.smallResults.delete(oldest);
    }
  }
  private finishedJobs = 0;

  private jobRecord(project: string, jobId: string): JobRecord {
    checkProjectId(project);
    checkJobId(jobId);
    const rec = this.catalog.job(project, jobId) ?? this.pendingRecords.get(`${project}\u0000${jobId}`);
    if (!rec) throw notFound(`Job ${project}:${LOCATION}.${jobId}`);
    return rec;
  }

  getJob(project: string, jobId: string): Json {
    return this.jobRecord(project, jobId).resource;
  }

  listJobs(project: string, q: { maxResults?: string; pageToken?: string; stateFilter?: string }): Json {
    checkProjectId(project);
    const all = [
      ...[...this.catalog.jobs.values()].filter((j) => j.project === project),
      ...[...this.pendingRecords.values()].filter(
        (j) => j.project === project && !this.catalog.job(project, j.jobId),
      ),
    ]
      .filter((j) => !q.stateFilter || j.resource.status.state.toLowerCase() === q.stateFilter.toLowerCase())
      .sort((a, b) => b.creationTime - a.creationTime);
    const { items, next } = pageOf(all, q);
    return {
      kind: 'bigquery#jobList',
      etag: etag(all.length),
      jobs: items.map((j) => ({
        id: j.resource.id,
        kind: 'bigquery#job',
        jobReference: j.resource.jobReference,
        state: j.resource.status.state,
        configuration: j.resource.configuration,
        status: j.resource.status,
        statistics: j.resource.statistics,
        user_email: j.resource.user_email,
        ...((j.resource.status as Json).errorResult
          ? { errorResult: (j.resource.status as Json).errorResult }
          : {}),
      })),
      ...(next ? { nextPageToken: next } : {}),
    };
  }

  async cancelJob(project: string, jobId: string): Promise<Json> {
    const rec = this.jobRecord(project, jobId);
    const r = this.running.get(`${project}\u0000${jobId}`);
    if (r) {
      r.cancelled = true;
      r.connection?.interrupt();
      await waitFor(r.done, 5_000);
    }
    return { kind: 'bigquery#jobCancelResponse', job: this.jobRecord(project, rec.jobId).resource };
  }

  /** jobs.getQueryResults */
  async getQueryResults(
    project: string,
    jobId: string,
    q: { maxResults?: string; pageToken?: string; startIndex?: string; timeoutMs?: string },
    ts: TimestampFormat,
  ): Promise<Json> {
    let rec = this.jobRecord(project, jobId);
    const r = this.running.get(`${project}\u0000${jobId}`);
    if (r) {
      const timeout =
        q.timeoutMs !== undefined ? clampInt(q.timeoutMs, 'timeoutMs', 0, 600_000) : JOB_WAIT_MS;
      await waitFor(r.done, timeout);
      rec = this.jobRecord(project, jobId);
    }
    const base = {
      kind: 'bigquery#getQueryResultsResponse',
      etag: etag(rec.creationTime),
      jobReference: rec.resource.jobReference,
    };
    if (rec.resource.status.state !== 'DONE') return { ...base, jobComplete: false };
    const err = (rec.resource.status as Json).errorResult as { reason: string; message: string } | undefined;
    if (err) throw new BigQueryError((err.reason as never) ?? 'invalidQuery', err.message);
    return { ...base, ...(await this.resultPage(rec, q, ts)) };
  }

  /** jobs.query: runs a query job and returns its first page. */
  async query(project: string, body: unknown): Promise<Json> {
    const b = asObject(body, 'QueryRequest');
    if (typeof b.query !== 'string') throw invalid('Required parameter is missing: query');
    const queryConfig: Json = { query: b.query };
    for (const k of [
      'useLegacySql',
      'defaultDataset',
      'queryParameters',
      'parameterMode',
      'maximumBytesBilled',
      'labels',
    ]) {
      if (b[k] !== undefined) queryConfig[k] = b[k];
    }
    const requestId = optString(b.requestId, 'requestId');
    const timeoutMs =
      b.timeoutMs !== undefined ? clampInt(String(b.timeoutMs), 'timeoutMs', 0, 600_000) : JOB_WAIT_MS;
    const job = await this.insertJob(
      project,
      {
        jobReference: { jobId: requestId ? `req_${requestId.replace(/[^A-Za-z0-9_-]/g, '_')}` : undefined },
        configuration: { query: queryConfig, dryRun: b.dryRun === true, labels: b.labels },
      },
      timeoutMs,
    );
    const ref = job.jobReference as { jobId: string };
    const status = job.status as Json;
    if (status.errorResult) {
      const e = status.errorResult as { reason: string; message: string };
      throw new BigQueryError(e.reason as never, e.message);
    }
    const formatOptions = (b.formatOptions ?? {}) as Json;
    const ts = timestampFormatOf(
      formatOptions.useInt64Timestamp === true ? 'true' : undefined,
      optString(formatOptions.timestampOutputFormat, 'timestampOutputFormat'),
    );
    const base = { kind: 'bigquery#queryResponse', jobReference: job.jobReference };
    if (status.state !== 'DONE') return { ...base, jobComplete: false };
    if (b.dryRun === true) {
      return {
        ...base,
        jobComplete: true,
        schema: (job.statistics as Json & { query?: Json }).query?.schema,
      };
    }
    const rec = this.jobRecord(project, ref.jobId);
    const maxResults = b.maxResults !== undefined ? String(b.maxResults) : undefined;
    return { ...base, ...(await this.resultPage(rec, { maxResults }, ts)) };
  }

  private async resultPage(
    rec: JobRecord,
    q: { maxResults?: string; pageToken?: string; startIndex?: string },
    ts: TimestampFormat,
  ): Promise<Json> {
    const schema = rec.resultSchema ?? [];
    const total = rec.totalRows ?? 0;
    const common: Json = {
      schema: { fields: schema },
      totalRows: String(total),
      totalBytesProcessed: '0',
      jobComplete: true,
      cacheHit: false,
      ...(rec.numDmlAffectedRows !== undefined ? { numDmlAffectedRows: String(rec.numDmlAffectedRows) } : {}),
    };
    const { offset, limit } = pageParams(q, this.paging);
    let rows: Json[];
    if (rec.resultSource) {
      rows = await this.destinationRows(rec, rec.resultSource, offset, limit, ts);
    } else if (rec.inlineResult) {
      const all = await this.inlineRows(rec);
      rows = all ? reencodeTimestamps(schema, all.slice(offset, offset + limit), ts) : [];
    } else if (rec.resultTable) {
      const resultTable = rec.resultTable;
      rows = await this.db.read(async (c) => {
        if (offset >= total) return [];
        const reader = await c.runAndReadAll(
          `SELECT * FROM ${resultTable} WHERE rowid >= ${offset} AND rowid < ${offset + limit} ORDER BY rowid`,
        );
        return encodeColumns(schema, reader.getColumns(), ts);
      });
    } else {
      return { ...common, rows: [] };
    }
    const nextOffset = offset + rows.length;
    return {
      ...common,
      rows,
      ...(nextOffset < total && rows.length > 0 ? { pageToken: String(nextOffset) } : {}),
    };
  }

  /** A small result's rows: from the cache of recent ones, else from the job's stored record. */
  private async inlineRows(rec: JobRecord): Promise<EncodedRow[] | undefined> {
    const key = `${rec.project}\u0000${rec.jobId}`;
    const cached = this.smallResults.get(key);
    if (cached) return cached;
    const text = await this.db.read((c) => Catalog.inlineResult(c, rec.project, rec.jobId));
    if (text === undefined) return undefined;
    const rows = JSON.parse(text) as EncodedRow[];
    this.rememberSmallResult(key, rows);
    return rows;
  }

  /**
   * A page of a destination-table job's result, read from the destination while the catalog shows the version the job
   * wrote there (same table, no data write to those rows since) before and after the read: the catalog takes a
   * commit's metadata before any read that sees its rows completes (Database.write applies it right after COMMIT). A
   * later write retires the result, answered as BigQuery answers results no longer there: notFound naming the table
   * (README, "Job results").
   */
  private async destinationRows(
    rec: JobRecord,
    src: ResultSource,
    offset: number,
    limit: number,
    ts: TimestampFormat,
  ): Promise<Json[]> {
    const current = (): TableMeta => {
      const t = this.catalog.table(src.project, src.datasetId, src.tableId);
      if (
        !t ||
        t.uid !== src.uid ||
        t.creationTime !== src.creationTime ||
        resultVersion(t, src.partition) !== src.version
      ) {
        throw notFound(
          `Table ${src.project}:${src.datasetId}.${src.tableId}${src.partition ? `$${src.partition}` : ''}: ` +
            `the results of job ${rec.jobId} were read from it and a later write has replaced them`,
        );
      }
      return t;
    };
    const t = current();
    if (offset >= (rec.totalRows ?? 0)) return [];
    const where = src.partition === undefined ? '' : ` WHERE ${partitionFilter(t, src.partition)}`;
    const reader = await this.db.read((c) =>
      c.runAndReadAll(
        `SELECT ${src.columns.map((n) => `"${n}"`).join(', ')} FROM ${physicalName(t.uid)}${where} LIMIT ${limit} OFFSET ${offset}`,
      ),
    );
    current();
    return encodeColumns(rec.resultSchema ?? [], reader.getColumns(), ts);
  }

  // ───────────────────────────── job execution ─────────────────────────────

  private async execute(record: JobRecord, kind: string, config: unknown, running: Running): Promise<void> {
    const stats: Json = { ...(record.resource.statistics as Json) };
    let writeCommitted = false;
    try {
      const cfg = asObject(config, `configuration.${kind}`);
      const dryRun = (record.resource.configuration as Json).dryRun === true;
      let outcome: JobOutcome;
      if (kind === 'query') outcome = await this.runQuery(record, cfg, dryRun, running);
      else if (kind === 'copy') outcome = await this.runCopy(record, cfg);
      else if (kind === 'load') outcome = await this.runLoad(record, cfg, running);
      else throw invalid('Extract jobs are not supported by this warehouse.');
      if (running.cancelled && !outcome.committed) {
        throw new BigQueryError('stopped', 'Job execution was cancelled: User requested cancellation');
      }
      writeCommitted = outcome.committed;
      if (!outcome.saved) {
        finishRecord(record, outcome);
        await this.db.writeOne(Catalog.saveJobSql(record, outcome.inlineJson));
        if (outcome.inlineRows)
          this.rememberSmallResult(`${record.project}\u0000${record.jobId}`, outcome.inlineRows);
      }
    } catch (e) {
      if (writeCommitted) this.logger.error('job bookkeeping failed after commit', { jobId: record.jobId });
      const err = running.cancelled
        ? new BigQueryError('stopped', 'Job execution was cancelled: User requested cancellation')
        : toBigQueryError(e);
      record.resource = {
        ...record.resource,
        status: { state: 'DONE', errorResult: errorProto(err), errors: [errorProto(err)] },
        statistics: { ...stats, endTime: String(Date.now()) },
      };
      delete record.resultTable;
      delete record.resultSource;
      delete record.inlineResult;
      await this.db.writeOne(Catalog.saveJobSql(record)).catch(() => undefined);
      this.logger.info('job failed', { jobId: record.jobId, reason: err.reason });
    } finally {
      this.catalog.putJob(record);
      this.pendingRecords.delete(`${record.project}\u0000${record.jobId}`);
      // Anonymous result tables expire after 24 h; sweep now and then, not only at start-up.
      if (++this.finishedJobs % 250 === 0) {
        this.dropExpiredResults().catch((e: unknown) =>
          this.logger.warn('result cleanup failed', { error: String(e) }),
        );
      }
    }
  }

  private async runQuery(
    record: JobRecord,
    cfg: Json,
    dryRun: boolean,
    running: Running,
  ): Promise<JobOutcome> {
    const tr = this.translator;
    if (!tr) {
      throw invalidQuery(
        `The SQL translator is not available in this build${translatorLoadError ? `: ${translatorLoadError}` : ''}.`,
      );
    }
    if (typeof cfg.query !== 'string' || cfg.query.trim() === '')
      throw invalid('Required parameter is missing: query');
    const useLegacy = typeof cfg.useLegacySql === 'boolean' ? cfg.useLegacySql : undefined;
    const { dialect, sql } = tr.detectDialect(cfg.query, useLegacy);
    const dd = cfg.defaultDataset === undefined ? undefined : asObject(cfg.defaultDataset, 'defaultDataset');
    const defaultProject =
      dd?.projectId !== undefined ? checkProjectId(String(dd.projectId)) : record.project;
    const defaultDataset = dd?.datasetId !== undefined ? checkDatasetId(String(dd.datasetId)) : undefined;
    if (cfg.queryParameters !== undefined && !Array.isArray(cfg.queryParameters)) {
      throw invalid('queryParameters must be a list.');
    }
    const parameterMode =
      cfg.parameterMode === 'NAMED' || cfg.parameterMode === 'POSITIONAL' ? cfg.parameterMode : undefined;
    const translated = this.translate(tr, sql, {
      dialect,
      defaultProject,
      ...(defaultDataset ? { defaultDataset } : {}),
      ...(cfg.queryParameters ? { params: cfg.queryParameters as unknown[] } : {}),
      ...(parameterMode ? { parameterMode } : {}),
    });
    const kind = translated.statementKind;
    // Parameters are inlined by the translator; `undefined` (not []) keeps DuckDB calls on the one-trip path.
    const bind = translated.params.length > 0 ? (translated.params as never[]) : undefined;
    const statementType = kind === 'select' ? 'SELECT' : kind.toUpperCase();
    if (dryRun) {
      if (kind !== 'select') {
        return { committed: false, queryStats: { statementType, totalBytesProcessed: '0' } };
      }
      const schema = await this.db.read(async (c) => {
        const reader = await c.runAndReadAll(`SELECT * FROM (${translated.sql}) AS q LIMIT 0`, bind);
        return schemaOf(reader.columnNames(), reader.columnTypes());
      });
      return {
        committed: false,
        schema,
        queryStats: {
          statementType,
          totalBytesProcessed: '0',
          totalBytesBilled: '0',
          schema: { fields: schema },
        },
      };
    }
    if (kind === 'insert' || kind === 'update' || kind === 'delete' || kind === 'merge') {
      if (cfg.destinationTable !== undefined)
        throw invalid('Cannot set destination table for a DML statement.');
      return this.db.write(async (c, onCommit, atCommit) => {
        const snapshots: TableMeta[] = [];
        const snapshot = (t: TableMeta) => snapshots.push(t);
        const result = await c.run(translated.sql, bind);
        const affected = Number(result.rowsChanged);
        const target = translated.targetTable;
        const outcome: JobOutcome = {
          committed: true,
          saved: true,
          numDmlAffectedRows: affected,
          totalRows: 0,
          schema: [],
          queryStats: {
            statementType,
            numDmlAffectedRows: String(affected),
            totalBytesProcessed: '0',
            totalBytesBilled: '0',
            dmlStats: dmlStats(kind, affected),
          },
        };
        if (target) {
          const t = this.catalog.table(target.project ?? record.project, target.dataset, target.table);
          if (t) await afterDataWrite(this.catalog, c, { onCommit, atCommit, snapshot }, t, new Set(['*']));
        }
        finishRecord(record, outcome);
        atCommit(Catalog.saveJobSql(record, undefined, snapshots));
        return outcome;
      });
    }
    if (kind !== 'select') {
      throw invalidQuery(
        `${statementType} statements are not supported by this warehouse; use tables.insert / tables.delete instead.`,
      );
    }
    const queryStats = (schema: FieldSchema[]): Json => ({
      statementType,
      totalBytesProcessed: '0',
      totalBytesBilled: '0',
      cacheHit: false,
      schema: { fields: schema },
    });
    if (cfg.destinationTable !== undefined) {
      // A destination-table job runs its query straight into the destination, in the write transaction (interruptible
      // by jobs.cancel, which rolls it back). Its result is then the destination's rows (see ResultSource), not a copy;
      // writeInto materialises a result table only where the destination will hold more than the job's rows.
      const dest = tableKeyOf(cfg.destinationTable, record.project);
      return this.db.write(async (c, onCommit, atCommit) => {
        const snapshots: TableMeta[] = [];
        const tx: Tx = { onCommit, atCommit, snapshot: (t) => snapshots.push(t) };
        const schema = await this.withConnection(running, c, () =>
          this.resultSchemaOf(c, translated.sql, bind),
        );
        const outcome: JobOutcome = { committed: true, saved: true, schema, queryStats: queryStats(schema) };
        const written = await this.withConnection(running, c, () =>
          this.writeInto(
            c,
            tx,
            dest,
            { sql: translated.sql, schema, params: bind, result: true },
            {
              createDisposition: cfg.createDisposition,
              writeDisposition: cfg.writeDisposition,
              defaultWrite: 'WRITE_EMPTY',
              timePartitioning: cfg.timePartitioning,
              schemaUpdateOptions: cfg.schemaUpdateOptions,
            },
          ),
        );
        if (running.cancelled) {
          throw new BigQueryError('stopped', 'Job execution was cancelled: User requested cancellation');
        }
        outcome.totalRows = written.inserted;
        if (written.resultTable) outcome.resultTable = written.resultTable;
        if (written.resultSource) outcome.resultSource = written.resultSource;
        finishRecord(record, outcome);
        atCommit(Catalog.saveJobSql(record, undefined, snapshots));
        return outcome;
      });
    }
    const result = await this.db.read((c) =>
      this.withConnection(running, c, () => this.readResult(c, translated.sql, bind)),
    );
    if (running.cancelled) {
      if (result.resultTable) await this.dropResultTable(result.resultTable);
      throw new BigQueryError('stopped', 'Job execution was cancelled: User requested cancellation');
    }
    return { committed: false, ...result, queryStats: queryStats(result.schema) };
  }

  /**
   * Runs a SELECT on reader `c` and keeps its result (BigQuery's anonymous result table) the cheapest way that survives
   * a restart: the rows are streamed; a result of at most SMALL_RESULT_ROWS rows is returned encoded, to be stored with
   * the job record (one statement the job writes anyway) and answered from memory; a larger one is appended, chunk by
   * chunk, to a `_results` table on the spool connection (memory stays bounded) and paged from there. The query runs
   * once either way.
   */
  private async readResult(
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
        if (inlineJson.length <= SMALL_RESULT_BYTES)
          return { schema, totalRows: rows, inlineRows, inlineJson };
        break;
      }
      chunks.push(chunk);
      rows += chunk.rowCount;
    }
    const resultTable = `_results."r_${randomBytes(8).toString('hex')}"`;
    const types = stream.columnTypes();
    try {
      const totalRows = await this.db.spool(async (s) => {
        // Positional column names: the schema lives in the job record, and pages are read with SELECT *.
        await s.run(
          `CREATE TABLE ${resultTable} (${types.map((t, i) => `c${i} ${t.toString()}`).join(', ')})`,
        );
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
      await this.dropResultTable(resultTable);
      throw e;
    }
  }

  private async dropResultTable(resultTable: string): Promise<void> {
    await this.db.spool((s) => s.run(`DROP TABLE IF EXISTS ${resultTable}`)).catch(() => undefined);
  }

  /**
   * Translates through a cache: a translation is a function of the SQL text, the options and what the catalog answered
   * for each table the query names, so a cached one is reused only while re-resolving those tables gives the same
   * relations (a meta-table's relation carries the catalog's stats: changed by any write, so those re-translate).
   */
  private translate(
    tr: Translator,
    sql: string,
    opts: Omit<Parameters<Translator['translateQuery']>[1], 'resolveTable'>,
  ): Translation {
    const key = JSON.stringify([
      sql,
      opts.dialect,
      opts.defaultProject,
      opts.defaultDataset ?? null,
      opts.params ?? null,
      opts.parameterMode ?? null,
    ]);
    const resolve = makeResolver(this.catalog, opts.defaultProject);
    const hit = this.translations.get(key);
    if (hit?.resolved.every(([ref, out]) => sameRelation(resolve, ref, out))) {
      this.translations.delete(key); // refresh its LRU position
      this.translations.set(key, hit);
      return hit.result;
    }
    const resolved: [TableRef, ResolvedTable][] = [];
    const result = tr.translateQuery(sql, {
      ...opts,
      resolveTable: (ref) => {
        const out = resolve(ref);
        resolved.push([{ ...ref }, out]);
        return out;
      },
    });
    this.translations.set(key, { result, resolved });
    if (this.translations.size > TRANSLATION_CACHE) {
      const oldest = this.translations.keys().next().value;
      if (oldest !== undefined) this.translations.delete(oldest);
    }
    return result;
  }

  /** Runs `fn` with `c` registered as the job's connection, so jobs.cancel can interrupt it. */
  private async withConnection<T>(running: Running, c: DuckDBConnection, fn: () => Promise<T>): Promise<T> {
    if (running.cancelled)
      throw new BigQueryError('stopped', 'Job execution was cancelled: User requested cancellation');
    running.connection = c;
    try {
      return await fn();
    } finally {
      running.connection = undefined;
    }
  }

  /**
   * The schema of a query's result without running it (DuckDB binds it), cached by the SQL text and the catalog's
   * schema epoch: the translated text names physical tables, so only a schema change can change its result's schema.
   */
  private async resultSchemaOf(
    c: DuckDBConnection,
    sql: string,
    bind: never[] | undefined,
  ): Promise<FieldSchema[]> {
    const key = `${this.catalog.schemaEpoch}\u0000${sql}`;
    const cached = bind ? undefined : this.schemaCache.get(key);
    if (cached) return cached;
    const prepared = await c.prepare(sql);
    try {
      const names: string[] = [];
      const types: import('@duckdb/node-api').DuckDBType[] = [];
      for (let i = 0; i < prepared.columnCount; i++) {
        names.push(prepared.columnName(i));
        types.push(prepared.columnType(i));
      }
      const schema = schemaOf(names, types);
      if (!bind) {
        this.schemaCache.set(key, schema);
        if (this.schemaCache.size > SCHEMA_CACHE) {
          const oldest = this.schemaCache.keys().next().value;
          if (oldest !== undefined) this.schemaCache.delete(oldest);
        }
      }
      return schema;
    } finally {
      prepared.destroySync();
    }
  }

  private async runCopy(record: JobRecord, cfg: Json): Promise<JobOutcome> {
    const rawSources = Array.isArray(cfg.sourceTables)
      ? cfg.sourceTables
      : cfg.sourceTable
        ? [cfg.sourceTable]
        : [];
    if (rawSources.length === 0) throw invalid('Required parameter is missing: sourceTable');
    if (cfg.operationType !== undefined && cfg.operationType !== 'COPY') {
      throw invalid('Only COPY operations are supported.');
    }
    const dest = tableKeyOf(cfg.destinationTable, record.project);
    return this.db.write(async (c, onCommit, atCommit) => {
      const sources = rawSources.map((s: unknown) => {
        const k = tableKeyOf(s, record.project);
        const { table, decorator } = splitDecorator(k.tableId);
        const t = requireTable(this.catalog, k.projectId, k.datasetId, table);
        return { t, decorator };
      });
      const first = sources[0]!.t;
      const destMeta = this.catalog.table(dest.projectId, dest.datasetId, splitDecorator(dest.tableId).table);
      const keepPt =
        sources.every((s: { t: TableMeta }) => isIngestionPartitioned(s.t)) &&
        (destMeta ? isIngestionPartitioned(destMeta) : true) &&
        splitDecorator(dest.tableId).decorator === undefined;
      const parts = sources.map(({ t, decorator }: { t: TableMeta; decorator?: string }) => {
        const cols = t.schema.map((f) => `"${f.name}"`);
        if (keepPt) cols.push('_PARTITIONTIME');
        const where = decorator === undefined ? '' : ` WHERE ${partitionFilter(t, decorator)}`;
        return `SELECT ${cols.join(', ') || 'NULL AS _none'} FROM ${physicalName(t.uid)}${where}`;
      });
      return this.writeJobOutput(
        c,
        { onCommit, atCommit },
        record,
        dest,
        { sql: parts.join(' UNION ALL BY NAME '), schema: first.schema, withPartitionTime: keepPt },
        {
          createDisposition: cfg.createDisposition,
          writeDisposition: cfg.writeDisposition,
          defaultWrite: 'WRITE_EMPTY',
          timePartitioning: keepPt && !destMeta ? first.timePartitioning : undefined,
        },
        { committed: true, saved: true },
      );
    });
  }

  private async runLoad(record: JobRecord, cfg: Json, running: Running): Promise<JobOutcome> {
    const { readLoadSource } = await import('./load.js');
    const dest = tableKeyOf(cfg.destinationTable, record.project);
    const { table: destTable } = splitDecorator(dest.tableId);
    const existing = this.catalog.table(dest.projectId, dest.datasetId, destTable);
    const declared =
      cfg.schema !== undefined ? normalizeSchema(asObject(cfg.schema, 'schema').fields ?? []) : undefined;
    const schema =
      declared && declared.length > 0 ? declared : existing?.schema.length ? existing.schema : undefined;
    const staging = `_results."l_${randomBytes(8).toString('hex')}"`;
    const loaded = await readLoadSource(this.db, cfg, schema, staging, running);
    try {
      return await this.db.write((c, onCommit, atCommit) =>
        this.writeJobOutput(
          c,
          { onCommit, atCommit },
          record,
          dest,
          { sql: `SELECT * FROM ${staging}`, schema: loaded.schema },
          {
            createDisposition: cfg.createDisposition,
            writeDisposition: cfg.writeDisposition,
            defaultWrite: 'WRITE_APPEND',
            timePartitioning: cfg.timePartitioning,
            schemaUpdateOptions: cfg.schemaUpdateOptions,
          },
          {
            committed: true,
            saved: true,
            loadStats: {
              inputFiles: String(loaded.files),
              inputFileBytes: String(loaded.bytes),
              outputRows: String(loaded.rows),
              outputBytes: String(loaded.rows * estimateRowBytes(loaded.schema)),
              badRecords: String(loaded.badRecords),
            },
          },
        ),
      );
    } finally {
      await this.db.write((c) => c.run(`DROP TABLE IF EXISTS ${staging}`)).catch(() => undefined);
    }
  }

  /**
   * The end of every copy and load job, inside the caller's write transaction: `writeInto`, then the job record is
   * finished with `outcome` and stored with the COMMIT; the catalog takes the new table metadata on commit.
   */
  private async writeJobOutput(
    c: DuckDBConnection,
    tx: Tx,
    record: JobRecord,
    dest: TableKey,
    source: WriteSource,
    opts: WriteOptions,
    outcome: JobOutcome,
  ): Promise<JobOutcome> {
    const snapshots: TableMeta[] = [];
    await this.writeInto(c, { ...tx, snapshot: (t) => snapshots.push(t) }, dest, source, opts);
    finishRecord(record, outcome);
    tx.atCommit(Catalog.saveJobSql(record, undefined, snapshots));
    return outcome;
  }

  /**
   * Writes `source` into `dest` (which may carry a `$YYYYMMDD` decorator) honouring create/write dispositions, inside the
   * caller's write transaction; the new table metadata is stored with the COMMIT and applied to the catalog on commit.
   * For a query's result (`source.result`), also says where the job's rows can be read later: from the destination
   * when it now holds exactly the inserted rows with the query's column types (WRITE_TRUNCATE, WRITE_EMPTY, a new
   * table), else from a result table materialised first (WRITE_APPEND, a column-partitioned `$YYYYMMDD` target, a
   * type-widened column).
   */
  private async writeInto(
    c: DuckDBConnection,
    tx: Tx,
    dest: TableKey,
    source: WriteSource,
    opts: WriteOptions,
  ): Promise<{ inserted: number; resultTable?: string; resultSource?: ResultSource }> {
    const { table: tableId, decorator } = splitDecorator(dest.tableId);
    checkTableId(tableId);
    const create = String(opts.createDisposition ?? 'CREATE_IF_NEEDED');
    const write = String(opts.writeDisposition ?? opts.defaultWrite);
    if (create !== 'CREATE_IF_NEEDED' && create !== 'CREATE_NEVER') {
      throw invalid(`Invalid createDisposition: ${create.slice(0, 40)}`);
    }
    if (write !== 'WRITE_TRUNCATE' && write !== 'WRITE_APPEND' && write !== 'WRITE_EMPTY') {
      throw invalid(`Invalid writeDisposition: ${write.slice(0, 40)}`);
    }
    requireDataset(this.catalog, dest.projectId, dest.datasetId);
    let t = this.catalog.table(dest.projectId, dest.datasetId, tableId);
    // A source that reads its own destination is computed first, from the rows before the write (the truncation, a
    // replaced table, added columns must not show in it): into a result table for a query, a staging table otherwise.
    let sourceSql = source.sql;
    let resultTable: string | undefined;
    let staging: string | undefined;
    if (t && source.sql.includes(physicalName(t.uid))) {
      const table = `_results."${source.result ? 'r' : 's'}_${randomBytes(8).toString('hex')}"`;
      await c.run(`CREATE TABLE ${table} AS ${source.sql}`, source.params);
      sourceSql = `SELECT * FROM ${table}`;
      if (source.result) resultTable = table;
      else staging = table;
    }
    let created = false;
    if (!t) {
      if (create === 'CREATE_NEVER') throw tableNotFound(dest.projectId, dest.datasetId, tableId);
      const tp =
        opts.timePartitioning !== undefined
          ? parseTimePartitioning(opts.timePartitioning, source.schema)
          : decorator !== undefined
            ? ({ type: 'DAY' } as TimePartitioning)
            : undefined;
      t = await createPhysical(this.catalog, c, { ...dest, tableId }, source.schema, tp);
      created = true;
    } else if (t.schema.length === 0) {
      await evolveSchema(c, t, source.schema);
      t = { ...t, schema: source.schema };
    } else if (write === 'WRITE_TRUNCATE' && decorator === undefined) {
      // Truncating a whole table replaces its schema with the source's, as BigQuery does.
      await c.run(`DROP TABLE ${physicalName(t.uid)}`);
      const replaced = await createPhysical(
        this.catalog,
        c,
        { ...dest, tableId },
        source.schema,
        t.timePartitioning,
        t.uid,
      );
      t = { ...t, schema: replaced.schema, partitions: {}, numRows: 0, numBytes: 0 };
    } else {
      const allowAdd =
        Array.isArray(opts.schemaUpdateOptions) && opts.schemaUpdateOptions.includes('ALLOW_FIELD_ADDITION');
      const merged = checkCompatible(t, source.schema, allowAdd);
      if (merged.length > t.schema.length) {
        await evolveSchema(c, t, merged);
        t = { ...t, schema: merged };
      }
    }
    const phys = physicalName(t.uid);
    const target = decorator === undefined ? 'TRUE' : partitionFilter(t, decorator);
    if (write === 'WRITE_EMPTY' && !created && (await countRows(c, `${phys} WHERE ${target}`)) > 0) {
      throw duplicate(`Table ${t.project}:${t.datasetId}.${t.tableId}${decorator ? `$${decorator}` : ''}`);
    }
    const byLower = new Map(t.schema.map((f) => [f.name.toLowerCase(), f]));
    const destField = (f: FieldSchema) => byLower.get(f.name.toLowerCase());
    const fromDestination =
      source.result === true &&
      !resultTable &&
      (write !== 'WRITE_APPEND' || created) &&
      !(decorator !== undefined && t.timePartitioning?.field) &&
      source.schema.every((f) => {
        const d = destField(f);
        return d !== undefined && JSON.stringify(shapeOf(d)) === JSON.stringify(shapeOf(f));
      });
    if (source.result === true && !fromDestination && !resultTable) {
      // The destination will hold more than (or other types than) the job's rows: keep them apart, as before.
      resultTable = `_results."r_${randomBytes(8).toString('hex')}"`;
      await c.run(`CREATE TABLE ${resultTable} AS ${source.sql}`, source.params);
      sourceSql = `SELECT * FROM ${resultTable}`;
    }
    const params = sourceSql === source.sql ? source.params : undefined;
    if (decorator !== undefined && t.timePartitioning?.field) {
      const outside = await countRows(
        c,
        `(${sourceSql}) AS s WHERE NOT coalesce(CAST("${t.timePartitioning.field}" AS DATE) = DATE '${partitionDate(decorator)}', false)`,
      );
      if (outside > 0) {
        throw invalid(
          `Some rows belong to different partitions rather than destination partition ${decorator}`,
        );
      }
    }
    // WRITE_TRUNCATE's DELETE runs in the same call as the INSERT (one trip to DuckDB; rowsChanged is the INSERT's).
    const truncate = write === 'WRITE_TRUNCATE' && !created ? `DELETE FROM ${phys} WHERE ${target}; ` : '';
    const targetCols = source.schema.map((f) => `"${destField(f)?.name ?? f.name}"`);
    const sourceCols = source.schema.map((f) => `s."${f.name}"`);
    if (isIngestionPartitioned(t)) {
      targetCols.push('_PARTITIONTIME');
      sourceCols.push(
        decorator !== undefined
          ? decorator === '__UNPARTITIONED__'
            ? 'NULL'
            : `TIMESTAMPTZ '${partitionDate(decorator)} 00:00:00+00'`
          : source.withPartitionTime
            ? 's._PARTITIONTIME'
            : `TIMESTAMPTZ '${todayUtc()} 00:00:00+00'`,
      );
    }
    let inserted = 0;
    if (targetCols.length > 0) {
      const insert = `INSERT INTO ${phys} (${targetCols.join(', ')}) SELECT ${sourceCols.join(', ')} FROM (${sourceSql}) AS s`;
      // Parameters bind to the query's own statement, so a DELETE cannot share the call then.
      if (params && truncate) await c.run(truncate);
      const result = await c.run(params ? insert : `${truncate}${insert}`, params);
      inserted = Number(result.rowsChanged);
    } else if (truncate) {
      await c.run(truncate);
    }
    // A truncated (or new) partition now holds exactly the inserted rows: no recount needed.
    const known =
      (truncate || created) && decorator !== undefined && targetCols.length > 0 ? inserted : undefined;
    const next = await afterDataWrite(this.catalog, c, tx, t, new Set([decorator ?? '*']), known);
    if (staging) await c.run(`DROP TABLE ${staging}`);
    if (!fromDestination) return { inserted, ...(resultTable ? { resultTable } : {}) };
    const partition = decorator === undefined ? undefined : partitionIdOf(decorator);
    return {
      inserted,
      resultSource: {
        uid: next.uid,
        creationTime: next.creationTime,
        project: next.project,
        datasetId: next.datasetId,
        tableId: next.tableId,
        ...(partition !== undefined ? { partition } : {}),
        version: resultVersion(next, partition),
        columns: source.schema.map((f) => destField(f)!.name),
      },
    };
  }

  /** Result tables live as long as BigQuery keeps anonymous results (24 h). */
  private async dropExpiredResults(atStartup = false): Promise<void> {
    const cutoff = Date.now() - RESULT_TTL_MS;
    let drop: string[];
    if (atStartup) {
      // Nothing runs yet: every result or staging table no live job refers to is garbage (e.g. from a killed job).
      const keep = new Set(
        [...this.catalog.jobs.values()]
          .filter((j) => j.creationTime >= cutoff && j.resultTable)
          .map((j) => j.resultTable),
      );
      const existing = await this.db.read((c) =>
        c.runAndReadAll(`SELECT table_name FROM duckdb_tables() WHERE schema_name = '_results'`),
      );
      drop = existing
        .getRows()
        .map(([n]) => `_results."${String(n)}"`)
        .filter((n) => !keep.has(n));
    } else {
      // While jobs run, only tables of known, expired jobs may go.
      drop = [...this.catalog.jobs.values()]
        .filter((j) => j.creationTime < cutoff && j.resultTable)
        .map((j) => j.resultTable!);
    }
    // Small results stored with their job records expire alike.
    const inline = [...this.catalog.jobs.values()].filter((j) => j.creationTime < cutoff && j.inlineResult);
    if (drop.length === 0 && inline.length === 0) return;
    await this.db.write(async (c) => {
      for (const n of drop) await c.run(`DROP TABLE IF EXISTS ${n}`);
      if (inline.length > 0)
        await c.run(
          `UPDATE _catalog.jobs SET result = NULL WHERE created < ${cutoff} AND result IS NOT NULL`,
        );
    });
    for (const j of inline) {
      delete j.inlineResult;
      this.smallResults.delete(`${j.project}\u0000${j.jobId}`);
    }
    if (!atStartup) {
      for (const j of this.catalog.jobs.values()) if (j.creationTime < cutoff) delete j.resultTable;
    }
  }
}

interface JobOutcome {
  committed: boolean;
  /** The job record was already written in the same transaction as the data. */
  saved?: boolean;
  resultTable?: string;
  schema?: FieldSchema[];
  totalRows?: number;
  numDmlAffectedRows?: number;
  queryStats?: Json;
  loadStats?: Json;
  configPatch?: Json;
  resultSource?: ResultSource;
  /** A small result's rows, stored with the job record (see readResult), and their JSON text. */
  inlineRows?: EncodedRow[];
  inlineJson?: string;
}

/** Fills the DONE state into a record before it is saved in the same transaction as the job's writes. */
function finishRecord(record: JobRecord, outcome: JobOutcome): void {
  const end = Date.now();
  record.resultTable = outcome.resultTable;
  record.resultSource = outcome.resultSource;
  record.inlineResult = outcome.inlineRows !== undefined ? true : undefined;
  record.resultSchema = outcome.schema;
  record.totalRows = outcome.totalRows;
  record.numDmlAffectedRows = outcome.numDmlAffectedRows;
  const stats = record.resource.statistics as Json;
  const kind = String((record.resource.configuration as Json).jobType).toLowerCase();
  record.resource = {
    ...record.resource,
    status: { state: 'DONE' },
    statistics: {
      ...stats,
      endTime: String(end),
      totalBytesProcessed: '0',
      ...(kind === 'query' ? { query: outcome.queryStats } : {}),
      ...(kind === 'load' ? { load: outcome.loadStats } : {}),
    },
  };
}

function dmlStats(kind: string, n: number): Json {
  if (kind === 'insert') return { insertedRowCount: String(n) };
  if (kind === 'delete') return { deletedRowCount: String(n) };
  return { updatedRowCount: String(n) };
}

function tableKeyOf(raw: unknown, defaultProject: string): TableKey {
  const o = asObject(raw, 'table reference');
  const projectId = checkProjectId(String(o.projectId ?? defaultProject));
  const datasetId = checkDatasetId(String(o.datasetId ?? ''));
  const tableId = String(o.tableId ?? '');
  checkTableId(splitDecorator(tableId).table);
  return { projectId, datasetId, tableId };
}

function waitFor(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    // then(done, done): a rejected job promise must never become an unhandled rejection.
    p.then(done, done);
  });
}
