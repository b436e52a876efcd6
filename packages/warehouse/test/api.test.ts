import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BigQuery } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWarehouse } from '../src/index.js';
import { clientFor, noAuth, raw, startTestWarehouse } from './helpers.js';

let wh: RunningWarehouse;
let bq: BigQuery;
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'wh-api-'));
  wh = await startTestWarehouse({ loadDirs: [tmp] });
  bq = clientFor(wh.url);
});
afterAll(async () => {
  await wh?.stop();
  await rm(tmp, { recursive: true, force: true });
});

const EVENT_SCHEMA = [
  { name: 'name', type: 'STRING', mode: 'REQUIRED' },
  { name: 'n', type: 'INT64' },
  { name: 'score', type: 'FLOAT64' },
  { name: 'at', type: 'TIMESTAMP' },
  { name: 'day', type: 'DATE' },
  { name: 'ok', type: 'BOOL' },
  { name: 'tags', type: 'STRING', mode: 'REPEATED' },
  {
    name: 'owner',
    type: 'RECORD',
    fields: [
      { name: 'id', type: 'INTEGER' },
      { name: 'login', type: 'STRING' },
    ],
  },
  { name: 'raw', type: 'BYTES' },
  { name: 'price', type: 'NUMERIC' },
];

describe('datasets', () => {
  it('insert, get, list, patch, delete (deleteContents)', async () => {
    const [ds] = await bq.createDataset('ds_crud', { description: 'first', labels: { team: 'data' } });
    expect(ds.id).toBe('ds_crud');
    const [meta] = await bq.dataset('ds_crud').getMetadata();
    expect(meta.description).toBe('first');
    expect(meta.labels).toEqual({ team: 'data' });
    expect(meta.datasetReference).toEqual({ projectId: 'local-project', datasetId: 'ds_crud' });
    const [list] = await bq.getDatasets();
    expect(list.map((d) => d.id)).toContain('ds_crud');
    await bq.dataset('ds_crud').setMetadata({ description: 'second' });
    const [after] = await bq.dataset('ds_crud').getMetadata();
    expect(after.description).toBe('second');
    expect(after.labels).toEqual({ team: 'data' });
    await bq.dataset('ds_crud').createTable('t', { schema: [{ name: 'a', type: 'STRING' }] });
    await expect(bq.dataset('ds_crud').delete()).rejects.toThrow(/still in use/);
    await bq.dataset('ds_crud').delete({ force: true });
    const [exists] = await bq.dataset('ds_crud').exists();
    expect(exists).toBe(false);
  });

  it('answers duplicate with 409 and a missing dataset with 404', async () => {
    await bq.createDataset('ds_dup');
    await expect(bq.createDataset('ds_dup')).rejects.toMatchObject({ code: 409 });
    await expect(bq.dataset('nope').getMetadata()).rejects.toMatchObject({ code: 404 });
  });

  it('serves several projects in one server', async () => {
    const other = clientFor(wh.url, 'other-project');
    await other.createDataset('shared');
    await bq.createDataset('shared');
    const [a] = await other.getDatasets();
    expect(a.map((d) => d.id)).toEqual(['shared']);
    const [rows] = await bq.query({
      query: 'SELECT 1 AS x FROM `other-project.shared.__TABLES__` WHERE false',
    });
    expect(rows).toEqual([]);
  });
});

