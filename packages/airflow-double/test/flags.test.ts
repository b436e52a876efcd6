import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { airflow, baseEnv, cleanupHomes, makeHome, writeContractDag } from './helpers.js';

afterAll(cleanupHomes);

const CHAIN = `
from datetime import datetime
from airflow import DAG
from airflow.operators.dummy_operator import DummyOperator
from airflow.operators.python_operator import PythonOperator
dag = DAG('chain', schedule_interval='@daily', start_date=datetime(2018, 1, 1))
extract = DummyOperator(task_id='extract', dag=dag)
load = PythonOperator(task_id='load', python_callable=print, dag=dag)
report = DummyOperator(task_id='report', dag=dag, depends_on_past=True)
extract >> load >> report
`;

async function chainHome() {
  const home = makeHome();
  const env = baseEnv(home);
  await airflow(['initdb'], env);
  writeFileSync(join(home, 'dags', 'chain.py'), CHAIN);
  return { home, env };
}

const ran = (home: string) =>
  existsSync(join(home, 'logs', 'chain'))
    ? readdirSync(join(home, 'logs', 'chain'))
        .flatMap((t) => readdirSync(join(home, 'logs', 'chain', t)).map((f) => `${t}@${f.slice(0, 10)}`))
        .sort()
    : [];

describe.concurrent('backfill flags', () => {
  it('runs a chain in topological order across iterations; depends_on_past deadlocks a fresh DB unless -I', async () => {
    const { home, env } = await chainHome();
    const r = await airflow(['backfill', '-s', '2018-01-10', 'chain'], env);
    expect(r.code).toBe(1);
    expect(r.stdout.indexOf('Executing command: airflow run chain extract')).toBeLessThan(
      r.stdout.indexOf('Executing command: airflow run chain load'),
    );
    expect(r.stderr).toContain(
      'BackfillJob is deadlocked.Some of the deadlocked tasks were unable to run because of "depends_on_past"',
    );
    expect(r.stderr).toContain(
      "These tasks have succeeded:\n{('chain', 'extract', datetime.datetime(2018, 1, 10, 0, 0)), ('chain', 'load', datetime.datetime(2018, 1, 10, 0, 0))}",
    );
    expect(readFileSync(join(home, 'logs', 'chain', 'load', '2018-01-10T00:00:00'), 'utf8')).toContain(
      '{python_operator.py:81} INFO - Done. Returned value was: None',
    );
    const withI = await airflow(['backfill', '-s', '2018-01-10', '-I', 'chain'], env);
    expect(withI.code).toBe(0);
    expect(withI.stdout).toContain(
      'Executing command: airflow run chain report 2018-01-10T00:00:00 -I --local -sd DAGS_FOLDER/chain.py',
    );
    // the next day now finds its previous TI successful
    const next = await airflow(['backfill', '-s', '2018-01-11', 'chain'], env);
    expect(next.code).toBe(0);
    expect(ran(home)).toEqual([
      'extract@2018-01-10',
      'extract@2018-01-11',
      'load@2018-01-10',
      'load@2018-01-11',
      'report@2018-01-10',
      'report@2018-01-11',
    ]);
  });

  it('-t selects tasks plus upstream; -i drops upstream and task deps; -t matching nothing runs nothing', async () => {
    const { home, env } = await chainHome();
    const r = await airflow(['backfill', '-s', '2018-01-10', '-t', '^lo', 'chain'], env);
    expect(r.code).toBe(0);
    expect(ran(home)).toEqual(['extract@2018-01-10', 'load@2018-01-10']);
    const i = await airflow(['backfill', '-s', '2018-01-12', '-t', 'rep', '-i', 'chain'], env);
    expect(i.code).toBe(0);
    expect(i.stdout).toContain('airflow run chain report 2018-01-12T00:00:00 -i --local');
    expect(ran(home)).toContain('report@2018-01-12');
    expect(ran(home)).not.toContain('load@2018-01-12');
    const none = await airflow(['backfill', '-s', '2018-01-13', '-t', 'zzz', 'chain'], env);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain('Backfill done. Exiting.');
  });

  it('-m marks success without executing; -dr renders and runs nothing', async () => {
    const { home, env } = await chainHome();
    const m = await airflow(['backfill', '-s', '2018-01-10', '-m', '-I', 'chain'], env);
    expect(m.code).toBe(0);
    expect(m.stdout).toContain('--mark_success');
    expect(readFileSync(join(home, 'logs', 'chain', 'load', '2018-01-10T00:00:00'), 'utf8')).not.toContain(
      'Done. Returned value',
    );
    const dr = await airflow(['backfill', '-s', '2018-01-11', '-dr', 'chain'], env);
    expect(dr.code).toBe(0);
    expect(dr.stdout).toContain('Dry run of DAG chain on 2018-01-11 00:00:00\nTask extract\n');
    expect(ran(home)).not.toContain('extract@2018-01-11');
  });
});

