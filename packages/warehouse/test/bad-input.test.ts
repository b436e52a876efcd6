import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWarehouse } from '../src/index.js';
import { raw, startTestWarehouse } from './helpers.js';

let wh: RunningWarehouse;
const P = '/bigquery/v2/projects/local-project';

beforeAll(async () => {
  wh = await startTestWarehouse({ maxBodyBytes: 64 * 1024 });
  await raw(wh.url, 'POST', `${P}/datasets`, { datasetReference: { datasetId: 'ok' } });
  await raw(wh.url, 'POST', `${P}/datasets/ok/tables`, {
    tableReference: { tableId: 't' },
    schema: {
      fields: [
        { name: 'a', type: 'STRING', mode: 'REQUIRED' },
        { name: 'n', type: 'INTEGER' },
      ],
    },
  });
});
afterAll(async () => {
  await wh?.stop();
});

interface Case {
  name: string;
  method: string;
  path: string;
  body?: string | object;
  status: number;
  reason: string;
  message?: RegExp;
}

const big = 'x'.repeat(70 * 1024);

// The request half of a case; every case below still states its own status, reason and (where pinned) message.
const get = (path: string) => ({ method: 'GET', path });
const post = (path: string, body: string | object) => ({ method: 'POST', path, body });
const newDataset = (body: string | object) => post(`${P}/datasets`, body);
/** tables.insert of table `f` into dataset `ok` (a `tableReference` in `body` replaces `f`). */
const newTable = (body: object) =>
  post(`${P}/datasets/ok/tables`, { tableReference: { tableId: 'f' }, ...body });
const insertAll = (tableId: string, body: object) =>
  post(`${P}/datasets/ok/tables/${tableId}/insertAll`, body);
const newJob = (body: object) => post(`${P}/jobs`, body);
const loadJob = (sourceUri: string) =>
  newJob({
    configuration: { load: { sourceUris: [sourceUri], destinationTable: { datasetId: 'ok', tableId: 't' } } },
  });
const copyJob = (sourceTableId: string, destination: object, extra: object = {}) =>
  newJob({
    configuration: {
      copy: {
        sourceTable: { datasetId: 'ok', tableId: sourceTableId },
        destinationTable: destination,
        ...extra,
      },
    },
  });

