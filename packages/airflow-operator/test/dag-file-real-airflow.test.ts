import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { expectStepFailure, readOutputsIfAny } from '@data-pipeline/operator-testing';
import { EXIT_CODES } from '@data-pipeline/runner';
import { findRealAirflow, jsonRecords, spawnCollecting } from '@data-pipeline/runner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessWatch, type SeenProcess } from './support/process-watch.js';

// DAG-file mode against the REAL Apache Airflow 1.8.2: the real bin runs one task of an unmodified DAG file —
// Airflow's own example DAGs (copied from the real installation, untouched) and a small DAG file written below for
// what they do not cover (params, default_args, callbacks, attempts, a sibling module, a signal). Runs go at most
// three at a time (each is two Python start-ups of Airflow, ≈ 4–6 s of CPU); one warm-up run first publishes the
// database template, which every later run copies instead of running `airflow initdb`.
const found = findRealAirflow(process.env);
if ('skip' in found) console.warn(found.skip);
const real = 'skip' in found ? undefined : found;

const BIN = join(import.meta.dirname, '..', 'bin', 'airflow-operator.js');
const DATE = '2026-12-06';
const LONG = 600_000;
/** The password of the connection every run gets from --connections-dir: never in any argv, log, stderr or output. */
const SECRET = 'PWdagfile-6e2c9a4b1d';

/** Where the real installation keeps 1.8.2's example DAGs (scripts/install-real-airflow.sh: PREFIX/src/airflow). */
function exampleDagsOf(binDir: string): string | undefined {
  const dir = join(dirname(binDir), 'src', 'airflow', 'example_dags');
  return existsSync(join(dir, 'tutorial.py')) ? dir : undefined;
}

/** The user's own DAG file (with a sibling module): what the example DAGs do not show. */
const TIER_DAG = `import datetime
import hashlib
import json
import logging
import os

from airflow import DAG
from airflow.hooks.base_hook import BaseHook
from airflow.operators.bash_operator import BashOperator
from airflow.operators.python_operator import PythonOperator

from dp_tier_helpers import record_callback


default_args = {
    'owner': 'tier-owner',
    'start_date': datetime.datetime(2026, 1, 1),
    'retries': 1,
    'retry_delay': datetime.timedelta(minutes=5),
    'on_success_callback': record_callback('success'),
    'on_failure_callback': record_callback('failure'),
    'on_retry_callback': record_callback('retry'),
}

dag = DAG(
    'dp_tier_dag',
    default_args=default_args,
    schedule_interval='@daily',
    params={'who': 'dag-params', 'where': 'dag-params'},
)

templated = BashOperator(
    task_id='templated',
    bash_command=(
        'echo "TPL who={{ params.who }} where={{ params.where }} ds={{ ds }} next={{ macros.ds_add(ds, 1) }} '
        'run={{ dag_run.run_id }} owner={{ task.owner }} try={{ ti.try_number }}"'
    ),
    params={'where': 'task-params'},
    dag=dag,
)


def _raise():
    raise ValueError('boom-42 from the DAG file')


raises = PythonOperator(task_id='raises', python_callable=_raise, dag=dag)
raises.set_upstream(templated)

def _report_connection():
    conn = BaseHook.get_connection('tier_conn')
    logging.info('CONNECTION host=%s login=%s schema=%s password_sha256=%s', conn.host, conn.login, conn.schema,
                 hashlib.sha256(conn.password.encode('utf-8')).hexdigest())
    logging.info('ECHO the password is %s', conn.password)


conn_report = PythonOperator(task_id='conn_report', python_callable=_report_connection, dag=dag)

sleeper = BashOperator(task_id='sleeper', bash_command='echo sleeper-$((1+1)); sleep 120', dag=dag)
`;

