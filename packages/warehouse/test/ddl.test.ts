import { mkdir, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BigQuery } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWarehouse } from '../src/index.js';
import { PROJECT_PATH, raw, standardQueryJob, useTestWarehouse } from './helpers.js';

/** Issue 17 §1: DDL statements in query jobs, through the stock client and raw REST. */

let wh: RunningWarehouse;
let bq: BigQuery;
const P = PROJECT_PATH;

useTestWarehouse(async (started) => {
  ({ wh, bq } = started);
  await bq.createDataset('d');
});

/** Runs a statement as a standard-SQL query job over REST; the job resource (HTTP 200 even when the job failed). */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response JSON
const job = (query: string, extra: Record<string, unknown> = {}): Promise<any> =>
  standardQueryJob(wh.url, query, extra);

/** The statement's error as [reason, message]. */
async function failure(query: string, extra: Record<string, unknown> = {}): Promise<[string, string]> {
  const j = await job(query, extra);
  expect(j.status.errorResult, `expected ${query} to fail`).toBeDefined();
  return [j.status.errorResult.reason, j.status.errorResult.message];
}

// biome-ignore lint/suspicious/noExplicitAny: table resources
const tableMeta = async (id: string, ds = 'd'): Promise<any> =>
  (await bq.dataset(ds).table(id).getMetadata())[0];

