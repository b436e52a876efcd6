import { Catalog, isIngestionPartitioned, physicalName, type TableMeta } from '../catalog.js';
import * as catalogOps from '../catalog-ops.js';
import { afterDataWrite, todayUtc } from '../data-write.js';
import { BigQueryError, duplicate, invalid, invalidQuery, notFound } from '../errors.js';
import { checkDatasetId, checkLabels, checkProjectId, checkTableId } from '../ids.js';
import { createPhysical, evolveSchema } from '../physical.js';
import { tableNotFound } from '../resolve.js';
import type { Json } from '../rest.js';
import type { DdlColumn, DdlOptionValue, DdlPartition, DdlStatement, DdlTarget } from '../sql/ddl.js';
import type { QueryParameter } from '../sql/params.js';
import { requireDataset, type TableKey } from '../store.js';
import { translateCached } from '../translate-pool.js';
import { type FieldSchema, normalizeSchema } from '../types.js';
import { viewSchema } from '../views.js';
import { type JobContext, type Running, withConnection } from './context.js';
import type { JobOutcome } from './outcome.js';

/**
 * DDL statements of a query job (parsed by ../sql/ddl.ts into a plain description): each is carried out with the
 * catalog's own operations — the same ones tables.insert / tables.delete / datasets.* use — so DDL adds no new way for
 * SQL text to reach DuckDB. Only the query of `CREATE TABLE … AS` and `CREATE VIEW` is SQL, and it goes through the
 * translator (and its sandbox) like every query. Statistics are BigQuery's: `statementType`, `ddlOperationPerformed`
 * (CREATE, REPLACE, SKIP, DROP), `ddlTargetTable` / `ddlTargetDataset`.
 */

export interface DdlJob {
  dryRun: boolean;
  running: Running;
  defaultProject: string;
  defaultDataset?: string;
  /** the job's queryParameters / parameterMode (for the query of CREATE TABLE … AS) */
  params?: QueryParameter[];
  parameterMode?: 'NAMED' | 'POSITIONAL';
}

type Op = 'CREATE' | 'REPLACE' | 'SKIP' | 'DROP';

const DAY_MS = 86_400_000;

