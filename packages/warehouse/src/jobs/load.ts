import { randomBytes } from 'node:crypto';
import type { JobRecord } from '../catalog.js';
import { splitDecorator } from '../ids.js';
import { asObject, type Json } from '../rest.js';
import { estimateRowBytes, normalizeSchema } from '../types.js';
import type { JobContext, Running } from './context.js';
import type { JobOutcome } from './outcome.js';
import { tableKeyOf, writeJobOutput } from './write-into.js';

/** Load jobs: the source files are read into a staging table (../load.ts), then written like a copy. */
export async function runLoad(
  ctx: JobContext,
  record: JobRecord,
  cfg: Json,
  running: Running,
): Promise<JobOutcome> {
  const { readLoadSource } = await import('../load.js');
  const dest = tableKeyOf(cfg.destinationTable, record.project);
  const { table: destTable } = splitDecorator(dest.tableId);
  const existing = ctx.catalog.table(dest.projectId, dest.datasetId, destTable);
  const declared =
    cfg.schema !== undefined ? normalizeSchema(asObject(cfg.schema, 'schema').fields ?? []) : undefined;
  const schema =
    declared && declared.length > 0 ? declared : existing?.schema.length ? existing.schema : undefined;
  const staging = `_results."l_${randomBytes(8).toString('hex')}"`;
  try {
    // inside the try: a read that fails half-way (a bad record, a broken file) leaves no staging table behind
    const loaded = await readLoadSource(ctx.db, ctx.loadAccess, cfg, schema, staging, running);
    return await ctx.db.write((c, onCommit, atCommit) =>
      writeJobOutput(
        ctx,
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
    await ctx.db.write((c) => c.run(`DROP TABLE IF EXISTS ${staging}`)).catch(() => undefined);
  }
}