describe('CREATE TABLE', () => {
  it('creates a table with a schema, partitioning, clustering and options; tables.get shows them', async () => {
    const [j] = await bq.createQueryJob({
      query: `CREATE TABLE d.events (
        id INT64 NOT NULL,
        name STRING(20) OPTIONS(description = "who"),
        at TIMESTAMP,
        price NUMERIC(10, 2),
        tags ARRAY<STRING>,
        owner STRUCT<login STRING, ids ARRAY<INT64>>
      )
      PARTITION BY DATE(at)
      CLUSTER BY name, id
      OPTIONS(description = 'all events', labels = [('team', 'data')], require_partition_filter = true,
              expiration_timestamp = TIMESTAMP '2030-01-01 00:00:00 UTC', friendly_name = "Events")`,
    });
    const [meta] = await j.getMetadata();
    expect(meta.statistics.query.statementType).toBe('CREATE_TABLE');
    expect(meta.statistics.query.ddlOperationPerformed).toBe('CREATE');
    expect(meta.statistics.query.ddlTargetTable).toEqual({
      projectId: 'local-project',
      datasetId: 'd',
      tableId: 'events',
    });
    const t = await tableMeta('events');
    expect(t.schema.fields).toEqual([
      { name: 'id', type: 'INTEGER', mode: 'REQUIRED' },
      { name: 'name', type: 'STRING', mode: 'NULLABLE', description: 'who' },
      { name: 'at', type: 'TIMESTAMP', mode: 'NULLABLE' },
      { name: 'price', type: 'NUMERIC', mode: 'NULLABLE' },
      { name: 'tags', type: 'STRING', mode: 'REPEATED' },
      {
        name: 'owner',
        type: 'RECORD',
        mode: 'NULLABLE',
        fields: [
          { name: 'login', type: 'STRING', mode: 'NULLABLE' },
          { name: 'ids', type: 'INTEGER', mode: 'REPEATED' },
        ],
      },
    ]);
    expect(t.timePartitioning).toEqual({ type: 'DAY', field: 'at' });
    expect(t.clustering).toEqual({ fields: ['name', 'id'] });
    expect(t.requirePartitionFilter).toBe(true);
    expect(t.description).toBe('all events');
    expect(t.friendlyName).toBe('Events');
    expect(t.labels).toEqual({ team: 'data' });
    expect(t.expirationTime).toBe(String(Date.UTC(2030, 0, 1)));
    expect(t.type).toBe('TABLE');
  });

  it('IF NOT EXISTS skips, a second CREATE is duplicate, OR REPLACE replaces', async () => {
    await bq.query('CREATE TABLE d.r (a INT64)');
    await bq.query('INSERT d.r (a) VALUES (1), (2)');
    const skip = await job('CREATE TABLE IF NOT EXISTS d.r (b STRING)');
    expect(skip.statistics.query.ddlOperationPerformed).toBe('SKIP');
    expect((await tableMeta('r')).schema.fields.map((f: { name: string }) => f.name)).toEqual(['a']);
    expect(await failure('CREATE TABLE d.r (b STRING)')).toEqual([
      'duplicate',
      'Already Exists: Table local-project:d.r',
    ]);
    const rep = await job('CREATE OR REPLACE TABLE d.r (b STRING)');
    expect(rep.statistics.query.ddlOperationPerformed).toBe('REPLACE');
    const t = await tableMeta('r');
    expect(t.schema.fields.map((f: { name: string }) => f.name)).toEqual(['b']);
    expect(t.numRows).toBe('0');
    const [rows] = await bq.query('SELECT * FROM d.r');
    expect(rows).toEqual([]);
  });

  it('PARTITION BY every form BigQuery has', async () => {
    const cases: [string, string, Record<string, unknown>][] = [
      ['p1', '(d DATE) PARTITION BY d', { timePartitioning: { type: 'DAY', field: 'd' } }],
      ['p2', '(x INT64) PARTITION BY _PARTITIONDATE', { timePartitioning: { type: 'DAY' } }],
      ['p3', '(x INT64) PARTITION BY DATE(_PARTITIONTIME)', { timePartitioning: { type: 'DAY' } }],
      [
        'p4',
        '(ts TIMESTAMP) PARTITION BY TIMESTAMP_TRUNC(ts, HOUR)',
        { timePartitioning: { type: 'HOUR', field: 'ts' } },
      ],
      [
        'p5',
        '(ts TIMESTAMP) PARTITION BY TIMESTAMP_TRUNC(ts, MONTH)',
        { timePartitioning: { type: 'MONTH', field: 'ts' } },
      ],
      ['p6', '(d DATE) PARTITION BY DATE_TRUNC(d, YEAR)', { timePartitioning: { type: 'YEAR', field: 'd' } }],
      [
        'p7',
        '(dt DATETIME) PARTITION BY DATETIME_TRUNC(dt, DAY)',
        { timePartitioning: { type: 'DAY', field: 'dt' } },
      ],
      [
        'p8',
        '(x INT64) PARTITION BY TIMESTAMP_TRUNC(_PARTITIONTIME, HOUR)',
        { timePartitioning: { type: 'HOUR' } },
      ],
      [
        'p9',
        '(customer_id INT64) PARTITION BY RANGE_BUCKET(customer_id, GENERATE_ARRAY(-10, 100, 10))',
        { rangePartitioning: { field: 'customer_id', range: { start: '-10', end: '100', interval: '10' } } },
      ],
    ];
    for (const [id, rest, want] of cases) {
      await bq.query(`CREATE TABLE d.${id} ${rest}`);
      expect(await tableMeta(id), id).toMatchObject(want);
    }
  });

  it('refuses PARTITION BY expressions that do not fit the column', async () => {
    for (const [sql, msg] of [
      ['CREATE TABLE d.bad1 (ts TIMESTAMP) PARTITION BY ts', /PARTITION BY expression must be/],
      [
        'CREATE TABLE d.bad2 (d DATE) PARTITION BY TIMESTAMP_TRUNC(d, HOUR)',
        /PARTITION BY expression must be/,
      ],
      ['CREATE TABLE d.bad3 (x INT64) PARTITION BY UPPER(x)', /PARTITION BY expression must be/],
      ['CREATE TABLE d.bad4 (x INT64) PARTITION BY DATE(nope)', /^Unrecognized name: nope$/],
      [
        'CREATE TABLE d.bad5 (s STRING) PARTITION BY RANGE_BUCKET(s, GENERATE_ARRAY(0, 10, 1))',
        /range partitioning must be of type INTEGER: s/,
      ],
      [
        'CREATE TABLE d.bad6 (x INT64) PARTITION BY RANGE_BUCKET(x, GENERATE_ARRAY(0, 1000000, 1))',
        /Too many partitions/,
      ],
      [
        'CREATE TABLE d.bad7 (f FLOAT64) CLUSTER BY f',
        /Field f is of type FLOAT which is not supported for clustering/,
      ],
      ['CREATE TABLE d.bad8 (a INT64) CLUSTER BY a, b', /cannot be found in the schema. Invalid field: b/],
      ['CREATE TABLE d.bad9 (a INT64) OPTIONS(require_partition_filter = true)', /partitioned table/],
      ['CREATE TABLE d.bad10 (a INT64) OPTIONS(colour = "red")', /^Unknown option: colour$/],
      ['CREATE TABLE d.bad11 (a INT64, A STRING)', /^Field A already exists in schema$/],
      ['CREATE TABLE d.bad12 (a UINT8)', /^Type not found: UINT8 at \[1:25\]$/],
      ['CREATE TABLE d.bad13 (a INT64) OPTIONS(description = CONCAT("a", "b"))', /must be a literal/],
      ['CREATE OR REPLACE TABLE IF NOT EXISTS d.bad14 (a INT64)', /both OR REPLACE and IF NOT EXISTS/],
      ['CREATE TEMP TABLE bad15 (a INT64)', /requires a script or session/],
      ['CREATE TABLE d.bad16 (a ARRAY<ARRAY<INT64>>)', /Arrays of arrays/],
      ['CREATE TABLE d.bad17', /at least one column/],
    ] as [string, RegExp][]) {
      const [reason, message] = await failure(sql);
      expect(reason, sql).toBe('invalidQuery');
      expect(message, sql).toMatch(msg);
    }
    const [tables] = await bq.dataset('d').getTables();
    expect(tables.map((t) => t.id).filter((id) => id?.startsWith('bad'))).toEqual([]);
  });

  it('a missing dataset is notFound; legacy SQL and a destination table are refused', async () => {
    expect(await failure('CREATE TABLE nods.t (a INT64)')).toEqual([
      'notFound',
      'Not found: Dataset local-project:nods',
    ]);
    const legacy = await raw(wh.url, 'POST', `${P}/jobs`, {
      configuration: { query: { query: 'CREATE TABLE d.leg (a INT64)' } },
    });
    expect(legacy.json.status.errorResult.message).toMatch(/only supported in standard SQL/);
    expect(
      await failure('CREATE TABLE d.dest (a INT64)', {
        destinationTable: { projectId: 'local-project', datasetId: 'd', tableId: 'x' },
      }),
    ).toEqual(['invalid', 'Cannot set destination table for a DDL statement.']);
  });

  it('CREATE TABLE … AS SELECT writes the rows, with partitioning from the query result', async () => {
    const [j] = await bq.createQueryJob({
      query: `CREATE TABLE d.ctas PARTITION BY day CLUSTER BY k AS
        SELECT k, DATE_FROM_UNIX_DATE(20777 + n) AS day, n FROM UNNEST(['a', 'b']) AS k, UNNEST([0, 1, 2]) AS n`,
    });
    const [meta] = await j.getMetadata();
    expect(meta.statistics.query.statementType).toBe('CREATE_TABLE_AS_SELECT');
    expect(meta.statistics.query.ddlOperationPerformed).toBe('CREATE');
    const [res] = await j.getQueryResults();
    expect(res).toEqual([]);
    const t = await tableMeta('ctas');
    expect(t.numRows).toBe('6');
    expect(t.schema.fields.map((f: { name: string; type: string }) => `${f.name}:${f.type}`)).toEqual([
      'k:STRING',
      'day:DATE',
      'n:INTEGER',
    ]);
    expect(t.timePartitioning).toEqual({ type: 'DAY', field: 'day' });
    const [parts] = await bq.query(
      'SELECT partition_id, total_rows FROM d.INFORMATION_SCHEMA.PARTITIONS WHERE table_name = "ctas" ORDER BY 1',
    );
    expect(parts).toEqual([
      { partition_id: '20261120', total_rows: 2 },
      { partition_id: '20261121', total_rows: 2 },
      { partition_id: '20261122', total_rows: 2 },
    ]);
    // OR REPLACE from its own rows: the query reads the table it replaces
    await bq.query('CREATE OR REPLACE TABLE d.ctas AS SELECT k, COUNT(*) AS c FROM d.ctas GROUP BY k');
    const [rows] = await bq.query('SELECT k, c FROM d.ctas ORDER BY k');
    expect(rows).toEqual([
      { k: 'a', c: 3 },
      { k: 'b', c: 3 },
    ]);
    // a column list renames and types the query's columns
    await bq.query('CREATE TABLE d.ctas2 (name STRING, total FLOAT64) AS SELECT k, c FROM d.ctas');
    const t2 = await tableMeta('ctas2');
    expect(t2.schema.fields.map((f: { name: string; type: string }) => `${f.name}:${f.type}`)).toEqual([
      'name:STRING',
      'total:FLOAT',
    ]);
    expect(await failure('CREATE TABLE d.ctas3 (a INT64) AS SELECT 1 AS x, 2 AS y')).toEqual([
      'invalidQuery',
      'The CREATE TABLE has 1 columns, but the query has 2 columns',
    ]);
  });

  it('CREATE TABLE … AS with query parameters and a default dataset', async () => {
    await bq.query({
      query: 'CREATE TABLE ctp AS SELECT @n AS n',
      params: { n: 7 },
      defaultDataset: { datasetId: 'd' },
    });
    const [rows] = await bq.query('SELECT n FROM d.ctp');
    expect(rows).toEqual([{ n: 7 }]);
  });
});

