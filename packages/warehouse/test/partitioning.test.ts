import type { BigQuery } from '@google-cloud/bigquery';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunningWarehouse } from '../src/index.js';
import { PROJECT_PATH, raw, useTestWarehouse } from './helpers.js';

/**
 * Issue 17 §1: partitioning and clustering metadata through tables.insert (HOUR/MONTH/YEAR, integer ranges,
 * clustering, requirePartitionFilter stored and enforced), and dry runs (a 400 for bad SQL, bytes estimated).
 */

let wh: RunningWarehouse;
let bq: BigQuery;
const P = PROJECT_PATH;

useTestWarehouse(async (started) => {
  ({ wh, bq } = started);
  await bq.createDataset('pt');
});

const partitions = async (table: string) =>
  (
    await bq.query(
      `SELECT partition_id, total_rows FROM pt.INFORMATION_SCHEMA.PARTITIONS WHERE table_name = '${table}' ORDER BY partition_id`,
    )
  )[0];

describe('tables.insert partitioning and clustering', () => {
  it('HOUR, MONTH and YEAR time partitioning: stored, shown, and partitions named as BigQuery names them', async () => {
    const schema = [
      { name: 'ts', type: 'TIMESTAMP' },
      { name: 'n', type: 'INTEGER' },
    ];
    for (const type of ['HOUR', 'MONTH', 'YEAR']) {
      const [t] = await bq.dataset('pt').createTable(`by_${type.toLowerCase()}`, {
        schema,
        timePartitioning: { type, field: 'ts' },
      });
      const [meta] = await t.getMetadata();
      expect(meta.timePartitioning).toEqual({ type, field: 'ts' });
      await bq.query(
        `INSERT pt.by_${type.toLowerCase()} (ts, n) VALUES (TIMESTAMP '2026-11-20 10:15:00 UTC', 1), (TIMESTAMP '2026-11-20 11:00:00 UTC', 2), (TIMESTAMP '2025-01-02 00:00:00 UTC', 3), (NULL, 4)`,
      );
    }
    expect(await partitions('by_hour')).toEqual([
      { partition_id: '2025010200', total_rows: 1 },
      { partition_id: '2026112010', total_rows: 1 },
      { partition_id: '2026112011', total_rows: 1 },
      { partition_id: '__UNPARTITIONED__', total_rows: 1 },
    ]);
    expect(await partitions('by_month')).toEqual([
      { partition_id: '202501', total_rows: 1 },
      { partition_id: '202611', total_rows: 2 },
      { partition_id: '__UNPARTITIONED__', total_rows: 1 },
    ]);
    expect(await partitions('by_year')).toEqual([
      { partition_id: '2025', total_rows: 1 },
      { partition_id: '2026', total_rows: 2 },
      { partition_id: '__UNPARTITIONED__', total_rows: 1 },
    ]);
    // ingestion-time HOUR partitioning is accepted too
    const [ing] = await bq.dataset('pt').createTable('ing_hour', {
      schema: [{ name: 'x', type: 'INTEGER' }],
      timePartitioning: { type: 'HOUR' },
    });
    expect((await ing.getMetadata())[0].timePartitioning).toEqual({ type: 'HOUR' });
  });

  it('integer-range partitioning and clustering', async () => {
    const [t] = await bq.dataset('pt').createTable('ranged', {
      schema: [
        { name: 'id', type: 'INTEGER' },
        { name: 'k', type: 'STRING' },
      ],
      rangePartitioning: { field: 'id', range: { start: '0', end: '100', interval: '10' } },
      clustering: { fields: ['k'] },
    });
    const [meta] = await t.getMetadata();
    expect(meta.rangePartitioning).toEqual({
      field: 'id',
      range: { start: '0', end: '100', interval: '10' },
    });
    expect(meta.clustering).toEqual({ fields: ['k'] });
    await bq.query(
      "INSERT pt.ranged (id, k) VALUES (5, 'a'), (9, 'b'), (15, 'c'), (250, 'd'), (-1, 'e'), (NULL, 'f')",
    );
    expect(await partitions('ranged')).toEqual([
      { partition_id: '0', total_rows: 2 },
      { partition_id: '10', total_rows: 1 },
      { partition_id: '__NULL__', total_rows: 1 },
      { partition_id: '__UNPARTITIONED__', total_rows: 2 },
    ]);
    // clustering can be changed by a patch, and removed
    await t.setMetadata({ clustering: { fields: ['k', 'id'] } });
    expect((await t.getMetadata())[0].clustering).toEqual({ fields: ['k', 'id'] });
    const [list] = await bq.dataset('pt').getTables();
    const listed = list.find((x) => x.id === 'ranged')?.metadata;
    expect(listed.rangePartitioning.field).toBe('id');
    expect(listed.clustering).toEqual({ fields: ['k', 'id'] });
    // a partition decorator of a range-partitioned table is refused, not misread
    const dec = await raw(wh.url, 'GET', `${P}/datasets/pt/tables/ranged%2420261120/data`);
    expect(dec.status).toBe(400);
  });

  it('a query destination with HOUR partitioning', async () => {
    await bq.query({
      query: "SELECT TIMESTAMP '2026-11-20 07:30:00 UTC' AS ts, 1 AS n",
      destination: bq.dataset('pt').table('dest_hour'),
      timePartitioning: { type: 'HOUR', field: 'ts' },
    });
    const [meta] = await bq.dataset('pt').table('dest_hour').getMetadata();
    expect(meta.timePartitioning).toEqual({ type: 'HOUR', field: 'ts' });
    expect(await partitions('dest_hour')).toEqual([{ partition_id: '2026112007', total_rows: 1 }]);
  });

  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['WEEK', { timePartitioning: { type: 'WEEK' } }, /WEEK is not a valid value/],
    [
      'HOUR on a DATE column',
      { schema: { fields: [{ name: 'd', type: 'DATE' }] }, timePartitioning: { type: 'HOUR', field: 'd' } },
      /HOUR is not supported on DATE column: d/,
    ],
    [
      'range on a STRING column',
      {
        schema: { fields: [{ name: 's', type: 'STRING' }] },
        rangePartitioning: { field: 's', range: { start: '0', end: '10', interval: '1' } },
      },
      /must be of type INTEGER: s/,
    ],
    [
      'range with a zero interval',
      {
        schema: { fields: [{ name: 'i', type: 'INTEGER' }] },
        rangePartitioning: { field: 'i', range: { start: '0', end: '10', interval: '0' } },
      },
      /interval must be positive/,
    ],
    [
      'range end before start',
      {
        schema: { fields: [{ name: 'i', type: 'INTEGER' }] },
        rangePartitioning: { field: 'i', range: { start: '10', end: '0', interval: '1' } },
      },
      /end must be greater than start/,
    ],
    [
      'range with too many partitions',
      {
        schema: { fields: [{ name: 'i', type: 'INTEGER' }] },
        rangePartitioning: { field: 'i', range: { start: '0', end: '100000', interval: '1' } },
      },
      /Too many partitions/,
    ],
    [
      'range start not a number',
      {
        schema: { fields: [{ name: 'i', type: 'INTEGER' }] },
        rangePartitioning: { field: 'i', range: { start: 'x', end: '10', interval: '1' } },
      },
      /Invalid rangePartitioning.range.start/,
    ],
    [
      'time and range together',
      {
        schema: { fields: [{ name: 'i', type: 'INTEGER' }] },
        timePartitioning: { type: 'DAY' },
        rangePartitioning: { field: 'i', range: { start: '0', end: '10', interval: '1' } },
      },
      /Only one of timePartitioning and rangePartitioning/,
    ],
    [
      'five clustering fields',
      {
        schema: { fields: ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, type: 'STRING' })) },
        clustering: { fields: ['a', 'b', 'c', 'd', 'e'] },
      },
      /Too many clustering fields: 5/,
    ],
    [
      'clustering on a missing column',
      { schema: { fields: [{ name: 'a', type: 'STRING' }] }, clustering: { fields: ['zz'] } },
      /Invalid field: zz/,
    ],
    [
      'clustering on a RECORD',
      {
        schema: { fields: [{ name: 'r', type: 'RECORD', fields: [{ name: 'x', type: 'STRING' }] }] },
        clustering: { fields: ['r'] },
      },
      /Field r is of type RECORD which is not supported for clustering/,
    ],
    [
      'requirePartitionFilter without partitioning',
      { schema: { fields: [{ name: 'a', type: 'STRING' }] }, requirePartitionFilter: true },
      /requirePartitionFilter can only be set on a partitioned table/,
    ],
  ];
  for (const [name, body, message] of bad) {
    it(`refuses ${name} with 400 invalid`, async () => {
      const res = await raw(wh.url, 'POST', `${P}/datasets/pt/tables`, {
        tableReference: { projectId: 'local-project', datasetId: 'pt', tableId: 'refused' },
        ...body,
      });
      expect(res.status).toBe(400);
      expect(res.json.error.errors[0].reason).toBe('invalid');
      expect(res.json.error.message).toMatch(message);
      expect((await bq.dataset('pt').table('refused').exists())[0]).toBe(false);
    });
  }
});