export async function runDdl(ctx: JobContext, stmt: DdlStatement, job: DdlJob): Promise<JobOutcome> {
  const statementType =
    stmt.kind === 'CREATE_TABLE' && stmt.query !== undefined ? 'CREATE_TABLE_AS_SELECT' : stmt.kind;
  if (stmt.kind === 'CREATE_SCHEMA' || stmt.kind === 'DROP_SCHEMA') {
    const project = checkProjectId(stmt.project ?? job.defaultProject);
    const datasetId = checkDatasetId(stmt.dataset);
    const stats = (op?: Op): JobOutcome =>
      outcome(statementType, op, { ddlTargetDataset: { projectId: project, datasetId } }, !job.dryRun);
    if (job.dryRun) return stats();
    const exists = ctx.catalog.dataset(project, datasetId) !== undefined;
    if (stmt.kind === 'CREATE_SCHEMA') {
      const body = datasetBody(datasetId, stmt.options);
      if (exists) {
        if (stmt.ifNotExists) return stats('SKIP');
        throw duplicate(`Dataset ${project}:${datasetId}`);
      }
      await catalogOps.insertDataset(ctx, project, body);
      return stats('CREATE');
    }
    if (!exists) {
      if (stmt.ifExists) return stats('SKIP');
      throw notFound(`Dataset ${project}:${datasetId}`);
    }
    await catalogOps.deleteDataset(ctx, project, datasetId, stmt.cascade);
    return stats('DROP');
  }

  const key = tableKey(stmt.target, job.defaultProject);
  const ddlTargetTable = { projectId: key.projectId, datasetId: key.datasetId, tableId: key.tableId };
  const stats = (op?: Op, extra: Json = {}): JobOutcome =>
    outcome(statementType, op, { ddlTargetTable, ...extra }, !job.dryRun);
  const name = `${key.projectId}:${key.datasetId}.${key.tableId}`;
  if (job.dryRun) {
    requireDataset(ctx.catalog, key.projectId, key.datasetId);
    return stats();
  }
  requireDataset(ctx.catalog, key.projectId, key.datasetId);
  const existing = ctx.catalog.table(key.projectId, key.datasetId, key.tableId);

  switch (stmt.kind) {
    case 'CREATE_TABLE': {
      if (existing) {
        if (stmt.ifNotExists) return stats('SKIP');
        if (!stmt.replace) throw duplicate(`Table ${name}`);
        if (existing.view) throw invalidQuery(`${name} is a view; CREATE OR REPLACE TABLE cannot replace it`);
      }
      const op: Op = existing ? 'REPLACE' : 'CREATE';
      if (stmt.query !== undefined) await createTableAsSelect(ctx, stmt, key, job);
      else await createTable(ctx, stmt, key, normalizeColumns(stmt.columns ?? []));
      return stats(op);
    }
    case 'CREATE_VIEW': {
      if (existing) {
        if (stmt.ifNotExists) return stats('SKIP');
        if (!stmt.replace) throw duplicate(`Table ${name}`);
        if (!existing.view)
          throw invalidQuery(`${name} is a table; CREATE OR REPLACE VIEW cannot replace it`);
      }
      const schema = await viewSchema(ctx, ctx.translator, key.projectId, stmt.query, false);
      const fields: Record<string, DdlOptionValue> = stmt.options;
      await catalogOps.createView(
        ctx,
        key,
        { query: stmt.query, useLegacySql: false },
        schema,
        stmt.replace ? 'replace' : 'fail',
        (t) => applyOptions(t, fields, VIEW_OPTIONS),
      );
      return stats(existing ? 'REPLACE' : 'CREATE');
    }
    case 'DROP_TABLE':
    case 'DROP_VIEW': {
      if (!existing) {
        if (stmt.ifExists) return stats('SKIP');
        throw tableNotFound(key.projectId, key.datasetId, key.tableId);
      }
      if (stmt.kind === 'DROP_TABLE' && existing.view)
        throw invalidQuery(`${name} is a view; use DROP VIEW to drop it`);
      if (stmt.kind === 'DROP_VIEW' && !existing.view)
        throw invalidQuery(`${name} is a table, not a view; use DROP TABLE to drop it`);
      await catalogOps.deleteTable(ctx, key.projectId, key.datasetId, key.tableId);
      return stats('DROP');
    }
    case 'TRUNCATE_TABLE': {
      if (!existing) throw tableNotFound(key.projectId, key.datasetId, key.tableId);
      if (existing.view) throw invalidQuery(`${name} is a view; TRUNCATE TABLE needs a table`);
      const deleted = await ctx.db.write(async (c, onCommit, atCommit) => {
        const t = ctx.catalog.table(key.projectId, key.datasetId, key.tableId);
        if (!t || t.uid !== existing.uid) throw tableNotFound(key.projectId, key.datasetId, key.tableId);
        const r = await c.run(`DELETE FROM ${physicalName(t.uid)}`);
        await afterDataWrite(ctx.catalog, c, { onCommit, atCommit }, t, new Set(['*']));
        return Number(r.rowsChanged);
      });
      const out = stats(undefined, {
        numDmlAffectedRows: String(deleted),
        dmlStats: { deletedRowCount: String(deleted) },
      });
      out.numDmlAffectedRows = deleted;
      return out;
    }
    case 'ALTER_TABLE':
    case 'ALTER_VIEW': {
      if (!existing) {
        if (stmt.ifExists) return stats('SKIP');
        throw tableNotFound(key.projectId, key.datasetId, key.tableId);
      }
      if (stmt.kind === 'ALTER_TABLE' && existing.view)
        throw invalidQuery(`${name} is a view; use ALTER VIEW to change it`);
      if (stmt.kind === 'ALTER_VIEW' && !existing.view)
        throw invalidQuery(`${name} is a table, not a view; use ALTER TABLE to change it`);
      await alterTable(ctx, stmt, key, existing);
      return stats();
    }
  }
}

function outcome(statementType: string, op: Op | undefined, extra: Json, committed: boolean): JobOutcome {
  return {
    committed,
    schema: [],
    totalRows: 0,
    queryStats: {
      statementType,
      ...(op ? { ddlOperationPerformed: op } : {}),
      ...extra,
      totalBytesProcessed: '0',
      totalBytesBilled: '0',
    },
  };
}

function tableKey(target: DdlTarget, defaultProject: string): TableKey {
  return {
    projectId: checkProjectId(target.project ?? defaultProject),
    datasetId: checkDatasetId(target.dataset),
    tableId: checkTableId(target.table),
  };
}

