import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  airflow,
  baseEnv,
  cleanupHomes,
  collect,
  makeHome,
  startAirflow,
  writeContractDag,
} from './helpers.js';

afterAll(cleanupHomes);

const LOG = (home: string) => join(home, 'logs', 'my_dag', 'my_task', '2018-01-10T00:00:00');

async function scripted(
  outcome: string,
  extra: Record<string, string> = {},
  operator?: string,
  kwargs?: Record<string, unknown>,
) {
  const home = makeHome();
  const env = baseEnv(home, { AIRFLOW_DOUBLE_OUTCOME: outcome, ...extra });
  const init = await airflow(['initdb'], env);
  writeContractDag(home, operator ? { operator, kwargs: kwargs ?? {} } : {});
  const r = await airflow(['backfill', '-s', '2018-01-10', '-e', '2018-01-10', 'my_dag'], env);
  return { home, env, init, r };
}

/** A `hang` backfill, returned once its task has started (`Logging into:` on stdout); `done` is its end. */
async function hangingBackfill() {
  const home = makeHome();
  const env = baseEnv(home, { AIRFLOW_DOUBLE_OUTCOME: 'hang' });
  await airflow(['initdb'], env);
  writeContractDag(home);
  const child = startAirflow(['backfill', '-s', '2018-01-10', 'my_dag'], env);
  const done = collect(child);
  await new Promise<void>((res) => {
    let seen = '';
    child.stdout?.on('data', (b: Buffer) => {
      seen += b.toString();
      if (seen.includes('Logging into:')) res();
    });
  });
  return { home, child, done };
}

const FAILED_BLOCK =
  "airflow.exceptions.AirflowException: ---------------------------------------------------\nSome task instances failed:\n{('my_dag', 'my_task', datetime.datetime(2018, 1, 10, 0, 0))}\n";

