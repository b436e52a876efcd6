import type { BigQuery } from '@google-cloud/bigquery';
import { describe, expect, it } from 'vitest';
import { type RunningWarehouse, seedSampleData } from '../src/index.js';
import { EXAMPLE_TABLES, exampleSql } from './example-sql.mjs';
import { useTestWarehouse } from './helpers.js';

/**
 * The example pipeline (reference §8.3) end to end against seeded data, with the reference's fixes applied:
 * destinations as `dataset.table$YYYYMMDD` in the caller's project, checks in legacy SQL on meta-tables.
 */
let wh: RunningWarehouse;
let bq: BigQuery;
const DS = '2026-11-21';

useTestWarehouse(async (started) => {
  ({ wh, bq } = started);
  await seedSampleData({ url: wh.url }, { from: '2026-11-14', to: '2026-11-20' });
  await bq.createDataset('github_trends');
  for (const t of EXAMPLE_TABLES)
    await bq.dataset('github_trends').createTable(t, { timePartitioning: { type: 'DAY' } });
});

/** What Airflow 1.8.2's BigQueryOperator sends: jobs.insert with a query configuration. */
async function runWriter(sql: string, destination: string) {
  const [job] = await bq.createJob({
    configuration: {
      query: {
        query: sql,
        useLegacySql: false,
        allowLargeResults: true,
        writeDisposition: 'WRITE_TRUNCATE',
        destinationTable: { projectId: 'local-project', datasetId: 'github_trends', tableId: destination },
      },
    },
  });
  expect(job.metadata.status.errorResult).toBeUndefined();
  expect(job.metadata.status.state).toBe('DONE');
}

/** What BigQueryCheckOperator does: run legacy SQL, fetch the first row, fail on no row / falsy values. */
async function runCheck(sql: string) {
  const [rows] = await bq.query({ query: sql, useLegacySql: true });
  expect(rows.length).toBeGreaterThan(0);
  expect(Object.values(rows[0]!).every(Boolean)).toBe(true);
  return rows;
}

describe('example pipeline (reference §8.3)', () => {
  it('runs the 7 tasks for one day and the final join yields trending repos', async () => {
    const sql = exampleSql(DS);
    expect((await runCheck(sql.sql.bq_check_githubarchive_day))[0]).toEqual({ table_id: '20261120' });
    expect((await runCheck(sql.sql.bq_check_hackernews_full))[0]).toEqual({ date: '20261120' });
    // backfill github_daily_metrics for the last 7 days (init workflow), then the daily writers
    for (let back = 1; back <= 7; back++) {
      const day = exampleSql(addDays(DS, -back + 1));
      await runWriter(day.sql.bq_write_to_github_daily_metrics, day.table.bq_write_to_github_daily_metrics);
    }
    await runWriter(sql.sql.bq_write_to_hackernews_agg, sql.table.bq_write_to_hackernews_agg);
    await runWriter(sql.sql.bq_write_to_github_agg, sql.table.bq_write_to_github_agg);
    await runWriter(sql.sql.bq_write_to_hackernews_github_agg, sql.table.bq_write_to_hackernews_github_agg);
    expect((await runCheck(sql.sql.bq_check_hackernews_github_agg))[0]).toEqual({ partition_id: '20261120' });

    const [daily] = await bq.query(
      'SELECT COUNT(DISTINCT _PARTITIONTIME) AS parts, SUM(stars) AS stars FROM github_trends.github_daily_metrics',
    );
    expect(daily[0].parts).toBe(7);
    expect(daily[0].stars).toBeGreaterThan(100);
    const [joined] = await bq.query(
      'SELECT github_repo, hn_score, stars_last_1_day, stars_last_7_days, stars_last_28_days FROM github_trends.hackernews_github_agg WHERE github_repo IS NOT NULL ORDER BY hn_score DESC',
    );
    expect(joined.length).toBeGreaterThan(0);
    for (const r of joined) {
      expect(r.stars_last_28_days).toBeGreaterThanOrEqual(r.stars_last_7_days ?? 0);
      expect(r.stars_last_7_days).toBeGreaterThanOrEqual(r.stars_last_1_day ?? 0);
    }
    // rerunning a day replaces its partition instead of duplicating it
    await runWriter(sql.sql.bq_write_to_hackernews_github_agg, sql.table.bq_write_to_hackernews_github_agg);
    const [again] = await bq.query(
      'SELECT COUNT(*) AS n FROM github_trends.hackernews_github_agg WHERE github_repo IS NOT NULL',
    );
    expect(again[0].n).toBe(joined.length);
  });

  it('a missing day fails the check the way BigQueryCheckOperator sees it (no rows)', async () => {
    const sql = exampleSql('2026-12-30');
    const [rows] = await bq.query({ query: sql.sql.bq_check_githubarchive_day, useLegacySql: true });
    expect(rows).toEqual([]);
  });
});

function addDays(ds: string, n: number): string {
  return new Date(Date.parse(`${ds}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}