const TIER_HELPERS = `import json
import os


def record_callback(name):
    def callback(context):
        ti = context['ti']
        with open(os.environ['DP_TIER_CALLBACKS'], 'a') as handle:
            handle.write(json.dumps({
                'callback': name,
                'task_id': ti.task_id,
                'try_number': ti.try_number,
                'state': ti.state,
                'run_id': context['dag_run'].run_id if context.get('dag_run') else None,
            }) + '\\n')
    return callback
`;

interface Scenario {
  /** `examples/<file>` or `tier/<file>`. */
  readonly file: string;
  readonly dagId: string;
  readonly taskId: string;
  readonly date?: string;
  readonly args?: readonly string[];
  /** The `xcom` outputs of these scenarios become `--xcom-in` values (in this order). */
  readonly xcomFrom?: readonly Name[];
  /** Send this signal to the runner once the task's `process` (an argv) runs. */
  readonly signal?: { name: NodeJS.Signals; process: string };
}

const SCENARIOS = {
  printDate: { file: 'examples/tutorial.py', dagId: 'tutorial', taskId: 'print_date' },
  tutorialTemplated: { file: 'examples/tutorial.py', dagId: 'tutorial', taskId: 'templated' },
  pythonOperator: {
    file: 'examples/example_python_operator.py',
    dagId: 'example_python_operator',
    taskId: 'print_the_context',
  },
  push: { file: 'examples/example_xcom.py', dagId: 'example_xcom', taskId: 'push' },
  pushByReturning: { file: 'examples/example_xcom.py', dagId: 'example_xcom', taskId: 'push_by_returning' },
  puller: {
    file: 'examples/example_xcom.py',
    dagId: 'example_xcom',
    taskId: 'puller',
    xcomFrom: ['push', 'pushByReturning'],
  },
  pullerMissingOne: {
    file: 'examples/example_xcom.py',
    dagId: 'example_xcom',
    taskId: 'puller',
    xcomFrom: ['push'],
    args: ['--xcom-in', ''],
  },
  branching: {
    file: 'examples/example_branch_operator.py',
    dagId: 'example_branch_operator',
    taskId: 'branching',
  },
  shortCircuitFalse: {
    file: 'examples/example_short_circuit_operator.py',
    dagId: 'example_short_circuit_operator',
    taskId: 'condition_is_False',
  },
  shortCircuitTrue: {
    file: 'examples/example_short_circuit_operator.py',
    dagId: 'example_short_circuit_operator',
    taskId: 'condition_is_True',
  },
  latestOnly: { file: 'examples/example_latest_only.py', dagId: 'latest_only', taskId: 'latest_only' },
  skipOperator: {
    file: 'examples/example_skip_dag.py',
    dagId: 'example_skip_dag',
    taskId: 'skip_operator_1',
  },
  trigger: {
    file: 'examples/example_trigger_controller_dag.py',
    dagId: 'example_trigger_controller_dag',
    taskId: 'test_trigger_dagrun',
  },
  subdag: {
    file: 'examples/example_subdag_operator.py',
    dagId: 'example_subdag_operator',
    taskId: 'section-1',
  },
  tierTemplated: { file: 'tier/dp_tier_dag.py', dagId: 'dp_tier_dag', taskId: 'templated' },
  tierRetry: { file: 'tier/dp_tier_dag.py', dagId: 'dp_tier_dag', taskId: 'raises' },
  tierLastAttempt: {
    file: 'tier/dp_tier_dag.py',
    dagId: 'dp_tier_dag',
    taskId: 'raises',
    args: ['--try-number', '1'],
  },
  connection: { file: 'tier/dp_tier_dag.py', dagId: 'dp_tier_dag', taskId: 'conn_report' },
  futureDate: { file: 'tier/dp_tier_dag.py', dagId: 'dp_tier_dag', taskId: 'templated', date: '2099-01-01' },
  sigterm: {
    file: 'tier/dp_tier_dag.py',
    dagId: 'dp_tier_dag',
    taskId: 'sleeper',
    signal: { name: 'SIGTERM', process: 'sleep 120' },
  },
  syntaxError: { file: 'tier/broken_syntax.py', dagId: 'x', taskId: 'y' },
  missingImport: { file: 'tier/missing_import.py', dagId: 'x', taskId: 'y' },
  unknownDag: { file: 'examples/tutorial.py', dagId: 'no_such_dag', taskId: 'print_date' },
  unknownTask: { file: 'examples/tutorial.py', dagId: 'tutorial', taskId: 'no_such_task' },
} satisfies Record<string, Scenario>;