/** The column list as a REST schema (names checked, duplicates refused) — the same rules as tables.insert. */
function normalizeColumns(columns: DdlColumn[]): FieldSchema[] {
  return asQueryError(() => normalizeSchema(columns));
}

/** Checks of REST-shaped input answer `invalid`; in a query they are the query's error: `invalidQuery`. */
function asQueryError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof BigQueryError && e.reason === 'invalid') throw invalidQuery(e.message);
    throw e;
  }
}

/** PARTITION BY / CLUSTER BY / require_partition_filter as a tables.insert body would give them, checked. */
function layoutOf(
  stmt: Extract<DdlStatement, { kind: 'CREATE_TABLE' }>,
  schema: FieldSchema[],
): catalogOps.TableLayout {
  const body: Json = {};
  if (stmt.partition) Object.assign(body, partitionBody(stmt.partition, schema));
  if (stmt.clusterBy) {
    if (!stmt.partition && stmt.clusterBy.length === 0)
      throw invalidQuery('CLUSTER BY needs at least one column');
    body.clustering = { fields: stmt.clusterBy };
  }
  const layout = asQueryError(() => catalogOps.parseLayout(body, schema));
  const days = stmt.options.partition_expiration_days;
  if (days !== undefined && days !== null) {
    if (typeof days !== 'number' || days <= 0)
      throw invalidQuery('partition_expiration_days must be a positive number');
    if (!layout.timePartitioning)
      throw invalidQuery('partition_expiration_days can only be set on a time-partitioned table');
    layout.timePartitioning.expirationMs = String(Math.round(days * DAY_MS));
  }
  return layout;
}

/** The REST partitioning of a PARTITION BY expression, after checking the column's type fits the expression. */
function partitionBody(p: DdlPartition, schema: FieldSchema[]): Json {
  if (p.kind === 'range') {
    return {
      rangePartitioning: { field: p.field, range: { start: p.start, end: p.end, interval: p.interval } },
    };
  }
  if (!p.field) return { timePartitioning: { type: p.type } };
  const f = schema.find((s) => s.name.toLowerCase() === (p.field as string).toLowerCase());
  if (!f) throw invalidQuery(`Unrecognized name: ${p.field}`);
  const fits: Record<typeof p.fn, string[]> = {
    COLUMN: ['DATE'],
    DATE: ['TIMESTAMP', 'DATETIME', 'DATE'],
    TIMESTAMP_TRUNC: ['TIMESTAMP'],
    DATETIME_TRUNC: ['DATETIME'],
    DATE_TRUNC: ['DATE'],
  };
  if (!fits[p.fn].includes(f.type) || f.mode === 'REPEATED') {
    throw invalidQuery(
      `PARTITION BY expression must be DATE(<timestamp_column>), DATE(<datetime_column>), a DATE column, ` +
        `TIMESTAMP_TRUNC(<timestamp_column>, …), DATETIME_TRUNC(<datetime_column>, …) or DATE_TRUNC(<date_column>, …); ` +
        `column ${f.name} is ${f.mode === 'REPEATED' ? 'ARRAY' : f.type}`,
    );
  }
  return { timePartitioning: { type: p.type, field: f.name } };
}

async function createTable(
  ctx: JobContext,
  stmt: Extract<DdlStatement, { kind: 'CREATE_TABLE' }>,
  key: TableKey,
  schema: FieldSchema[],
): Promise<void> {
  const layout = layoutOf(stmt, schema);
  await ctx.db.write(async (c, onCommit) => {
    const old = replaceable(ctx, key, stmt);
    if (old) await Catalog.deleteTable(c, old);
    const t = await createPhysical(ctx.catalog, c, key, schema, layout.timePartitioning);
    Object.assign(t, layout);
    applyOptions(t, stmt.options, TABLE_OPTIONS);
    await Catalog.saveTable(c, t);
    onCommit(() => {
      if (old) ctx.catalog.removeTable(old);
      ctx.catalog.putTable(t);
    });
  });
}

/** In the write transaction: the table `stmt` replaces (OR REPLACE), after checking nothing changed since. */
function replaceable(
  ctx: JobContext,
  key: TableKey,
  stmt: Extract<DdlStatement, { kind: 'CREATE_TABLE' }>,
): TableMeta | undefined {
  const old = ctx.catalog.table(key.projectId, key.datasetId, key.tableId);
  if (!old) return undefined;
  if (!stmt.replace) throw duplicate(`Table ${key.projectId}:${key.datasetId}.${key.tableId}`);
  if (old.view) throw invalidQuery(`${key.projectId}:${key.datasetId}.${key.tableId} is a view`);
  return old;
}

