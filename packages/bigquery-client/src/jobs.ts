import { randomUUID } from 'node:crypto';
import type { BigQuery } from '@google-cloud/bigquery';
import { BigQueryJobError } from './errors.js';
import { formatTableName, type TableName, toTableReference } from './table-name.js';

export interface RestRequest {
  readonly method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Path below `/projects/{projectId}`, e.g. `/jobs`. */
  readonly uri: string;
  readonly projectId?: string;
  readonly qs?: Record<string, string | number | boolean>;
  readonly json?: unknown;
}

/** One BigQuery REST v2 call through the client's transport and auth. Rejects with the client's ApiError. */
export function bigQueryRest<T>(bq: BigQuery, req: RestRequest): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    bq.request(
      {
        method: req.method ?? 'GET',
        uri: req.uri,
        ...(req.projectId ? { projectId: req.projectId } : {}),
        ...(req.qs ? { qs: req.qs } : {}),
        ...(req.json !== undefined ? { json: req.json } : {}),
      },
      (err: Error | null, body?: unknown) => (err ? reject(err) : resolve(body as T)),
    );
  });
}

export interface JobResource {
  jobReference?: { projectId?: string; jobId?: string; location?: string };
  status?: {
    state?: string;
    errorResult?: { reason?: string; message?: string; location?: string };
    errors?: { reason?: string; message?: string }[];
  };
  statistics?: {
    query?: { numDmlAffectedRows?: string; statementType?: string; totalBytesProcessed?: string };
  };
  configuration?: unknown;
}

export interface QueryJobOptions {
  readonly projectId: string;
  readonly query: string;
  /** Always sent explicitly, like Airflow 1.8.2's hook. */
  readonly useLegacySql: boolean;
  readonly destination?: TableName | undefined;
  readonly writeDisposition?: 'WRITE_EMPTY' | 'WRITE_TRUNCATE' | 'WRITE_APPEND';
  readonly allowLargeResults?: boolean;
  /** `userDefinedFunctionResources` (udf_config). */
  readonly udfResources?: readonly Record<string, unknown>[] | undefined;
  readonly location?: string | undefined;
  readonly signal?: AbortSignal;
  /** First poll delay; grows 1.5× up to `maxPollIntervalMs` (1.8.2 polls every 5 s). */
  readonly pollIntervalMs?: number;
  readonly maxPollIntervalMs?: number;
  readonly log?: (msg: string) => void;
}

export interface QueryJobResult {
  readonly projectId: string;
  readonly jobId: string;
  readonly location?: string | undefined;
  readonly job: JobResource;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(abortError(signal as AbortSignal));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function abortError(signal: AbortSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error) return reason;
  const e = new Error('aborted');
  e.name = 'AbortError';
  return e;
}

/** The query job configuration exactly as Airflow 1.8.2's `BigQueryBaseCursor.run_query` builds it. */
export function buildQueryConfiguration(o: QueryJobOptions): Record<string, unknown> {
  const query: Record<string, unknown> = { query: o.query, useLegacySql: o.useLegacySql };
  if (o.destination) {
    query.allowLargeResults = o.allowLargeResults ?? false;
    query.writeDisposition = o.writeDisposition ?? 'WRITE_EMPTY';
    query.destinationTable = toTableReference(o.destination);
  }
  if (o.udfResources && o.udfResources.length > 0) query.userDefinedFunctionResources = o.udfResources;
  return { query };
}

/**
 * Inserts a query job and polls `jobs.get` until DONE (Airflow hook semantics: 500/503 while polling are retried;
 * a job error throws `BigQueryJobError`). On abort the job is cancelled (best effort) and the abort reason thrown.
 */
