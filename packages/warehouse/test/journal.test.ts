import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobRecord } from '../src/catalog.js';
import type { RunningWarehouse } from '../src/index.js';
import { type JobJournal, MemoryJournal } from '../src/jobs/journal.js';
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

  it('a data-dir warehouse commits every finished job to _catalog.jobs and serves old small results from there', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wh-journal-'));
    dirs.push(dir);
    const wh = await startTestWarehouse({ dataDir: dir });
    let first: string;
    try {
      const out = await exercise(wh);
      first = out.first;
      expect(out.storedJobs).toBe(72);
    } finally {
      await wh.stop();
    }
    const again = await startTestWarehouse({ dataDir: dir });
    try {
      const res = await raw(again.url, 'GET', `${P}/queries/${first}`);
      expect(res.json.rows).toEqual([{ f: [{ v: '0' }, { v: 'row 0' }] }]);
    } finally {
      await again.stop();
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