describe('BigQuery connection checks (1.8.2 hook behaviour)', () => {
  let argvLog = '';
  const results: Record<string, { code: number | null; log: string }> = {};
  beforeAll(async () => {
    const home = makeHome();
    argvLog = join(home, 'argv.jsonl');
    const env = baseEnv(home, {
      AIRFLOW_DOUBLE_ARGV_LOG: argvLog,
      AIRFLOW_CONN_FROM_ENV: 'google-cloud-platform://',
    });
    await airflow(['initdb'], env);
    const key = join(home, 'key.json');
    const cases: Record<string, Record<string, unknown>> = {
      missing: { bigquery_conn_id: 'nope' },
      envOnly: { bigquery_conn_id: 'from_env' },
      noScope: { bigquery_conn_id: 'no_scope' },
      p12: { bigquery_conn_id: 'p12' },
      badTable: { bigquery_conn_id: 'bigquery_default', destination_dataset_table: 'a:b.c.d' },
    };
    const conns = [
      {
        conn_id: 'no_scope',
        conn_type: 'google_cloud_platform',
        extra: JSON.stringify({
          extra__google_cloud_platform__project: 'p',
          extra__google_cloud_platform__key_path: key,
        }),
      },
      {
        conn_id: 'p12',
        conn_type: 'google_cloud_platform',
        extra: JSON.stringify({
          extra__google_cloud_platform__project: 'p',
          extra__google_cloud_platform__key_path: '/k.p12',
        }),
      },
      {
        conn_id: 'bigquery_default',
        conn_type: 'google_cloud_platform',
        password: 'CONN-PASSWORD-MARKER',
        extra: JSON.stringify({
          extra__google_cloud_platform__project: 'p',
          extra__google_cloud_platform__key_path: key,
          extra__google_cloud_platform__scope: 's',
        }),
      },
    ];
    for (const [name, kwargs] of Object.entries(cases)) {
      const dagId = `dag_${name}`;
      writeContractDag(home, { dag_id: dagId, connections: conns, kwargs: { bql: 'SELECT 1', ...kwargs } });
      const r = await airflow(
        ['backfill', '-s', '2018-01-10', '-sd', join(home, 'dags', `${dagId}.py`), dagId],
        env,
      );
      results[name] = {
        code: r.code,
        log: readFileSync(join(home, 'logs', dagId, 'my_task', '2018-01-10T00:00:00'), 'utf8'),
      };
    }
  });

  it.each([
    ['missing', "Subtask: airflow.exceptions.AirflowException: The conn_id `nope` isn't defined"],
    ['envOnly', 'Subtask: oauth2client.client.ApplicationDefaultCredentialsError'],
    [
      'noScope',
      'Subtask: airflow.exceptions.AirflowException: Scope should be defined when using a key file.',
    ],
    [
      'p12',
      'Subtask: airflow.exceptions.AirflowException: Legacy P12 key file are not supported, use a JSON key file.',
    ],
    ['badTable', 'Subtask: Exception: Use either : or . to specify project'],
  ])('%s → task fails with the hook error', (name, text) => {
    expect(results[name]?.code).toBe(1);
    expect(results[name]?.log).toContain(text);
  });

  it('never puts key content or passwords in argv, logs or the DB', () => {
    const argv = readFileSync(argvLog, 'utf8');
    expect(argv).toContain('"kind":"simulated-child"');
    expect(argv).toContain('"kind":"child"');
    for (const text of [argv, ...Object.values(results).map((r) => r.log)]) {
      expect(text).not.toContain('SECRET-KEY-MARKER');
      expect(text).not.toContain('CONN-PASSWORD-MARKER');
    }
  });
});
