import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWarehouse } from '../src/index.js';
import { raw, startTestWarehouse } from './helpers.js';

// A destination-table job's results are read from its destination (no copy): while the rows it wrote are there, its
// getQueryResults serves them; once any write path changes them, the results are gone (notFound naming the table),
// never other rows. Writes elsewhere (another partition, another table) leave them alone. Run in memory and with a
// data dir, where every job record (with the destination's new metadata) is stored with the write's COMMIT.
let wh: RunningWarehouse;
let dir: string;
const P = '/bigquery/v2/projects/local-project';
const PARTITION = '20261120';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wh-results-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
const post = async (path: string, body: object) => {
  const res = await raw(wh.url, 'POST', `${P}${path}`, body);
  if (res.status >= 300 || res.json?.status?.errorResult)
    throw new Error(`${path}: ${JSON.stringify(res.json?.error ?? res.json?.status)}`);
  return res.json;
};
const queryJob = (dataset: string, sql: string, tableId: string, extra: object = {}) =>
  post('/jobs', {
    configuration: {
      query: {
        query: sql,
        useLegacySql: false,
        destinationTable: { projectId: 'local-project', datasetId: dataset, tableId },
        writeDisposition: 'WRITE_TRUNCATE',
        ...extra,
      },
    },
  });
const results = (jobId: string, q = '') => raw(wh.url, 'GET', `${P}/queries/${jobId}${q}`);
const values = (json: { rows: { f: { v: string }[] }[] }) =>
  json.rows.map((r) => r.f.map((c) => c.v).join('/'));

/** A dataset with `t` (ingestion-time partitioned) whose partition 20261120 was written by the returned job. */
async function setUp(): Promise<{ dataset: string; jobId: string }> {
  const dataset = `results_${++n}`;
  await post('/datasets', { datasetReference: { datasetId: dataset } });
  await post(`/datasets/${dataset}/tables`, {
    tableReference: { tableId: 't' },
    schema: {
      fields: [
        { name: 'n', type: 'INTEGER' },
        { name: 's', type: 'STRING' },
      ],
    },
    timePartitioning: { type: 'DAY' },
  });
  const job = await queryJob(
    dataset,
    `SELECT n, CONCAT('row', CAST(n AS STRING)) AS s FROM UNNEST([1, 2, 3]) AS n ORDER BY n`,
    `t$${PARTITION}`,
  );
  return { dataset, jobId: job.jobReference.jobId };
}

type Write = (dataset: string) => Promise<unknown>;
const csv = async (text: string) => {
  const file = join(dir, `load-${++n}.csv`);
  await writeFile(file, text);
  return file;
};

/** Every write path that changes the partition's rows retires the job's results. */
const retiring: [string, Write][] = [
  [
    'a later query job (WRITE_TRUNCATE, same partition)',
    (d) => queryJob(d, 'SELECT 9 AS n, "x" AS s', `t$${PARTITION}`),
  ],
  [
    'a later query job (WRITE_APPEND, same partition)',
    (d) => queryJob(d, 'SELECT 9 AS n, "x" AS s', `t$${PARTITION}`, { writeDisposition: 'WRITE_APPEND' }),
  ],
  [
    'a query job truncating the whole table',
    (d) => queryJob(d, 'SELECT 9 AS n, "x" AS s', 't', { writeDisposition: 'WRITE_TRUNCATE' }),
  ],
  [
    'a copy job into the partition',
    async (d) => {
      await queryJob(d, 'SELECT 7 AS n, "c" AS s', 'src');
      return post('/jobs', {
        configuration: {
          copy: {
            sourceTable: { projectId: 'local-project', datasetId: d, tableId: 'src' },
            destinationTable: { projectId: 'local-project', datasetId: d, tableId: `t$${PARTITION}` },
            writeDisposition: 'WRITE_TRUNCATE',
          },
        },
      });
    },
  ],
  [
    'a load job into the partition',
    async (d) =>
      post('/jobs', {
        configuration: {
          load: {
            sourceUris: [`file://${await csv('8,loaded\n')}`],
            sourceFormat: 'CSV',
            destinationTable: { projectId: 'local-project', datasetId: d, tableId: `t$${PARTITION}` },
            writeDisposition: 'WRITE_APPEND',
          },
        },
      }),
  ],
  [
    'tabledata.insertAll into the partition',
    (d) =>
      post(`/datasets/${d}/tables/t$${PARTITION}/insertAll`, { rows: [{ json: { n: 4, s: 'streamed' } }] }),
  ],
  [
    'a DML UPDATE',
    (d) => post('/queries', { query: `UPDATE ${d}.t SET s = 'changed' WHERE n = 2`, useLegacySql: false }),
  ],
  ['a DML DELETE', (d) => post('/queries', { query: `DELETE FROM ${d}.t WHERE n = 1`, useLegacySql: false })],
  [
    'deleting the partition',
    async (d) =>
      expect((await raw(wh.url, 'DELETE', `${P}/datasets/${d}/tables/t$${PARTITION}`)).status).toBe(204),
  ],
  [
    'deleting the table and creating it again',
    async (d) => {
      expect((await raw(wh.url, 'DELETE', `${P}/datasets/${d}/tables/t`)).status).toBe(204);
      await queryJob(d, 'SELECT 1 AS n, "row1" AS s', `t$${PARTITION}`);
    },
  ],
  [
    'deleting the dataset with its contents',
    async (d) =>
      expect((await raw(wh.url, 'DELETE', `${P}/datasets/${d}?deleteContents=true`)).status).toBe(204),
  ],
];