export async function runQueryJob(bq: BigQuery, o: QueryJobOptions): Promise<QueryJobResult> {
  const jobId = `airflow_${randomUUID().replaceAll('-', '')}`;
  const body = {
    jobReference: { projectId: o.projectId, jobId, ...(o.location ? { location: o.location } : {}) },
    configuration: buildQueryConfiguration(o),
  };
  if (o.signal?.aborted) throw abortError(o.signal);
  let job = await bigQueryRest<JobResource>(bq, {
    method: 'POST',
    uri: '/jobs',
    projectId: o.projectId,
    json: body,
  });
  const location = job.jobReference?.location ?? o.location;
  const realJobId = job.jobReference?.jobId ?? jobId;
  o.log?.(`Waiting for job to complete : ${o.projectId}, ${realJobId}`);
  let delay = o.pollIntervalMs ?? 100;
  let transientPollErrors = 0;
  while (job.status?.state !== 'DONE') {
    try {
      await sleep(delay, o.signal);
    } catch (err) {
      await cancelJob(bq, o.projectId, realJobId, location);
      throw err;
    }
    delay = Math.min(Math.round(delay * 1.5), o.maxPollIntervalMs ?? 5000);
    try {
      job = await bigQueryRest<JobResource>(bq, {
        uri: `/jobs/${encodeURIComponent(realJobId)}`,
        projectId: o.projectId,
        ...(location ? { qs: { location } } : {}),
      });
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if ((code === 500 || code === 503) && transientPollErrors++ < 5) {
        o.log?.(`Retry. Job not ready yet: HTTP ${code} while polling ${realJobId}`);
        continue;
      }
      throw err;
    }
  }
  const er = job.status?.errorResult;
  if (er) {
    throw new BigQueryJobError(er.reason ?? 'unknown', er.message ?? '', `${o.projectId}:${realJobId}`);
  }
  return { projectId: o.projectId, jobId: realJobId, location, job };
}

async function cancelJob(bq: BigQuery, projectId: string, jobId: string, location?: string): Promise<void> {
  try {
    await bigQueryRest(bq, {
      method: 'POST',
      uri: `/jobs/${encodeURIComponent(jobId)}/cancel`,
      projectId,
      ...(location ? { qs: { location } } : {}),
    });
  } catch {
    // best effort: the step is being stopped anyway
  }
}

export interface QueryResultsPage {
  schema?: { fields?: FieldSchema[] };
  rows?: { f?: { v?: unknown }[] }[];
  totalRows?: string;
  numDmlAffectedRows?: string;
  jobComplete?: boolean;
}

export interface FieldSchema {
  name: string;
  type: string;
  mode?: string;
  fields?: FieldSchema[];
  description?: string;
}

/** `jobs.getQueryResults` of a DONE job. */
export function getQueryResults(
  bq: BigQuery,
  r: QueryJobResult,
  maxResults: number,
): Promise<QueryResultsPage> {
  return bigQueryRest<QueryResultsPage>(bq, {
    uri: `/queries/${encodeURIComponent(r.jobId)}`,
    projectId: r.projectId,
    qs: { maxResults, ...(r.location ? { location: r.location } : {}) },
  });
}

/** Rows a finished query wrote: DML affected rows, else the result's totalRows (= rows in the destination write). */
export async function rowsWritten(bq: BigQuery, r: QueryJobResult): Promise<string> {
  const dml = r.job.statistics?.query?.numDmlAffectedRows;
  if (dml !== undefined) return String(dml);
  return rowsWrittenFrom(undefined, await getQueryResults(bq, r, 0));
}

/**
 * The one definition of rows-written, for both engines: the job's `statistics.query.numDmlAffectedRows`, else the
 * results' `numDmlAffectedRows`, else their `totalRows`; '' when BigQuery says none of them.
 */
export function rowsWrittenFrom(
  jobDmlAffectedRows: string | undefined,
  page: Pick<QueryResultsPage, 'numDmlAffectedRows' | 'totalRows'> | undefined,
): string {
  return jobDmlAffectedRows ?? page?.numDmlAffectedRows ?? page?.totalRows ?? '';
}

export { formatTableName };