describe('DROP, TRUNCATE, ALTER', () => {
  it('DROP TABLE [IF EXISTS]', async () => {
    await bq.query('CREATE TABLE d.gone (a INT64)');
    const dropped = await job('DROP TABLE d.gone');
    expect(dropped.statistics.query).toMatchObject({
      statementType: 'DROP_TABLE',
      ddlOperationPerformed: 'DROP',
      ddlTargetTable: { projectId: 'local-project', datasetId: 'd', tableId: 'gone' },
    });
    const [exists] = await bq.dataset('d').table('gone').exists();
    expect(exists).toBe(false);
    expect(await failure('DROP TABLE d.gone')).toEqual([
      'notFound',
      'Not found: Table local-project:d.gone was not found in location US',
    ]);
    const skip = await job('DROP TABLE IF EXISTS d.gone');
    expect(skip.statistics.query.ddlOperationPerformed).toBe('SKIP');
    expect(skip.status.errorResult).toBeUndefined();
  });

  it('TRUNCATE TABLE empties a table and keeps its schema', async () => {
    await bq.query('CREATE TABLE d.tr (a INT64) AS SELECT x AS a FROM UNNEST([1, 2, 3]) AS x');
    const t = await job('TRUNCATE TABLE d.tr');
    expect(t.statistics.query.statementType).toBe('TRUNCATE_TABLE');
    expect(t.statistics.query.numDmlAffectedRows).toBe('3');
    const meta = await tableMeta('tr');
    expect(meta.numRows).toBe('0');
    expect(meta.schema.fields).toEqual([{ name: 'a', type: 'INTEGER', mode: 'NULLABLE' }]);
    expect((await failure('TRUNCATE TABLE d.nope'))[0]).toBe('notFound');
  });

  it('ALTER TABLE ADD COLUMN [IF NOT EXISTS] and SET OPTIONS', async () => {
    await bq.query('CREATE TABLE d.al (a INT64)');
    await bq.query('INSERT d.al (a) VALUES (1)');
    const a = await job(
      'ALTER TABLE d.al ADD COLUMN b STRING, ADD COLUMN IF NOT EXISTS a INT64, ADD COLUMN c ARRAY<STRUCT<x INT64>>',
    );
    expect(a.statistics.query.statementType).toBe('ALTER_TABLE');
    expect(a.status.errorResult).toBeUndefined();
    await bq.query("ALTER TABLE d.al SET OPTIONS(description = 'altered', labels = [('k', 'v')])");
    const t = await tableMeta('al');
    expect(t.schema.fields.map((f: { name: string; mode: string }) => `${f.name}:${f.mode}`)).toEqual([
      'a:NULLABLE',
      'b:NULLABLE',
      'c:REPEATED',
    ]);
    expect(t.description).toBe('altered');
    expect(t.labels).toEqual({ k: 'v' });
    await bq.query('ALTER TABLE d.al SET OPTIONS(description = NULL)');
    expect((await tableMeta('al')).description).toBeUndefined();
    const [rows] = await bq.query('SELECT a, b, c FROM d.al');
    expect(rows).toEqual([{ a: 1, b: null, c: [] }]);
    expect(await failure('ALTER TABLE d.al ADD COLUMN b STRING')).toEqual([
      'invalidQuery',
      'Column already exists: b',
    ]);
    expect((await failure('ALTER TABLE d.al ADD COLUMN r STRING NOT NULL'))[1]).toMatch(
      /Cannot add REQUIRED/,
    );
    expect((await failure('ALTER TABLE d.nope ADD COLUMN x INT64'))[0]).toBe('notFound');
    expect(
      (await job('ALTER TABLE IF EXISTS d.nope SET OPTIONS(description = "x")')).status.errorResult,
    ).toBe(undefined);
  });
});

