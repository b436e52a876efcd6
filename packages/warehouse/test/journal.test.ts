import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Catalog, type JobRecord } from '../src/catalog.js';
import { Database } from '../src/db.js';
import type { RunningWarehouse } from '../src/index.js';
import { DurableJournal, type JobJournal, MemoryJournal } from '../src/jobs/journal.js';
import { raw, startTestWarehouse } from './helpers.js';

// Where finished jobs are kept besides the in-memory catalog: `_catalog.jobs` in a data dir (a restart must find
// them), nothing but the small results in an in-memory warehouse. Either way every job stays answerable, including
// small results older than the 64 the engine keeps decoded.
const P = '/bigquery/v2/projects/local-project';
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function exercise(wh: RunningWarehouse): Promise<{ first: string; storedJobs: number }> {
  const ids: string[] = [];
  for (let i = 0; i < 70; i++) {
    const res = await raw(wh.url, 'POST', `${P}/queries`, { query: `SELECT ${i} AS n, 'row ${i}' AS s` });
    expect(res.status).toBe(200);
    ids.push(res.json.jobReference.jobId);
  }
  // A writer job and a failed job are answerable too.
  await raw(wh.url, 'POST', `${P}/datasets`, { datasetReference: { datasetId: 'j' } });
  const write = await raw(wh.url, 'POST', `${P}/jobs`, {
    configuration: {
      query: {
        query: 'SELECT 1 AS x',
        useLegacySql: false,
        destinationTable: { projectId: 'local-project', datasetId: 'j', tableId: 't' },
      },
    },
  });
  expect(write.json.status).toEqual({ state: 'DONE' });
  const failed = await raw(wh.url, 'POST', `${P}/jobs`, {
    configuration: { query: { query: 'SELECT nope FROM j.t', useLegacySql: false } },
  });
  expect(failed.json.status.errorResult.reason).toBe('invalidQuery');
  for (const job of [write.json, failed.json]) {
    const got = await raw(wh.url, 'GET', `${P}/jobs/${job.jobReference.jobId}`);
    expect(got.json.status).toEqual(job.status);
  }
  const oldest = await raw(wh.url, 'GET', `${P}/queries/${ids[0]}`);
  expect(oldest.json.rows).toEqual([{ f: [{ v: '0' }, { v: 'row 0' }] }]);
  const latest = await raw(wh.url, 'GET', `${P}/queries/${ids[69]}`);
  expect(latest.json.rows).toEqual([{ f: [{ v: '69' }, { v: 'row 69' }] }]);
  const stored = await wh.warehouse.db.read((c) => c.runAndReadAll('SELECT count(*) FROM _catalog.jobs'));
  return { first: ids[0]!, storedJobs: Number(stored.getRows()[0]![0]) };
}

describe('job journal', () => {
  it('an in-memory warehouse answers every job from memory and writes no job records to DuckDB', async () => {
    const wh = await startTestWarehouse();
    try {
      const { storedJobs } = await exercise(wh);
      expect(storedJobs).toBe(0);
    } finally {
      await wh.stop();
    }
  });

  it("a data-dir warehouse keeps every finished job (a writer's in _catalog.jobs, the others in the job log until folded) and serves old small results after a restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wh-journal-'));
    dirs.push(dir);
    const wh = await startTestWarehouse({ dataDir: dir });
    let first: string;
    try {
      const out = await exercise(wh);
      first = out.first;
      // The writer job's record committed with its write; the 70 SELECTs and the failed job are in the log.
      expect(out.storedJobs).toBe(1);
      expect((await readFile(join(dir, 'jobs.log'), 'utf8')).trim().split('\n')).toHaveLength(71);
    } finally {
      await wh.stop();
    }
    const again = await startTestWarehouse({ dataDir: dir });
    try {
      const res = await raw(again.url, 'GET', `${P}/queries/${first}`);
      expect(res.json.rows).toEqual([{ f: [{ v: '0' }, { v: 'row 0' }] }]);
      // Opening folded the log into _catalog.jobs and removed it.
      const stored = await again.warehouse.db.readOne('SELECT count(*) FROM _catalog.jobs');
      expect(Number(stored.getRows()[0]![0])).toBe(72);
      expect(existsSync(join(dir, 'jobs.log'))).toBe(false);
    } finally {
      await again.stop();
    }
  });

  it('the job log folds into _catalog.jobs every 256 records; recovery skips a torn last line and jobs already folded', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wh-joblog-'));
    dirs.push(dir);
    const db = await Database.open(join(dir, 'warehouse.duckdb'));
    try {
      await db.write((c) => Catalog.load(c));
      const journal = new DurableJournal(db, dir);
      const rec = (i: number) =>
        ({
          project: 'p',
          jobId: `j${i}`,
          creationTime: i,
          resource: { status: { state: 'DONE' } },
        }) as JobRecord;
      for (let i = 0; i < 300; i++)
        await journal.save(rec(i), i % 2 === 0 ? `[{"f":[{"v":"${i}"}]}]` : undefined);
      const count = async () =>
        Number((await db.readOne('SELECT count(*) FROM _catalog.jobs')).getRows()[0]![0]);
      for (let t = 0; t < 100 && (await count()) < 256; t++) await new Promise((r) => setTimeout(r, 20));
      expect(await count()).toBe(256);
      expect((await readFile(join(dir, 'jobs.log'), 'utf8')).trim().split('\n')).toHaveLength(44);
      // Small results are found before and after their fold.
      expect(await journal.inlineResult('p', 'j0')).toBe('[{"f":[{"v":"0"}]}]');
      expect(await journal.inlineResult('p', 'j298')).toBe('[{"f":[{"v":"298"}]}]');
      expect(await journal.inlineResult('p', 'j1')).toBeUndefined();
      // A fold cut short (its file still there although its rows committed) and a torn last line.
      await writeFile(
        join(dir, 'jobs.log.folding'),
        `${JSON.stringify({ project: 'p', jobId: 'j5', created: 5, meta: '{}', result: null })}\n`,
      );
      await appendFile(join(dir, 'jobs.log'), '{"project":"p","jobId":"torn","crea');
      await DurableJournal.recover(db, dir);
      expect(await count()).toBe(300);
      expect(existsSync(join(dir, 'jobs.log'))).toBe(false);
      expect(existsSync(join(dir, 'jobs.log.folding'))).toBe(false);
    } finally {
      await db.close();
    }
  });

  it('the memory journal forgets small results of jobs older than the cutoff only', async () => {
    const journal: JobJournal = new MemoryJournal();
    const rec = (jobId: string, creationTime: number) =>
      ({ project: 'p', jobId, creationTime, resource: { status: { state: 'DONE' } } }) as JobRecord;
    await journal.save(rec('old', 1_000), '[{"f":[{"v":"1"}]}]');
    await journal.save(rec('new', 5_000), '[{"f":[{"v":"2"}]}]');
    await journal.save(rec('none', 1_000));
    const atCommit: string[] = [];
    journal.storeAtCommit((sql) => atCommit.push(sql), rec('written', 1_000), []);
    expect(atCommit).toEqual([]);
    await journal.expireResults(undefined as never, 2_000);
    expect(await journal.inlineResult('p', 'old')).toBeUndefined();
    expect(await journal.inlineResult('p', 'new')).toBe('[{"f":[{"v":"2"}]}]');
    expect(await journal.inlineResult('p', 'none')).toBeUndefined();
  });
});