describe('requirePartitionFilter', () => {
  beforeAll(async () => {
    await bq.dataset('pt').createTable('strict', {
      schema: [
        { name: 'day', type: 'DATE' },
        { name: 'n', type: 'INTEGER' },
      ],
      timePartitioning: { type: 'DAY', field: 'day' },
      requirePartitionFilter: true,
    });
    await bq.dataset('pt').createTable('strict_ing', {
      schema: [{ name: 'n', type: 'INTEGER' }],
      timePartitioning: { type: 'DAY', requirePartitionFilter: true },
    });
    await bq.query("INSERT pt.strict (day, n) VALUES ('2026-11-20', 1), ('2026-11-21', 2)");
  });

  it('is stored and shown (also when given inside timePartitioning)', async () => {
    expect((await bq.dataset('pt').table('strict').getMetadata())[0].requirePartitionFilter).toBe(true);
    expect((await bq.dataset('pt').table('strict_ing').getMetadata())[0].requirePartitionFilter).toBe(true);
  });

  it("refuses a query without a filter on the partitioning column, with BigQuery's error", async () => {
    for (const query of [
      'SELECT n FROM pt.strict',
      'SELECT n FROM pt.strict WHERE n > 0',
      "SELECT 'day' AS x, n FROM pt.strict -- WHERE day = '2026-11-20'",
      'SELECT day FROM pt.strict GROUP BY day',
    ]) {
      await expect(bq.query(query), query).rejects.toMatchObject({
        code: 400,
        message:
          "Cannot query over table 'local-project.pt.strict' without a filter over column(s) 'day' that can be used for partition elimination",
      });
    }
    await expect(bq.query('SELECT COUNT(*) AS c FROM pt.strict_ing')).rejects.toMatchObject({
      message: expect.stringMatching(
        /column\(s\) '_PARTITION_LOAD_TIME', '_PARTITIONDATE', '_PARTITIONTIME'/,
      ),
    });
    // the dry run refuses it too, with HTTP 400
    const dry = await raw(wh.url, 'POST', `${P}/queries`, {
      query: 'SELECT n FROM pt.strict',
      useLegacySql: false,
      dryRun: true,
    });
    expect(dry.status).toBe(400);
    expect(dry.json.error.errors[0].reason).toBe('invalidQuery');
  });

  it('accepts a filter on the column, in a subquery too, and a partition decorator', async () => {
    const [a] = await bq.query("SELECT n FROM pt.strict WHERE day = '2026-11-20'");
    expect(a).toEqual([{ n: 1 }]);
    const [b] = await bq.query(
      "SELECT SUM(n) AS s FROM (SELECT n FROM pt.strict WHERE day >= '2026-11-01' AND n > 0)",
    );
    expect(b).toEqual([{ s: 3 }]);
    const [c] = await bq.query('SELECT n FROM `pt.strict$20261121`');
    expect(c).toEqual([{ n: 2 }]);
    const [d] = await bq.query("SELECT COUNT(*) AS c FROM pt.strict_ing WHERE _PARTITIONDATE = '2026-11-20'");
    expect(d).toEqual([{ c: 0 }]);
    // a view's own WHERE counts; a view without one needs the filter in the query
    await bq.query("CREATE VIEW pt.strict_recent AS SELECT n FROM pt.strict WHERE day > '2026-11-20'");
    const [v] = await bq.query('SELECT n FROM pt.strict_recent');
    expect(v).toEqual([{ n: 2 }]);
    await bq.query('CREATE VIEW pt.strict_all AS SELECT day, n FROM pt.strict');
    await expect(bq.query('SELECT n FROM pt.strict_all')).rejects.toMatchObject({ code: 400 });
    const [w] = await bq.query("SELECT n FROM pt.strict_all WHERE day = '2026-11-20'");
    expect(w).toEqual([{ n: 1 }]);
    // switched off by a patch, the unfiltered query runs
    await bq.dataset('pt').table('strict').setMetadata({ requirePartitionFilter: false });
    const [e] = await bq.query('SELECT COUNT(*) AS c FROM pt.strict');
    expect(e).toEqual([{ c: 2 }]);
  });
});