describe('CREATE SCHEMA / DROP SCHEMA', () => {
  it('creates, skips, refuses a duplicate, drops (CASCADE for a non-empty one)', async () => {
    const c = await job(
      "CREATE SCHEMA s1 OPTIONS(description = 'one', labels = [('env', 'dev')], default_table_expiration_days = 2)",
    );
    expect(c.statistics.query).toMatchObject({
      statementType: 'CREATE_SCHEMA',
      ddlOperationPerformed: 'CREATE',
      ddlTargetDataset: { projectId: 'local-project', datasetId: 's1' },
    });
    const [ds] = await bq.dataset('s1').getMetadata();
    expect(ds.description).toBe('one');
    expect(ds.labels).toEqual({ env: 'dev' });
    expect(ds.defaultTableExpirationMs).toBe(String(2 * 86_400_000));
    expect((await job('CREATE SCHEMA IF NOT EXISTS s1')).statistics.query.ddlOperationPerformed).toBe('SKIP');
    expect(await failure('CREATE SCHEMA s1')).toEqual([
      'duplicate',
      'Already Exists: Dataset local-project:s1',
    ]);
    await bq.query('CREATE TABLE s1.t (a INT64)');
    expect(await failure('DROP SCHEMA s1')).toEqual([
      'resourceInUse',
      'Dataset local-project:s1 is still in use',
    ]);
    expect((await job('DROP SCHEMA s1 CASCADE')).statistics.query.ddlOperationPerformed).toBe('DROP');
    const [exists] = await bq.dataset('s1').exists();
    expect(exists).toBe(false);
    expect((await failure('DROP SCHEMA s1'))[0]).toBe('notFound');
    expect((await job('DROP SCHEMA IF EXISTS s1')).statistics.query.ddlOperationPerformed).toBe('SKIP');
    await bq.query('CREATE SCHEMA `local-project.s2`');
    expect((await bq.dataset('s2').exists())[0]).toBe(true);
  });
});