describe('tables and tabledata', () => {
  beforeAll(async () => {
    await bq.createDataset('tbl');
  });

  it('insert, get, list, patch, delete with nested schema and partitioning', async () => {
    const [table] = await bq.dataset('tbl').createTable('events', {
      schema: EVENT_SCHEMA,
      timePartitioning: { type: 'DAY', field: 'at' },
      description: 'events',
      labels: { env: 'test' },
    });
    const [meta] = await table.getMetadata();
    expect(meta.schema.fields[0]).toMatchObject({ name: 'name', type: 'STRING', mode: 'REQUIRED' });
    expect(meta.schema.fields[1]).toMatchObject({ name: 'n', type: 'INTEGER', mode: 'NULLABLE' });
    expect(meta.schema.fields[6]).toMatchObject({ name: 'tags', mode: 'REPEATED' });
    expect(meta.schema.fields[7].fields).toHaveLength(2);
    expect(meta.timePartitioning).toEqual({ type: 'DAY', field: 'at' });
    expect(meta.numRows).toBe('0');
    await table.setMetadata({ description: 'changed', labels: { env: 'prod' } });
    const [m2] = await table.getMetadata();
    expect(m2.description).toBe('changed');
    expect(m2.labels).toEqual({ env: 'prod' });
    const [tables] = await bq.dataset('tbl').getTables();
    expect(tables.map((t) => t.id)).toContain('events');
    await expect(bq.dataset('tbl').createTable('events', { schema: EVENT_SCHEMA })).rejects.toMatchObject({
      code: 409,
    });
  });

  it('insertAll stores typed rows (nested, repeated, bytes, timestamps) and list pages them back', async () => {
    const table = bq.dataset('tbl').table('events');
    const rows = Array.from({ length: 25 }, (_, i) => ({
      name: `row${i}`,
      n: i,
      score: i / 2,
      at: `2026-11-${String(10 + (i % 3)).padStart(2, '0')} 12:00:00.123456 UTC`,
      day: '2026-11-20',
      ok: i % 2 === 0,
      tags: ['a', `t${i}`],
      owner: { id: 100 + i, login: `u${i}` },
      raw: Buffer.from(`bytes${i}`).toString('base64'),
      price: '12.50',
    }));
    await table.insert(rows);
    const [meta] = await table.getMetadata();
    expect(meta.numRows).toBe('25');
    expect(Number(meta.numBytes)).toBeGreaterThan(0);
    const [page, next] = await table.getRows({ maxResults: 10, autoPaginate: false });
    expect(page).toHaveLength(10);
    expect(next).toMatchObject({ pageToken: '10' });
    const [all] = await table.getRows();
    expect(all).toHaveLength(25);
    const r3 = all.find((r) => r.name === 'row3')!;
    expect(r3.n).toBe(3);
    expect(r3.score).toBe(1.5);
    expect(r3.tags).toEqual(['a', 't3']);
    expect(r3.owner).toEqual({ id: 103, login: 'u3' });
    expect(Buffer.from(r3.raw).toString()).toBe('bytes3');
    expect(r3.at.value).toBe('2026-11-10T12:00:00.123456000Z');
    expect(r3.day.value).toBe('2026-11-20');
    expect(r3.ok).toBe(false);
    expect(Number(r3.price)).toBe(12.5);
    // A bare, unquoted column named `at` (valid GoogleSQL, a DuckDB keyword) in SELECT, WHERE, GROUP BY and ORDER BY.
    const [agg] = await bq.query({
      query:
        'SELECT at, COUNT(*) AS n, MIN(at) AS first FROM tbl.events WHERE at > TIMESTAMP("2026-11-10") GROUP BY at ORDER BY at',
    });
    expect(agg.map((r) => [r.at.value, r.n, r.first.value])).toEqual([
      ['2026-11-10T12:00:00.123456000Z', 9, '2026-11-10T12:00:00.123456000Z'],
      ['2026-11-11T12:00:00.123456000Z', 8, '2026-11-11T12:00:00.123456000Z'],
      ['2026-11-12T12:00:00.123456000Z', 8, '2026-11-12T12:00:00.123456000Z'],
    ]);
  });

  it('insertAll answers insertErrors per row and inserts nothing when a row is bad', async () => {
    const table = bq.dataset('tbl').table('events');
    const err = await table
      .insert([{ name: 'good', n: 1 }, { n: 'not a number' }, { name: 'x', bogus: 1 }])
      .then(() => undefined)
      .catch((e: unknown) => e as { name: string; errors: { row: unknown; errors: { reason: string }[] }[] });
    expect(err?.name).toBe('PartialFailureError');
    const reasons = err!.errors.map((e) => e.errors[0]!.reason);
    expect(reasons.sort()).toEqual(['invalid', 'invalid', 'stopped']);
    const [meta] = await table.getMetadata();
    expect(meta.numRows).toBe('25');
    await table.insert([{ name: 'good2' }, { n: 'bad' }], { skipInvalidRows: true }).catch(() => undefined);
    const [m2] = await table.getMetadata();
    expect(m2.numRows).toBe('26');
  });

  it("streamed rows of an ingestion-time partitioned table land in today's partition (or the decorated one)", async () => {
    const [table] = await bq.dataset('tbl').createTable('streamed', {
      schema: [{ name: 'a', type: 'STRING' }],
      timePartitioning: { type: 'DAY' },
    });
    await table.insert([{ a: 'now' }]);
    await bq
      .dataset('tbl')
      .table('streamed$20261101')
      .insert([{ a: 'then' }]);
    const today = new Date().toISOString().slice(0, 10);
    const [rows] = await bq.query(
      'SELECT a, CAST(_PARTITIONDATE AS STRING) AS d FROM tbl.streamed ORDER BY d',
    );
    expect(rows).toEqual([
      { a: 'then', d: '2026-11-01' },
      { a: 'now', d: today },
    ]);
  });

  it('tables.delete removes the table', async () => {
    await bq.dataset('tbl').createTable('gone', { schema: [{ name: 'a', type: 'STRING' }] });
    await bq.dataset('tbl').table('gone').delete();
    await expect(bq.dataset('tbl').table('gone').getMetadata()).rejects.toMatchObject({ code: 404 });
  });
});

