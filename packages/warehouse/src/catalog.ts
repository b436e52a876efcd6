import type { DuckDBConnection } from '@duckdb/node-api';
import { lit } from './db.js';
import type { FieldSchema } from './types.js';
import type { UdfDef } from './udf/define.js';

export interface DatasetMeta {
  project: string;
  datasetId: string;
  location: string;
  description?: string;
  friendlyName?: string;
  labels?: Record<string, string>;
  defaultTableExpirationMs?: string;
  creationTime: number;
  lastModifiedTime: number;
}

export interface TimePartitioning {
  type: 'DAY' | 'HOUR' | 'MONTH' | 'YEAR';
  field?: string;
  expirationMs?: string;
  requirePartitionFilter?: boolean;
}

export interface RangePartitioning {
  field: string;
  range: { start: string; end: string; interval: string };
}

export interface PartitionMeta {
  creationTime: number;
  lastModifiedTime: number;
  numRows: number;
  /** The table's `writes` count when this partition's rows last changed (see TableMeta.writes). */
  written?: number;
}

export interface TableMeta {
  uid: number;
  project: string;
  datasetId: string;
  tableId: string;
  schema: FieldSchema[];
  timePartitioning?: TimePartitioning;
  /** Integer-range partitioning (REST form: the numbers as strings). */
  rangePartitioning?: RangePartitioning;
  clustering?: { fields: string[] };
  /** Queries must filter on the partitioning column (BigQuery's table-level flag). */
  requirePartitionFilter?: boolean;
  /** A logical view: no physical table; its query is translated wherever the view is read. */
  view?: { query: string; useLegacySql: boolean };
  description?: string;
  friendlyName?: string;
  labels?: Record<string, string>;
  expirationTime?: string;
  creationTime: number;
  lastModifiedTime: number;
  numRows: number;
  numBytes: number;
  /** partition id (YYYYMMDD or __UNPARTITIONED__) → stats; only for partitioned tables. */
  partitions: Record<string, PartitionMeta>;
  /**
   * How many data writes the table has seen (bumped by every write that changes its rows, in the same transaction):
   * with `creationTime` and a partition's `written`, the version a destination-table job's result refers to.
   */
  writes?: number;
  /**
   * Bumped by every stored version of this metadata. A job's data write stores the destination's new metadata with
   * the job record (one statement instead of two, see Catalog.saveJobSql); at load the higher `seq` wins.
   */
  seq?: number;
}

/**
 * Where the rows of a destination-table job's result live: the destination itself (partition `partition` of the table,
 * or the whole table), as long as those rows are the ones the job wrote, i.e. the table (same uid and creation time) has
 * not had a data write to them since: `version` is the partition's `written` (-1: the partition had no rows) or, for a
 * whole table, its `writes`.
 */
export interface ResultSource {
  uid: number;
  creationTime: number;
  project: string;
  datasetId: string;
  tableId: string;
  /** Partition id (YYYYMMDD or __UNPARTITIONED__); absent = the whole table. */
  partition?: string;
  version: number;
  /** The destination's column for each field of the result schema, in order. */
  columns: string[];
}

/** A finished or running job: the REST resource plus where its rows live. */
export interface JobRecord {
  project: string;
  jobId: string;
  resource: Record<string, unknown> & {
    status: { state: string; errorResult?: unknown; errors?: unknown[] };
  };
  /** `_results."rN"` holding the query's rows, if any. */
  resultTable?: string;
  /** Or: the query's rows are the destination's (see ResultSource). */
  resultSource?: ResultSource;
  /**
   * Or: the rows (at most a thousand) are stored with the record, in `_catalog.jobs.result` as BigQuery's f/v rows with
   * int64 timestamps — not in this object, which the catalog keeps in memory for every job.
   */
  inlineResult?: boolean;
  resultSchema?: FieldSchema[];
  totalRows?: number;
  numDmlAffectedRows?: number;
  creationTime: number;
}

