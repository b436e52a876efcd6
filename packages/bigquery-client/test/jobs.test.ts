import { type FakeBigQuery, startFakeBigQuery } from '@data-pipeline/operator-testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  classifyBigQueryError,
  createBigQuery,
  normalizeEndpoint,
  parseTableName,
  rowsWritten,
  runQueryJob,
} from '../src/index.js';

let fake: FakeBigQuery;
beforeAll(async () => {
  fake = await startFakeBigQuery();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
  fake.pollsBeforeDone = 1;
  fake.onQuery = () => ({ schema: [{ name: 'n', type: 'INTEGER' }], rows: [[1], [2], [3]] });
});

const bq = () => createBigQuery({ projectId: 'proj', endpoint: fake.url, env: {} });

describe('normalizeEndpoint', () => {
  it.each([
    ['127.0.0.1:9050', 'http://127.0.0.1:9050'],
    ['http://localhost:9050/', 'http://localhost:9050'],
    ['http://localhost:9050/bigquery/v2', 'http://localhost:9050'],
  ])('%s', (a, b) => expect(normalizeEndpoint(a)).toBe(b));
  it('refuses credentials in the URL', () => {
    expect(() => normalizeEndpoint('http://u:secret@h:1')).toThrow('must not contain credentials');
  });
});

describe('runQueryJob against a local endpoint', () => {
  it('sends 1.8.2 job configuration with the decorator destination and no auth header', async () => {
    fake.pollsBeforeDone = 2;
    const client = await bq();
    const logs: string[] = [];
    const r = await runQueryJob(client, {
      projectId: 'proj',
      query: 'SELECT 1',
      useLegacySql: false,
      destination: parseTableName('ds.t$20261122', 'proj'),
      writeDisposition: 'WRITE_TRUNCATE',
      allowLargeResults: true,
      pollIntervalMs: 5,
      log: (m) => logs.push(m),
    });
    const insert = fake.requests.find((q) => q.method === 'POST');
    expect(insert?.path).toBe('/projects/proj/jobs');
    expect((insert!.body as { configuration: unknown }).configuration).toEqual({
      query: {
        query: 'SELECT 1',
        useLegacySql: false,
        allowLargeResults: true,
        writeDisposition: 'WRITE_TRUNCATE',
        destinationTable: { projectId: 'proj', datasetId: 'ds', tableId: 't$20261122' },
      },
    });
    expect(insert?.headers.authorization).toBeUndefined();
    expect(fake.requests.filter((q) => q.method === 'GET' && /\/jobs\//.test(q.path)).length).toBe(2);
    expect(logs).toEqual([`Waiting for job to complete : proj, ${r.jobId}`]);
    expect(await rowsWritten(client, r)).toBe('3');
  });

  it('without a destination sends only query + useLegacySql (legacy default made explicit)', async () => {
    await runQueryJob(await bq(), {
      projectId: 'proj',
      query: 'SELECT 1',
      useLegacySql: true,
      pollIntervalMs: 1,
    });
    const insert = fake.requests.find((q) => q.method === 'POST');
    expect((insert!.body as { configuration: unknown }).configuration).toEqual({
      query: { query: 'SELECT 1', useLegacySql: true },
    });
  });

  it('a job errorResult becomes BigQueryJobError with its class', async () => {
    fake.onQuery = () => ({ error: { reason: 'invalidQuery', message: 'Unrecognized name: x' } });
    const err = await runQueryJob(await bq(), {
      projectId: 'proj',
      query: 'SELECT x',
      useLegacySql: false,
      pollIntervalMs: 1,
    }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(
      /^BigQuery job failed\. Final error was: invalidQuery: Unrecognized name: x/,
    );
    expect(classifyBigQueryError(err)).toBe('invalid-input');
  });

  it.each([
    [403, 'accessDenied', 'permission-denied'],
    [429, 'rateLimitExceeded', 'transient'],
    [500, 'backendError', 'transient'],
    [400, 'invalid', 'invalid-input'],
  ])('jobs.insert HTTP %i %s → %s', async (status, reason, cls) => {
    fake.inject({ method: 'POST', path: /\/jobs$/, status, reason, times: 1 });
    const err = await runQueryJob(await bq(), {
      projectId: 'proj',
      query: 'SELECT 1',
      useLegacySql: false,
    }).catch((e: unknown) => e);
    expect(classifyBigQueryError(err)).toBe(cls);
  });

  it('retries 500/503 while polling, like the 1.8.2 hook', async () => {
    fake.inject({ method: 'GET', path: /\/jobs\/[^/]+$/, status: 503, times: 2 });
    const r = await runQueryJob(await bq(), {
      projectId: 'proj',
      query: 'SELECT 1',
      useLegacySql: false,
      pollIntervalMs: 1,
    });
    expect(r.job.status?.state).toBe('DONE');
  });

  it('cancels the job when aborted while polling', async () => {
    fake.pollsBeforeDone = 1000;
    const ac = new AbortController();
    const p = runQueryJob(await bq(), {
      projectId: 'proj',
      query: 'SELECT 1',
      useLegacySql: false,
      pollIntervalMs: 20,
      signal: ac.signal,
    });
    setTimeout(() => ac.abort(), 50);
    await expect(p).rejects.toThrow();
    expect(fake.requests.some((q) => q.path.endsWith('/cancel'))).toBe(true);
  });
});
