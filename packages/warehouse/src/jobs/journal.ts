import type { DuckDBConnection } from '@duckdb/node-api';
import { Catalog, type JobRecord, type TableMeta } from '../catalog.js';
import type { Database } from '../db.js';
import { jobKey } from './context.js';
import { JobLog } from './job-log.js';

/**
 * Where finished job records are kept besides the in-memory catalog, which answers every jobs.get / list and result
 * page. A data-dir warehouse keeps them durable (`_catalog.jobs`, and the job log until it is folded there) so a
 * restart finds every job it ever answered DONE (DurableJournal); an in-memory warehouse has no restart to survive and keeps only the small results
 * (MemoryJournal): writing records into an in-memory DuckDB table would cost a commit per job and buy nothing.
 */
export interface JobJournal {
  /**
   * Stores `record` with the COMMIT of its job's writes (`atCommit` of Database.write), together with `tables`, the
   * new metadata of the tables the job wrote.
   */
  storeAtCommit(atCommit: (sql: string) => void, record: JobRecord, tables: readonly TableMeta[]): void;
  /** Stores the finished record of a job that wrote nothing (a SELECT, a dry run, a failed job), with its small result. */
  save(record: JobRecord, inlineJson?: string): Promise<void>;
  /** The small result (f/v rows as JSON text) stored with a job's record, if any. */
  inlineResult(project: string, jobId: string): Promise<string | undefined>;
  /** Forgets the small results of jobs created before `cutoff` (`c`: the caller's write transaction). */
  expireResults(c: DuckDBConnection, cutoff: number): Promise<void>;
}

/**
 * Job records of a data dir, each durable before its job is answered DONE: a writing job's record commits with its
 * writes (`_catalog.jobs`, same transaction); the record of a job that wrote nothing is appended to the job log
 * (./job-log.ts: in the kernel before the answer, folded into `_catalog.jobs` in batches) instead of a commit of its own.
 */
export class DurableJournal implements JobJournal {
  private readonly log: JobLog;

  constructor(
    private readonly db: Database,
    dataDir: string,
  ) {
    this.log = new JobLog(db, dataDir);
  }

  /** At open, before Catalog.load: records a previous process logged but did not fold go to `_catalog.jobs`. */
  static recover(db: Database, dataDir: string): Promise<void> {
    return JobLog.recover(db, dataDir);
  }

  storeAtCommit(atCommit: (sql: string) => void, record: JobRecord, tables: readonly TableMeta[]): void {
    atCommit(Catalog.saveJobSql(record, undefined, tables));
  }

  async save(record: JobRecord, inlineJson?: string): Promise<void> {
    this.log.append({
      project: record.project,
      jobId: record.jobId,
      created: record.creationTime,
      meta: JSON.stringify(record),
      result: inlineJson ?? null,
    });
  }

  async inlineResult(project: string, jobId: string): Promise<string | undefined> {
    return (
      this.log.inlineResult(project, jobId) ?? this.db.read((c) => Catalog.inlineResult(c, project, jobId))
    );
  }

  async expireResults(c: DuckDBConnection, cutoff: number): Promise<void> {
    this.log.expireResults(cutoff);
    await c.run(`UPDATE _catalog.jobs SET result = NULL WHERE created < ${cutoff} AND result IS NOT NULL`);
  }
}

/**
 * An in-memory warehouse's journal: small results by job, nothing else. Records live in the catalog; the table
 * metadata a durable record carries is not written either, so `_catalog.tables` may lag behind job writes here — it
 * is only ever read when a data dir is opened.
 */
export class MemoryJournal implements JobJournal {
  private readonly results = new Map<string, { created: number; json: string }>();

  storeAtCommit(): void {}

  async save(record: JobRecord, inlineJson?: string): Promise<void> {
    if (inlineJson !== undefined)
      this.results.set(jobKey(record.project, record.jobId), {
        created: record.creationTime,
        json: inlineJson,
      });
  }

  async inlineResult(project: string, jobId: string): Promise<string | undefined> {
    return this.results.get(jobKey(project, jobId))?.json;
  }

  async expireResults(_c: DuckDBConnection, cutoff: number): Promise<void> {
    for (const [key, r] of this.results) if (r.created < cutoff) this.results.delete(key);
  }
}