/** Each request must get BigQuery's error envelope with the documented reason, and the server must stay up. */
const CASES: Case[] = [
  { name: 'unknown route', ...get('/nope'), status: 404, reason: 'notFound' },
  { name: 'unknown route under prefix', ...get(`${P}/widgets`), status: 404, reason: 'notFound' },
  { name: 'wrong method', method: 'DELETE', path: `${P}/datasets`, status: 404, reason: 'notFound' },
  {
    name: 'malformed JSON',
    ...newDataset('{"datasetReference":'),
    status: 400,
    reason: 'invalid',
    message: /Invalid JSON payload/,
  },
  { name: 'JSON array body', ...newDataset('[1,2]'), status: 400, reason: 'invalid' },
  { name: 'body too large', ...newDataset({ description: big }), status: 413, reason: 'payloadTooLarge' },
  {
    name: 'dataset id with quote',
    ...newDataset({ datasetReference: { datasetId: 'a"; DROP TABLE x; --' } }),
    status: 400,
    reason: 'invalid',
    message: /Invalid dataset ID/,
  },
  {
    name: 'dataset id path traversal',
    ...get(`${P}/datasets/..%2F..%2Fetc`),
    status: 400,
    reason: 'invalid',
  },
  {
    name: 'dataset id too long',
    ...newDataset({ datasetReference: { datasetId: 'a'.repeat(1025) } }),
    status: 400,
    reason: 'invalid',
  },
  { name: 'empty dataset id', ...newDataset({ datasetReference: {} }), status: 400, reason: 'invalid' },
  {
    name: 'project id with spaces',
    ...get('/bigquery/v2/projects/bad%20project/datasets'),
    status: 400,
    reason: 'invalid',
    message: /Invalid project ID/,
  },
  { name: 'malformed percent-encoding', ...get(`${P}/datasets/%E0%A4%A`), status: 400, reason: 'invalid' },
  {
    name: 'missing dataset',
    ...get(`${P}/datasets/missing`),
    status: 404,
    reason: 'notFound',
    message: /Not found: Dataset local-project:missing/,
  },
  {
    name: 'duplicate dataset',
    ...newDataset({ datasetReference: { datasetId: 'ok' } }),
    status: 409,
    reason: 'duplicate',
  },
  {
    name: 'table id with backtick',
    ...newTable({ tableReference: { tableId: 'x`; DROP' } }),
    status: 400,
    reason: 'invalid',
    message: /Invalid table ID/,
  },
  {
    name: 'field name with quote',
    ...newTable({ schema: { fields: [{ name: 'a"b', type: 'STRING' }] } }),
    status: 400,
    reason: 'invalid',
    message: /Invalid field name/,
  },
  {
    name: 'reserved field name',
    ...newTable({ schema: { fields: [{ name: '_PARTITIONTIME', type: 'TIMESTAMP' }] } }),
    status: 400,
    reason: 'invalid',
  },
  {
    name: 'unknown field type',
    ...newTable({ schema: { fields: [{ name: 'a', type: 'VARCHAR(10)' }] } }),
    status: 400,
    reason: 'invalid',
    message: /Invalid field type/,
  },
  {
    name: 'duplicate field',
    ...newTable({
      schema: {
        fields: [
          { name: 'a', type: 'STRING' },
          { name: 'A', type: 'STRING' },
        ],
      },
    }),
    status: 400,
    reason: 'invalid',
  },
  {
    name: 'RECORD without fields',
    ...newTable({ schema: { fields: [{ name: 'r', type: 'RECORD' }] } }),
    status: 400,
    reason: 'invalid',
  },
  {
    name: 'partitioning on a missing field',
    ...newTable({
      schema: { fields: [{ name: 'a', type: 'STRING' }] },
      timePartitioning: { type: 'DAY', field: 'b' },
    }),
    status: 400,
    reason: 'invalid',
  },
  {
    name: 'WEEK partitioning (not a BigQuery unit)',
    ...newTable({ timePartitioning: { type: 'WEEK' } }),
    status: 400,
    reason: 'invalid',
  },
  {
    name: 'bad label key',
    ...newDataset({ datasetReference: { datasetId: 'lab' }, labels: { 'Bad Key': 'x' } }),
    status: 400,
    reason: 'invalid',
  },
  { name: 'missing table', ...get(`${P}/datasets/ok/tables/missing`), status: 404, reason: 'notFound' },
  {
    name: 'insertAll without rows',
    ...insertAll('t', {}),
    status: 400,
    reason: 'invalid',
    message: /No rows/,
  },
  {
    name: 'insertAll into missing table',
    ...insertAll('nope', { rows: [{ json: { a: 'x' } }] }),
    status: 404,
    reason: 'notFound',
  },
  {
    name: 'bad partition decorator',
    ...insertAll('t%2420261340', { rows: [{ json: { a: 'x' } }] }),
    status: 400,
    reason: 'invalid',
  },
  {
    name: 'list rows with bad maxResults',
    ...get(`${P}/datasets/ok/tables/t/data?maxResults=-1`),
    status: 400,
    reason: 'invalid',
  },
  {
    name: 'list rows with bad page token',
    ...get(`${P}/datasets/ok/tables/t/data?pageToken=abc`),
    status: 400,
    reason: 'invalid',
  },
  { name: 'job without configuration', ...newJob({}), status: 400, reason: 'invalid' },
  {
    name: 'job with two configurations',
    ...newJob({ configuration: { query: { query: 'SELECT 1' }, copy: {} } }),
    status: 400,
    reason: 'invalid',
  },
  {
    name: 'job id with slash',
    ...newJob({ jobReference: { jobId: 'a/b' }, configuration: { query: { query: 'SELECT 1' } } }),
    status: 400,
    reason: 'invalid',
    message: /Invalid job ID/,
  },
  { name: 'missing job', ...get(`${P}/jobs/nope`), status: 404, reason: 'notFound' },
  { name: 'results of missing job', ...get(`${P}/queries/nope`), status: 404, reason: 'notFound' },
  {
    name: 'query without text',
    ...post(`${P}/queries`, { useLegacySql: false }),
    status: 400,
    reason: 'invalid',
  },
  {
    name: 'query with bad timeoutMs',
    ...post(`${P}/queries`, { query: 'SELECT 1', timeoutMs: 'soon' }),
    status: 400,
    reason: 'invalid',
  },
  {
    name: 'a query parameter that is not an object',
    ...post(`${P}/queries`, { query: 'SELECT @x', useLegacySql: false, queryParameters: [null] }),
    status: 400,
    reason: 'invalid',
    message: /queryParameters/,
  },
  {
    name: 'a query parameter without parameterType',
    ...post(`${P}/queries`, {
      query: 'SELECT @x',
      useLegacySql: false,
      queryParameters: [{ name: 'x', parameterValue: { value: '1' } }],
    }),
    status: 400,
    reason: 'invalid',
    message: /queryParameters/,
  },
  {
    name: 'a query parameter whose type is not a string',
    ...post(`${P}/queries`, {
      query: 'SELECT @x',
      useLegacySql: false,
      queryParameters: [{ name: 'x', parameterType: { type: 7 }, parameterValue: { value: '1' } }],
    }),
    status: 400,
    reason: 'invalid',
    message: /queryParameters/,
  },
  {
    name: 'an ARRAY parameter whose arrayValues is not a list',
    ...post(`${P}/queries`, {
      query: 'SELECT @x',
      useLegacySql: false,
      queryParameters: [
        {
          name: 'x',
          parameterType: { type: 'ARRAY', arrayType: { type: 'INT64' } },
          parameterValue: { arrayValues: 5 },
        },
      ],
    }),
    status: 400,
    reason: 'invalid',
    message: /queryParameters/,
  },
  {
    name: 'a STRUCT parameter whose structTypes is not a list',
    ...post(`${P}/queries`, {
      query: 'SELECT @x',
      useLegacySql: false,
      queryParameters: [
        {
          name: 'x',
          parameterType: { type: 'STRUCT', structTypes: 'a' },
          parameterValue: { structValues: {} },
        },
      ],
    }),
    status: 400,
    reason: 'invalid',
    message: /queryParameters/,
  },
  {
    name: 'a query parameter whose name is a number',
    ...post(`${P}/queries`, {
      query: 'SELECT @x',
      useLegacySql: false,
      queryParameters: [{ name: 3, parameterType: { type: 'INT64' }, parameterValue: { value: '1' } }],
    }),
    status: 400,
    reason: 'invalid',
    message: /queryParameters/,
  },
  {
    name: 'seed with bad dates',
    ...post('/_warehouse/seed', { from: '2026-13-01', to: 'x' }),
    status: 400,
    reason: 'invalid',
  },
  { name: 'load from a relative path', ...loadJob('rows.json'), status: 200, reason: 'invalid' },
  { name: 'load from gs://', ...loadJob('gs://bucket/x.csv'), status: 200, reason: 'invalid' },
  {
    name: 'copy from a missing table',
    ...copyJob('none', { datasetId: 'ok', tableId: 'c' }),
    status: 200,
    reason: 'notFound',
  },
  {
    // Ids in a job's body are checked like the path's before the job starts (body-ids.ts).
    name: 'destination with bad dataset id',
    ...copyJob('t', { datasetId: 'bad-ds', tableId: 'c' }),
    status: 400,
    reason: 'invalid',
  },
  {
    name: 'bad write disposition',
    ...copyJob('t', { datasetId: 'ok', tableId: 'c' }, { writeDisposition: 'WRITE_SOMETIMES' }),
    status: 200,
    reason: 'invalid',
  },
];

