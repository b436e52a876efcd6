import { randomUUID } from 'node:crypto';
import type { JobRecord } from '../catalog.js';
import { BigQueryError, duplicate, invalid, notFound } from '../errors.js';
import { checkJobId, checkProjectId } from '../ids.js';
import { pageOf } from '../paging.js';
import { asObject, clampInt, etag, type Json, LOCATION, optString, timestampFormatOf } from '../rest.js';
import type { TimestampFormat } from '../types.js';
import { JOB_WAIT_MS, type JobContext, jobKey, type Running, waitFor } from './context.js';
import { execute } from './execute.js';
import { newJobRecord } from './record.js';
import { resultPage } from './result-pages.js';

/** jobs.insert, get, list, cancel, getQueryResults and jobs.query over a JobContext. */

/** jobs.insert: starts the job, waits a little for it, returns the job resource (DONE in the common case). */
export async function insertJob(
  ctx: JobContext,
  project: string,
  body: unknown,
  waitMs = JOB_WAIT_MS,
): Promise<Json> {
  checkProjectId(project);
  const b = asObject(body, 'Job');
  const ref = asObject(b.jobReference ?? {}, 'jobReference');
  const jobId = checkJobId(optString(ref.jobId, 'jobId') ?? `job_${randomUUID().replace(/-/g, '_')}`);
  const configuration = asObject(b.configuration, 'configuration');
  const kinds = ['query', 'copy', 'load', 'extract'].filter((k) => configuration[k] !== undefined);
  if (kinds.length !== 1) throw invalid('Exactly one of query, copy, load or extract must be configured.');
  const key = jobKey(project, jobId);
  if (ctx.catalog.job(project, jobId) || ctx.running.has(key))
    throw duplicate(`Job ${project}:${LOCATION}.${jobId}`);
  const record = newJobRecord(project, jobId, { ...configuration, jobType: kinds[0]!.toUpperCase() });
  const running: Running = { done: Promise.resolve(), cancelled: false };
  running.done = execute(ctx, record, kinds[0]!, configuration[kinds[0]!], running)
    .catch((e: unknown) => ctx.logger.error('job crashed', { jobId, error: String(e) }))
    .finally(() => ctx.running.delete(key));
  ctx.running.set(key, running);
  ctx.pending.set(key, record);
  await waitFor(running.done, waitMs);
  const done = getJob(ctx, project, jobId) as {
    status: { errorResult?: { reason: string; message: string } };
  };
  // A dry run that fails is the request's error (HTTP 400 for invalid SQL), not a job: BigQuery runs none.
  const failed = done.status.errorResult;
  if (configuration.dryRun === true && failed)
    throw new BigQueryError(failed.reason as never, failed.message);
  return done;
}

export function jobRecord(ctx: JobContext, project: string, jobId: string): JobRecord {
  checkProjectId(project);
  checkJobId(jobId);
  const rec = ctx.catalog.job(project, jobId) ?? ctx.pending.get(jobKey(project, jobId));
  if (!rec) throw notFound(`Job ${project}:${LOCATION}.${jobId}`);
  return rec;
}

export function getJob(ctx: JobContext, project: string, jobId: string): Json {
  return jobRecord(ctx, project, jobId).resource;
}

export function listJobs(
  ctx: JobContext,
  project: string,
  q: { maxResults?: string; pageToken?: string; stateFilter?: string; parentJobId?: string },
): Json {
  checkProjectId(project);
  const all = [
    ...[...ctx.catalog.jobs.values()].filter((j) => j.project === project),
    ...[...ctx.pending.values()].filter((j) => j.project === project && !ctx.catalog.job(project, j.jobId)),
  ]
    .filter((j) => !q.stateFilter || j.resource.status.state.toLowerCase() === q.stateFilter.toLowerCase())
    // BigQuery: with parentJobId only that script's child jobs, without it only top-level jobs
    .filter(
      (j) =>
        ((j.resource.statistics as Json | undefined)?.parentJobId ?? undefined) ===
        (q.parentJobId || undefined),
    )
    .sort((a, b) => b.creationTime - a.creationTime);
  const { items, next } = pageOf(all, q);
  return {
    kind: 'bigquery#jobList',
    etag: etag(all.length),
    jobs: items.map((j) => ({
      id: j.resource.id,
      kind: 'bigquery#job',
      jobReference: j.resource.jobReference,
      state: j.resource.status.state,
      configuration: j.resource.configuration,
      status: j.resource.status,
      statistics: j.resource.statistics,
      user_email: j.resource.user_email,
      ...((j.resource.status as Json).errorResult
        ? { errorResult: (j.resource.status as Json).errorResult }
        : {}),
    })),
    ...(next ? { nextPageToken: next } : {}),
  };
}