/** A folder no statement may write to (checked empty at the end). */
const outside = join(tmpdir(), `ddl-sandbox-${process.pid}-${Date.now()}`);

describe('DDL stays inside BigQuery tables (issue 12)', () => {
  const unexpected = /^Syntax error: Unexpected /;
  const cases: [string, RegExp][] = [
    ["CREATE TABLE d.x AS SELECT * FROM read_text('/etc/passwd')", /^Function not found: read_text/],
    ["CREATE VIEW d.v AS SELECT * FROM read_csv('/etc/passwd')", /^Function not found: read_csv/],
    ["CREATE TABLE d.x AS SELECT getenv('HOME') AS h", /^Function not found: getenv/],
    ['CREATE TABLE d.x AS SELECT * FROM _catalog.jobs', /^Not found: Dataset local-project:_catalog/],
    [
      "CREATE TABLE d.x (a INT64) OPTIONS(description = (SELECT content FROM read_text('/etc/passwd')))",
      /must be a literal/,
    ],
    ["CREATE TABLE d.x (a INT64 DEFAULT getenv('HOME'))", unexpected],
    ['CREATE TABLE d.x (a VARCHAR) ', /^Type not found: VARCHAR/],
    ['CREATE TABLE d.x (a STRUCT(b INTEGER))', unexpected],
    [`CREATE TABLE '${outside}/x.csv' (a INT64)`, unexpected],
    [`CREATE TABLE \`${outside}/x.csv\` (a INT64)`, /^Invalid table name|^Not found|^Invalid dataset/],
    ["CREATE MACRO m() AS TABLE SELECT * FROM read_text('/etc/passwd')", unexpected],
    ['CREATE SECRET s (TYPE s3)', unexpected],
    // two statements are a script: its CREATE runs as a child job (kept, as BigQuery keeps a script's finished
    // statements), the COPY is refused and writes nothing
    [
      `CREATE TABLE d.x_script (a INT64); COPY d.x_script TO '${outside}/out.csv'`,
      /Syntax error: Unexpected/,
    ],
    [`CREATE OR REPLACE TABLE d.x_script AS SELECT 1 AS a; COPY d.x_script TO '${outside}/out.csv'`, /./],
    ['CREATE TABLE bq.t1 (a INT64)', /^Not found: Dataset local-project:bq/],
    ['DROP TABLE _catalog.jobs', /^Not found: Dataset local-project:_catalog/],
    ['DROP SCHEMA _catalog CASCADE', /^Not found: Dataset local-project:_catalog/],
    ['TRUNCATE TABLE _catalog.tables', /^Not found: Dataset local-project:_catalog/],
    ["ALTER TABLE d.r SET OPTIONS(description = getenv('HOME'))", /must be a literal/],
    ['CREATE TABLE d.x PARTITION BY DATE(read_text) AS SELECT 1 AS a', /^Unrecognized name: read_text$/],
    [`ATTACH '${outside}/other.db' AS o`, unexpected],
  ];
  beforeAll(async () => {
    await mkdir(outside, { recursive: true });
  });
  afterAll(async () => {
    await rm(outside, { recursive: true, force: true });
  });
  for (const [sql, message] of cases) {
    it(`refuses ${sql.slice(0, 70)}`, async () => {
      const [, msg] = await failure(sql);
      expect(msg).toMatch(message);
    });
  }
  it('left no table behind and wrote nothing', async () => {
    const [tables] = await bq.dataset('d').getTables();
    expect(tables.map((t) => t.id)).not.toContain('x');
    expect(await readdir(outside)).toEqual([]);
  });
});
