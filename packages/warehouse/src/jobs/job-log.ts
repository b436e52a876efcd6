import { closeSync, existsSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, lit } from '../db.js';
import { jobKey } from './context.js';

/**
 * The job log of a data dir: finished records of jobs that wrote nothing (SELECTs, dry runs, failed jobs), appended
 * to `<dataDir>/jobs.log` before the job is answered DONE and folded into `_catalog.jobs` in batches.
 *
 * Why: a record committed to DuckDB on its own costs a WAL write + fsync per SELECT, the largest part of a small
 * query's time with a data dir. A write() that has returned is in the kernel's page cache, which a killed process
 * (kill -9) cannot take back, so the guarantee "a job answered DONE survives kill -9" holds without the fsync. What it
 * gives up: after a power cut or an OS crash the last few unfolded records (at most FOLD_RECORDS jobs, or the few
 * seconds the kernel keeps dirty pages) can be missing — records of read-only jobs; every table write still commits
 * with its own job record in one DuckDB transaction (Database.write).
 */

const LOG = 'jobs.log';
/** The log being folded: renamed away from LOG so appends go on to a fresh one while the fold commits. */
const FOLDING = 'jobs.log.folding';
const FOLD_RECORDS = 256;
const FOLD_BYTES = 8 << 20;
/** Upper bound of one INSERT statement's text when folding (small results can be up to 1 MB each). */
const INSERT_BYTES = 4 << 20;

/** One row of `_catalog.jobs` as the log keeps it. */
export interface LoggedJob {
  project: string;
  jobId: string;
  created: number;
  meta: string;
  result: string | null;
}

/** INSERTs of `jobs` into `_catalog.jobs` that skip jobs already there (a fold cut short by a kill is redone). */
export function insertJobsSql(jobs: readonly LoggedJob[]): string[] {
  const statements: string[] = [];
  let values: string[] = [];
  let size = 0;
  const flush = () => {
    if (values.length === 0) return;
    statements.push(
      `INSERT INTO _catalog.jobs SELECT * FROM (VALUES ${values.join(', ')}) AS v(project, job_id, created, meta, result) ` +
        'WHERE NOT EXISTS (SELECT 1 FROM _catalog.jobs AS j WHERE j.project = v.project AND j.job_id = v.job_id)',
    );
    values = [];
    size = 0;
  };
  for (const j of jobs) {
    const row = `(${lit(j.project)}, ${lit(j.jobId)}, ${j.created}::BIGINT, ${lit(j.meta)}, ${j.result === null ? 'NULL::VARCHAR' : lit(j.result)})`;
    if (size + row.length > INSERT_BYTES) flush();
    values.push(row);
    size += row.length;
  }
  flush();
  return statements;
}

/** The records of one log file; a torn last line (a write cut by a crash, never answered) is skipped. */
function readLog(path: string): LoggedJob[] {
  if (!existsSync(path)) return [];
  const jobs: LoggedJob[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    try {
      jobs.push(JSON.parse(line) as LoggedJob);
    } catch {
      // only the last line can be torn; nothing was answered for it
    }
  }
  return jobs;
}

export class JobLog {
  private pending: LoggedJob[] = [];
  private bytes = 0;
  private folding = false;
  /** A fold failed: FOLDING stays on disk for the next start, and appends keep going to LOG until then. */
  private stuck = false;
  /** Small results of logged jobs not folded yet, by jobKey (after a fold they are read from `_catalog.jobs`). */
  private readonly results = new Map<string, { created: number; json: string }>();

  constructor(
    private readonly db: Database,
    private readonly dir: string,
  ) {}

  /**
   * At open, before the catalog is loaded: folds whatever logs a previous process left into `_catalog.jobs` (one
   * transaction), then removes them.
   */
  static async recover(db: Database, dir: string): Promise<void> {
    const jobs = [FOLDING, LOG].flatMap((f) => readLog(join(dir, f)));
    if (jobs.length > 0) {
      await db.write(async (c) => {
        for (const sql of insertJobsSql(jobs)) await c.run(sql);
      });
    }
    for (const f of [FOLDING, LOG]) rmSync(join(dir, f), { force: true });
  }

  /** Appends one record; it is in the kernel (survives kill -9) when this returns. */
  append(job: LoggedJob): void {
    const line = `${JSON.stringify(job)}\n`;
    const fd = openSync(join(this.dir, LOG), 'a');
    try {
      writeSync(fd, line);
    } finally {
      closeSync(fd);
    }
    this.pending.push(job);
    this.bytes += line.length;
    if (job.result !== null)
      this.results.set(jobKey(job.project, job.jobId), { created: job.created, json: job.result });
    if (!this.folding && !this.stuck && (this.pending.length >= FOLD_RECORDS || this.bytes >= FOLD_BYTES)) {
      this.folding = true;
      void this.fold().finally(() => {
        this.folding = false;
      });
    }
  }

  inlineResult(project: string, jobId: string): string | undefined {
    return this.results.get(jobKey(project, jobId))?.json;
  }

  expireResults(cutoff: number): void {
    for (const [key, r] of this.results) if (r.created < cutoff) this.results.delete(key);
  }

  /** Moves the records logged so far into `_catalog.jobs`: LOG becomes FOLDING, is inserted, then removed. */
  private async fold(): Promise<void> {
    const jobs = this.pending;
    this.pending = [];
    this.bytes = 0;
    renameSync(join(this.dir, LOG), join(this.dir, FOLDING));
    try {
      await this.db.write(async (c) => {
        for (const sql of insertJobsSql(jobs)) await c.run(sql);
      });
    } catch {
      // E.g. the warehouse is stopping: FOLDING and LOG are both recovered at the next start.
      this.stuck = true;
      return;
    }
    rmSync(join(this.dir, FOLDING), { force: true });
    for (const j of jobs) {
      const key = jobKey(j.project, j.jobId);
      if (this.results.get(key)?.created === j.created) this.results.delete(key);
    }
  }
}
