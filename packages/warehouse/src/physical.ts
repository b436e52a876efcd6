import type { DuckDBConnection } from '@duckdb/node-api';
import {
  type Catalog,
  physicalName,
  type RangePartitioning,
  type TableMeta,
  type TimePartitioning,
} from './catalog.js';
import { invalid } from './errors.js';
import { checkFieldName } from './ids.js';
import { asObject } from './rest.js';
import type { TableKey } from './store.js';
import { duckColumnsDdl, duckTypeOf, type FieldSchema, fieldOfDuckType } from './types.js';

/** Physical tables: creating them, adding columns, checking an incoming schema, the partitioning spec. */

export async function createPhysical(
  catalog: Catalog,
  c: DuckDBConnection,
  key: TableKey,
  schema: FieldSchema[],
  tp: TimePartitioning | undefined,
  reuseUid?: number,
): Promise<TableMeta> {
  const uid = reuseUid ?? catalog.nextUid++;
  const cols = duckColumnsDdl(schema);
  if (tp && !tp.field) cols.push('_PARTITIONTIME TIMESTAMPTZ');
  if (cols.length === 0) cols.push('_empty BOOLEAN');
  await c.run(`CREATE TABLE ${physicalName(uid)} (${cols.join(', ')})`);
  const now = Date.now();
  return {
    uid,
    project: key.projectId,
    datasetId: key.datasetId,
    tableId: key.tableId,
    schema,
    ...(tp ? { timePartitioning: tp } : {}),
    creationTime: now,
    lastModifiedTime: now,
    numRows: 0,
    numBytes: 0,
    partitions: {},
  };
}

/** Adds columns (BigQuery only ever allows additions and relaxations). */
export async function evolveSchema(c: DuckDBConnection, t: TableMeta, schema: FieldSchema[]): Promise<void> {
  const merged = checkCompatible(t, schema, true);
  const have = new Set(t.schema.map((f) => f.name.toLowerCase()));
  for (const f of merged) {
    if (!have.has(f.name.toLowerCase())) {
      await c.run(`ALTER TABLE ${physicalName(t.uid)} ADD COLUMN "${f.name}" ${duckTypeOf(f)}`);
    }
  }
  if (t.schema.length === 0 && schema.length > 0) {
    await c.run(`ALTER TABLE ${physicalName(t.uid)} DROP COLUMN IF EXISTS _empty`).catch(() => undefined);
  }
}

/** Checks that `incoming` fits `t`'s schema; returns the merged schema (with additions when allowed). */
export function checkCompatible(t: TableMeta, incoming: FieldSchema[], allowAdd: boolean): FieldSchema[] {
  const byLower = new Map(t.schema.map((f) => [f.name.toLowerCase(), f]));
  const merged = [...t.schema];
  const name = `${t.project}:${t.datasetId}.${t.tableId}`;
  for (const f of incoming) {
    const have = byLower.get(f.name.toLowerCase());
    if (!have) {
      if (!allowAdd)
        throw invalid(`Provided Schema does not match Table ${name}. Cannot add fields (field: ${f.name})`);
      merged.push({ ...f, mode: f.mode === 'REQUIRED' ? 'NULLABLE' : f.mode });
      continue;
    }
    const sameShape = JSON.stringify(shapeOf(have)) === JSON.stringify(shapeOf(f));
    const numericWiden =
      have.type === 'FLOAT' && (f.type === 'INTEGER' || f.type === 'NUMERIC') && have.mode === f.mode;
    if (!sameShape && !numericWiden) {
      throw invalid(
        `Provided Schema does not match Table ${name}. Field ${have.name} has changed type from ${have.type} to ${f.type}`,
      );
    }
  }
  return merged;
}

export function shapeOf(f: FieldSchema): unknown {
  return [
    f.name.toLowerCase(),
    f.type,
    f.mode === 'REPEATED',
    (f.fields ?? []).map(shapeOf).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
  ];
}

/** A BigQuery schema for DuckDB result columns. */
export function schemaOf(
  names: readonly string[],
  types: readonly import('@duckdb/node-api').DuckDBType[],
): FieldSchema[] {
  return names.map((n, i) => fieldOfDuckType(n, types[i]!));
}

export async function countRows(c: DuckDBConnection, relation: string): Promise<number> {
  const reader = await c.runAndReadAll(`SELECT count(*) FROM ${relation}`);
  return Number(reader.getRows()[0]?.[0] ?? 0);
}

const TIME_TYPES = ['DAY', 'HOUR', 'MONTH', 'YEAR'] as const;

/**
 * A timePartitioning spec from a request: DAY, HOUR, MONTH or YEAR, by ingestion time or by a DATE, TIMESTAMP or
 * DATETIME column (HOUR needs a TIMESTAMP or DATETIME column or ingestion time).
 */
