import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DAG_SOURCE, renderAirflowCfg } from '@data-pipeline/runner';
import { findRealAirflow, spawnCollecting } from '@data-pipeline/runner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN_DIR, PKG } from './helpers.js';

/*
 * The double held to the real thing: each scenario runs against packages/airflow-double and against real Apache
 * Airflow 1.8.2 (scripts/install-real-airflow.sh), and what the runner depends on must be equal: exit status,
 * stdout/stderr lines (the classifier reads them), the task log's path and lines, connection rows. Both sides get
 * the runner's own airflow.cfg and DAG file (DAG_SOURCE + JSON sidecar).
 *
 * Normalised, because legitimately different (and only this):
 * - log timestamps, the "current date" of the future-date dependency message, the temporary home and the
 *   BashOperator's `airflowtmp*` script path, `--job_id N` (row ids);
 * - Python traceback frames (`File ...` lines, their source lines, Python 3.11's `^^^^` markers): the real install
 *   runs on Python 3.11 from its own path; the double prints the Python 3.6 image's paths. The exception line that
 *   ends a traceback is compared, with the airflow package path replaced;
 * - `{jobs.py:2195} WARNING - State of this instance has been externally set to success. Taking the poison pill.`:
 *   printed by the real `--local` process only when its heartbeat wins a race with the task's exit;
 * - `connections -l`: tabulate's column padding (Debian's tabulate pads differently) and Fernet tokens (random).
 */

const found = findRealAirflow(process.env);
if ('skip' in found) console.warn(found.skip);
const REAL_BIN = 'skip' in found ? '' : found.binDir;
const RUNNER_BIN = join(PKG, '..', 'airflow-operator', 'bin', 'airflow-operator.js');

type Engine = 'real' | 'double';
const ENGINES: readonly Engine[] = ['real', 'double'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let root: string;
/** An `airflow initdb`-ed database per engine, copied into each scenario's home (initdb itself is a scenario). */
const initialised: Record<Engine, { home: string; initdb: Run }> = {} as never;

function exec(file: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
  return spawnCollecting(file, args, { env, cwd }).closed.then(({ code, stdout, stderr }) => ({
    code,
    stdout,
    stderr,
  }));
}

function pathFor(engine: Engine): string {
  return `${engine === 'real' ? REAL_BIN : BIN_DIR}:${process.env.PATH ?? ''}`;
}

/** A home laid out like the runner's (dags/, logs/, its airflow.cfg with sqlite and SequentialExecutor). */
function newHome(engine: Engine, name: string): string {
  const path = mkdtempSync(join(root, `${engine}-${name}-`));
  mkdirSync(join(path, 'dags'));
  mkdirSync(join(path, 'logs'));
  const home = {
    path,
    cfgPath: join(path, 'airflow.cfg'),
    dagsDir: join(path, 'dags'),
    logsDir: join(path, 'logs'),
    dbPath: join(path, 'airflow.db'),
    connectionsFile: join(path, 'connections.json'),
  };
  const key = `${Buffer.alloc(32, engine === 'real' ? 7 : 9).toString('base64url')}=`;
  writeFileSync(home.cfgPath, renderAirflowCfg(home, key));
  return path;
}

/** `airflow ARGS` in a home, with the environment the runner gives Airflow. */
function airflowIn(engine: Engine, home: string, args: readonly string[]): Promise<Run> {
  return exec(
    'airflow',
    args,
    {
      PATH: pathFor(engine),
      HOME: home,
      AIRFLOW_HOME: home,
      AIRFLOW_CONFIG: join(home, 'airflow.cfg'),
      AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
      PYTHONUNBUFFERED: '1',
      PYTHONDONTWRITEBYTECODE: '1',
      TMPDIR: home,
      TZ: 'UTC',
    },
    home,
  );
}

const AIRFLOW_PACKAGE = /\/\S*?\/(?:src|site-packages)\/airflow\//g;

/** The normalisation described at the top of this file, line by line. */
function normalise(text: string, home: string): string[] {
  const out: string[] = [];
  let inFrame = false;
  for (const raw of text.split('\n')) {
    let l = raw
      .split(home)
      .join('$HOME')
      .replace(/\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\]/g, '[TS]')
      .replace(/the current date is [\dT:.-]+/, 'the current date is NOW')
      .replace(/\$HOME\/airflowtmp\w+\/\/?\$HOME\/airflowtmp\w+\/\w+/, '$SCRIPT')
      .replace(/--job_id \d+/, '--job_id N')
      .replace(AIRFLOW_PACKAGE, '<airflow>/');
    const payload = l.replace(/^.*?Subtask: /, '');
    if (/^\s+File "/.test(payload)) {
      inFrame = true;
      continue;
    }
    if (inFrame && /^\s{4,}\S/.test(payload)) continue;
    inFrame = false;
    if (/^\s+[\^~]+\s*$/.test(payload)) continue;
    if (l.includes('{jobs.py:2195}')) continue;
    l = l.trimEnd();
    out.push(l);
  }
  return out;
}

