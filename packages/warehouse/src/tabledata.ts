import type { DuckDBConnection } from '@duckdb/node-api';
import { isIngestionPartitioned, physicalName, type TableMeta } from './catalog.js';
import { afterDataWrite, todayUtc } from './data-write.js';
import { invalid } from './errors.js';
import { partitionDate, splitDecorator } from './ids.js';
import { type Paging, pageParams } from './paging.js';
import { countRows } from './physical.js';
import { partitionFilter } from './resolve.js';
import { asObject, etag, type Json } from './rest.js';
import { normalizeRow, type RowError } from './rows.js';
import { requireBaseTable, type Store, type TableKey } from './store.js';
import { encodeColumns, jsonInsertPlan, type TimestampFormat } from './types.js';

/** tabledata.insertAll / tabledata.list, and JSON rows appended by the seeder. */

export async function insertAll(
  s: Store,
  project: string,
  datasetId: string,
  tableIdRaw: string,
  body: unknown,
): Promise<Json> {
  const b = asObject(body, 'Request');
  const { table: tableId, decorator } = splitDecorator(tableIdRaw);
  if (!Array.isArray(b.rows)) throw invalid('No rows present in the request.');
  const inputRows = b.rows as unknown[];
  if (inputRows.length > 50_000) throw invalid('Too many rows present in the request, limit: 50000.');
  const ignoreUnknown = b.ignoreUnknownValues === true;
  const skipInvalid = b.skipInvalidRows === true;
  return s.db.write(async (c, onCommit, atCommit) => {
    const t = requireBaseTable(s.catalog, project, datasetId, tableId, 'insert rows into');
    if (decorator !== undefined) partitionFilter(t, decorator);
    const good: Record<string, unknown>[] = [];
    const insertErrors: { index: number; errors: RowError[] }[] = [];
    inputRows.forEach((entry: unknown, index: number) => {
      const json = typeof entry === 'object' && entry !== null ? (entry as Json).json : undefined;
      const result = normalizeRow(t.schema, json, ignoreUnknown);
      if (result.ok) good.push(result.value);
      else insertErrors.push({ index, errors: [result.error] });
    });
    if (insertErrors.length > 0 && !skipInvalid) {
      const bad = new Set(insertErrors.map((e) => e.index));
      inputRows.forEach((_: unknown, index: number) => {
        if (!bad.has(index))
          insertErrors.push({ index, errors: [{ reason: 'stopped', location: '', message: '' }] });
      });
      insertErrors.sort((x, y) => x.index - y.index);
      return { kind: 'bigquery#tableDataInsertAllResponse', insertErrors };
    }
    if (good.length > 0) {
      if (t.schema.length === 0) throw invalid(`Table ${project}:${datasetId}.${tableId} has no schema.`);
      // Streamed rows land in today's (UTC) partition — where BigQuery puts them once they leave the buffer.
      const pt = isIngestionPartitioned(t)
        ? decorator === '__UNPARTITIONED__'
          ? 'NULL'
          : `TIMESTAMPTZ '${decorator ? partitionDate(decorator) : todayUtc()} 00:00:00+00'`
        : undefined;
      await insertJsonRows(c, t, good, pt);
      // Without a decorator, streamed rows of an ingestion-time table all land in today's partition.
      const touched = decorator ?? (isIngestionPartitioned(t) ? todayUtc().replace(/-/g, '') : '*');
      await afterDataWrite(s.catalog, c, { onCommit, atCommit }, t, new Set([touched]));
    }
    return {
      kind: 'bigquery#tableDataInsertAllResponse',
      ...(insertErrors.length > 0 ? { insertErrors } : {}),
    };
  });
}

export async function listRows(
  s: Store,
  paging: Paging,
  project: string,
  datasetId: string,
  tableIdRaw: string,
  q: { maxResults?: string; pageToken?: string; startIndex?: string; selectedFields?: string },
  ts: TimestampFormat,
): Promise<Json> {
  const { table: tableId, decorator } = splitDecorator(tableIdRaw);
  const t = requireBaseTable(s.catalog, project, datasetId, tableId, 'list');
  let fields = t.schema;
  if (q.selectedFields) {
    const wanted = q.selectedFields.split(',').map((s) => s.trim().split('.')[0]!);
    const byLower = new Map(t.schema.map((f) => [f.name.toLowerCase(), f]));
    fields = wanted.map((w) => {
      const f = byLower.get(w.toLowerCase());
      if (!f) throw invalid(`Field ${w.slice(0, 60)} not found in table.`);
      return f;
    });
  }
  const { offset, limit } = pageParams(q, paging);
  const where = decorator === undefined ? '' : ` WHERE ${partitionFilter(t, decorator)}`;
  const cols = fields.length ? fields.map((f) => `"${f.name}"`).join(', ') : '1';
  // The count and the page come from one snapshot (Database.read): the catalog's numRows may lag or lead the rows a
  // reader sees by a commit, and a page longer than its totalRows is not an answer.
  const [total, rows] = await s.db.read(async (c) => {
    const count = await countRows(c, `${physicalName(t.uid)}${where}`);
    if (fields.length === 0) return [count, []] as const;
    const reader = await c.runAndReadAll(
      `SELECT ${cols} FROM ${physicalName(t.uid)}${where} LIMIT ${limit} OFFSET ${offset}`,
    );
    return [count, encodeColumns(fields, reader.getColumns(), ts)] as const;
  });
  const nextOffset = offset + rows.length;
  return {
    kind: 'bigquery#tableDataList',
    etag: etag(total),
    totalRows: String(total),
    rows,
    ...(nextOffset < total && rows.length > 0 ? { pageToken: String(nextOffset) } : {}),
  };
}

/** Loads rows given as JSON objects (used by the seeder and tests); validates like insertAll. */
export async function appendJsonRows(s: Store, key: TableKey, rows: unknown[]): Promise<void> {
  await s.db.write(async (c, onCommit, atCommit) => {
    const t = requireBaseTable(s.catalog, key.projectId, key.datasetId, key.tableId, 'insert rows into');
    const good = rows.map((r, i) => {
      const res = normalizeRow(t.schema, r, false);
      if (!res.ok) throw invalid(`row ${i}: ${res.error.message}`);
      return res.value;
    });
    await insertJsonRows(
      c,
      t,
      good,
      isIngestionPartitioned(t) ? `TIMESTAMPTZ '${todayUtc()} 00:00:00+00'` : undefined,
    );
    const touched = isIngestionPartitioned(t) ? todayUtc().replace(/-/g, '') : '*';
    await afterDataWrite(s.catalog, c, { onCommit, atCommit }, t, new Set([touched]));
  });
}

async function insertJsonRows(
  c: DuckDBConnection,
  t: TableMeta,
  rows: Record<string, unknown>[],
  partitionTime: string | undefined,
): Promise<void> {
  const { struct, select } = jsonInsertPlan(t.schema);
  const cols = t.schema.map((f) => `"${f.name}"`);
  if (partitionTime !== undefined) {
    cols.push('_PARTITIONTIME');
    select.push(partitionTime);
  }
  const BATCH = 5_000;
  for (let i = 0; i < rows.length; i += BATCH) {
    const json = JSON.stringify(rows.slice(i, i + BATCH));
    try {
      await c.run(
        `INSERT INTO ${physicalName(t.uid)} (${cols.join(', ')}) SELECT ${select.join(', ')} FROM (SELECT unnest(CAST(?::JSON AS ${struct})) AS r)`,
        [json],
      );
    } catch (e) {
      throw invalid(`Cannot insert rows: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
  }
}