/** A persistent user-defined function (CREATE FUNCTION dataset.fn): its parsed definition and times. */
export interface RoutineMeta {
  project: string;
  datasetId: string;
  routineId: string;
  def: UdfDef;
  creationTime: number;
  lastModifiedTime: number;
}

/** Physical relation of a table. */
export const physicalName = (uid: number) => `bq."t${uid}"`;

/** Ingestion-time partitioned: the partition lives in a hidden `_PARTITIONTIME` column. */
export const isIngestionPartitioned = (t: TableMeta) =>
  t.timePartitioning !== undefined && !t.timePartitioning.field;

/** Partitioned by time or by integer range. */
export const isPartitioned = (t: TableMeta) =>
  t.timePartitioning !== undefined || t.rangePartitioning !== undefined;

/** Marks `t` (the object the catalog will hold) as a newer stored version than any before it. */
function nextVersion(t: TableMeta): TableMeta {
  t.seq = (t.seq ?? 0) + 1;
  return t;
}

const key2 = (a: string, b: string) => `${a}\u0000${b}`;
const key3 = (a: string, b: string, c: string) => `${a}\u0000${b}\u0000${c}`;

/**
 * The catalog lives in DuckDB tables (so a restart restores it, and catalog changes commit atomically with data) and is
 * mirrored in memory for synchronous lookups (the SQL translator resolves names synchronously).
 */
export class Catalog {
  readonly datasets = new Map<string, DatasetMeta>();
  readonly tables = new Map<string, TableMeta>();
  readonly jobs = new Map<string, JobRecord>();
  /** Persistent user-defined functions (../udf/routines.ts), by project/dataset/routine id. */
  readonly routines = new Map<string, RoutineMeta>();
  nextUid = 1;
  /**
   * A view's query translated to DuckDB (installed by the warehouse with its translator, see views.ts): resolve.ts
   * reads views through it.
   */
  viewSql?: (view: TableMeta) => string;
  /** Bumped whenever a table appears, disappears or changes schema (keys caches of query result schemas). */
  schemaEpoch = 0;

  static async load(c: DuckDBConnection): Promise<Catalog> {
    for (const stmt of [
      'CREATE SCHEMA IF NOT EXISTS _catalog',
      'CREATE SCHEMA IF NOT EXISTS bq',
      'CREATE SCHEMA IF NOT EXISTS _results',
      'CREATE TABLE IF NOT EXISTS _catalog.datasets (project VARCHAR, dataset VARCHAR, meta VARCHAR)',
      'CREATE TABLE IF NOT EXISTS _catalog.tables (uid BIGINT, project VARCHAR, dataset VARCHAR, table_id VARCHAR, meta VARCHAR)',
      'CREATE TABLE IF NOT EXISTS _catalog.jobs (project VARCHAR, job_id VARCHAR, created BIGINT, meta VARCHAR)',
      // A small query result kept with its job record (JSON rows; see JobRecord.inlineResult).
      'ALTER TABLE _catalog.jobs ADD COLUMN IF NOT EXISTS result VARCHAR',
      'CREATE TABLE IF NOT EXISTS _catalog.routines (project VARCHAR, dataset VARCHAR, routine_id VARCHAR, meta VARCHAR)',
    ]) {
      await c.run(stmt);
    }
    const catalog = new Catalog();
    for (const [meta] of (await c.runAndReadAll('SELECT meta FROM _catalog.datasets')).getRows()) {
      const d = JSON.parse(String(meta)) as DatasetMeta;
      catalog.datasets.set(key2(d.project, d.datasetId), d);
    }
    for (const [meta] of (await c.runAndReadAll('SELECT meta FROM _catalog.tables')).getRows()) {
      const t = JSON.parse(String(meta)) as TableMeta;
      catalog.tables.set(key3(t.project, t.datasetId, t.tableId), t);
      catalog.nextUid = Math.max(catalog.nextUid, t.uid + 1);
    }
    for (const [meta] of (await c.runAndReadAll('SELECT meta FROM _catalog.routines')).getRows()) {
      const r = JSON.parse(String(meta)) as RoutineMeta;
      catalog.routines.set(key3(r.project, r.datasetId, r.routineId), r);
    }
    for (const [meta] of (
      await c.runAndReadAll('SELECT meta FROM _catalog.jobs ORDER BY created')
    ).getRows()) {
      const j = JSON.parse(String(meta)) as JobRecord & { tables?: TableMeta[] };
      // A job's write stored its destination's new metadata with the record: newer than the table row if its seq is.
      for (const m of j.tables ?? []) {
        const key = key3(m.project, m.datasetId, m.tableId);
        const current = catalog.tables.get(key);
        if (
          current?.uid === m.uid &&
          current.creationTime === m.creationTime &&
          (m.seq ?? 0) > (current.seq ?? 0)
        )
          catalog.tables.set(key, m);
      }
      delete j.tables;
      catalog.jobs.set(key2(j.project, j.jobId), j);
    }
    return catalog;
  }

