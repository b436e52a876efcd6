import type { DuckDBConnection } from '@duckdb/node-api';
import { Catalog, isPartitioned, type PartitionMeta, physicalName, type TableMeta } from './catalog.js';
import { countRows } from './physical.js';
import { partitionFilter } from './resolve.js';
import type { Tx } from './store.js';
import { estimateRowBytes } from './types.js';

/**
 * THE end of every data write — every statement that adds, changes or removes a table's rows (query/copy/load
 * destinations, insertAll, DML, partition deletes, the seeder) must be followed by this call in the same
 * transaction. It recounts the rows (of the `touched` partitions, or all: '*'), bumps the table's write version
 * (`writes`, and `written` of each changed partition) — which retires the result of any earlier destination-table
 * job that reads these rows (see ResultSource) — stores the metadata with the COMMIT and applies it to the catalog on
 * commit. Whole-table drops need no call: a result's table is identified by uid and creation time.
 */
export async function afterDataWrite(
  catalog: Catalog,
  c: DuckDBConnection,
  tx: Tx,
  t: TableMeta,
  touchedIds: Set<string>,
  knownRows?: number,
): Promise<TableMeta> {
  const now = Date.now();
  const writes = (t.writes ?? 0) + 1;
  const phys = physicalName(t.uid);
  const touched = new Set([...touchedIds].map((id) => (id === '*' ? id : partitionIdOf(id))));
  const partitions: Record<string, PartitionMeta> = {};
  let numRows = 0;
  const only = touched.size === 1 ? [...touched][0]! : '*';
  if (t.timePartitioning?.type === 'DAY' && /^\d{8}$/.test(only)) {
    // One partition written (a `t$YYYYMMDD` destination): recount it alone, keep the others' stats.
    const n = knownRows ?? (await countRows(c, `${phys} WHERE ${partitionFilter(t, only)}`));
    Object.assign(partitions, t.partitions);
    const old = partitions[only];
    if (n > 0)
      partitions[only] = {
        creationTime: old?.creationTime ?? now,
        lastModifiedTime: now,
        numRows: n,
        written: writes,
      };
    else delete partitions[only];
    for (const p of Object.values(partitions)) numRows += p.numRows;
  } else if (isPartitioned(t)) {
    // One scan gives both the partition summary and the total.
    // Group on the raw value and format once per partition (strftime per row costs more than the scan).
    const { key, id } = partitionKeySql(t);
    const reader = await c.runAndReadAll(
      `SELECT ${id} AS p, n FROM (SELECT ${key} AS k, count(*) AS n FROM ${phys} GROUP BY 1)`,
    );
    for (const [p, n] of reader.getRows()) {
      const id = String(p);
      const old = t.partitions[id];
      const changed = touched.has('*') || touched.has(id) || !old;
      partitions[id] = {
        creationTime: old?.creationTime ?? now,
        lastModifiedTime: changed ? now : old.lastModifiedTime,
        // several groups can share an id (range values of one bucket, out-of-range values)
        numRows: (partitions[id]?.numRows ?? 0) + Number(n),
        written: changed ? writes : (old.written ?? 0),
      };
      numRows += Number(n);
    }
  } else {
    numRows = await countRows(c, phys);
  }
  const next: TableMeta = {
    ...t,
    numRows,
    numBytes: numRows * estimateRowBytes(t.schema),
    partitions,
    lastModifiedTime: now,
    writes,
  };
  // The catalog in memory holds committed tables (and the seeder's, which it stores at once): those have a row.
  const stored = catalog.table(t.project, t.datasetId, t.tableId)?.uid === t.uid;
  if (stored && tx.snapshot) tx.snapshot(next);
  else tx.atCommit(Catalog.saveTableSql(next, stored));
  tx.onCommit(() => catalog.putTable(next));
  return next;
}

/** Today (UTC) as YYYY-MM-DD: the ingestion-time partition of rows written now. */
export const todayUtc = () => new Date().toISOString().slice(0, 10);

/** The partition id (catalog key) a `$` decorator names: YYYYMMDD, or __UNPARTITIONED__ for `__NULL__` too. */
export function partitionIdOf(decorator: string): string {
  return /^\d{8}$/.test(decorator) ? decorator : '__UNPARTITIONED__';
}

/** The version of a table's rows (or one partition's) that a destination-table job's result refers to. */
export function resultVersion(t: TableMeta, partition: string | undefined): number {
  if (partition === undefined) return t.writes ?? 0;
  const p = t.partitions[partition];
  return p ? (p.written ?? 0) : -1;
}

const TIME_FORMAT = { DAY: '%Y%m%d', HOUR: '%Y%m%d%H', MONTH: '%Y%m', YEAR: '%Y' } as const;

/**
 * How a partitioned table's rows map to partition ids: `key` groups the rows (per row, cheap), `id` formats a group's
 * key `k` once — YYYYMMDD, YYYYMMDDHH, YYYYMM or YYYY for time units (NULL: __UNPARTITIONED__), the bucket's start
 * for integer ranges (NULL: __NULL__, outside the range: __UNPARTITIONED__), as BigQuery names them.
 */
export function partitionKeySql(t: TableMeta): { key: string; id: string } {
  if (t.rangePartitioning) {
    const { field, range } = t.rangePartitioning;
    const [start, end, step] = [range.start, range.end, range.interval].map((v) => `CAST(${v} AS HUGEINT)`);
    return {
      key: `"${field}"`,
      id: `CASE WHEN k IS NULL THEN '__NULL__' WHEN k < ${start} OR k >= ${end} THEN '__UNPARTITIONED__' ELSE CAST(${start} + ((k - ${start}) // ${step}) * ${step} AS VARCHAR) END`,
    };
  }
  const tp = t.timePartitioning!;
  const column = tp.field ? `"${tp.field}"` : '_PARTITIONTIME';
  const key =
    tp.type === 'DAY' && tp.field
      ? `CAST(${column} AS DATE)`
      : tp.type === 'DAY'
        ? column
        : `date_trunc('${tp.type.toLowerCase()}', ${column})`;
  return { key, id: `coalesce(strftime(k, '${TIME_FORMAT[tp.type]}'), '__UNPARTITIONED__')` };
}