interface Observed {
  code: number | null;
  stdout: string[];
  stderr: string[];
  /** Task log files relative to base_log_folder, and their lines. */
  logs: Record<string, string[]>;
}

function observe(run: Run, home: string): Observed {
  const logs: Record<string, string[]> = {};
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, name.name);
      if (name.isDirectory()) walk(full);
      else logs[relative(join(home, 'logs'), full)] = normalise(readFileSync(full, 'utf8'), home);
    }
  };
  walk(join(home, 'logs'));
  return {
    code: run.code,
    stdout: normalise(run.stdout, home),
    stderr: normalise(run.stderr, home),
    logs,
  };
}

interface RunnerDag {
  operator: string;
  kwargs: Record<string, unknown>;
  executionDate?: string;
  connections?: Record<string, unknown>[];
}

/** A fresh home with the initialised database, the runner's DAG file, sidecar and connections file. */
function runnerDagHome(engine: Engine, name: string, dag: RunnerDag): string {
  const home = newHome(engine, name);
  copyFileSync(join(initialised[engine].home, 'airflow.db'), join(home, 'airflow.db'));
  writeFileSync(join(home, 'connections.json'), JSON.stringify(dag.connections ?? []));
  writeFileSync(
    join(home, 'dags', 'diff_dag.json'),
    JSON.stringify({
      dag_id: 'diff_dag',
      task_id: 'diff_task',
      operator: dag.operator,
      kwargs: dag.kwargs,
      execution_date: dag.executionDate ?? '2018-01-10T00:00:00',
      connections_file: join(home, 'connections.json'),
    }),
  );
  writeFileSync(join(home, 'dags', 'diff_dag.py'), DAG_SOURCE);
  return home;
}

async function backfill(
  engine: Engine,
  home: string,
  date = '2018-01-10',
  dagId = 'diff_dag',
): Promise<Observed> {
  const file = join(home, 'dags', `${dagId}.py`);
  const run = await airflowIn(engine, home, ['backfill', '-s', date, '-e', date, '-sd', file, dagId]);
  return observe(run, home);
}

/** Runs a scenario on both engines at once and returns [real, double]. */
async function both<T>(scenario: (engine: Engine) => Promise<T>): Promise<[T, T]> {
  const [real, double] = await Promise.all(ENGINES.map(scenario));
  return [real as T, double as T];
}

const BASH = 'airflow.operators.bash_operator.BashOperator';

/** Cells of a fancy_grid table's data rows, trimmed (tabulate's padding normalised). */
function gridRows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('│'))
    .map((l) =>
      l
        .split('│')
        .slice(1, -1)
        .map((c) => c.trim().replace(/^'gAAAAA[\w=-]*\.\.\.[\w=-]*'$/, '<fernet token>')),
    );
}

// Real Airflow steps take seconds each and the file runs them side by side on a shared machine.
const SLOW = 240_000;

