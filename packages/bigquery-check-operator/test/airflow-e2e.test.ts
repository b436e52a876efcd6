import { fileURLToPath } from 'node:url';
import { airflowEnv, DOUBLE_READY, readOutputsIfAny, runCli, tempDir } from '@data-pipeline/operator-testing';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/bigquery-check-operator.js', import.meta.url));
const dirs: (() => void)[] = [];
afterAll(() => {
  for (const d of dirs) d();
});

async function run(outcome: string, args: string[], env: Record<string, string> = {}) {
  const tmp = tempDir('bqcheck-af-');
  dirs.push(tmp.cleanup);
  const out = `${tmp.path}/outputs`;
  const argvLog = `${tmp.path}/argv.log`;
  const r = await runCli(
    BIN,
    [
      '--task-id',
      'bq_check_githubarchive_day',
      '--execution-date',
      '2026-11-23',
      '--outputs-dir',
      out,
      ...args,
    ],
    { ...airflowEnv(tmp.path, outcome), AIRFLOW_DOUBLE_ARGV_LOG: argvLog, ...env },
    30_000,
  );
  return { ...r, outputs: readOutputsIfAny(out) };
}

const SQL =
  '#legacySql\nSELECT table_id FROM [githubarchive:day.__TABLES__] WHERE table_id = "{{ yesterday_ds_nodash }}"';

describe.skipIf(!DOUBLE_READY)('bigquery-check-operator --engine airflow (airflow double on PATH)', () => {
  it('BigQueryCheckOperator success: rendered SQL logged, Record harvested', async () => {
    const r = await run('success', ['--sql', SQL]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Executing SQL check: #legacySql');
    expect(r.stdout).toContain('20261122');
    expect(r.outputs).toMatchObject({ 'exit-class': 'success', record: '[1]' });
  });

  it('a failed check is exit 1 even when its text mentions HTTP 500 / rateLimitExceeded', async () => {
    const r = await run('task-failed', ['--sql', SQL], {
      AIRFLOW_DOUBLE_FAIL_MESSAGE:
        "Test failed.\nQuery:\nSELECT 'HttpError 500 rateLimitExceeded backendError'\nResults:\n[0]",
    });
    expect(r.code).toBe(1);
    expect(r.outputs['exit-class']).toBe('task-failed');
  });

  it.each([
    [['--sql', 'SELECT COUNT(*) FROM [ds.t]', '--pass-value', '42', '--tolerance', '0.1']],
    [
      [
        '--check',
        'interval',
        '--table',
        'ds.t',
        '--metrics-thresholds',
        '{"COUNT(*)": 1.5}',
        '--days-back',
        '7',
      ],
    ],
  ])('ValueCheck / IntervalCheck run through Airflow: %j', async (args) => {
    const r = await run('success', args);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('bad kwargs → 64 before Airflow', async () => {
    const r = await run('success', ['--sql', 'SELECT 1', '--metrics-thresholds', '{"x": 2}']);
    expect(r.code).toBe(64);
  });
});