describe.concurrent('scripted outcomes (AIRFLOW_DOUBLE_OUTCOME)', () => {
  it('task-failed: traceback + Marking task as FAILED. in the task log, failure block on stderr, exit 1', async () => {
    const { home, r } = await scripted('task-failed');
    expect(r.code).toBe(1);
    expect(r.stderr.endsWith(`${FAILED_BLOCK}\n`)).toBe(true);
    expect(r.stdout).toMatch(
      /\{jobs\.py:1694\} ERROR - Task instance <TaskInstance: my_dag\.my_task 2018-01-10 00:00:00 \[failed\]> failed/,
    );
    expect(r.stdout).not.toContain('Backfill done');
    const log = readFileSync(LOG(home), 'utf8');
    expect(log).toMatch(/Subtask: Traceback \(most recent call last\):/);
    expect(log).toMatch(/\{models\.py:1457\} INFO - Marking task as FAILED\.\n/);
    expect(log).toContain('Subtask: airflow.exceptions.AirflowException: Task failed as scripted');
    expect(log.trimEnd().split('\n').at(-1)).toMatch(/Task exited with return code 1$/);
  });

  it('task-failed on a check operator fails the check; AIRFLOW_DOUBLE_FAIL_MESSAGE overrides the text', async () => {
    const check = await scripted(
      'task-failed',
      {},
      'airflow.contrib.operators.bigquery_check_operator.BigQueryCheckOperator',
      { sql: 'SELECT COUNT(*) FROM [d.t]' },
    );
    const log = readFileSync(LOG(check.home), 'utf8');
    expect(log).toContain('{check_operator.py:75} INFO - Executing SQL check: SELECT COUNT(*) FROM [d.t]');
    expect(log).toContain('Subtask: airflow.exceptions.AirflowException: Test failed.');
    const custom = await scripted('task-failed', { AIRFLOW_DOUBLE_FAIL_MESSAGE: 'custom boom' });
    expect(readFileSync(LOG(custom.home), 'utf8')).toContain(
      'Subtask: airflow.exceptions.AirflowException: custom boom',
    );
  });

  it.each([
    ['http-403', 403, 'Access Denied: Project proj-1'],
    ['http-429', 429, 'Exceeded rate limits'],
    ['http-500', 500, 'An internal error occurred'],
  ])('%s: googleapiclient HttpError in the task log, exit 1', async (outcome, status, text) => {
    const { home, r } = await scripted(outcome);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Some task instances failed:');
    const log = readFileSync(LOG(home), 'utf8');
    expect(log).toContain(
      `Subtask: googleapiclient.errors.HttpError: <HttpError ${status} when requesting https://www.googleapis.com/bigquery/v2/projects/proj-1/jobs?alt=json returned "${text}`,
    );
    expect(log).toContain('Marking task as FAILED.');
  });

  it('dag-missing: dag_id could not be found, exit 1', async () => {
    const { r } = await scripted('dag-missing');
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(
      'airflow.exceptions.AirflowException: dag_id could not be found: my_dag. Either the dag did not exist or it failed to parse.',
    );
  });

  it('deadlock: depends_on_past deadlock text, exit 1', async () => {
    const { r } = await scripted('deadlock');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("dependency 'Previous Dagrun State' FAILED: depends_on_past is true");
    expect(r.stderr).toContain(
      'BackfillJob is deadlocked.Some of the deadlocked tasks were unable to run because of "depends_on_past" relationships.',
    );
    expect(r.stdout).toContain('deadlocked: 1');
  });

  it('ran-nothing: max_active_runs message, exit 0, no progress line, no task log', async () => {
    const { home, r } = await scripted('ran-nothing');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/INFO - Dag my_dag has reached maximum amount of 16 dag runs\n$/);
    expect(r.stdout).not.toContain('[backfill progress]');
    expect(existsSync(LOG(home))).toBe(false);
  });

  it('initdb-fail: initdb exits 1 with an OperationalError', async () => {
    const { init } = await scripted('initdb-fail');
    expect(init.code).toBe(1);
    expect(init.stdout).toContain('DB: sqlite:///');
    expect(init.stderr.trimEnd().split('\n').at(-1)).toBe(
      'sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) unable to open database file',
    );
  });

  it('db-locked: backfill dies with database is locked, exit 1', async () => {
    const { init, r } = await scripted('db-locked');
    expect(init.code).toBe(0);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /sqlalchemy\.exc\.OperationalError: \(sqlite3\.OperationalError\) database is locked \[SQL: 'INSERT INTO job/,
    );
  });

  it('flood: at least AIRFLOW_DOUBLE_FLOOD_BYTES of log lines on stdout, then a normal success', async () => {
    const { r } = await scripted('flood', { AIRFLOW_DOUBLE_FLOOD_BYTES: String(3 * 1024 * 1024 + 17) });
    expect(r.code).toBe(0);
    const floodLines = r.stdout.split('\n').filter((l) => l.includes('flood line'));
    const bytes = floodLines.reduce((n, l) => n + l.length + 1, 0);
    expect(bytes).toBeGreaterThanOrEqual(3 * 1024 * 1024 + 17);
    expect(bytes).toBeLessThan(3 * 1024 * 1024 + 200);
    expect(r.stdout).toContain('Backfill done. Exiting.');
  });

  it('hang: blocks until SIGTERM, then dies by the signal (no handler, like Python)', async () => {
    const { home, child, done } = await hangingBackfill();
    await new Promise((r) => setTimeout(r, 150));
    expect(child.exitCode).toBeNull();
    child.kill('SIGTERM');
    const r = await done;
    expect(r.signal).toBe('SIGTERM');
    expect(r.code).toBeNull();
    expect(readFileSync(LOG(home), 'utf8')).toContain(
      "INFO - Running: ['bash', '-c', 'airflow run my_dag my_task",
    );
  });

  it('hang + SIGINT: KeyboardInterrupt traceback, exit 1', async () => {
    const { child, done } = await hangingBackfill();
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe('KeyboardInterrupt');
  });
});