/** Writes that leave the partition's rows alone keep the results. */
const keeping: [string, Write][] = [
  ['a query job into another partition', (d) => queryJob(d, 'SELECT 9 AS n, "x" AS s', 't$20261121')],
  [
    'tabledata.insertAll into another partition',
    (d) => post(`/datasets/${d}/tables/t$20261121/insertAll`, { rows: [{ json: { n: 4, s: 'streamed' } }] }),
  ],
  ['deleting another partition', (d) => raw(wh.url, 'DELETE', `${P}/datasets/${d}/tables/t$20261121`)],
  ['a query job into another table', (d) => queryJob(d, 'SELECT 1 AS n', 'other')],
  [
    'patching the table (description, a new column)',
    (d) =>
      raw(wh.url, 'PATCH', `${P}/datasets/${d}/tables/t`, {
        description: 'patched',
        schema: {
          fields: [
            { name: 'n', type: 'INTEGER' },
            { name: 's', type: 'STRING' },
            { name: 'extra', type: 'BOOLEAN' },
          ],
        },
      }),
  ],
];

describe.each([
  ['in memory', false],
  ['data dir', true],
])('%s: results of a destination-table job come from its destination', (_mode, durable) => {
  beforeAll(async () => {
    wh = await startTestWarehouse(
      durable ? { dataDir: join(dir, 'data'), loadDirs: [dir] } : { loadDirs: [dir] },
    );
  });
  afterAll(async () => {
    await wh?.stop();
  });

  it('pages through them like any result (maxResults, pageToken, the schema of the query)', async () => {
    const { jobId } = await setUp();
    const first = await results(jobId, '?maxResults=2');
    expect(first.status).toBe(200);
    expect(first.json.totalRows).toBe('3');
    expect(first.json.schema.fields.map((f: { name: string }) => f.name)).toEqual(['n', 's']);
    expect(values(first.json)).toEqual(['1/row1', '2/row2']);
    const rest = await results(jobId, `?maxResults=2&pageToken=${first.json.pageToken}`);
    expect(values(rest.json)).toEqual(['3/row3']);
    expect(rest.json.pageToken).toBeUndefined();
  });

  it.each(retiring)(
    '%s: the earlier job answers notFound naming the table, never other rows',
    async (_, write) => {
      const { dataset, jobId } = await setUp();
      await write(dataset);
      const after = await results(jobId);
      expect(after.status).toBe(404);
      expect(after.json.error.errors[0].reason).toBe('notFound');
      expect(after.json.error.message).toContain(`${dataset}.t$${PARTITION}`);
      // the job itself stays DONE without error
      const job = await raw(wh.url, 'GET', `${P}/jobs/${jobId}`);
      expect(job.json.status).toEqual({ state: 'DONE' });
    },
  );

  it.each(keeping)('%s: the earlier job still serves its rows', async (_, write) => {
    const { dataset, jobId } = await setUp();
    await write(dataset);
    const after = await results(jobId);
    expect(after.status).toBe(200);
    expect(values(after.json)).toEqual(['1/row1', '2/row2', '3/row3']);
  });

  it.each([
    ['its own partition (WRITE_TRUNCATE t$20261120)', `t$${PARTITION}`],
    ['the whole table (WRITE_TRUNCATE t)', 't'],
  ])('a query reading %s computes its rows before the write replaces them', async (_, tableId) => {
    const { dataset } = await setUp();
    const job = await queryJob(
      dataset,
      `SELECT n * 10 AS n, s FROM ${dataset}.t WHERE _PARTITIONDATE = "2026-11-20" AND n > 1 ORDER BY n`,
      tableId,
    );
    expect(values((await results(job.jobReference.jobId)).json)).toEqual(['20/row2', '30/row3']);
    const stored = await post('/queries', {
      query: `SELECT n FROM ${dataset}.t ORDER BY n`,
      useLegacySql: false,
    });
    expect(values(stored)).toEqual(['20', '30']);
  });

  it('a copy of a partition onto itself (WRITE_TRUNCATE) keeps its rows', async () => {
    const { dataset } = await setUp();
    const ref = { projectId: 'local-project', datasetId: dataset, tableId: `t$${PARTITION}` };
    await post('/jobs', {
      configuration: {
        copy: { sourceTable: ref, destinationTable: ref, writeDisposition: 'WRITE_TRUNCATE' },
      },
    });
    const stored = await post('/queries', {
      query: `SELECT n FROM ${dataset}.t ORDER BY n`,
      useLegacySql: false,
    });
    expect(values(stored)).toEqual(['1', '2', '3']);
  });

  it('jobs.cancel stops a destination job mid-query: nothing written, later writes go on', async () => {
    const { dataset, jobId } = await setUp();
    const long = await wh.warehouse.insertJob(
      'local-project',
      {
        jobReference: { jobId: `long_${dataset}` },
        configuration: {
          query: {
            query:
              'SELECT SUM(MOD(a * b, 7)) AS n, "x" AS s FROM UNNEST(GENERATE_ARRAY(1, 100000)) AS a CROSS JOIN UNNEST(GENERATE_ARRAY(1, 100000)) AS b',
            useLegacySql: false,
            destinationTable: { projectId: 'local-project', datasetId: dataset, tableId: `t$${PARTITION}` },
            writeDisposition: 'WRITE_TRUNCATE',
          },
        },
      },
      0,
    );
    expect((long.status as { state: string }).state).toBe('RUNNING');
    // No pause: the cancel may arrive before DuckDB has really started the statement (an interrupt it would forget).
    const cancelled = await raw(wh.url, 'POST', `${P}/jobs/long_${dataset}/cancel`);
    expect(cancelled.json.kind).toBe('bigquery#jobCancelResponse');
    // BigQuery answers jobs.cancel at once and the job stops later: poll jobs.get as a client does.
    let job = cancelled.json.job;
    for (let i = 0; i < 300 && job.status.state !== 'DONE'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = (await raw(wh.url, 'GET', `${P}/jobs/long_${dataset}`)).json;
    }
    expect(job.status.state).toBe('DONE');
    expect(job.status.errorResult.reason).toBe('stopped');
    // the partition still holds the first job's rows, which it still serves; the writer is free again
    expect(values((await results(jobId)).json)).toEqual(['1/row1', '2/row2', '3/row3']);
    await queryJob(dataset, 'SELECT 5 AS n, "after" AS s', 't$20261121');
  });

  it('a WRITE_APPEND job keeps its own rows apart (a result table), untouched by later writes', async () => {
    const { dataset } = await setUp();
    const append = await queryJob(dataset, 'SELECT 5 AS n, "appended" AS s', `t$${PARTITION}`, {
      writeDisposition: 'WRITE_APPEND',
    });
    await queryJob(dataset, 'SELECT 9 AS n, "x" AS s', `t$${PARTITION}`);
    const after = await results(append.jobReference.jobId);
    expect(after.status).toBe(200);
    expect(values(after.json)).toEqual(['5/appended']);
  });

  it('a job whose column widens into the table (INTEGER into FLOAT) keeps its own typed rows', async () => {
    const { dataset } = await setUp();
    await post(`/datasets/${dataset}/tables`, {
      tableReference: { tableId: 'f' },
      schema: { fields: [{ name: 'x', type: 'FLOAT' }] },
    });
    const job = await queryJob(dataset, 'SELECT 2 AS x', 'f');
    const res = await results(job.jobReference.jobId);
    expect(res.json.schema.fields[0].type).toBe('INTEGER');
    expect(values(res.json)).toEqual(['2']);
  });
});