describe('bad-input matrix (raw HTTP)', () => {
  it('has at least 25 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
  });

  it.each(CASES)('$name → $status $reason', async (c) => {
    const res = await raw(wh.url, c.method, c.path, c.body);
    expect(res.status).toBe(c.status);
    // Job failures are DONE jobs carrying errorResult (HTTP 200), as BigQuery answers jobs.insert.
    const error = c.status === 200 ? res.json.status.errorResult : res.json.error.errors[0];
    expect(error.reason).toBe(c.reason);
    if (c.status !== 200) {
      expect(res.json.error.code).toBe(c.status);
      expect(typeof res.json.error.message).toBe('string');
      expect(res.json.error.status).toMatch(/^[A-Z_]+$/);
    }
    expect(error.message).not.toMatch(/\n|\bat .*\.js:\d+/);
    if (c.message) expect(error.message).toMatch(c.message);
  });

  it('insertAll: a row missing a REQUIRED field and a wrongly typed value get per-row insertErrors', async () => {
    const res = await raw(wh.url, 'POST', `${P}/datasets/ok/tables/t/insertAll`, {
      rows: [{ json: { a: 'fine', n: 1 } }, { json: { n: 2 } }, { json: { a: 'x', n: 'three' } }],
    });
    expect(res.status).toBe(200);
    expect(
      res.json.insertErrors.map((e: { index: number; errors: { reason: string }[] }) => [
        e.index,
        e.errors[0]!.reason,
      ]),
    ).toEqual([
      [0, 'stopped'],
      [1, 'invalid'],
      [2, 'invalid'],
    ]);
    expect(res.json.insertErrors[1].errors[0].message).toMatch(/Missing required field: a/);
  });

  it('a garbage HTTP request gets 400 and the server keeps serving', async () => {
    const url = new URL(wh.url);
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let data = '';
      socket.on('data', (d) => {
        data += d.toString();
      });
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(data));
    });
    expect(reply).toMatch(/^HTTP\/1.1 400/);
    const health = await raw(wh.url, 'GET', '/_warehouse/health');
    expect(health.status).toBe(200);
  });
});