describe('query jobs', () => {
  beforeAll(async () => {
    await bq.createDataset('q');
    await bq.dataset('q').createTable('src', {
      schema: [
        { name: 'k', type: 'STRING' },
        { name: 'v', type: 'INTEGER' },
        { name: 'created', type: 'TIMESTAMP' },
      ],
    });
    await bq
      .dataset('q')
      .table('src')
      .insert([
        { k: 'a', v: 1, created: '2026-11-20T01:00:00Z' },
        { k: 'b', v: 2, created: '2026-11-20T02:00:00Z' },
        { k: 'a', v: 3, created: '2026-11-21T03:00:00Z' },
      ]);
  });

  it('jobs.query returns rows, schema and totalRows; timestamps as the client asks', async () => {
    const [rows] = await bq.query({
      query: 'SELECT k, SUM(v) AS total, MIN(created) AS first FROM q.src GROUP BY k ORDER BY k',
    });
    expect(rows.map((r) => [r.k, r.total])).toEqual([
      ['a', 4],
      ['b', 2],
    ]);
    expect(rows[0].first.value).toBe('2026-11-20T01:00:00.000Z');
    const int64 = await raw(wh.url, 'POST', '/bigquery/v2/projects/local-project/queries', {
      query: 'SELECT MIN(created) AS first FROM q.src',
      useLegacySql: false,
      formatOptions: { useInt64Timestamp: true },
    });
    expect(int64.json.rows[0].f[0].v).toBe('1795136400000000');
    expect(int64.json.schema.fields[0]).toMatchObject({ name: 'first', type: 'TIMESTAMP' });
    expect(int64.json.totalRows).toBe('1');
    expect(int64.json.jobReference.jobId).toBeTruthy();
    const float = await raw(wh.url, 'POST', '/bigquery/v2/projects/local-project/queries', {
      query: 'SELECT MIN(created) AS first FROM q.src',
      useLegacySql: false,
    });
    expect(Number(float.json.rows[0].f[0].v)).toBe(1795136400);
  });

  it('jobs.insert + get + getQueryResults (paging) + list', async () => {
    const [job] = await bq.createQueryJob({ query: 'SELECT v FROM q.src ORDER BY v', jobId: 'my_job_1' });
    expect(job.id).toBe('my_job_1');
    const [meta] = await job.getMetadata();
    expect(meta.status.state).toBe('DONE');
    expect(meta.jobReference).toMatchObject({ projectId: 'local-project', jobId: 'my_job_1' });
    const [page, next] = await job.getQueryResults({ maxResults: 2, autoPaginate: false });
    expect(page.map((r) => r.v)).toEqual([1, 2]);
    expect(next?.pageToken).toBe('2');
    const [rest] = await job.getQueryResults({
      maxResults: 2,
      pageToken: next!.pageToken,
      autoPaginate: false,
    });
    expect(rest.map((r) => r.v)).toEqual([3]);
    const [jobs] = await bq.getJobs();
    expect(jobs.map((j) => j.id)).toContain('my_job_1');
    await expect(bq.createQueryJob({ query: 'SELECT 1', jobId: 'my_job_1' })).rejects.toMatchObject({
      code: 409,
    });
  });

  it('a failing query is a DONE job with errorResult and an invalidQuery error for the client', async () => {
    await expect(bq.query('SELECT no_such_column FROM q.src')).rejects.toMatchObject({ code: 400 });
    const res = await raw(wh.url, 'POST', '/bigquery/v2/projects/local-project/jobs', {
      jobReference: { jobId: 'bad_job' },
      configuration: { query: { query: 'SELECT * FROM q.missing', useLegacySql: false } },
    });
    expect(res.status).toBe(200);
    expect(res.json.status.state).toBe('DONE');
    expect(res.json.status.errorResult.reason).toBe('notFound');
    const results = await raw(wh.url, 'GET', '/bigquery/v2/projects/local-project/queries/bad_job');
    expect(results.status).toBe(404);
    expect(results.json.error.errors[0].reason).toBe('notFound');
  });

  it('dryRun returns the schema without running', async () => {
    const [job] = await bq.createQueryJob({ query: 'SELECT k, v FROM q.src', dryRun: true });
    const meta = job.metadata;
    expect(meta.status.state).toBe('DONE');
    expect(meta.statistics.query.schema.fields.map((f: { name: string }) => f.name)).toEqual(['k', 'v']);
  });

  it('cancel answers with the job', async () => {
    const [job] = await bq.createQueryJob({ query: 'SELECT 1 AS x' });
    const [resp] = await job.cancel();
    expect(resp.job.status.state).toBe('DONE');
  });

  it('named and positional parameters of scalar, array and struct types', async () => {
    const [named] = await bq.query({
      query: 'SELECT k, v FROM q.src WHERE k = @k AND v >= @min AND v IN UNNEST(@vs) ORDER BY v',
      params: { k: 'a', min: 2, vs: [1, 3] },
    });
    expect(named).toEqual([{ k: 'a', v: 3 }]);
    const [positional] = await bq.query({ query: 'SELECT ? AS s, ? AS n', params: ['x', 5] });
    expect(positional).toEqual([{ s: 'x', n: 5 }]);
    const [ts] = await bq.query({
      query: 'SELECT COUNT(*) AS n FROM q.src WHERE created < @cut',
      params: { cut: bq.timestamp('2026-11-21T00:00:00Z') },
    });
    expect(ts[0].n).toBe(2);
    const [st] = await bq.query({ query: 'SELECT @s.a AS a, @s.b AS b', params: { s: { a: 1, b: 'two' } } });
    expect(st).toEqual([{ a: 1, b: 'two' }]);
    const [whole] = await bq.query({ query: 'SELECT @s AS s', params: { s: { a: 1, b: 'two' } } });
    expect(whole).toEqual([{ s: { a: 1, b: 'two' } }]);
  });

  it('DML reports numDmlAffectedRows and updates table stats', async () => {
    await bq.dataset('q').createTable('dml', { schema: [{ name: 'x', type: 'INTEGER' }] });
    const [job] = await bq.createQueryJob({ query: 'INSERT INTO q.dml (x) VALUES (1), (2), (3)' });
    const [meta] = await job.getMetadata();
    expect(meta.statistics.query.numDmlAffectedRows).toBe('3');
    await bq.query('DELETE FROM q.dml WHERE x > 1');
    const [t] = await bq.dataset('q').table('dml').getMetadata();
    expect(t.numRows).toBe('1');
  });
});

