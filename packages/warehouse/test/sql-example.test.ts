import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DUCKDB_MACROS,
  detectDialect,
  type ResolvedTable,
  registerNativeFunctions,
  type TableRef,
  translateQuery,
} from '../src/sql/index.js';
import { exampleSql } from './example-sql.mjs';
import { normalizeValue } from './support/conformance.js';

// The example pipeline's SQL as users run it (workflows/bigquery_step_workflow.yaml), rendered for ds = 2026-11-23.
const EXAMPLE = exampleSql('2026-11-23', { project: 'my-project' }).sql;

const PARTITIONED = ['github_daily_metrics', 'hackernews_agg', 'github_agg', 'hackernews_github_agg'];

/** A miniature of the storage layer: one DuckDB table per BigQuery table, ingestion-time partitions in a hidden column. */
function resolve(ref: TableRef): ResolvedTable {
  const project = ref.project ?? 'my-project';
  if (ref.meta === 'TABLES') {
    return { sql: `(SELECT * FROM meta_tables WHERE dataset_id = '${ref.dataset}')`, pseudoColumns: [] };
  }
  if (ref.meta === 'PARTITIONS_SUMMARY') {
    return {
      sql: `(SELECT DISTINCT '${project}' AS project_id, '${ref.dataset}' AS dataset_id, '${ref.table}' AS table_id,
              strftime(_PARTITIONTIME, '%Y%m%d') AS partition_id FROM "${ref.dataset}__${ref.table}")`,
      pseudoColumns: [],
    };
  }
  const physical = `"${ref.dataset}__${ref.table}"`;
  if (PARTITIONED.includes(ref.table)) {
    return {
      sql: `(SELECT *, CAST(_PARTITIONTIME AS DATE) AS _PARTITIONDATE FROM ${physical})`,
      pseudoColumns: ['_PARTITIONTIME', '_PARTITIONDATE'],
    };
  }
  return { sql: physical, pseudoColumns: [] };
}

let conn: DuckDBConnection;

async function run(sql: string): Promise<unknown[][]> {
  const { dialect, sql: body } = detectDialect(sql);
  const t = translateQuery(body, { dialect, defaultProject: 'my-project', resolveTable: resolve });
  const r = await conn.runAndReadAll(t.sql);
  return r.getRows().map((row) => row.map(normalizeValue));
}

beforeAll(async () => {
  const db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
  await conn.run("SET TimeZone='UTC'");
  await registerNativeFunctions(conn);
  for (const m of DUCKDB_MACROS) await conn.run(m);
  await conn.run(`CREATE TABLE meta_tables AS SELECT * FROM (VALUES
    ('githubarchive', 'day', '20261121', 0, 0, 3, 100, 1), ('githubarchive', 'day', '20261122', 0, 0, 5, 100, 1))
    AS t(project_id, dataset_id, table_id, creation_time, last_modified_time, row_count, size_bytes, type)`);
  await conn.run(`CREATE TABLE "day__20261122" (type VARCHAR, public BOOLEAN,
    repo STRUCT(id BIGINT, name VARCHAR, url VARCHAR), actor STRUCT(id BIGINT, login VARCHAR), created_at TIMESTAMPTZ, id VARCHAR)`);
  await conn.run(`INSERT INTO "day__20261122" VALUES
    ('WatchEvent', true, {'id': 1, 'name': 'acme/rocket', 'url': 'u'}, {'id': 10, 'login': 'a'}, '2026-11-22 01:00:00+00', '1'),
    ('WatchEvent', true, {'id': 1, 'name': 'acme/rocket', 'url': 'u'}, {'id': 11, 'login': 'b'}, '2026-11-22 02:00:00+00', '2'),
    ('ForkEvent', true, {'id': 1, 'name': 'acme/rocket', 'url': 'u'}, {'id': 12, 'login': 'c'}, '2026-11-22 03:00:00+00', '3'),
    ('PushEvent', true, {'id': 2, 'name': 'zed/zip', 'url': 'u'}, {'id': 13, 'login': 'd'}, '2026-11-22 04:00:00+00', '4'),
    ('ForkEvent', true, {'id': 2, 'name': 'zed/zip', 'url': 'u'}, {'id': 13, 'login': 'd'}, '2026-11-22 23:59:59+00', '5')`);
  await conn.run(`CREATE TABLE "hacker_news__full" (title VARCHAR, url VARCHAR, text VARCHAR, dead BOOLEAN, "by" VARCHAR,
    score BIGINT, time BIGINT, timestamp TIMESTAMPTZ, type VARCHAR, id BIGINT, parent BIGINT, descendants BIGINT, ranking BIGINT, deleted BOOLEAN)`);
  await conn.run(`INSERT INTO "hacker_news__full" VALUES
    ('Rocket', 'https://github.com/acme/rocket#readme', NULL, NULL, 'pg', 120, 0, '2026-11-22 08:00:00+00', 'story', 1001, NULL, 3, NULL, NULL),
    ('Blog', 'https://github.com/blog/123-news', NULL, NULL, 'x', 5, 0, '2026-11-22 09:00:00+00', 'story', 1002, NULL, 0, NULL, NULL),
    ('Zip', 'https://github.com/zed/zip', NULL, NULL, 'y', 7, 0, '2026-11-22 10:00:00+00', 'story', 1003, NULL, 0, NULL, NULL),
    ('Old', 'https://github.com/old/one', NULL, NULL, 'z', 9, 0, '2026-11-21 10:00:00+00', 'story', 1004, NULL, 0, NULL, NULL),
    (NULL, NULL, 'a comment', NULL, 'c', NULL, 0, '2026-11-22 11:00:00+00', 'comment', 1005, 1001, NULL, NULL, NULL)`);
  await conn.run(
    `CREATE TABLE "github_trends__github_daily_metrics" (date VARCHAR, repo VARCHAR, stars BIGINT, forks BIGINT, _PARTITIONTIME TIMESTAMPTZ)`,
  );
  await conn.run(`INSERT INTO "github_trends__github_daily_metrics" VALUES
    ('20261122', 'acme/rocket', 2, 1, '2026-11-22 00:00:00+00'),
    ('20261120', 'acme/rocket', 5, NULL, '2026-11-20 00:00:00+00'),
    ('20261116', 'acme/rocket', 30, NULL, '2026-11-16 00:00:00+00'),
    ('20261101', 'acme/rocket', 100, 4, '2026-11-01 00:00:00+00'),
    ('20261026', 'acme/rocket', 300, NULL, '2026-10-26 00:00:00+00'),
    ('20261001', 'acme/rocket', 1000, 1000, '2026-10-01 00:00:00+00'),
    ('20261122', 'zed/zip', NULL, 1, '2026-11-22 00:00:00+00')`);
  await conn.run(
    `CREATE TABLE "github_trends__hackernews_agg" (date VARCHAR, submitter VARCHAR, story_id BIGINT, url VARCHAR, score BIGINT, _PARTITIONTIME TIMESTAMPTZ)`,
  );
  await conn.run(`INSERT INTO "github_trends__hackernews_agg" VALUES
    ('20261122', 'pg', 1001, 'https://github.com/acme/rocket', 120, '2026-11-22 00:00:00+00'),
    ('20261121', 'z', 1004, 'https://github.com/old/one', 9, '2026-11-21 00:00:00+00')`);
  await conn.run(`CREATE TABLE "github_trends__github_agg" (date VARCHAR, repo VARCHAR, stars_last_28_days BIGINT, stars_last_7_days BIGINT,
    stars_last_1_day BIGINT, forks_last_28_days BIGINT, forks_last_7_days BIGINT, forks_last_1_day BIGINT, _PARTITIONTIME TIMESTAMPTZ)`);
  await conn.run(
    `INSERT INTO "github_trends__github_agg" VALUES ('20261122', 'acme/rocket', 107, 7, 2, 5, 1, 1, '2026-11-22 00:00:00+00')`,
  );
  await conn.run(
    `CREATE TABLE "github_trends__hackernews_github_agg" (date VARCHAR, _PARTITIONTIME TIMESTAMPTZ)`,
  );
  await conn.run(
    `INSERT INTO "github_trends__hackernews_github_agg" VALUES ('20261122', '2026-11-22 00:00:00+00'), ('20261121', '2026-11-21 00:00:00+00')`,
  );
});

