import type { DuckDBConnection } from '@duckdb/node-api';
import type { JobRecord } from '../catalog.js';
import { BigQueryError } from '../errors.js';
import type { LoadAccess } from '../load-access.js';
import type { Logger } from '../logger.js';
import type { Paging } from '../paging.js';
import type { Store } from '../store.js';
import type { Translator } from '../translator.js';
import type { JobJournal } from './journal.js';
import type { QueryCache } from './query-cache.js';
import type { SmallResults } from './result-store.js';

/** What the job engine works on: the store, plus the jobs under way and the caches the warehouse keeps for them. */
export interface JobContext extends Store {
  readonly logger: Logger;
  /** The SQL translator; undefined when ./sql failed to load (query jobs then fail with its error). */
  readonly translator: Translator | undefined;
  readonly paging: Paging;
  /** Jobs under way, by jobKey. */
  readonly running: Map<string, Running>;
  /** Records of jobs not finished yet (finished ones are in the catalog), by jobKey. */
  readonly pending: Map<string, JobRecord>;
  readonly smallResults: SmallResults;
  /** Where finished job records are kept besides the catalog (see journal.ts). */
  readonly journal: JobJournal;
  readonly queryCache: QueryCache;
  /** Which local files load jobs may read (--load-dir and the upload spool). */
  readonly loadAccess: LoadAccess;
  /** Jobs finished since start (every 250th sweeps expired results). */
  finishedJobs: number;
}

/** A job under way: its promise, the connection its statement runs on (for jobs.cancel), whether it was cancelled. */
export interface Running {
  done: Promise<void>;
  connection?: DuckDBConnection;
  cancelled: boolean;
}

/** The key of a job in JobContext.running / pending. */
export const jobKey = (project: string, jobId: string): string => `${project}\u0000${jobId}`;

/** How long jobs.insert, jobs.query and jobs.getQueryResults wait for a job by default. */
export const JOB_WAIT_MS = 10_000;

/** The error of a job stopped by jobs.cancel. */
export const cancelledError = (): BigQueryError =>
  new BigQueryError('stopped', 'Job execution was cancelled: User requested cancellation');

/** Runs `fn` with `c` registered as the job's connection, so jobs.cancel can interrupt it. */
export async function withConnection<T>(
  running: Running,
  c: DuckDBConnection,
  fn: () => Promise<T>,
): Promise<T> {
  if (running.cancelled) throw cancelledError();
  running.connection = c;
  try {
    return await fn();
  } finally {
    running.connection = undefined;
  }
}

/** Resolves when `p` settles or after `ms`, whichever comes first; never rejects. */
export function waitFor(p: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    // then(done, done): a rejected job promise must never become an unhandled rejection.
    p.then(done, done);
  });
}
