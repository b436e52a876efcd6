import { isIngestionPartitioned, type JobRecord, physicalName, type TableMeta } from '../catalog.js';
import { invalid } from '../errors.js';
import { splitDecorator } from '../ids.js';
import { partitionFilter } from '../resolve.js';
import type { Json } from '../rest.js';
import { requireBaseTable } from '../store.js';
import type { JobContext } from './context.js';
import type { JobOutcome } from './outcome.js';
import { tableKeyOf, writeJobOutput } from './write-into.js';

/** Copy jobs: the source tables (or partitions) into the destination, keeping ingestion times where both have them. */
export async function runCopy(ctx: JobContext, record: JobRecord, cfg: Json): Promise<JobOutcome> {
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
  return ctx.db.write(async (c, onCommit, atCommit) => {
    const sources = rawSources.map((s: unknown) => {
      const k = tableKeyOf(s, record.project);
      const { table, decorator } = splitDecorator(k.tableId);
      const t = requireBaseTable(ctx.catalog, k.projectId, k.datasetId, table, 'copy');
      return { t, decorator };
    });
    const first = sources[0]!.t;
    const destMeta = ctx.catalog.table(dest.projectId, dest.datasetId, splitDecorator(dest.tableId).table);
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
    return writeJobOutput(
      ctx,
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
