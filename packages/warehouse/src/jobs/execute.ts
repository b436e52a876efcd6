import type { JobRecord } from '../catalog.js';
import { errorProto, invalid, toBigQueryError } from '../errors.js';
import { asObject, type Json } from '../rest.js';
import { cancelledError, type JobContext, jobKey, type Running } from './context.js';
import { runCopy } from './copy.js';
import { runLoad } from './load.js';
import { finishRecord, type JobOutcome } from './outcome.js';
import { runQuery } from './query.js';
import { dropExpiredResults } from './result-store.js';

/**
 * Runs one job to its end: the kind's run, then the DONE (or failed) record stored and put in the catalog. Never
 * throws: a failure becomes the job's errorResult.
 */
export async function execute(
  ctx: JobContext,
  record: JobRecord,
  kind: string,
  config: unknown,
  running: Running,
): Promise<void> {
  const stats: Json = { ...(record.resource.statistics as Json) };
  let writeCommitted = false;
  try {
    const cfg = asObject(config, `configuration.${kind}`);
    const dryRun = (record.resource.configuration as Json).dryRun === true;
    let outcome: JobOutcome;
    if (kind === 'query') outcome = await runQuery(ctx, record, cfg, dryRun, running);
    else if (kind === 'copy') outcome = await runCopy(ctx, record, cfg);
    else if (kind === 'load') outcome = await runLoad(ctx, record, cfg, running);
    else throw invalid('Extract jobs are not supported by this warehouse.');
    if (running.cancelled && !outcome.committed) {
      throw cancelledError();
    }
    writeCommitted = outcome.committed;
    if (!outcome.saved) {
      finishRecord(record, outcome);
      await ctx.journal.save(record, outcome.inlineJson);
      if (outcome.inlineRows)
        ctx.smallResults.remember(jobKey(record.project, record.jobId), outcome.inlineRows);
    }
  } catch (e) {
    if (writeCommitted) ctx.logger.error('job bookkeeping failed after commit', { jobId: record.jobId });
    const err = running.cancelled ? cancelledError() : toBigQueryError(e);
    record.resource = {
      ...record.resource,
      status: { state: 'DONE', errorResult: errorProto(err), errors: [errorProto(err)] },
      statistics: { ...stats, endTime: String(Date.now()) },
    };
    delete record.resultTable;
    delete record.resultSource;
    delete record.inlineResult;
    await ctx.journal.save(record).catch(() => undefined);
    ctx.logger.info('job failed', { jobId: record.jobId, reason: err.reason });
  } finally {
    ctx.catalog.putJob(record);
    ctx.pending.delete(jobKey(record.project, record.jobId));
    // Anonymous result tables expire after 24 h; sweep now and then, not only at start-up.
    if (++ctx.finishedJobs % 250 === 0) {
      dropExpiredResults(ctx).catch((e: unknown) =>
        ctx.logger.warn('result cleanup failed', { error: String(e) }),
      );
    }
  }
}
