import { type JobRecord, physicalName, type ResultSource, type TableMeta } from '../catalog.js';
import { resultVersion } from '../data-write.js';
import { notFound } from '../errors.js';
import { pageParams } from '../paging.js';
import { partitionFilter } from '../resolve.js';
import type { Json } from '../rest.js';
import { encodeColumns, reencodeTimestamps, type TimestampFormat } from '../types.js';
import { type JobContext, jobKey } from './context.js';
import type { EncodedRow } from './result-store.js';

/** Pages of a finished query job's result, wherever it lives (inline, a result table, the destination table). */

export async function resultPage(
  ctx: JobContext,
  rec: JobRecord,
  q: { maxResults?: string; pageToken?: string; startIndex?: string },
  ts: TimestampFormat,
): Promise<Json> {
  const schema = rec.resultSchema ?? [];
  const total = rec.totalRows ?? 0;
  const common: Json = {
    schema: { fields: schema },
    totalRows: String(total),
    totalBytesProcessed: String((rec.resource.statistics as Json | undefined)?.totalBytesProcessed ?? '0'),
    jobComplete: true,
    cacheHit: false,
    ...(rec.numDmlAffectedRows !== undefined ? { numDmlAffectedRows: String(rec.numDmlAffectedRows) } : {}),
  };
  const { offset, limit } = pageParams(q, ctx.paging);
  let rows: Json[];
  if (rec.resultSource) {
    rows = await destinationRows(ctx, rec, rec.resultSource, offset, limit, ts);
  } else if (rec.inlineResult) {
    const all = await inlineRows(ctx, rec);
    rows = all ? reencodeTimestamps(schema, all.slice(offset, offset + limit), ts) : [];
  } else if (rec.resultTable) {
    const resultTable = rec.resultTable;
    // One statement (one snapshot by itself); the result table never changes once its job is DONE.
    rows =
      offset >= total
        ? []
        : encodeColumns(
            schema,
            (
              await ctx.db.readOne(
                `SELECT * FROM ${resultTable} WHERE rowid >= ${offset} AND rowid < ${offset + limit} ORDER BY rowid`,
              )
            ).getColumns(),
            ts,
          );
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
export async function inlineRows(ctx: JobContext, rec: JobRecord): Promise<EncodedRow[] | undefined> {
  const key = jobKey(rec.project, rec.jobId);
  const cached = ctx.smallResults.get(key);
  if (cached) return cached;
  const text = await ctx.journal.inlineResult(rec.project, rec.jobId);
  if (text === undefined) return undefined;
  const rows = JSON.parse(text) as EncodedRow[];
  ctx.smallResults.remember(key, rows);
  return rows;
}

/**
 * A page of a destination-table job's result, read from the destination while the catalog shows the version the job
 * wrote there (same table, no data write to those rows since) before and after the read: the catalog takes a
 * commit's metadata before any read that sees its rows completes (Database.write applies it right after COMMIT). A
 * later write retires the result, answered as BigQuery answers results no longer there: notFound naming the table
 * (README, "Job results").
 */
export async function destinationRows(
  ctx: JobContext,
  rec: JobRecord,
  src: ResultSource,
  offset: number,
  limit: number,
  ts: TimestampFormat,
): Promise<Json[]> {
  const current = (): TableMeta => {
    const t = ctx.catalog.table(src.project, src.datasetId, src.tableId);
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
  const reader = await ctx.db.readOne(
    `SELECT ${src.columns.map((n) => `"${n}"`).join(', ')} FROM ${physicalName(t.uid)}${where} LIMIT ${limit} OFFSET ${offset}`,
  );
  current();
  return encodeColumns(rec.resultSchema ?? [], reader.getColumns(), ts);
}
