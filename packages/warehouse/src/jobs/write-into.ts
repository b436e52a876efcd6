import { randomBytes } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  type Catalog,
  isIngestionPartitioned,
  type JobRecord,
  physicalName,
  type ResultSource,
  type TableMeta,
  type TimePartitioning,
} from '../catalog.js';
import { afterDataWrite, partitionIdOf, resultVersion, todayUtc } from '../data-write.js';
import { duplicate, invalid } from '../errors.js';
import { checkDatasetId, checkProjectId, checkTableId, partitionDate, splitDecorator } from '../ids.js';
import {
  checkCompatible,
  countRows,
  createPhysical,
  evolveSchema,
  parseTimePartitioning,
  shapeOf,
} from '../physical.js';
import { partitionFilter, tableNotFound } from '../resolve.js';
import { asObject } from '../rest.js';
import { requireDataset, type TableKey, type Tx } from '../store.js';
import type { FieldSchema } from '../types.js';
import type { JobContext } from './context.js';
import { finishRecord, type JobOutcome } from './outcome.js';

/** Writing a job's rows into its destination table: dispositions, schema updates, partitions, where the result lives. */

/** Writes rows produced by `sql` (columns = `schema`, plus `_PARTITIONTIME` when `withPartitionTime`). */
export interface WriteSource {
  sql: string;
  schema: FieldSchema[];
  withPartitionTime?: boolean;
  /** Values for `?` placeholders in `sql` (absent: none; then DELETE and INSERT share one call). */
  params?: never[] | undefined;
  /** The rows are a query job's result (writeInto says where to read them later). */
  result?: boolean;
}

export interface WriteOptions {
  createDisposition?: unknown;
  writeDisposition?: unknown;
  defaultWrite: 'WRITE_EMPTY' | 'WRITE_APPEND';
  timePartitioning?: unknown;
  schemaUpdateOptions?: unknown;
}

/** A destination or source table reference of a job configuration (project defaults to the job's). */
export function tableKeyOf(raw: unknown, defaultProject: string): TableKey {
  const o = asObject(raw, 'table reference');
  const projectId = checkProjectId(String(o.projectId ?? defaultProject));
  const datasetId = checkDatasetId(String(o.datasetId ?? ''));
  const tableId = String(o.tableId ?? '');
  checkTableId(splitDecorator(tableId).table);
  return { projectId, datasetId, tableId };
}

/**
 * The end of every copy and load job, inside the caller's write transaction: `writeInto`, then the job record is
 * finished with `outcome` and stored with the COMMIT; the catalog takes the new table metadata on commit.
 */
export async function writeJobOutput(
  ctx: JobContext,
  c: DuckDBConnection,
  tx: Tx,
  record: JobRecord,
  dest: TableKey,
  source: WriteSource,
  opts: WriteOptions,
  outcome: JobOutcome,
): Promise<JobOutcome> {
  const snapshots: TableMeta[] = [];
  await writeInto(ctx.catalog, c, { ...tx, snapshot: (t) => snapshots.push(t) }, dest, source, opts);
  finishRecord(record, outcome);
  ctx.journal.storeAtCommit(tx.atCommit, record, snapshots);
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
export async function writeInto(
  catalog: Catalog,
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
  requireDataset(catalog, dest.projectId, dest.datasetId);
  let t = catalog.table(dest.projectId, dest.datasetId, tableId);
  if (t?.view)
    throw invalid(`Cannot write to a table of type VIEW: ${dest.projectId}:${dest.datasetId}.${tableId}.`);
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
    t = await createPhysical(catalog, c, { ...dest, tableId }, source.schema, tp);
    created = true;
  } else if (t.schema.length === 0) {
    await evolveSchema(c, t, source.schema);
    t = { ...t, schema: source.schema };
  } else if (write === 'WRITE_TRUNCATE' && decorator === undefined) {
    // Truncating a whole table replaces its schema with the source's, as BigQuery does.
    await c.run(`DROP TABLE ${physicalName(t.uid)}`);
    const replaced = await createPhysical(
      catalog,
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
  const next = await afterDataWrite(catalog, c, tx, t, new Set([decorator ?? '*']), known);
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