  dataset(project: string, datasetId: string): DatasetMeta | undefined {
    return this.datasets.get(key2(project, datasetId));
  }
  table(project: string, datasetId: string, tableId: string): TableMeta | undefined {
    return this.tables.get(key3(project, datasetId, tableId));
  }
  job(project: string, jobId: string): JobRecord | undefined {
    return this.jobs.get(key2(project, jobId));
  }
  tablesOf(project: string, datasetId: string): TableMeta[] {
    return [...this.tables.values()]
      .filter((t) => t.project === project && t.datasetId === datasetId)
      .sort((a, b) => (a.tableId < b.tableId ? -1 : a.tableId > b.tableId ? 1 : 0));
  }
  datasetsOf(project: string): DatasetMeta[] {
    return [...this.datasets.values()]
      .filter((d) => d.project === project)
      .sort((a, b) => (a.datasetId < b.datasetId ? -1 : 1));
  }
  projects(): string[] {
    return [...new Set([...this.datasets.values()].map((d) => d.project))].sort();
  }

  // Persistence: each runs inside a write transaction; the memory side is applied by the caller's onCommit hook.
  static async saveDataset(c: DuckDBConnection, d: DatasetMeta): Promise<void> {
    await c.run(
      `DELETE FROM _catalog.datasets WHERE project = ${lit(d.project)} AND dataset = ${lit(d.datasetId)}`,
    );
    await c.run(
      `INSERT INTO _catalog.datasets VALUES (${lit(d.project)}, ${lit(d.datasetId)}, ${lit(JSON.stringify(d))})`,
    );
  }
  static async deleteDataset(c: DuckDBConnection, project: string, datasetId: string): Promise<void> {
    await c.run(
      `DELETE FROM _catalog.datasets WHERE project = ${lit(project)} AND dataset = ${lit(datasetId)}`,
    );
  }
  /**
   * Statements that store a table's metadata (for Database.write's `atCommit`): one UPDATE when its row is `stored`
   * already, else whatever is there is replaced.
   */
  static saveTableSql(t: TableMeta, stored: boolean): string {
    const meta = lit(JSON.stringify(nextVersion(t)));
    if (stored) return `UPDATE _catalog.tables SET meta = ${meta} WHERE uid = ${t.uid}`;
    return (
      `DELETE FROM _catalog.tables WHERE uid = ${t.uid}; ` +
      `INSERT INTO _catalog.tables VALUES (${t.uid}, ${lit(t.project)}, ${lit(t.datasetId)}, ${lit(t.tableId)}, ${meta})`
    );
  }
  static async saveTable(c: DuckDBConnection, t: TableMeta): Promise<void> {
    // One UPDATE in the common case; INSERT only for a new table.
    const updated = await c.run(
      `UPDATE _catalog.tables SET meta = ${lit(JSON.stringify(nextVersion(t)))} WHERE uid = ${t.uid}`,
    );
    if (Number(updated.rowsChanged) > 0) return;
    await c.run(
      `INSERT INTO _catalog.tables VALUES (${t.uid}, ${lit(t.project)}, ${lit(t.datasetId)}, ${lit(t.tableId)}, ${lit(JSON.stringify(t))})`,
    );
  }
  static async deleteTable(c: DuckDBConnection, t: TableMeta): Promise<void> {
    await c.run(`DELETE FROM _catalog.tables WHERE uid = ${t.uid}`);
    await c.run(`DROP TABLE IF EXISTS ${physicalName(t.uid)}`);
  }
  /**
   * The one statement that stores a job record, with its inline result rows if any (run with the COMMIT of the job's
   * writes, or on its own, auto-committed, by Database.writeOne).
   */
  static saveJobSql(j: JobRecord, resultRows?: string, tables?: readonly TableMeta[]): string {
    // `tables`: new metadata of tables the job wrote (already stored ones): kept here instead of a second statement.
    const meta = tables?.length ? { ...j, tables: tables.map(nextVersion) } : j;
    return `INSERT INTO _catalog.jobs VALUES (${lit(j.project)}, ${lit(j.jobId)}, ${j.creationTime}, ${lit(JSON.stringify(meta))}, ${resultRows === undefined ? 'NULL' : lit(resultRows)})`;
  }

