import type { DuckDBConnection } from '@duckdb/node-api';
import { type Catalog, physicalName, type TableMeta, type TimePartitioning } from './catalog.js';
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

/** A timePartitioning spec from a request (only DAY; the field must be a DATE, TIMESTAMP or DATETIME column). */
export function parseTimePartitioning(raw: unknown, schema: FieldSchema[]): TimePartitioning | undefined {
  if (raw === undefined || raw === null) return undefined;
  const o = asObject(raw, 'timePartitioning');
  const type = String(o.type ?? 'DAY');
  if (type !== 'DAY')
    throw invalid(`Unsupported time partitioning type ${type.slice(0, 10)}: only DAY is supported.`);
  const tp: TimePartitioning = { type: 'DAY' };
  if (o.field !== undefined && o.field !== null) {
    const field = checkFieldName(String(o.field));
    const f = schema.find((s) => s.name.toLowerCase() === field.toLowerCase());
    if (!f) throw invalid(`The field specified for time partitioning can only be found in schema: ${field}`);
    if (!['DATE', 'TIMESTAMP', 'DATETIME'].includes(f.type) || f.mode === 'REPEATED') {
      throw invalid(
        `The field specified for time partitioning must be of type DATE, TIMESTAMP or DATETIME: ${field}`,
      );
    }
    tp.field = f.name;
  }
  if (o.expirationMs !== undefined) tp.expirationMs = String(o.expirationMs);
  if (o.requirePartitionFilter !== undefined) tp.requirePartitionFilter = o.requirePartitionFilter === true;
  return tp;
}