type Name = keyof typeof SCENARIOS;

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  records: Array<Record<string, unknown> & { msg: string }>;
  outputs: Record<string, string>;
  processes: SeenProcess[];
  tmpLeft: string[];
  callbacks: Array<Record<string, unknown>>;
  afterSignalMs?: number;
}

let root: string;
let examples: string;
let tierDir: string;
let cacheDir: string;
let connectionsDir: string;
let dagTreeBefore: string[];
const watch = new ProcessWatch();
const runs = new Map<Name, Promise<RunResult>>();

/** Every path under the DAG folders: nothing may be added (no .pyc, no lock, no log) by a run. */
function dagTree(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      out.push(relative(root, p));
      if (e.isDirectory()) walk(p);
    }
  };
  walk(examples);
  walk(tierDir);
  return out.sort();
}

function writeFixtures(binDir: string): void {
  root = mkdtempSync(join(tmpdir(), 'airflow-operator-dagfile-'));
  const source = exampleDagsOf(binDir);
  if (!source) throw new Error(`no example_dags next to ${binDir}`);
  examples = join(root, 'examples');
  cpSync(source, examples, { recursive: true, filter: (p) => !p.includes('__pycache__') });
  tierDir = join(root, 'tier');
  mkdirSync(tierDir);
  writeFileSync(join(tierDir, 'dp_tier_dag.py'), TIER_DAG);
  writeFileSync(join(tierDir, 'dp_tier_helpers.py'), TIER_HELPERS);
  writeFileSync(join(tierDir, 'broken_syntax.py'), 'from airflow import DAG\ndag = DAG(\n');
  writeFileSync(
    join(tierDir, 'missing_import.py'),
    'from airflow import DAG\nimport dp_tier_no_such_module\n',
  );
  cacheDir = join(root, 'cache');
  mkdirSync(cacheDir);
  connectionsDir = join(root, 'connections');
  mkdirSync(connectionsDir, { mode: 0o700 });
  writeFileSync(join(connectionsDir, 'tier_conn'), `postgres://etl:${SECRET}@db.internal:5432/warehouse`, {
    mode: 0o600,
  });
  dagTreeBefore = dagTree();
}

