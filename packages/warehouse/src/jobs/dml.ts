import type { JobRecord, TableMeta } from '../catalog.js';
import { afterDataWrite } from '../data-write.js';
import { invalid } from '../errors.js';
import type { Json } from '../rest.js';
import type { Translator } from '../translator.js';
import type { JobContext } from './context.js';
import { finishRecord, type JobOutcome } from './outcome.js';

type Translation = ReturnType<Translator['translateQuery']>;

/**
 * A DML statement (INSERT, UPDATE, DELETE, MERGE) in one write transaction with its job record; the target table's
 * metadata goes through afterDataWrite like every other data write.
 */
export async function runDml(
  ctx: JobContext,
  record: JobRecord,
  cfg: Json,
  translated: Translation,
  bind: never[] | undefined,
  statementType: string,
): Promise<JobOutcome> {
  const kind = translated.statementKind;
  if (cfg.destinationTable !== undefined) throw invalid('Cannot set destination table for a DML statement.');
  return ctx.db.write(async (c, onCommit, atCommit) => {
    const snapshots: TableMeta[] = [];
    const snapshot = (t: TableMeta) => snapshots.push(t);
    const result = await c.run(translated.sql, bind);
    const affected = Number(result.rowsChanged);
    const target = translated.targetTable;
    const outcome: JobOutcome = {
      committed: true,
      saved: true,
      numDmlAffectedRows: affected,
      totalRows: 0,
      schema: [],
      queryStats: {
        statementType,
        numDmlAffectedRows: String(affected),
        totalBytesProcessed: '0',
        totalBytesBilled: '0',
        dmlStats: dmlStats(kind, affected),
      },
    };
    if (target) {
      const t = ctx.catalog.table(target.project ?? record.project, target.dataset, target.table);
      if (t) await afterDataWrite(ctx.catalog, c, { onCommit, atCommit, snapshot }, t, new Set(['*']));
    }
    finishRecord(record, outcome);
    ctx.journal.storeAtCommit(atCommit, record, snapshots);
    return outcome;
  });
}

function dmlStats(kind: string, n: number): Json {
  if (kind === 'insert') return { insertedRowCount: String(n) };
  if (kind === 'delete') return { deletedRowCount: String(n) };
  return { updatedRowCount: String(n) };
}