describe.skipIf('skip' in found)('the double against real Airflow 1.8.2', { timeout: SLOW }, () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'airflow-differential-'));
    await Promise.all(
      ENGINES.map(async (engine) => {
        const home = newHome(engine, 'initdb');
        initialised[engine] = { home, initdb: await airflowIn(engine, home, ['initdb']) };
      }),
    );
  }, SLOW);

  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('initdb: same stdout (DB line, db.py:287 Creating tables, Done.), same Alembic lines, exit 0', () => {
    const [real, double] = ENGINES.map((e) => observe(initialised[e].initdb, initialised[e].home));
    expect(real?.code).toBe(0);
    expect(double).toEqual(real);
    expect(real?.stdout.join('\n')).toContain('{db.py:287} INFO - Creating tables');
  });

  describe.concurrent('backfill of the runner-shaped DAG', () => {
    it('BashOperator `exit 3`: the task fails (Bash command failed), exit 1, same lines', async () => {
      const [real, double] = await both((e) =>
        backfill(
          e,
          runnerDagHome(e, 'exit3', { operator: BASH, kwargs: { bash_command: 'echo before >&2; exit 3' } }),
        ),
      );
      expect(real.code).toBe(1);
      expect(real.stderr).toContain('Some task instances failed:');
      expect(real.logs['diff_dag/diff_task/2018-01-10T00:00:00']?.join('\n')).toContain(
        'Command exited with return code 3',
      );
      expect(double).toEqual(real);
    });

    it('an operator that raises (BigQueryOperator, connection not defined): same traceback ends, exit 1', async () => {
      const [real, double] = await both((e) =>
        backfill(
          e,
          runnerDagHome(e, 'raises', {
            operator: 'airflow.contrib.operators.bigquery_operator.BigQueryOperator',
            kwargs: { bql: 'SELECT {{ ds_nodash }}', bigquery_conn_id: 'not_there' },
          }),
        ),
      );
      expect(real.code).toBe(1);
      expect(real.logs['diff_dag/diff_task/2018-01-10T00:00:00']?.join('\n')).toContain(
        "airflow.exceptions.AirflowException: The conn_id `not_there` isn't defined",
      );
      expect(double).toEqual(real);
    });

    it('a missing operator class: the DAG fails to import, dag_id could not be found, no task log', async () => {
      const [real, double] = await both((e) =>
        backfill(e, runnerDagHome(e, 'missing', { operator: `${BASH}r`, kwargs: { bash_command: 'true' } })),
      );
      expect(real.code).toBe(1);
      expect(real.logs).toEqual({});
      expect(real.stderr.filter((l) => l !== '').at(-1)).toMatch(/dag_id could not be found: diff_dag/);
      expect(double).toEqual(real);
    });

    it('a future execution date: deadlock, jobs.py:1976 warning and the final dependency checks, exit 1', async () => {
      const [real, double] = await both((e) =>
        backfill(
          e,
          runnerDagHome(e, 'future', {
            operator: BASH,
            kwargs: { bash_command: 'echo never' },
            executionDate: '2031-01-01T00:00:00',
          }),
          '2031-01-01',
        ),
      );
      expect(real.code).toBe(1);
      expect(real.stdout.join('\n')).toContain('{jobs.py:1976} WARNING - Deadlock discovered');
      expect(real.stderr.join('\n')).toContain('BackfillJob is deadlocked.');
      expect(double).toEqual(real);
    });

    it('depends_on_past on a fresh database: deadlock with the depends_on_past hint, exit 1', async () => {
      const [real, double] = await both(async (e) => {
        const home = newHome(e, 'past');
        copyFileSync(join(initialised[e].home, 'airflow.db'), join(home, 'airflow.db'));
        writeFileSync(
          join(home, 'dags', 'past_dag.py'),
          [
            'import datetime',
            'from airflow.models import DAG',
            'from airflow.operators.bash_operator import BashOperator',
            "dag = DAG('past_dag', schedule_interval='@daily', start_date=datetime.datetime(2018, 1, 1),",
            "          default_args={'owner': 'data-pipeline', 'retries': 0, 'depends_on_past': True})",
            "t = BashOperator(task_id='t', dag=dag, bash_command='echo never')",
            '',
          ].join('\n'),
        );
        return backfill(e, home, '2018-01-10', 'past_dag');
      });
      expect(real.code).toBe(1);
      expect(real.stderr.join('\n')).toContain('passing "-I" at the command line');
      expect(double).toEqual(real);
    });

    it('BashOperator echoing templated fields, connections from the DAG file and `airflow connections`: same lines, rows, exit 0', async () => {
      const template = [
        'echo hi',
        'echo "ds={{ ds }} {{ ds_nodash }} {{ ts }} {{ ts_nodash }} {{ yesterday_ds }} {{ tomorrow_ds_nodash }}"',
        'echo "ed={{ execution_date }} {{ execution_date.strftime(\'%d/%m/%Y\') }} prev={{ prev_execution_date }}"',
        "echo \"{{ macros.ds_add(ds, -3) }} {{ macros.ds_format(ds, '%Y-%m-%d', '%m/%d/%y') }} {{ ds | replace('-', '_') }}\"",
        'echo "{{ dag.dag_id }} {{ dag }} {{ task.task_id }} {{ task }} {{ task.owner }} {{ params.p }} {{ test_mode }}"',
        'echo "{{ run_id }} {{ task_instance_key_str }} {{ ti }} {{ ti.try_number }} {{ latest_date }} {{ END_DATE }}"',
        "echo \"{% for i in range(3) %}{{ i }}{% endfor %} {% if ds > '2017' %}after{% endif %} [{{ undefined_name }}] {{ '%s' % ds }} {{ ds_nodash[:6] }}\"",
        "echo \"{{ dag_run }} {{ tables }} {{ macros.datetime(2018, 1, 2).isoformat() }} {{ conf.get('core', 'executor') }} {{ macros.timedelta(days=1) }}\"",
      ].join('\n');
      const [real, double] = await both(async (e) => {
        const home = runnerDagHome(e, 'echo', {
          operator: BASH,
          kwargs: { bash_command: template, params: { p: 'from-task' } },
          connections: [
            {
              conn_id: 'bigquery_default',
              conn_type: 'google_cloud_platform',
              host: null,
              schema: null,
              login: null,
              password: null,
              port: null,
              extra: JSON.stringify({ extra__google_cloud_platform__project: 'proj-1' }),
            },
            {
              conn_id: 'my_pg',
              conn_type: 'postgres',
              host: 'db.internal',
              schema: 'wh',
              login: 'etl',
              password: 'pw-marker',
              port: 5432,
              extra: null,
            },
          ],
        });
        const run = await backfill(e, home);
        const added = await airflowIn(e, home, [
          'connections',
          '-a',
          '--conn_id',
          'gcp',
          '--conn_uri',
          'postgres://u:p%40ss@h:5432/db',
          '--conn_extra',
          '{"extra__google_cloud_platform__project": "p"}',
        ]);
        const list = await airflowIn(e, home, ['connections', '-l']);
        return { run, added: normalise(added.stdout, home), rows: gridRows(list.stdout) };
      });
      expect(real.run.code).toBe(0);
      expect(Object.keys(real.run.logs)).toEqual(['diff_dag/diff_task/2018-01-10T00:00:00']);
      const echoed = (real.run.logs['diff_dag/diff_task/2018-01-10T00:00:00'] ?? [])
        .filter((l) => l.includes('{bash_operator.py:94}'))
        .map((l) => l.replace(/^.*INFO - /, ''));
      expect(echoed).toEqual([
        'hi',
        'ds=2018-01-10 20180110 2018-01-10T00:00:00 20180110T000000 2018-01-09 20180111',
        'ed=2018-01-10 00:00:00 10/01/2018 prev=None',
        '2018-01-07 01/10/18 2018_01_10',
        'diff_dag <DAG: diff_dag> diff_task <Task(BashOperator): diff_task> data-pipeline from-task False',
        'backfill_2018-01-10T00:00:00 diff_dag__diff_task__20180110 <TaskInstance: diff_dag.diff_task 2018-01-10 00:00:00 [running]> 1 2018-01-10 2018-01-10',
        '012 after [] 2018-01-10 201801',
        '<DagRun diff_dag @ 2018-01-10 00:00:00: backfill_2018-01-10T00:00:00, externally triggered: False> None 2018-01-02T00:00:00 SequentialExecutor 1 day, 0:00:00',
      ]);
      expect(double.run).toEqual(real.run);
      expect(double.added).toEqual(real.added);
      expect(double.rows).toEqual(real.rows);
      const ours = real.rows.filter((r) => ["'gcp'", "'bigquery_default'", "'my_pg'"].includes(r[0] ?? ''));
      expect(ours.map((r) => r.slice(0, 4))).toEqual([
        ["'bigquery_default'", "'google_cloud_platform'", 'None', 'None'],
        ["'my_pg'", "'postgres'", "'db.internal'", '5432'],
        ["'gcp'", "'postgres'", "'h'", '5432'],
      ]);
    });
  });

  describe.concurrent('through the runner (airflow-operator --engine airflow)', () => {
    interface Step {
      kwargs: Record<string, unknown>;
      operator?: string;
      date?: string;
    }
    const runner = (engine: Engine, step: Step) => {
      const dir = mkdtempSync(join(root, `runner-${engine}-`));
      const scratch = join(dir, 'tmp');
      mkdirSync(scratch);
      const outputs = join(dir, 'out');
      return exec(
        process.execPath,
        [
          RUNNER_BIN,
          '--engine',
          'airflow',
          '--task-id',
          'diff_task',
          '--execution-date',
          step.date ?? '2018-01-10',
          '--outputs-dir',
          outputs,
          '--operator',
          step.operator ?? BASH,
          '--kwargs',
          JSON.stringify(step.kwargs),
        ],
        { PATH: pathFor(engine), HOME: dir, TMPDIR: scratch },
        dir,
      ).then((r) => ({
        code: r.code,
        exitClass: existsSync(join(outputs, 'exit-class'))
          ? readFileSync(join(outputs, 'exit-class'), 'utf8')
          : '',
        // The runner's one-line reason, with the temporary paths it may quote normalised.
        stderr: r.stderr
          .split(scratch)
          .join('$TMP')
          .replace(/dp-airflow-\w+/g, 'dp-airflow-X'),
        taskLogLines: r.stdout.split('\n').filter((l) => l.includes('"src":"task-log"')).length,
      }));
    };
    const cases: [string, Step, number][] = [
      ['echo hi → 0', { kwargs: { bash_command: 'echo hi' } }, 0],
      ['a missing class → 78', { kwargs: { bash_command: 'true' }, operator: `${BASH}r` }, 78],
      ['a future date (deadlock) → 78', { kwargs: { bash_command: 'true' }, date: '2031-01-01' }, 78],
    ];
    for (const [name, step, code] of cases) {
      it(name, async () => {
        const [real, double] = await both((e) => runner(e, step));
        expect(real.code, real.stderr).toBe(code);
        expect({ ...double, taskLogLines: double.taskLogLines > 0 }).toEqual({
          ...real,
          taskLogLines: real.taskLogLines > 0,
        });
      });
    }
  });
});