/** CREATE TABLE … AS query: the query runs straight into the new table, in one write transaction. */
async function createTableAsSelect(
  ctx: JobContext,
  stmt: Extract<DdlStatement, { kind: 'CREATE_TABLE' }>,
  key: TableKey,
  job: DdlJob,
): Promise<void> {
  const tr = ctx.translator;
  if (!tr) throw invalidQuery('The SQL translator is not available in this build');
  const translated = await translateCached(ctx.queryCache, ctx.catalog, tr, stmt.query as string, {
    dialect: 'standard',
    defaultProject: job.defaultProject,
    ...(job.defaultDataset ? { defaultDataset: job.defaultDataset } : {}),
    ...(job.params ? { params: job.params } : {}),
    ...(job.parameterMode ? { parameterMode: job.parameterMode } : {}),
  });
  if (translated.statementKind !== 'select')
    throw invalidQuery('CREATE TABLE … AS needs a query (SELECT or WITH)');
  await ctx.db.write(async (c, onCommit, atCommit) => {
    const resultSchema = await withConnection(job.running, c, () =>
      ctx.queryCache.resultSchemaOf(ctx.catalog, c, translated.sql, undefined),
    );
    let schema = resultSchema;
    if (stmt.columns) {
      schema = normalizeColumns(stmt.columns);
      if (schema.length !== resultSchema.length) {
        throw invalidQuery(
          `The CREATE TABLE has ${schema.length} columns, but the query has ${resultSchema.length} columns`,
        );
      }
    }
    const layout = layoutOf(stmt, schema);
    const old = replaceable(ctx, key, stmt);
    // The query may read the table it replaces: it runs before the old table is dropped (into the new one).
    const t = await createPhysical(ctx.catalog, c, key, schema, layout.timePartitioning);
    Object.assign(t, layout);
    applyOptions(t, stmt.options, TABLE_OPTIONS);
    const cols = schema.map((f) => `"${f.name}"`);
    const pt = isIngestionPartitioned(t) ? `, TIMESTAMPTZ '${todayUtc()} 00:00:00+00'` : '';
    await withConnection(job.running, c, () =>
      c.run(
        `INSERT INTO ${physicalName(t.uid)} (${cols.join(', ')}${pt ? ', _PARTITIONTIME' : ''}) SELECT *${pt} FROM (${translated.sql}) AS q`,
      ),
    );
    if (job.running.cancelled) throw new BigQueryError('stopped', 'Job execution was cancelled');
    if (old) {
      await Catalog.deleteTable(c, old);
      onCommit(() => ctx.catalog.removeTable(old));
    }
    await afterDataWrite(ctx.catalog, c, { onCommit, atCommit }, t, new Set(['*']));
  });
}

async function alterTable(
  ctx: JobContext,
  stmt: Extract<DdlStatement, { kind: 'ALTER_TABLE' | 'ALTER_VIEW' }>,
  key: TableKey,
  existing: TableMeta,
): Promise<void> {
  await ctx.db.write(async (c, onCommit) => {
    const current = ctx.catalog.table(key.projectId, key.datasetId, key.tableId);
    if (!current || current.uid !== existing.uid)
      throw tableNotFound(key.projectId, key.datasetId, key.tableId);
    const next: TableMeta = { ...current, partitions: { ...current.partitions } };
    if (stmt.addColumns.length > 0) {
      const schema = [...current.schema];
      for (const { ifNotExists, column } of stmt.addColumns) {
        if (schema.some((f) => f.name.toLowerCase() === column.name.toLowerCase())) {
          if (ifNotExists) continue;
          throw invalidQuery(`Column already exists: ${column.name}`);
        }
        if (column.mode === 'REQUIRED')
          throw invalidQuery(
            `Cannot add REQUIRED column ${column.name}: new columns must be NULLABLE or REPEATED`,
          );
        schema.push(...normalizeColumns([column]));
      }
      await evolveSchema(c, next, schema);
      next.schema = schema;
    }
    if (stmt.options)
      applyOptions(next, stmt.options, stmt.kind === 'ALTER_VIEW' ? VIEW_OPTIONS : TABLE_OPTIONS);
    next.lastModifiedTime = Date.now();
    await Catalog.saveTable(c, next);
    onCommit(() => ctx.catalog.putTable(next));
  });
}