async function runScenario(name: Name, airflowBinDir: string): Promise<RunResult> {
  const s: Scenario = SCENARIOS[name];
  const dir = join(root, 'runs', name);
  const scratch = join(dir, 'tmp');
  mkdirSync(scratch, { recursive: true });
  const outputs = join(dir, 'outputs');
  const callbacksFile = join(dir, 'callbacks.jsonl');
  const xcomIn: string[] = [];
  for (const from of s.xcomFrom ?? []) {
    const upstream = await run(from);
    xcomIn.push('--xcom-in', upstream.outputs.xcom ?? '');
  }
  const args = [
    BIN,
    '--dag-file',
    join(root, s.file),
    '--dag-id',
    s.dagId,
    '--task-id',
    s.taskId,
    '--execution-date',
    s.date ?? DATE,
    '--outputs-dir',
    outputs,
    '--connections-dir',
    connectionsDir,
    ...xcomIn,
    ...(s.args ?? []),
  ];
  const { child, closed } = spawnCollecting(process.execPath, args, {
    env: {
      PATH: `${airflowBinDir}:${process.env.PATH}`,
      HOME: dir,
      // One template cache for the whole file: the warm-up run publishes it, the others copy it.
      XDG_CACHE_HOME: cacheDir,
      TMPDIR: scratch,
      DP_TIER_CALLBACKS: callbacksFile,
      DP_KILL_GRACE_PERIOD: '10',
    },
  });
  const tracked = watch.track(child.pid as number);
  let signalledAt: number | undefined;
  const poll = s.signal
    ? setInterval(() => {
        if (
          s.signal &&
          signalledAt === undefined &&
          tracked.seen().some((p) => p.argvs.some((a) => a.join(' ') === s.signal?.process))
        ) {
          signalledAt = Date.now();
          child.kill(s.signal.name);
        }
      }, 200)
    : undefined;
  const { code, stdout, stderr } = await closed;
  if (poll) clearInterval(poll);
  const processes = tracked.stop();
  return {
    code,
    stdout,
    stderr,
    records: jsonRecords<Record<string, unknown> & { msg: string }>(stdout),
    outputs: readOutputsIfAny(outputs),
    processes,
    tmpLeft: readdirSync(scratch),
    callbacks: existsSync(callbacksFile)
      ? readFileSync(callbacksFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
      : [],
    ...(signalledAt === undefined ? {} : { afterSignalMs: Date.now() - signalledAt }),
  };
}

function run(name: Name): Promise<RunResult> {
  const r = runs.get(name);
  if (!r) throw new Error(`scenario ${name} was not started`);
  return r;
}

/** At most `limit` runs at once (the machine is shared); each starts when a slot frees. */
function limiter(limit: number): <T>(job: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (job) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await job();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

const taskLog = (r: RunResult): string[] => r.records.filter((x) => x.src === 'task-log').map((x) => x.msg);

function expectSuccess(r: RunResult, state: 'success' | 'skipped', skipped: string[] = []): void {
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toBe('');
  expect(r.outputs['exit-class']).toBe('success');
  expect(r.outputs['exit-code']).toBe('0');
  expect(r.outputs.state).toBe(state);
  expect(JSON.parse(r.outputs.skipped as string)).toEqual(skipped);
  expect(r.tmpLeft, 'the private AIRFLOW_HOME must be removed').toEqual([]);
}

function expectFailure(r: RunResult, code: number, pattern: RegExp): void {
  expectStepFailure(r, 'airflow-operator', code, pattern, /Traceback|\n\s+at .*:\d+:\d+/);
  expect(Object.keys(r.outputs).sort()).toEqual([
    'exit-class',
    'exit-code',
    'skipped',
    'state',
    'triggered',
    'xcom',
  ]);
  expect(r.tmpLeft, 'the private AIRFLOW_HOME must be removed').toEqual([]);
}

interface XcomRow {
  dag_id: string;
  task_id: string;
  key: string;
  value: unknown;
  pickle: string;
}
const xcomOf = (r: RunResult): XcomRow[] => JSON.parse(r.outputs.xcom as string);

describe.skipIf(!real)('airflow-operator --dag-file against the real Apache Airflow 1.8.2', () => {
  beforeAll(() => {
    const binDir = (real as { binDir: string }).binDir;
    writeFixtures(binDir);
    watch.start();
    const slot = limiter(3);
    const start = (name: Name, after?: Promise<unknown>) => {
      const p = (async () => {
        await after?.catch(() => undefined);
        return slot(() => runScenario(name, binDir));
      })();
      p.catch(() => {}); // awaited (and reported) by its test
      runs.set(name, p);
    };
    start('printDate');
    const warm = runs.get('printDate');
    for (const name of Object.keys(SCENARIOS) as Name[]) if (name !== 'printDate') start(name, warm);
  }, LONG);

  afterAll(async () => {
    await Promise.allSettled(runs.values());
    watch.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it(
    'tutorial print_date → 0, state success, the task log harvested, the home removed',
    async () => {
      const r = await run('printDate');
      expectSuccess(r, 'success');
      expect(JSON.parse(r.outputs.xcom as string)).toEqual([]);
      const log = taskLog(r);
      expect(log.some((l) => l.includes('Running command: date'))).toBe(true);
      // tutorial's default_args (retries: 1) are the task's own.
      expect(log.some((l) => l.includes('Starting attempt 1 of 2'))).toBe(true);
      expect(r.records.at(-1)).toMatchObject({ msg: 'done', exit_class: 'success', exit_code: 0 });
      expect(r.records.some((x) => Array.isArray(x.argv) && (x.argv as string[]).includes('--local'))).toBe(
        true,
      );
    },
    LONG,
  );

  it(
    "tutorial templated: the file's Jinja template with ds, macros.ds_add and its params",
    async () => {
      const r = await run('tutorialTemplated');
      expectSuccess(r, 'success');
      const out = taskLog(r).map((l) => l.replace(/^.* INFO - /, ''));
      expect(out.filter((l) => l === '2026-12-06')).toHaveLength(5);
      expect(out.filter((l) => l === '2026-12-13')).toHaveLength(5);
      expect(out.filter((l) => l === 'Parameter I passed in')).toHaveLength(5);
    },
    LONG,
  );

  it(
    'example_python_operator print_the_context → 0, its return value pushed as the return_value XCom',
    async () => {
      const r = await run('pythonOperator');
      expectSuccess(r, 'success');
      expect(xcomOf(r)).toEqual([
        expect.objectContaining({
          dag_id: 'example_python_operator',
          task_id: 'print_the_context',
          key: 'return_value',
          value: 'Whatever you return gets printed in the logs',
        }),
      ]);
      // `print(ds)` on the task process stdout, which 1.8.2 logs line by line as `Subtask: …`.
      expect(taskLog(r).some((l) => /Subtask: 2026-12-06$/.test(l))).toBe(true);
    },
    LONG,
  );

  it(
    'example_xcom: push and push_by_returning output their rows; puller fed both through --xcom-in passes its asserts',
    async () => {
      const push = await run('push');
      expectSuccess(push, 'success');
      expect(xcomOf(push)).toEqual([
        expect.objectContaining({ task_id: 'push', key: 'value from pusher 1', value: [1, 2, 3] }),
      ]);
      const byReturning = await run('pushByReturning');
      expectSuccess(byReturning, 'success');
      expect(xcomOf(byReturning)).toEqual([
        expect.objectContaining({ task_id: 'push_by_returning', key: 'return_value', value: { a: 'b' } }),
      ]);
      const puller = await run('puller');
      expectSuccess(puller, 'success');
      // The rows it received are passed on, byte for byte (the pickles round-trip).
      const rows = xcomOf(puller);
      expect(rows.map((x) => [x.task_id, x.key, x.pickle])).toEqual([
        ['push', 'value from pusher 1', xcomOf(push)[0]?.pickle],
        ['push_by_returning', 'return_value', xcomOf(byReturning)[0]?.pickle],
      ]);
    },
    LONG,
  );

  it(
    "a task whose Python raises (puller without push_by_returning's row: AssertionError) → 1, state failed",
    async () => {
      const r = await run('pullerMissingOne');
      expectFailure(r, EXIT_CODES['task-failed'], /the task failed: AssertionError \(state failed\)$/);
      expect(r.outputs.state).toBe('failed');
      expect(xcomOf(r).map((x) => x.task_id)).toEqual(['push']);
    },
    LONG,
  );

  it(
    'example_branch_operator branching → 0, `skipped` = the three branches not followed',
    async () => {
      const r = await run('branching');
      const followed = taskLog(r)
        .map((l) => /Following branch (branch_[a-d])$/.exec(l)?.[1])
        .find(Boolean);
      expect(followed).toMatch(/^branch_[a-d]$/);
      const others = ['branch_a', 'branch_b', 'branch_c', 'branch_d'].filter((b) => b !== followed);
      expectSuccess(r, 'success', others);
    },
    LONG,
  );

  it(
    'example_short_circuit_operator: condition_is_False skips everything downstream, condition_is_True nothing',
    async () => {
      expectSuccess(await run('shortCircuitFalse'), 'success', ['false_1', 'false_2']);
      expectSuccess(await run('shortCircuitTrue'), 'success', []);
    },
    LONG,
  );

  it(
    'example_latest_only: an old date is not the latest run → latest_only skips task1',
    async () => {
      const r = await run('latestOnly');
      expectSuccess(r, 'success', ['task1']);
      expect(taskLog(r).some((l) => l.includes('Not latest execution, skipping downstream.'))).toBe(true);
    },
    LONG,
  );

  it(
    'example_skip_dag: a task raising AirflowSkipException → 0 with state skipped',
    async () => {
      expectSuccess(await run('skipOperator'), 'skipped', []);
    },
    LONG,
  );

  it(
    "example_subdag_operator section-1: the SubDagOperator step runs its sub-DAG's five tasks inside the step",
    async () => {
      const r = await run('subdag');
      expectSuccess(r, 'success');
      const log = taskLog(r);
      expect(log.some((l) => /\[backfill progress\].*succeeded: 5 .*failed: 0/.test(l))).toBe(true);
      expect(log.some((l) => l.includes('Backfill done. Exiting.'))).toBe(true);
      // Their logs follow the step's own, each record with the sub-DAG's id and the task's.
      const subLogs = r.records.filter(
        (x) => x.src === 'task-log' && x.dag_id === 'example_subdag_operator.section-1',
      );
      expect(new Set(subLogs.map((x) => x.task_id))).toEqual(
        new Set([1, 2, 3, 4, 5].map((i) => `section-1-task-${i}`)),
      );
      // The sub-DAG's tasks ran as their own Airflow processes from the same generated DAG file.
      expect(
        r.processes.some((p) =>
          p.argvs.some((a) =>
            /airflow run example_subdag_operator\.section-1 section-1-task-1 /.test(a.join(' ')),
          ),
        ),
      ).toBe(true);
    },
    LONG,
  );

  it(
    "example_trigger_controller_dag: TriggerDagRunOperator finds its target in the DAG file's folder; `triggered` names the run",
    async () => {
      const r = await run('trigger');
      expectSuccess(r, 'success');
      expect(JSON.parse(r.outputs.triggered as string)).toEqual([
        {
          dag_id: 'example_trigger_target_dag',
          run_id: expect.stringMatching(/^trig__\d{4}-/),
          conf: { message: 'Hello World' },
        },
      ]);
    },
    LONG,
  );

  it(
    'a DAG file of our own: DAG and task params, default_args, dag_run (a backfill run id), on_success_callback',
    async () => {
      const r = await run('tierTemplated');
      expectSuccess(r, 'success');
      const rendered = taskLog(r).filter((l) => /INFO - TPL /.test(l));
      expect(rendered).toHaveLength(1);
      expect(rendered[0]).toMatch(
        /INFO - TPL who=dag-params where=task-params ds=2026-12-06 next=2026-12-07 run=backfill_2026-12-06T00:00:00 owner=tier-owner try=1$/,
      );
      expect(r.callbacks).toEqual([
        {
          callback: 'success',
          task_id: 'templated',
          try_number: 1,
          state: 'success',
          run_id: 'backfill_2026-12-06T00:00:00',
        },
      ]);
    },
    LONG,
  );

  it(
    'a raising task with retries: attempt 0 → up_for_retry + on_retry_callback, --try-number 1 → failed + on_failure_callback',
    async () => {
      const retry = await run('tierRetry');
      expectFailure(
        retry,
        EXIT_CODES['task-failed'],
        /the task failed: ValueError: boom-42 from the DAG file \(state up_for_retry\)$/,
      );
      expect(retry.outputs.state).toBe('up_for_retry');
      expect(retry.callbacks).toMatchObject([{ callback: 'retry', task_id: 'raises', try_number: 1 }]);
      const last = await run('tierLastAttempt');
      expectFailure(
        last,
        EXIT_CODES['task-failed'],
        /the task failed: ValueError: boom-42 from the DAG file \(state failed\)$/,
      );
      expect(last.outputs.state).toBe('failed');
      expect(last.callbacks).toMatchObject([{ callback: 'failure', task_id: 'raises', try_number: 2 }]);
    },
    LONG,
  );

  it(
    "a connection from --connections-dir reaches the DAG file's task through BaseHook, its careless echo redacted",
    async () => {
      const r = await run('connection');
      expectSuccess(r, 'success');
      const sha = createHash('sha256').update(SECRET).digest('hex');
      const log = taskLog(r);
      expect(
        log.some((l) =>
          l.endsWith(`CONNECTION host=db.internal login=etl schema=warehouse password_sha256=${sha}`),
        ),
      ).toBe(true);
      expect(log.some((l) => l.endsWith('ECHO the password is ***'))).toBe(true);
    },
    LONG,
  );

  it(
    'no run put the password in any argv (every descendant process), log line, stderr or output file',
    async () => {
      const all = await Promise.all([...runs.values()]);
      const argvs = all.flatMap((r) => [
        ...r.processes.flatMap((p) => p.argvs.map((a) => a.join(' '))),
        ...r.records.filter((x) => Array.isArray(x.argv)).map((x) => (x.argv as string[]).join(' ')),
      ]);
      expect(argvs.some((a) => /airflow run .* --raw/.test(a))).toBe(true);
      for (const a of argvs) expect(a).not.toContain(SECRET);
      for (const r of all) {
        expect(r.stdout).not.toContain(SECRET);
        expect(r.stderr).not.toContain(SECRET);
        expect(JSON.stringify(r.outputs)).not.toContain(SECRET);
      }
    },
    LONG,
  );

  it(
    'a date in the future: the task does not run → 78, state none',
    async () => {
      const r = await run('futureDate');
      expectFailure(r, EXIT_CODES.configuration, /the task did not run: .*is in the future/);
      expect(r.outputs.state).toBe('none');
      expect(r.callbacks).toEqual([]);
    },
    LONG,
  );

  it(
    'SIGTERM while the task runs → 143, every Airflow/bash child gone, the home removed',
    async () => {
      const r = await run('sigterm');
      expect(r.code, r.stderr).toBe(143);
      expect(r.stderr.trim()).toBe('airflow-operator: stopped by SIGTERM');
      expect(r.outputs['exit-class']).toBe('terminated');
      expect(r.outputs.state).toBe('none');
      expect(r.afterSignalMs).toBeDefined();
      expect(r.afterSignalMs).toBeLessThan(15_000);
      expect(r.processes.some((p) => p.argvs.some((a) => a.includes('--raw')))).toBe(true);
      const alive = r.processes.filter((p) => ProcessWatch.isAlive(p));
      expect(alive.map((p) => `${p.pid} ${p.argvs.at(-1)?.join(' ')}`)).toEqual([]);
      expect(r.tmpLeft).toEqual([]);
    },
    LONG,
  );

  it.each([
    ['syntaxError', /the DAG file failed to import: SyntaxError: .*\(broken_syntax\.py, line 2\)$/],
    [
      'missingImport',
      /the DAG file failed to import: ModuleNotFoundError: No module named 'dp_tier_no_such_module'$/,
    ],
    ['unknownDag', /DAG id "no_such_dag" is not in .*tutorial\.py \(it has: tutorial\)$/],
    ['unknownTask', /task id "no_such_task" is not in DAG "tutorial"$/],
  ] as const)(
    'bad DAG file input (%s) → 78 with one line naming it, outputs at their defaults',
    async (name, pattern) => {
      const r = await run(name);
      expectFailure(r, EXIT_CODES.configuration, pattern);
      expect(r.outputs).toMatchObject({ state: 'none', skipped: '[]', xcom: '[]', triggered: '[]' });
    },
    LONG,
  );

  it(
    'nothing was written next to the DAG files (read where they are, as from a read-only ConfigMap)',
    async () => {
      await Promise.allSettled(runs.values());
      expect(dagTree()).toEqual(dagTreeBefore);
    },
    LONG,
  );
});
