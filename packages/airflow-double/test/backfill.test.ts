import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { airflow, baseEnv, cleanupHomes, LOG_LINE, makeHome, writeContractDag } from './helpers.js';

afterAll(cleanupHomes);

async function initialisedHome(extraEnv: Record<string, string> = {}) {
  const home = makeHome();
  const env = baseEnv(home, extraEnv);
  const init = await airflow(['initdb'], env);
  expect(init.code).toBe(0);
  return { home, env };
}

const taskLog = (home: string, dag: string, task: string, iso: string) =>
  readFileSync(join(home, 'logs', dag, task, iso), 'utf8');

describe.concurrent('airflow backfill', () => {
  it('runs a BigQueryOperator DAG: exact stdout lines, task log path/format, exit 0', async () => {
    const { home, env } = await initialisedHome();
    const bql = 'SELECT "{{ ds }}" AS d, \'{{ yesterday_ds_nodash }}\'\nFROM `t.{{ macros.ds_add(ds, -6) }}`';
    writeContractDag(home, { kwargs: { bql, use_legacy_sql: false } });
    const r = await airflow(
      ['backfill', '-s', '2018-01-10', '-e', '2018-01-10', '-sd', join(home, 'dags', 'my_dag.py'), 'my_dag'],
      env,
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/\{__init__\.py:57\} INFO - Using executor SequentialExecutor$/);
    expect(lines[1]).toMatch(
      new RegExp(`\\{models\\.py:168\\} INFO - Filling up the DagBag from ${home}/dags/my_dag\\.py$`),
    );
    expect(r.stdout).toContain(
      '{base_executor.py:50} INFO - Adding to queue: airflow run my_dag my_task 2018-01-10T00:00:00 --local -sd DAGS_FOLDER/my_dag.py',
    );
    expect(r.stdout).toContain(
      '{sequential_executor.py:40} INFO - Executing command: airflow run my_dag my_task 2018-01-10T00:00:00 --local -sd DAGS_FOLDER/my_dag.py',
    );
    const logPath = join(home, 'logs', 'my_dag', 'my_task', '2018-01-10T00:00:00');
    expect(lines).toContain(`Logging into: ${logPath}`);
    expect(r.stdout).toMatch(
      /\{jobs\.py:2020\} INFO - \[backfill progress\] \| finished run 1 of 1 \| tasks waiting: 0 \| succeeded: 1 \| kicked_off: 0 \| failed: 0 \| skipped: 0 \| deadlocked: 0 \| not ready: 0\n/,
    );
    expect(lines.at(-1)).toMatch(/\{jobs\.py:2065\} INFO - Backfill done\. Exiting\.$/);
    for (const l of lines) if (!l.startsWith('Logging into: ')) expect(l).toMatch(LOG_LINE);

    expect(statSync(logPath).mode & 0o777).toBe(0o666);
    expect(statSync(join(home, 'logs', 'my_dag', 'my_task')).mode & 0o777).toBe(0o775);
    const log = taskLog(home, 'my_dag', 'my_task', '2018-01-10T00:00:00').trimEnd().split('\n');
    expect(log[0]).toMatch(/\{models\.py:168\} INFO - Filling up the DagBag from .*my_dag\.py$/);
    expect(log[1]).toMatch(
      /\{base_task_runner\.py:112\} INFO - Running: \['bash', '-c', 'airflow run my_dag my_task 2018-01-10T00:00:00 --job_id \d+ --raw -sd DAGS_FOLDER\/my_dag\.py'\]$/,
    );
    const text = log.join('\n');
    expect(text).toMatch(
      /\{base_task_runner\.py:95\} INFO - Subtask: \[[^\]]+\] \{models\.py:1358\} INFO - Executing <Task\(BigQueryOperator\): my_task> on 2018-01-10 00:00:00/,
    );
    expect(text).toContain(
      '{bigquery_operator.py:76} INFO - Executing: SELECT "2018-01-10" AS d, \'20180109\'\n',
    );
    expect(text).toMatch(/INFO - Subtask: FROM `t\.2018-01-04`\n/);
    expect(text).toMatch(/Waiting for job to complete : proj-1, job_\w+/);
    expect(log.at(-1)).toMatch(/\{jobs\.py:2124\} INFO - Task exited with return code 0$/);
    expect(text).not.toContain('SECRET-KEY-MARKER');

    // Rerun in the same DB: the TI is already successful → nothing runs, exit 0, log not appended.
    const again = await airflow(['backfill', '-s', '20180110', 'my_dag'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain('Executing command');
    expect(again.stdout).toContain('succeeded: 1');
    expect(taskLog(home, 'my_dag', 'my_task', '2018-01-10T00:00:00').trimEnd().split('\n')).toHaveLength(
      log.length,
    );
  });

  it('stores connections written by the DAG file through the ORM, encrypted, listed by `connections -l`', async () => {
    const { home, env } = await initialisedHome();
    writeContractDag(home, {
      connections: [
        {
          conn_id: 'bigquery_default',
          conn_type: 'google_cloud_platform',
          extra: '{"extra__google_cloud_platform__project": "p"}',
        },
        {
          conn_id: 'pg',
          conn_type: 'postgres',
          host: 'db',
          login: 'u',
          password: 'PASSWORD-MARKER',
          port: 5432,
        },
      ],
      operator: 'airflow.operators.dummy_operator.DummyOperator',
      kwargs: {},
    });
    const r = await airflow(['backfill', '-s', '2018-01-10', 'my_dag'], env);
    expect(r.code).toBe(0);
    const db = readFileSync(join(home, 'airflow.db'), 'utf8');
    expect(db).not.toContain('PASSWORD-MARKER');
    expect(db).not.toContain('extra__google_cloud_platform__project');
    const list = await airflow(['connections', '-l'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/│ 'pg'\s+│ 'postgres'\s+│ 'db'\s+│\s*5432\s+│ True\s+│ False\s+│ None/);
    expect(list.stdout).toContain("'google_cloud_platform'");
    expect(list.stdout).not.toContain("'bigquery'    ");
    expect(list.stdout).not.toContain('PASSWORD-MARKER');
  });

  it('fails like 1.8.2 when the DB was never initialised', async () => {
    const home = makeHome();
    writeContractDag(home);
    const r = await airflow(['backfill', '-s', '2018-01-10', 'my_dag'], baseEnv(home));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Failed to import:');
    expect(r.stdout).toContain(
      'sqlalchemy.exc.OperationalError: (sqlite3.OperationalError) no such table: connection',
    );
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(
      'airflow.exceptions.AirflowException: dag_id could not be found: my_dag. Either the dag did not exist or it failed to parse.',
    );
  });

  it('without initdb and without ORM use, dies on the job table', async () => {
    const home = makeHome();
    writeContractDag(home, { connections: [] });
    const r = await airflow(['backfill', '-s', '2018-01-10', 'my_dag'], baseEnv(home));
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^sqlalchemy\.exc\.OperationalError: \(sqlite3\.OperationalError\) no such table: job \[SQL: 'INSERT INTO job /,
    );
  });

  it('reports an import error with the traceback, then dag_id could not be found', async () => {
    const { home, env } = await initialisedHome();
    writeFileSync(
      join(home, 'dags', 'broken.py'),
      'from airflow import DAG\nfrom airflow.contrib.operators.bigquery_operator import BigQueryOperatr\n',
    );
    writeFileSync(join(home, 'dags', 'ignored.py'), 'raise SystemExit("no DAG keyword here")\n');
    const r = await airflow(['backfill', '-s', '2018-01-10', 'broken'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      new RegExp(
        `\\{models\\.py:267\\} ERROR - Failed to import: ${home}/dags/broken\\.py\\nTraceback \\(most recent call last\\):`,
      ),
    );
    expect(r.stdout).toMatch(/ImportError: cannot import name 'BigQueryOperatr'/);
    expect(r.stdout).not.toContain('ignored.py');
    expect(r.stderr).toContain(
      'dag_id could not be found: broken. Either the dag did not exist or it failed to parse.',
    );
  });

  it('treats a templated string ending in .sql as a template file name, like 1.8.2', async () => {
    const { home, env } = await initialisedHome();
    writeFileSync(join(home, 'dags', 'query.sql'), 'SELECT "{{ ds_nodash }}"\n');
    writeContractDag(home, { kwargs: { bql: 'query.sql' } });
    const ok = await airflow(['backfill', '-s', '2018-01-10', 'my_dag'], env);
    expect(ok.code).toBe(0);
    expect(taskLog(home, 'my_dag', 'my_task', '2018-01-10T00:00:00')).toContain(
      'INFO - Executing: SELECT "20180110"',
    );
    writeContractDag(home, { kwargs: { bql: 'SELECT 1 -- rules in notes.sql' } });
    const bad = await airflow(['backfill', '-s', '2018-01-11', 'my_dag'], env);
    expect(bad.code).toBe(1);
    expect(taskLog(home, 'my_dag', 'my_task', '2018-01-11T00:00:00')).toContain(
      'Subtask: jinja2.exceptions.TemplateNotFound: SELECT 1 -- rules in notes.sql',
    );
  });

  it('needs -s or -e', async () => {
    const { home, env } = await initialisedHome();
    writeContractDag(home);
    const r = await airflow(['backfill', 'my_dag'], env);
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(
      'airflow.exceptions.AirflowException: Provide a start_date and/or end_date',
    );
  });

  it('walks a daily cron schedule; off-tick -s alone runs nothing (exit 0, no progress line)', async () => {
    const { home, env } = await initialisedHome();
    writeContractDag(home, {
      schedule_interval: '@daily',
      operator: 'airflow.operators.dummy_operator.DummyOperator',
      kwargs: {},
    });
    const three = await airflow(['backfill', '-s', '2018-01-10', '-e', '2018-01-12', 'my_dag'], env);
    expect(three.code).toBe(0);
    expect(readdirSync(join(home, 'logs', 'my_dag', 'my_task')).sort()).toEqual([
      '2018-01-10T00:00:00',
      '2018-01-11T00:00:00',
      '2018-01-12T00:00:00',
    ]);
    expect(three.stdout).toContain('finished run 3 of 3');
    const off = await airflow(['backfill', '-s', '2018-02-01T10:30:00', 'my_dag'], env);
    expect(off.code).toBe(0);
    expect(off.stdout).not.toContain('[backfill progress]');
    expect(off.stdout).toContain('Backfill done. Exiting.');
  });

  it('deadlocks on an execution date in the future', async () => {
    const { home, env } = await initialisedHome();
    writeContractDag(home, { operator: 'airflow.operators.dummy_operator.DummyOperator', kwargs: {} });
    const r = await airflow(['backfill', '-s', '2999-01-01', 'my_dag'], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "dependency 'Execution Date' FAILED: Execution date 2999-01-01T00:00:00 is in the future",
    );
    expect(r.stderr).toContain(
      'airflow.exceptions.AirflowException: ---------------------------------------------------\nBackfillJob is deadlocked. These tasks have succeeded:\nset()\n',
    );
    expect(r.stderr).toContain(
      ' These tasks are deadlocked:\n{<TaskInstance: my_dag.my_task 2999-01-01 00:00:00 [scheduled]>}\n',
    );
  });
});

describe.concurrent('BashOperator and templates (real bash, real Jinja2)', () => {
  const run = async (kwargs: Record<string, unknown>, extraEnv: Record<string, string> = {}) => {
    const { home, env } = await initialisedHome({ TMPDIR: makeHome(), ...extraEnv });
    writeContractDag(home, { operator: 'airflow.operators.bash_operator.BashOperator', kwargs });
    const r = await airflow(
      ['backfill', '-s', '2018-01-10', '-e', '2018-01-10', '-sd', join(home, 'dags', 'my_dag.py'), 'my_dag'],
      env,
    );
    const log = taskLog(home, 'my_dag', 'my_task', '2018-01-10T00:00:00');
    const output = log
      .split('\n')
      .filter((l) => l.includes('{bash_operator.py:94}'))
      .map((l) => l.replace(/^.*INFO - /, ''));
    return { r, log, output, tmp: env.TMPDIR as string };
  };

  it('runs the command in an airflowtmp folder, logs stripped stdout+stderr lines, removes the folder', async () => {
    const { r, log, output, tmp } = await run(
      { bash_command: 'echo "  out  "; echo err >&2; pwd; echo "$MARK"' },
      { MARK: 'inherited' },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(output.slice(0, 2)).toEqual(['out', 'err']);
    expect(output[2]).toMatch(new RegExp(`^${tmp}/airflowtmp\\w+$`));
    expect(output[3]).toBe('inherited');
    expect(log).toMatch(
      /Subtask: \[[^\]]+\] \{bash_operator\.py:71\} INFO - tmp dir root location: \n.*Subtask: /,
    );
    expect(log).toContain('{bash_operator.py:96} INFO - Command exited with return code 0');
    expect(log).toContain('{jobs.py:2124} INFO - Task exited with return code 0');
    expect(readdirSync(tmp)).toEqual(['dags']); // makeHome's folder only: the airflowtmp folder is gone
  });

  it('a non-zero exit fails the task: Bash command failed, Marking task as FAILED., exit 1', async () => {
    const { r, log } = await run({ bash_command: 'exit 3' });
    expect(r.code).toBe(1);
    expect(log).toContain('{bash_operator.py:96} INFO - Command exited with return code 3');
    expect(log).toContain('airflow.exceptions.AirflowException: Bash command failed');
    expect(log).toContain('Marking task as FAILED.');
    expect(r.stderr).toContain('Some task instances failed:');
  });

  it('an env kwarg replaces the environment, rendered like every templated field', async () => {
    const { r, output } = await run(
      { bash_command: 'echo "[$MARK] [$DAY]"', env: { DAY: '{{ ds_nodash }}' } },
      { MARK: 'inherited' },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(output).toEqual(['[] [20180110]']);
  });

  it('renders with Jinja2 and the 1.8.2 context: filters, blocks, macros, dag/task/ti/params', async () => {
    const { r, output } = await run({
      bash_command: [
        "echo \"{{ ds | replace('-', '/') }} {% for i in range(2) %}{{ i }}{% endfor %} {{ macros.ds_format(ds, '%Y-%m-%d', '%d.%m.%Y') }}\"",
        'echo "{{ execution_date.strftime(\'%A\') }} {{ dag.dag_id }} {{ task.owner }} {{ ti.try_number }} {{ params.x }} {{ prev_execution_date }}"',
      ].join('\n'),
      params: { x: 'px' },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(output).toEqual(['2018/01/10 01 10.01.2018', 'Wednesday my_dag data-pipeline 1 px None']);
  });

  it('a template error is raised inside the task (UndefinedError), exit 1', async () => {
    const { r, log } = await run({ bash_command: 'echo {{ macros.nope(ds) }}' });
    expect(r.code).toBe(1);
    expect(log).toMatch(/jinja2\.exceptions\.UndefinedError: .*nope/);
    expect(log).toContain('Marking task as FAILED.');
    expect(log).not.toContain('{bash_operator.py:81}');
  });

  it('-dr logs the rendered fields (no DagRun yet: run_id None) and runs nothing', async () => {
    const { home, env } = await initialisedHome();
    writeContractDag(home, {
      operator: 'airflow.operators.bash_operator.BashOperator',
      kwargs: { bash_command: 'echo {{ ds_nodash }} {{ run_id }} {{ ti.try_number }}' },
    });
    const r = await airflow(
      ['backfill', '-s', '2018-01-10', '-dr', '-sd', join(home, 'dags', 'my_dag.py'), 'my_dag'],
      env,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      /\{models\.py:1559\} INFO - Rendering template for bash_command\n.*\{models\.py:1560\} INFO - echo 20180110 None 0\n/,
    );
    expect(r.stdout).not.toContain('Executing command');
  });

  it('a command ending in .sh is a template file name: TemplateNotFound when missing', async () => {
    const { r, log } = await run({ bash_command: 'run_me.sh' });
    expect(r.code).toBe(1);
    expect(log).toContain('jinja2.exceptions.TemplateNotFound: run_me.sh');
  });
});
