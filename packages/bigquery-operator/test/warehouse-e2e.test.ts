/**
 * The three operators' native engines end to end against the embedded BigQuery-compatible warehouse
 * (@data-pipeline/warehouse): init (dataset + partitioned table), a query into `dataset.table$YYYYMMDD` with
 * WRITE_TRUNCATE (twice: idempotent), then a passing and a failing check on the partition.
 */
import { fileURLToPath } from 'node:url';
import { loadExampleTemplates } from '@data-pipeline/example-pipeline';
import { readOutputs, runCli, tempDir } from '@data-pipeline/operator-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = (pkg: string) => fileURLToPath(new URL(`../../${pkg}/bin/${pkg}.js`, import.meta.url));
const dirs: (() => void)[] = [];
let wh: { url: string; stop(): Promise<void> } | undefined;
let unavailable: string | undefined;

beforeAll(async () => {
  try {
    const { startWarehouse, seedSampleData } = await import('@data-pipeline/warehouse');
    wh = await startWarehouse({ projectId: 'my-proj' });
    await seedSampleData(wh, { from: '2026-11-21', to: '2026-11-22' });
  } catch (err) {
    unavailable = (err as Error).message;
  }
}, 60_000);
afterAll(async () => {
  await wh?.stop();
  for (const d of dirs) d();
});

async function run(pkg: string, date: string, args: string[]) {
  const d = tempDir('bq-wh-');
  dirs.push(d.cleanup);
  const r = await runCli(bin(pkg), [
    '--engine',
    'native',
    '--task-id',
    't',
    '--dag-id',
    'bigquery_github_trends_v1',
    '--execution-date',
    date,
    '--gcp-project',
    'my-proj',
    '--outputs-dir',
    d.path,
    '--bigquery-endpoint',
    wh?.url ?? '',
    ...args,
  ]);
  return { ...r, outputs: readOutputs(d.path) };
}

/** The example pipeline's first writer exactly as the workflow YAML runs it (SQL, destination, dialect). */
const GITHUB_DAILY = loadExampleTemplates(fileURLToPath(new URL('../../..', import.meta.url)), {
  workflowParameters: { 'gcp-project': 'my-proj' },
}).find((t) => t.task === 'bq_write_to_github_daily_metrics');
if (!GITHUB_DAILY?.destination)
  throw new Error('bq_write_to_github_daily_metrics missing from the example workflow');

const PARTITION_CHECK = `#legacySql
SELECT
partition_id
FROM
[github_trends.github_daily_metrics$__PARTITIONS_SUMMARY__]
WHERE partition_id = "{{ yesterday_ds_nodash }}"`;

describe('native engines against the embedded warehouse', () => {
  it('init → write partition (twice) → passing and failing check', async (ctx) => {
    if (unavailable) {
      console.warn(`SKIP: embedded warehouse unavailable: ${unavailable}`);
      ctx.skip();
    }
    const table = await run('bigquery-table', '2026-11-23', [
      '--dataset-id',
      'github_trends',
      '--table-id',
      'github_daily_metrics',
      '--schema',
      'builtin:github_daily_metrics',
    ]);
    expect(table.stderr).toBe('');
    expect(table.outputs).toMatchObject({ created: 'true', 'exit-class': 'success' });

    const write = [
      '--bql',
      GITHUB_DAILY.sql,
      '--use-legacy-sql',
      String(GITHUB_DAILY.useLegacySql),
      '--destination-dataset-table',
      GITHUB_DAILY.destination,
      '--write-disposition',
      'WRITE_TRUNCATE',
      '--allow-large-results',
      'true',
    ];
    const first = await run('bigquery-operator', '2026-11-23', write);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.outputs.destination).toBe('my-proj:github_trends.github_daily_metrics$20261122');
    const rows = Number(first.outputs['rows-written']);
    expect(rows).toBeGreaterThan(0);
    const second = await run('bigquery-operator', '2026-11-23', write);
    expect(second.code).toBe(0);
    expect(Number(second.outputs['rows-written'])).toBe(rows);

    const count = await run('bigquery-check-operator', '2026-11-23', [
      '--sql',
      'SELECT COUNT(*) FROM [github_trends.github_daily_metrics]',
      '--pass-value',
      String(rows),
    ]);
    expect(count.stderr).toBe('');
    expect(count.code).toBe(0);

    const pass = await run('bigquery-check-operator', '2026-11-23', ['--sql', PARTITION_CHECK]);
    expect(pass.stderr).toBe('');
    expect(pass.code).toBe(0);
    expect(pass.outputs.record).toBe("['20261122']");

    const fail = await run('bigquery-check-operator', '2026-11-30', ['--sql', PARTITION_CHECK]);
    expect(fail.code).toBe(1);
    expect(fail.stderr.trim()).toBe('bigquery-check-operator: The query returned None');
  });
});