export function parseTimePartitioning(raw: unknown, schema: FieldSchema[]): TimePartitioning | undefined {
  if (raw === undefined || raw === null) return undefined;
  const o = asObject(raw, 'timePartitioning');
  const type = String(o.type ?? 'DAY');
  if (!(TIME_TYPES as readonly string[]).includes(type))
    throw invalid(`Invalid value for type: ${type.slice(0, 20)} is not a valid value`);
  const tp: TimePartitioning = { type: type as TimePartitioning['type'] };
  if (o.field !== undefined && o.field !== null) {
    const field = checkFieldName(String(o.field));
    const f = schema.find((s) => s.name.toLowerCase() === field.toLowerCase());
    if (!f) throw invalid(`The field specified for time partitioning can only be found in schema: ${field}`);
    if (!['DATE', 'TIMESTAMP', 'DATETIME'].includes(f.type) || f.mode === 'REPEATED') {
      throw invalid(
        `The field specified for time partitioning must be of type DATE, TIMESTAMP or DATETIME: ${field}`,
      );
    }
    if (type === 'HOUR' && f.type === 'DATE')
      throw invalid(`Partitioning by HOUR is not supported on DATE column: ${f.name}`);
    tp.field = f.name;
  }
  if (o.expirationMs !== undefined && o.expirationMs !== null) tp.expirationMs = String(o.expirationMs);
  if (o.requirePartitionFilter !== undefined) tp.requirePartitionFilter = o.requirePartitionFilter === true;
  return tp;
}

/** Most partitions a table may have (BigQuery's limit, which also bounds integer ranges). */
export const MAX_PARTITIONS = 10_000;

/** A rangePartitioning spec from a request: an INTEGER column and `range {start, end, interval}`. */
export function parseRangePartitioning(raw: unknown, schema: FieldSchema[]): RangePartitioning | undefined {
  if (raw === undefined || raw === null) return undefined;
  const o = asObject(raw, 'rangePartitioning');
  const field = checkFieldName(String(o.field ?? ''));
  const f = schema.find((s) => s.name.toLowerCase() === field.toLowerCase());
  if (!f) throw invalid(`The field specified for range partitioning can only be found in schema: ${field}`);
  if (f.type !== 'INTEGER' || f.mode === 'REPEATED')
    throw invalid(`The field specified for range partitioning must be of type INTEGER: ${field}`);
  const r = asObject(o.range ?? {}, 'rangePartitioning.range');
  const num = (k: string): bigint => {
    const v = String(r[k] ?? '');
    if (!/^-?\d{1,18}$/.test(v)) throw invalid(`Invalid rangePartitioning.range.${k}: ${v.slice(0, 30)}`);
    return BigInt(v);
  };
  const start = num('start');
  const end = num('end');
  const interval = num('interval');
  if (interval <= 0n) throw invalid('Invalid rangePartitioning: interval must be positive.');
  if (end <= start) throw invalid('Invalid rangePartitioning: end must be greater than start.');
  const count = (end - start + interval - 1n) / interval;
  if (count > BigInt(MAX_PARTITIONS))
    throw invalid(
      `Too many partitions produced by range partitioning: ${count}; the limit is ${MAX_PARTITIONS}.`,
    );
  return { field: f.name, range: { start: String(start), end: String(end), interval: String(interval) } };
}

/** Types BigQuery can cluster on (top-level, not repeated). */
const CLUSTER_TYPES = new Set([
  'STRING',
  'INTEGER',
  'NUMERIC',
  'BIGNUMERIC',
  'DATE',
  'DATETIME',
  'TIMESTAMP',
  'BOOLEAN',
  'GEOGRAPHY',
]);

/** A clustering spec from a request: at most four top-level columns of a clusterable type. */
export function parseClustering(raw: unknown, schema: FieldSchema[]): { fields: string[] } | undefined {
  if (raw === undefined || raw === null) return undefined;
  const o = asObject(raw, 'clustering');
  if (!Array.isArray(o.fields)) throw invalid('clustering.fields must be a list of column names.');
  if (o.fields.length === 0) return undefined;
  if (o.fields.length > 4)
    throw invalid(`Too many clustering fields: ${o.fields.length}, only 4 are allowed.`);
  const fields = o.fields.map((raw) => {
    const name = checkFieldName(String(raw));
    const f = schema.find((s) => s.name.toLowerCase() === name.toLowerCase());
    if (!f)
      throw invalid(
        `The field specified for clustering cannot be found in the schema. Invalid field: ${name}`,
      );
    if (!CLUSTER_TYPES.has(f.type) || f.mode === 'REPEATED')
      throw invalid(
        `Field ${f.name} is of type ${f.mode === 'REPEATED' ? 'ARRAY' : f.type} which is not supported for clustering`,
      );
    return f.name;
  });
  if (new Set(fields.map((f) => f.toLowerCase())).size !== fields.length)
    throw invalid('Duplicate clustering fields are not allowed.');
  return { fields };
}