export async function cancelJob(ctx: JobContext, project: string, jobId: string): Promise<Json> {
  const rec = jobRecord(ctx, project, jobId);
  const r = ctx.running.get(jobKey(project, jobId));
  if (r) {
    r.cancelled = true;
    // DuckDB forgets an interrupt that arrives before its statement has really started (the flag is reset at the
    // start of execution), so one interrupt can be lost to that race: repeat it until the job has stopped.
    r.connection?.interrupt();
    const again = setInterval(() => r.connection?.interrupt(), 25);
    const stop = () => clearInterval(again);
    r.done.then(stop, stop);
    // Like BigQuery, the answer may come before the job has stopped: clients poll jobs.get for DONE.
    await waitFor(r.done, 5_000);
  }
  return { kind: 'bigquery#jobCancelResponse', job: jobRecord(ctx, project, rec.jobId).resource };
}

/** jobs.getQueryResults */
export async function getQueryResults(
  ctx: JobContext,
  project: string,
  jobId: string,
  q: { maxResults?: string; pageToken?: string; startIndex?: string; timeoutMs?: string },
  ts: TimestampFormat,
): Promise<Json> {
  let rec = jobRecord(ctx, project, jobId);
  const r = ctx.running.get(jobKey(project, jobId));
  if (r) {
    const timeout = q.timeoutMs !== undefined ? clampInt(q.timeoutMs, 'timeoutMs', 0, 600_000) : JOB_WAIT_MS;
    await waitFor(r.done, timeout);
    rec = jobRecord(ctx, project, jobId);
  }
  const base = {
    kind: 'bigquery#getQueryResultsResponse',
    etag: etag(rec.creationTime),
    jobReference: rec.resource.jobReference,
  };
  if (rec.resource.status.state !== 'DONE') return { ...base, jobComplete: false };
  const err = (rec.resource.status as Json).errorResult as { reason: string; message: string } | undefined;
  if (err) throw new BigQueryError((err.reason as never) ?? 'invalidQuery', err.message);
  return { ...base, ...(await resultPage(ctx, rec, q, ts)) };
}

/** jobs.query: runs a query job and returns its first page. */
export async function query(ctx: JobContext, project: string, body: unknown): Promise<Json> {
  const b = asObject(body, 'QueryRequest');
  if (typeof b.query !== 'string') throw invalid('Required parameter is missing: query');
  const queryConfig: Json = { query: b.query };
  for (const k of [
    'useLegacySql',
    'defaultDataset',
    'queryParameters',
    'parameterMode',
    'maximumBytesBilled',
    'labels',
  ]) {
    if (b[k] !== undefined) queryConfig[k] = b[k];
  }
  const requestId = optString(b.requestId, 'requestId');
  const timeoutMs =
    b.timeoutMs !== undefined ? clampInt(String(b.timeoutMs), 'timeoutMs', 0, 600_000) : JOB_WAIT_MS;
  const job = await insertJob(
    ctx,
    project,
    {
      jobReference: { jobId: requestId ? `req_${requestId.replace(/[^A-Za-z0-9_-]/g, '_')}` : undefined },
      configuration: { query: queryConfig, dryRun: b.dryRun === true, labels: b.labels },
    },
    timeoutMs,
  );
  const ref = job.jobReference as { jobId: string };
  const status = job.status as Json;
  if (status.errorResult) {
    const e = status.errorResult as { reason: string; message: string };
    throw new BigQueryError(e.reason as never, e.message);
  }
  const formatOptions = (b.formatOptions ?? {}) as Json;
  const ts = timestampFormatOf(
    formatOptions.useInt64Timestamp === true ? 'true' : undefined,
    optString(formatOptions.timestampOutputFormat, 'timestampOutputFormat'),
  );
  const base = { kind: 'bigquery#queryResponse', jobReference: job.jobReference };
  if (status.state !== 'DONE') return { ...base, jobComplete: false };
  if (b.dryRun === true) {
    return {
      ...base,
      jobComplete: true,
      schema: (job.statistics as Json & { query?: Json }).query?.schema,
    };
  }
  const rec = jobRecord(ctx, project, ref.jobId);
  const maxResults = b.maxResults !== undefined ? String(b.maxResults) : undefined;
  return { ...base, ...(await resultPage(ctx, rec, { maxResults }, ts)) };
}
