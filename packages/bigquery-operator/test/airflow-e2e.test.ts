import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  airflowEnv,
  DOUBLE_READY,
  KEY_MARKER,
  readOutputsIfAny,
  runCli,
  tempDir,
} from '@data-pipeline/operator-testing';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../bin/bigquery-operator.js', import.meta.url));
const dirs: (() => void)[] = [];
afterAll(() => {
  for (const d of dirs) d();
});

async function run(outcome: string, extra: string[] = []) {
  const tmp = tempDir('bqop-af-');
  dirs.push(tmp.cleanup);
  const out = `${tmp.path}/outputs`;
  const r = await runCli(
    BIN,
    [
      '--task-id',
      'bq_write_to_github_agg',
      '--dag-id',
      'bigquery_github_trends_v1',
      '--execution-date',
      '2026-11-23',
      '--outputs-dir',
      out,
      '--bql',
      '#standardSQL\nSELECT "{{ yesterday_ds_nodash }}" AS date',
      '--use-legacy-sql',
      'false',
      '--destination-dataset-table',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a BigQuery partition decorator
      'github_trends.github_agg${{ yesterday_ds_nodash }}',
      '--write-disposition',
      'WRITE_TRUNCATE',
      ...extra,
    ],
    airflowEnv(tmp.path, outcome),
    30_000,
  );
  const outputs = readOutputsIfAny(out);
  const leftovers = readdirSync(tmp.path).filter((f) => f.startsWith('dp-airflow-'));
  return { ...r, outputs, leftovers };
}

describe.skipIf(!DOUBLE_READY)('bigquery-operator --engine airflow (airflow double on PATH)', () => {
  it('success: rendered bql in the task log, job-id harvested, no secret printed, AIRFLOW_HOME removed', async () => {
    const r = await run('success');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Executing: #standardSQL');
    expect(r.stdout).toContain('SELECT \\"20261122\\" AS date');
    expect(r.outputs['exit-class']).toBe('success');
    expect(r.outputs['job-id']).toMatch(/^job_/);
    expect(r.stdout + r.stderr).not.toContain(KEY_MARKER);
    expect(r.leftovers).toEqual([]);
  });

  it.each([
    ['task-failed', 1, 'task-failed'],
    ['http-403', 77, 'permission-denied'],
    ['http-429', 75, 'transient'],
  ])('%s → exit %i', async (outcome, code, cls) => {
    const r = await run(outcome);
    expect(r.code).toBe(code);
    expect(r.outputs['exit-class']).toBe(cls);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.outputs['job-id']).toBe('');
  });

  it('a BigQuery job error in the task log is classified by its reason (invalidQuery → 65)', async () => {
    const tmp = tempDir('bqop-af-');
    dirs.push(tmp.cleanup);
    const env = {
      ...airflowEnv(tmp.path, 'task-failed'),
      AIRFLOW_DOUBLE_FAIL_MESSAGE:
        "BigQuery job failed. Final error was: {'reason': 'invalidQuery', 'location': 'query', 'message': 'Syntax error'}. The job was: {}",
    };
    const r = await runCli(
      BIN,
      [
        '--task-id',
        't',
        '--execution-date',
        '2026-11-23',
        '--bql',
        'SELECT 1',
        '--outputs-dir',
        `${tmp.path}/o`,
      ],
      env,
      30_000,
    );
    expect(r.code).toBe(65);
  });

  it('bad kwargs never reach Airflow (64)', async () => {
    const r = await run('success', ['--write-disposition', 'WRITE_ALWAYS']);
    expect(r.code).toBe(64);
    expect(r.stdout).not.toContain('initdb');
  });
});
