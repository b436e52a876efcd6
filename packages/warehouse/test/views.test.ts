import type { BigQuery } from '@google-cloud/bigquery';
import { describe, expect, it } from 'vitest';
import type { RunningWarehouse } from '../src/index.js';
import { PROJECT_PATH, raw, standardQueryJob, useTestWarehouse } from './helpers.js';

/** Issue 17 §1: logical views — DDL and tables.insert, read through the API, listed as VIEW. */

let wh: RunningWarehouse;
let bq: BigQuery;
const P = PROJECT_PATH;

useTestWarehouse(async (started) => {
  ({ wh, bq } = started);
  await bq.createDataset('v');
  await bq.query('CREATE TABLE v.base (k STRING, n INT64)');
  await bq.query("INSERT v.base (k, n) VALUES ('a', 1), ('b', 2), ('a', 3)");
});

// biome-ignore lint/suspicious/noExplicitAny: job resources
const job = (query: string): Promise<any> => standardQueryJob(wh.url, query);

describe('views', () => {
  it('CREATE VIEW: queried through the API, sees later writes, shown as VIEW with its query and schema', async () => {
    const created = await job('CREATE VIEW v.sums AS SELECT k, SUM(n) AS total FROM v.base GROUP BY k');
    expect(created.statistics.query).toMatchObject({
      statementType: 'CREATE_VIEW',
      ddlOperationPerformed: 'CREATE',
      ddlTargetTable: { projectId: 'local-project', datasetId: 'v', tableId: 'sums' },
    });
    const [rows] = await bq.query('SELECT k, total FROM v.sums ORDER BY k');
    expect(rows).toEqual([
      { k: 'a', total: 4 },
      { k: 'b', total: 2 },
    ]);
    await bq.query("INSERT v.base (k, n) VALUES ('b', 10)");
    const [after] = await bq.query('SELECT total FROM `local-project.v.sums` WHERE k = "b"');
    expect(after).toEqual([{ total: 12 }]);
    const [meta] = await bq.dataset('v').table('sums').getMetadata();
    expect(meta.type).toBe('VIEW');
    expect(meta.view).toEqual({
      query: 'SELECT k, SUM(n) AS total FROM v.base GROUP BY k',
      useLegacySql: false,
    });
    expect(meta.schema.fields).toEqual([
      { name: 'k', type: 'STRING', mode: 'NULLABLE' },
      { name: 'total', type: 'INTEGER', mode: 'NULLABLE' },
    ]);
    expect(meta.numRows).toBeUndefined();
    const [tables] = await bq.dataset('v').getTables();
    const listed = tables.find((t) => t.id === 'sums');
    expect(listed?.metadata.type).toBe('VIEW');
    expect(tables.find((t) => t.id === 'base')?.metadata.type).toBe('TABLE');
    const [info] = await bq.query(
      'SELECT table_name, table_type FROM v.INFORMATION_SCHEMA.TABLES ORDER BY table_name',
    );
    expect(info).toEqual([
      { table_name: 'base', table_type: 'BASE TABLE' },
      { table_name: 'sums', table_type: 'VIEW' },
    ]);
    const [legacyMeta] = await bq.query({
      query: 'SELECT table_id, type FROM [v.__TABLES__] ORDER BY table_id',
      useLegacySql: true,
    });
    expect(legacyMeta).toEqual([
      { table_id: 'base', type: 1 },
      { table_id: 'sums', type: 2 },
    ]);
  });

  it('OR REPLACE, IF NOT EXISTS, duplicate; a view over a view; joins with tables', async () => {
    await bq.query('CREATE VIEW v.a_only AS SELECT * FROM v.base WHERE k = "a"');
    expect(
      (await job('CREATE VIEW IF NOT EXISTS v.a_only AS SELECT 1 AS x')).statistics.query
        .ddlOperationPerformed,
    ).toBe('SKIP');
    const dup = await job('CREATE VIEW v.a_only AS SELECT 1 AS x');
    expect(dup.status.errorResult).toEqual({
      reason: 'duplicate',
      message: 'Already Exists: Table local-project:v.a_only',
    });
    const rep = await job(
      'CREATE OR REPLACE VIEW v.a_only AS SELECT k, n * 10 AS n FROM v.base WHERE k = "a"',
    );
    expect(rep.statistics.query.ddlOperationPerformed).toBe('REPLACE');
    await bq.query('CREATE VIEW v.nested AS SELECT SUM(n) AS s FROM v.a_only');
    const [rows] = await bq.query('SELECT s FROM v.nested');
    expect(rows).toEqual([{ s: 40 }]);
    const [joined] = await bq.query(
      'SELECT b.k, COUNT(*) AS c FROM v.base AS b JOIN v.a_only AS a ON a.k = b.k GROUP BY b.k',
    );
    expect(joined).toEqual([{ k: 'a', c: 4 }]);
    // a table of that name cannot be replaced by a view
    const onTable = await job('CREATE OR REPLACE VIEW v.base AS SELECT 1 AS x');
    expect(onTable.status.errorResult.message).toMatch(/is a table/);
  });

  it('tables.insert with view.query (legacy SQL unless useLegacySql is false)', async () => {
    const [created] = await bq.dataset('v').createTable('by_api', {
      view: { query: 'SELECT k FROM `v.base` WHERE n > 1', useLegacySql: false },
    });
    const [meta] = await created.getMetadata();
    expect(meta.type).toBe('VIEW');
    const [rows] = await bq.query('SELECT DISTINCT k FROM v.by_api ORDER BY k');
    expect(rows).toEqual([{ k: 'a' }, { k: 'b' }]);
    const legacy = await raw(wh.url, 'POST', `${P}/datasets/v/tables`, {
      tableReference: { projectId: 'local-project', datasetId: 'v', tableId: 'legacy_view' },
      view: { query: 'SELECT k, n FROM [local-project:v.base] WHERE n = 1' },
    });
    expect(legacy.status).toBe(200);
    expect(legacy.json.view.useLegacySql).toBe(true);
    const [lrows] = await bq.query('SELECT k FROM v.legacy_view');
    expect(lrows).toEqual([{ k: 'a' }]);
    const bad = await raw(wh.url, 'POST', `${P}/datasets/v/tables`, {
      tableReference: { projectId: 'local-project', datasetId: 'v', tableId: 'bad_view' },
      view: { query: 'SELECT nope FROM v.base', useLegacySql: false },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.errors[0].reason).toBe('invalidQuery');
    expect(bad.json.error.message).toBe('Unrecognized name: nope');
    const noQuery = await raw(wh.url, 'POST', `${P}/datasets/v/tables`, {
      tableReference: { projectId: 'local-project', datasetId: 'v', tableId: 'bad_view' },
      view: { useLegacySql: false },
    });
    expect(noQuery.status).toBe(400);
    const [exists] = await bq.dataset('v').table('bad_view').exists();
    expect(exists).toBe(false);
  });

  it('a view over a dropped table fails like BigQuery; DROP VIEW; a view is not a table for rows', async () => {
    await bq.query('CREATE TABLE v.temp_base (x INT64)');
    await bq.query('CREATE VIEW v.over_temp AS SELECT x FROM v.temp_base');
    await bq.query('SELECT * FROM v.over_temp');
    await bq.query('DROP TABLE v.temp_base');
    await expect(bq.query('SELECT * FROM v.over_temp')).rejects.toMatchObject({
      code: 404,
      message: 'Not found: Table local-project:v.temp_base was not found in location US',
    });
    // listing rows of, inserting into or writing to a view
    const list = await raw(wh.url, 'GET', `${P}/datasets/v/tables/sums/data`);
    expect(list.status).toBe(400);
    expect(list.json.error.message).toBe('Cannot list a table of type VIEW.');
    const ins = await raw(wh.url, 'POST', `${P}/datasets/v/tables/sums/insertAll`, {
      rows: [{ json: { k: 'x' } }],
    });
    expect(ins.status).toBe(400);
    const dml = await job('DELETE FROM v.sums WHERE true');
    expect(dml.status.errorResult.message).toMatch(/Cannot modify view local-project:v.sums/);
    const dest = await raw(wh.url, 'POST', `${P}/jobs`, {
      configuration: {
        query: {
          query: 'SELECT 1 AS x',
          useLegacySql: false,
          destinationTable: { projectId: 'local-project', datasetId: 'v', tableId: 'sums' },
          writeDisposition: 'WRITE_TRUNCATE',
        },
      },
    });
    expect(dest.json.status.errorResult.message).toMatch(/Cannot write to a table of type VIEW/);
    // DROP TABLE on a view and DROP VIEW on a table are refused; DROP VIEW drops it
    expect((await job('DROP TABLE v.over_temp')).status.errorResult.message).toMatch(/use DROP VIEW/);
    expect((await job('DROP VIEW v.base')).status.errorResult.message).toMatch(/use DROP TABLE/);
    const dropped = await job('DROP VIEW v.over_temp');
    expect(dropped.statistics.query).toMatchObject({
      statementType: 'DROP_VIEW',
      ddlOperationPerformed: 'DROP',
    });
    expect((await job('DROP VIEW IF EXISTS v.over_temp')).statistics.query.ddlOperationPerformed).toBe(
      'SKIP',
    );
    await bq.dataset('v').table('by_api').delete();
    const [tables] = await bq.dataset('v').getTables();
    expect(tables.map((t) => t.id)).not.toContain('by_api');
  });

  it('a view reading itself is refused, not a stack overflow', async () => {
    await bq.query('CREATE VIEW v.loop AS SELECT 1 AS x');
    await bq.query('CREATE OR REPLACE VIEW v.loop2 AS SELECT x FROM v.loop');
    // a view may be replaced to read another that reads it: reading either is then an error
    const replaced = await job('CREATE OR REPLACE VIEW v.loop AS SELECT x FROM v.loop2');
    expect(replaced.status.errorResult).toBeUndefined();
    await expect(bq.query('SELECT x FROM v.loop')).rejects.toMatchObject({
      code: 400,
      message: expect.stringMatching(
        /^View local-project:v\.loop2? is nested too deeply \(or references itself\)/,
      ),
    });
  });

  it('ALTER VIEW SET OPTIONS', async () => {
    await bq.query("ALTER VIEW v.sums SET OPTIONS(description = 'per key', friendly_name = 'Sums')");
    const [meta] = await bq.dataset('v').table('sums').getMetadata();
    expect(meta.description).toBe('per key');
    expect(meta.friendlyName).toBe('Sums');
    expect(
      (await job('ALTER VIEW v.sums SET OPTIONS(require_partition_filter = true)')).status.errorResult
        .message,
    ).toBe('Unknown option: require_partition_filter');
  });
});