describe('destinations, dispositions and partitions', () => {
  beforeAll(async () => {
    await bq.createDataset('p');
    await bq.dataset('p').createTable('daily', { timePartitioning: { type: 'DAY' } });
  });

  const write = (table: string, query: string, writeDisposition?: string) =>
    bq.createQueryJob({
      query,
      destination: bq.dataset('p').table(table),
      ...(writeDisposition ? { writeDisposition } : {}),
    });

  it('WRITE_TRUNCATE into t$YYYYMMDD replaces only that partition', async () => {
    await write('daily$20261119', "SELECT 'x' AS repo, 1 AS stars", 'WRITE_TRUNCATE');
    await write('daily$20261120', "SELECT 'x' AS repo, 5 AS stars UNION ALL SELECT 'y', 6", 'WRITE_TRUNCATE');
    await write('daily$20261120', "SELECT 'z' AS repo, 7 AS stars", 'WRITE_TRUNCATE');
    const [rows] = await bq.query(
      'SELECT repo, stars, _PARTITIONTIME AS pt, _PARTITIONDATE AS pd FROM p.daily ORDER BY repo',
    );
    expect(rows.map((r) => [r.repo, r.stars, r.pd.value])).toEqual([
      ['x', 1, '2026-11-19'],
      ['z', 7, '2026-11-20'],
    ]);
    expect(rows[0].pt.value).toBe('2026-11-19T00:00:00.000Z');
    const [star] = await bq.query('SELECT * FROM p.daily WHERE _PARTITIONTIME = TIMESTAMP("2026-11-20")');
    expect(star).toEqual([{ repo: 'z', stars: 7 }]);
    const [meta] = await bq.dataset('p').table('daily').getMetadata();
    expect(meta.schema.fields.map((f: { name: string }) => f.name)).toEqual(['repo', 'stars']);
    expect(meta.numRows).toBe('2');
    // per-partition stats follow each partition write (only the written partition is recounted)
    const [parts] = await bq.query(
      'SELECT partition_id, total_rows FROM p.INFORMATION_SCHEMA.PARTITIONS WHERE table_name = "daily" ORDER BY partition_id',
    );
    expect(parts).toEqual([
      { partition_id: '20261119', total_rows: 1 },
      { partition_id: '20261120', total_rows: 1 },
    ]);
  });

  it('WRITE_APPEND appends; WRITE_EMPTY fails on a non-empty target', async () => {
    const [appended] = await write('daily$20261120', "SELECT 'w' AS repo, 8 AS stars", 'WRITE_APPEND');
    expect(appended.metadata.status.errorResult).toBeUndefined();
    const [rows] = await bq.query('SELECT COUNT(*) AS n FROM `p.daily$20261120`');
    expect(rows[0].n).toBe(2);
    // The job itself is created (HTTP 200) and ends DONE with a `duplicate` errorResult, as in BigQuery.
    await expect(write('daily$20261120', "SELECT 'v' AS repo, 9 AS stars", 'WRITE_EMPTY')).rejects.toThrow(
      /Already Exists: Table local-project:p\.daily\$20261120/,
    );
    const [ok] = await write('daily$20261121', "SELECT 'v' AS repo, 9 AS stars", 'WRITE_EMPTY');
    expect(ok.metadata.status.state).toBe('DONE');
  });

  it('decorated reads, __TABLES__, $__PARTITIONS_SUMMARY__ and INFORMATION_SCHEMA', async () => {
    const [tables] = await bq.query({
      query: '#legacySQL\nSELECT table_id, row_count FROM [local-project:p.__TABLES__]',
      useLegacySql: true,
    });
    expect(tables).toEqual([{ table_id: 'daily', row_count: 4 }]);
    const [parts] = await bq.query({
      query: 'SELECT partition_id FROM [p.daily$__PARTITIONS_SUMMARY__] ORDER BY partition_id',
      useLegacySql: true,
    });
    expect(parts.map((r) => r.partition_id)).toEqual(['20261119', '20261120', '20261121']);
    const [info] = await bq.query('SELECT table_name FROM p.INFORMATION_SCHEMA.TABLES');
    expect(info).toEqual([{ table_name: 'daily' }]);
    const [cols] = await bq.query(
      "SELECT column_name, data_type FROM p.INFORMATION_SCHEMA.COLUMNS WHERE table_name = 'daily' AND is_hidden = 'NO' ORDER BY ordinal_position",
    );
    expect(cols).toEqual([
      { column_name: 'repo', data_type: 'STRING' },
      { column_name: 'stars', data_type: 'INT64' },
    ]);
    const [ip] = await bq.query(
      "SELECT partition_id, total_rows FROM p.INFORMATION_SCHEMA.PARTITIONS WHERE table_name = 'daily' ORDER BY 1",
    );
    expect(ip.map((r) => [r.partition_id, r.total_rows])).toEqual([
      ['20261119', 1],
      ['20261120', 2],
      ['20261121', 1],
    ]);
  });

  it('wildcard tables expose _TABLE_SUFFIX', async () => {
    await bq.createDataset('wild');
    for (const day of ['20261101', '20261102', '20261201']) {
      await bq.createQueryJob({
        query: `SELECT '${day}' AS d`,
        destination: bq.dataset('wild').table(day),
      });
    }
    const [rows] = await bq.query('SELECT _TABLE_SUFFIX AS s, d FROM `wild.2026110*` ORDER BY s');
    expect(rows).toEqual([
      { s: '1', d: '20261101' },
      { s: '2', d: '20261102' },
    ]);
  });

  it('copy jobs keep partitions; load jobs read local NDJSON and CSV files', async () => {
    const [copy] = await bq.dataset('p').table('daily').copy(bq.dataset('p').table('daily_copy'));
    expect(copy.status.state).toBe('DONE');
    const [c] = await bq.query('SELECT COUNT(*) AS n FROM `p.daily_copy$20261120`');
    expect(c[0].n).toBe(2);

    const ndjson = join(tmp, 'rows.json');
    await writeFile(ndjson, '{"a":"x","b":1}\n{"a":"y","b":2}\n');
    const [load] = await bq.createJob({
      configuration: {
        load: {
          sourceUris: [pathToFileURL(ndjson).href],
          sourceFormat: 'NEWLINE_DELIMITED_JSON',
          schema: {
            fields: [
              { name: 'a', type: 'STRING' },
              { name: 'b', type: 'INTEGER' },
            ],
          },
          destinationTable: { projectId: 'local-project', datasetId: 'p', tableId: 'loaded' },
        },
      },
    });
    expect(load.metadata.status.errorResult).toBeUndefined();
    const csv = join(tmp, 'rows.csv');
    await writeFile(csv, 'a,b\nz,3\n');
    const [meta] = await bq
      .dataset('p')
      .table('loaded')
      .load(csv, { sourceFormat: 'CSV', skipLeadingRows: 1, writeDisposition: 'WRITE_APPEND' });
    expect(meta.status.state).toBe('DONE');
    const [rows] = await bq.query('SELECT a, b FROM p.loaded ORDER BY b');
    expect(rows).toEqual([
      { a: 'x', b: 1 },
      { a: 'y', b: 2 },
      { a: 'z', b: 3 },
    ]);
  });
});

describe('BIGQUERY_EMULATOR_HOST', () => {
  it('the client reaches the server without the /bigquery/v2 prefix', async () => {
    const saved = process.env.BIGQUERY_EMULATOR_HOST;
    process.env.BIGQUERY_EMULATOR_HOST = wh.url;
    try {
      // biome-ignore lint/suspicious/noExplicitAny: test auth client
      const emu = new BigQuery({ projectId: 'local-project', authClient: noAuth as any });
      const [rows] = await emu.query('SELECT 41 + 1 AS answer');
      expect(rows).toEqual([{ answer: 42 }]);
      await emu.createDataset('via_emulator_host');
      const [ds] = await bq.dataset('via_emulator_host').exists();
      expect(ds).toBe(true);
    } finally {
      if (saved === undefined) delete process.env.BIGQUERY_EMULATOR_HOST;
      else process.env.BIGQUERY_EMULATOR_HOST = saved;
    }
  });
});
