import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expectOneLineFailure, useFakeBigQuery } from '@data-pipeline/operator-testing';
import { describe, expect, it } from 'vitest';
import { definition } from '../src/definition.js';

const BIN = fileURLToPath(new URL('../bin/bigquery-table.js', import.meta.url));
const suite = useFakeBigQuery();

const run = suite.operator({ bin: BIN, definition, taskId: 'create-bq-tables', executionDate: '2026-11-23' });

describe('bigquery-table (native, subprocess)', () => {
  it('creates dataset and ingestion-time DAY-partitioned table, then is idempotent', async () => {
    const args = [
      '--dataset-id',
      'github_trends',
      '--table-id',
      'github_agg',
      '--schema',
      'builtin:github_agg',
      '--location',
      'US',
      '--description',
      'GitHub 28/7/1-day rollups',
      '--labels',
      '{"pipeline":"github-trends"}',
    ];
    const first = await run(args);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.outputs).toMatchObject({
      'exit-class': 'success',
      table: 'my-proj:github_trends.github_agg',
      created: 'true',
      'dataset-created': 'true',
    });
    const t = suite.fake.tables.get('my-proj:github_trends.github_agg') as {
      timePartitioning: unknown;
      schema: { fields: unknown[] };
    };
    expect(t.timePartitioning).toEqual({ type: 'DAY' });
    expect(t.schema.fields).toHaveLength(8);
    expect(suite.fake.datasets.get('my-proj:github_trends')).toMatchObject({ location: 'US' });

    suite.fake.requests.length = 0;
    const second = await run(args);
    expect(second.code).toBe(0);
    expect(second.outputs).toMatchObject({ created: 'false', updated: 'false', 'dataset-created': 'false' });
    expect(suite.fake.requests.filter((q) => q.method !== 'GET')).toHaveLength(0);

    const relabel = await run([...args.slice(0, -1), '{"pipeline":"v2"}']);
    expect(relabel.code).toBe(0);
    expect(relabel.outputs).toMatchObject({ created: 'false', updated: 'true' });
  });

  it('partitions by a column and reads a schema @file', async () => {
    const d = suite.tempDir('bqtable-schema-');
    const file = join(d.path, 'events.json');
    writeFileSync(
      file,
      JSON.stringify({
        fields: [
          { name: 'day', type: 'DATE', mode: 'REQUIRED' },
          {
            name: 'actor',
            type: 'RECORD',
            fields: [
              { name: 'id', type: 'INTEGER' },
              { name: 'login', type: 'STRING' },
            ],
          },
        ],
      }),
    );
    const r = await run([
      '--dataset-id',
      'events',
      '--table-id',
      'e',
      '--schema',
      `@${file}`,
      '--time-partitioning-field',
      'day',
    ]);
    expect(r.code).toBe(0);
    expect(
      (suite.fake.tables.get('my-proj:events.e') as { timePartitioning: unknown }).timePartitioning,
    ).toEqual({
      type: 'DAY',
      field: 'day',
    });
  });

  it('an existing table with a conflicting schema → 65 naming the columns, unchanged', async () => {
    suite.fake.datasets.set('my-proj:legacy', { id: 'my-proj:legacy' });
    suite.fake.tables.set('my-proj:legacy.github_daily_metrics', {
      schema: {
        fields: [
          { name: 'date', type: 'DATE' },
          { name: 'repo', type: 'STRING' },
          { name: 'stars', type: 'STRING' },
        ],
      },
      timePartitioning: { type: 'DAY' },
    });
    const r = await run(
      [
        '--dataset-id',
        'legacy',
        '--table-id',
        'github_daily_metrics',
        '--schema',
        'builtin:github_daily_metrics',
      ],
      true,
    );
    expectOneLineFailure(
      r,
      65,
      /conflicting schema: date: type DATE in the table, STRING wanted; stars: type STRING in the table, INTEGER wanted; forks: missing/,
    );
    expect(suite.fake.requests.filter((q) => q.method !== 'GET')).toHaveLength(0);
  });

  it('a table created without partitioning (the original bq mk without schema) conflicts too', async () => {
    suite.fake.datasets.set('my-proj:old', { id: 'my-proj:old' });
    suite.fake.tables.set('my-proj:old.hackernews_agg', { schema: { fields: [] } });
    const r = await run([
      '--dataset-id',
      'old',
      '--table-id',
      'hackernews_agg',
      '--schema',
      'builtin:hackernews_agg',
    ]);
    expect(r.code).toBe(65);
    expect(r.stderr).toContain('the table is not time-partitioned');
  });

  it('dataset only', async () => {
    const r = await run(['--dataset-id', 'only_ds'], true);
    expect(r.code).toBe(0);
    expect(r.outputs).toMatchObject({ table: '', created: 'false', 'dataset-created': 'true' });
  });

  it.each([
    [403, 'accessDenied', 77],
    [429, 'rateLimitExceeded', 75],
  ])('HTTP %i %s → %i', async (status, reason, code) => {
    suite.fake.inject({ path: /\/datasets\/ds403$/, status, reason, times: 1 });
    const r = await run(['--dataset-id', 'ds403']);
    expect(r.code).toBe(code);
  });

  it.each([
    [['--dataset-id', 'bad-name'], 64, /dataset-id/],
    [['--dataset-id', 'ds', '--table-id', 't'], 64, /schema/],
    [
      ['--dataset-id', 'ds', '--table-id', 't', '--schema', '[{"name":"a","type":"NOPE"}]'],
      65,
      /schema is not a BigQuery JSON schema/,
    ],
    [['--dataset-id', 'ds', '--table-id', 't', '--schema', 'builtin:nope'], 65, /unknown builtin schema/],
    [
      [
        '--dataset-id',
        'ds',
        '--table-id',
        't',
        '--schema',
        'builtin:github_agg',
        '--time-partitioning-field',
        'repo',
      ],
      65,
      /must be a DATE, TIMESTAMP or DATETIME column/,
    ],
    [['--dataset-id', 'ds', '--labels', '{"Bad":"x"}'], 64, /labels/],
    [['--dataset-id', 'ds', '--engine', 'airflow'], 64, /airflow/],
  ])('bad input %j → %i (in-process)', async (args, code, msg) => {
    expectOneLineFailure(await run(args as string[], true), code as number, msg as RegExp);
  });
});