describe('dry run', () => {
  beforeAll(async () => {
    await bq.query(
      'CREATE TABLE pt.sized AS SELECT x AS id, CONCAT("name-", CAST(x AS STRING)) AS name, x * 1.5 AS score FROM UNNEST(GENERATE_ARRAY(1, 1000)) AS x',
    );
  });

  it('invalid SQL is an HTTP 400 with the error, through jobs.insert and jobs.query', async () => {
    const inserted = await raw(wh.url, 'POST', `${P}/jobs`, {
      configuration: { query: { query: 'SELECT nope FROM pt.sized', useLegacySql: false }, dryRun: true },
    });
    expect(inserted.status).toBe(400);
    expect(inserted.json.error.errors[0]).toMatchObject({
      reason: 'invalidQuery',
      message: 'Unrecognized name: nope',
    });
    const missing = await raw(wh.url, 'POST', `${P}/queries`, {
      query: 'SELECT 1 FROM pt.no_such',
      useLegacySql: false,
      dryRun: true,
    });
    expect(missing.status).toBe(404);
    expect(missing.json.error.errors[0].reason).toBe('notFound');
    await expect(bq.createQueryJob({ query: 'SELEC 1', dryRun: true })).rejects.toMatchObject({ code: 400 });
    // a failed job that is not a dry run is still HTTP 200 with the error inside
    const real = await raw(wh.url, 'POST', `${P}/jobs`, {
      configuration: { query: { query: 'SELECT nope FROM pt.sized', useLegacySql: false } },
    });
    expect(real.status).toBe(200);
    expect(real.json.status.errorResult.reason).toBe('invalidQuery');
  });

  it('estimates totalBytesProcessed from the columns read (not 0)', async () => {
    const bytesOf = async (query: string) => {
      const [job] = await bq.createQueryJob({ query, dryRun: true });
      expect(job.metadata.statistics.query.totalBytesProcessed).toBe(
        job.metadata.statistics.totalBytesProcessed,
      );
      return Number(job.metadata.statistics.query.totalBytesProcessed);
    };
    const all = await bytesOf('SELECT * FROM pt.sized');
    const [meta] = await bq.dataset('pt').table('sized').getMetadata();
    expect(all).toBe(Number(meta.numBytes));
    expect(all).toBeGreaterThan(0);
    const id = await bytesOf('SELECT id FROM pt.sized');
    expect(id).toBe(8 * 1000);
    const two = await bytesOf('SELECT id, name FROM pt.sized WHERE id > 3');
    expect(two).toBe((8 + 24) * 1000);
    expect(await bytesOf("SELECT 'id' AS x")).toBe(0);
    // a real query reports the same figure
    const [job] = await bq.createQueryJob({ query: 'SELECT id FROM pt.sized' });
    const [m] = await job.getMetadata();
    expect(m.statistics.query.totalBytesProcessed).toBe(String(8 * 1000));
  });
});