afterAll(() => {
  conn?.closeSync();
});

const sorted = (rows: unknown[][]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('example pipeline SQL (reference §8.3) runs exactly', () => {
  it('bq_check_githubarchive_day: legacy __TABLES__ meta-table', async () => {
    expect(await run(EXAMPLE.bq_check_githubarchive_day)).toEqual([['20261122']]);
  });

  it('bq_check_hackernews_full: legacy STRFTIME_UTC_USEC on a [project:dataset.table] with a dashed project', async () => {
    expect(await run(EXAMPLE.bq_check_hackernews_full)).toEqual([['20261122']]);
  });

  it('bq_write_to_github_daily_metrics: FORMAT_TIMESTAMP, struct fields, SUM(IF(...))', async () => {
    expect(sorted(await run(EXAMPLE.bq_write_to_github_daily_metrics))).toEqual([
      ['20261122', 'acme/rocket', '2', '1'],
      ['20261122', 'zed/zip', null, '1'],
    ]);
  });

  it('bq_write_to_hackernews_agg: REGEXP_EXTRACT, backticked `by`, timestamp vs string comparison', async () => {
    expect(sorted(await run(EXAMPLE.bq_write_to_hackernews_agg))).toEqual([
      ['20261122', 'pg', '1001', 'https://github.com/acme/rocket', '120'],
      ['20261122', 'y', '1003', 'https://github.com/zed/zip', '7'],
    ]);
  });

  it('bq_write_to_github_agg: fixed _PARTITIONTIME windows: 7 and 28 partitions (ds-7 and ds-28 count; the original -6/-27 would not)', async () => {
    expect(sorted(await run(EXAMPLE.bq_write_to_github_agg))).toEqual([
      ['20261122', 'acme/rocket', '437', '37', '2', '5', '1', '1'],
      ['20261122', 'zed/zip', null, null, null, '1', '1', '1'],
    ]);
  });

  it('bq_write_to_hackernews_github_agg: SELECT * hides pseudo-columns, LEFT JOIN on CONCAT', async () => {
    expect(await run(EXAMPLE.bq_write_to_hackernews_github_agg)).toEqual([
      [
        '20261122',
        'https://github.com/acme/rocket',
        'acme/rocket',
        '120',
        '1001',
        '107',
        '7',
        '2',
        '5',
        '1',
        '1',
      ],
    ]);
  });

  it('bq_check_hackernews_github_agg: legacy $__PARTITIONS_SUMMARY__', async () => {
    expect(await run(EXAMPLE.bq_check_hackernews_github_agg)).toEqual([['20261122']]);
  });

  it('the inner SELECT * of the join exposes exactly the stored columns', async () => {
    const rows = await run(
      '#standardSQL\nSELECT * FROM `github_trends.hackernews_agg` WHERE _PARTITIONTIME = TIMESTAMP("2026-11-22")',
    );
    expect(rows).toEqual([['20261122', 'pg', '1001', 'https://github.com/acme/rocket', '120']]);
  });
});