  /** The inline result rows stored with a job record (JSON text), if any. */
  static async inlineResult(
    c: DuckDBConnection,
    project: string,
    jobId: string,
  ): Promise<string | undefined> {
    const reader = await c.runAndReadAll(
      `SELECT result FROM _catalog.jobs WHERE project = ${lit(project)} AND job_id = ${lit(jobId)} AND result IS NOT NULL LIMIT 1`,
    );
    const v = reader.getRows()[0]?.[0];
    return v === undefined || v === null ? undefined : String(v);
  }

  putDataset(d: DatasetMeta) {
    this.datasets.set(key2(d.project, d.datasetId), d);
  }
  removeDataset(project: string, datasetId: string) {
    this.datasets.delete(key2(project, datasetId));
  }
  putTable(t: TableMeta) {
    const key = key3(t.project, t.datasetId, t.tableId);
    const old = this.tables.get(key);
    if (!old || old.uid !== t.uid || old.schema !== t.schema) this.schemaEpoch++;
    this.tables.set(key, t);
  }
  removeTable(t: TableMeta) {
    this.schemaEpoch++;
    this.tables.delete(key3(t.project, t.datasetId, t.tableId));
  }
  routine(project: string, datasetId: string, routineId: string): RoutineMeta | undefined {
    return this.routines.get(key3(project, datasetId, routineId));
  }
  routinesOf(project: string, datasetId: string): RoutineMeta[] {
    return [...this.routines.values()].filter((r) => r.project === project && r.datasetId === datasetId);
  }
  putRoutine(r: RoutineMeta) {
    this.routines.set(key3(r.project, r.datasetId, r.routineId), r);
  }
  removeRoutine(project: string, datasetId: string, routineId: string) {
    this.routines.delete(key3(project, datasetId, routineId));
  }
  static async saveRoutine(c: DuckDBConnection, r: RoutineMeta): Promise<void> {
    await c.run(
      `DELETE FROM _catalog.routines WHERE project = ${lit(r.project)} AND dataset = ${lit(r.datasetId)} AND routine_id = ${lit(r.routineId)}; ` +
        `INSERT INTO _catalog.routines VALUES (${lit(r.project)}, ${lit(r.datasetId)}, ${lit(r.routineId)}, ${lit(JSON.stringify(r))})`,
    );
  }
  static async deleteRoutines(
    c: DuckDBConnection,
    project: string,
    datasetId: string,
    routineId?: string,
  ): Promise<void> {
    await c.run(
      `DELETE FROM _catalog.routines WHERE project = ${lit(project)} AND dataset = ${lit(datasetId)}` +
        (routineId === undefined ? '' : ` AND routine_id = ${lit(routineId)}`),
    );
  }
  putJob(j: JobRecord) {
    this.jobs.set(key2(j.project, j.jobId), j);
  }
}