const VIEW_OPTIONS = new Set(['description', 'friendly_name', 'labels', 'expiration_timestamp']);
const TABLE_OPTIONS = new Set([...VIEW_OPTIONS, 'require_partition_filter', 'partition_expiration_days']);

/** OPTIONS(…) onto a table or view's metadata; NULL removes an option. */
function applyOptions(t: TableMeta, options: Record<string, DdlOptionValue>, allowed: Set<string>): void {
  for (const [name, value] of Object.entries(options)) {
    if (!allowed.has(name)) throw invalidQuery(`Unknown option: ${name}`);
    switch (name) {
      case 'description':
      case 'friendly_name': {
        const field = name === 'description' ? 'description' : 'friendlyName';
        if (value === null) delete t[field];
        else t[field] = stringOption(name, value);
        break;
      }
      case 'labels':
        if (value === null) delete t.labels;
        else t.labels = labelsOption(value);
        break;
      case 'expiration_timestamp':
        if (value === null) delete t.expirationTime;
        else t.expirationTime = String(timestampOption(name, value));
        break;
      case 'require_partition_filter':
        if (value === null || value === false) delete t.requirePartitionFilter;
        else if (value === true) {
          if (!t.timePartitioning && !t.rangePartitioning)
            throw invalidQuery('require_partition_filter can only be set on a partitioned table');
          t.requirePartitionFilter = true;
        } else throw invalidQuery('Option require_partition_filter expects a BOOL');
        break;
      case 'partition_expiration_days':
        if (!t.timePartitioning) {
          if (value === null) break;
          throw invalidQuery('partition_expiration_days can only be set on a time-partitioned table');
        }
        if (value === null) {
          const { expirationMs: _, ...rest } = t.timePartitioning;
          t.timePartitioning = rest;
        } else if (typeof value === 'number' && value > 0) {
          t.timePartitioning = { ...t.timePartitioning, expirationMs: String(Math.round(value * DAY_MS)) };
        } else throw invalidQuery('partition_expiration_days must be a positive number');
        break;
    }
  }
}

function stringOption(name: string, value: DdlOptionValue): string {
  if (typeof value !== 'string') throw invalidQuery(`Option ${name} expects a STRING`);
  return value;
}

function labelsOption(value: DdlOptionValue): Record<string, string> {
  if (!Array.isArray(value)) throw invalidQuery('Option labels expects an ARRAY<STRUCT<STRING, STRING>>');
  return asQueryError(() => checkLabels(Object.fromEntries(value)) ?? {});
}

function timestampOption(name: string, value: DdlOptionValue): number {
  const text =
    typeof value === 'object' && value !== null && !Array.isArray(value) ? value.timestamp : undefined;
  if (text === undefined) throw invalidQuery(`Option ${name} expects a TIMESTAMP`);
  const ms = Date.parse(/[zZ]|UTC|[+-]\d\d:?\d\d$/.test(text) ? text : `${text} UTC`);
  if (!Number.isFinite(ms))
    throw invalidQuery(`Invalid TIMESTAMP literal for option ${name}: ${text.slice(0, 40)}`);
  return ms;
}

/** CREATE SCHEMA's OPTIONS as a datasets.insert body. */
function datasetBody(datasetId: string, options: Record<string, DdlOptionValue>): Json {
  const body: Json = { datasetReference: { datasetId } };
  for (const [name, value] of Object.entries(options)) {
    if (value === null) continue;
    switch (name) {
      case 'description':
        body.description = stringOption(name, value);
        break;
      case 'friendly_name':
        body.friendlyName = stringOption(name, value);
        break;
      case 'labels':
        body.labels = labelsOption(value);
        break;
      case 'default_table_expiration_days':
        if (typeof value !== 'number' || value <= 0)
          throw invalidQuery('default_table_expiration_days must be a positive number');
        body.defaultTableExpirationMs = String(Math.round(value * DAY_MS));
        break;
      case 'location':
        if (String(value).toUpperCase() !== 'US')
          throw invalid(
            `Location ${String(value).slice(0, 40)} is not supported by the local warehouse (US only)`,
          );
        break;
      default:
        throw invalidQuery(`Unknown option: ${name}`);
    }
  }
  return body;
}
