import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runBashCommand } from './bash.js';
import type { DagInfo, DagTask } from './dagbag.js';
import type { PlainConnection } from './db.js';
import { PythonException } from './errors.js';
import { checkCredentials, getConnection, httpError, sitePackagesFrame, splitTableName } from './google.js';
import { type Io, logLine } from './io.js';
import { isoformat, type Naive, pyStr } from './naive-date.js';
import type { DoubleOptions } from './options.js';
import { renderTemplatedFields, TemplateRenderError } from './render.js';

export type TaskOutcome = 'success' | 'failed';

export interface TaskRunRequest {
  readonly dag: DagInfo;
  readonly task: DagTask;
  readonly executionDate: Naive;
  readonly prevExecutionDate: Naive | undefined;
  readonly nextExecutionDate: Naive | undefined;
  readonly runId: string;
  /** `ti.try_number` while this attempt runs. */
  readonly tryNumber: number;
  /** The resolved configuration, for `conf` in templates. */
  readonly conf: Record<string, Record<string, string>>;
  readonly timeoutSeconds: number;
  readonly jobId: number;
  readonly dagsFolder: string;
  readonly baseLogFolder: string;
  readonly markSuccess: boolean;
  readonly ignoreTaskDeps: boolean;
  readonly ignoreDependsOnPast: boolean;
  readonly pool: string | undefined;
  readonly connections: readonly PlainConnection[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly options: DoubleOptions;
  readonly io: Io;
  /** Called instead of finishing when the scripted outcome is `hang`. */
  readonly hang: () => Promise<never>;
  readonly flood: (bytes: number) => Promise<void>;
}

/** `-sd` as the executor's command line shows it: DAGS_FOLDER/<relative> for files inside the dags folder. */
export function sdArgument(fileloc: string, dagsFolder: string): string {
  const rel = relative(dagsFolder, fileloc);
  return rel.startsWith('..') || rel === '' ? fileloc : `DAGS_FOLDER/${rel}`;
}

export function taskInstanceRepr(dagId: string, taskId: string, d: Naive, state: string | null): string {
  return `<TaskInstance: ${dagId}.${taskId} ${pyStr(d)} [${state ?? 'None'}]>`;
}

/** The `airflow run ... --local` command the SequentialExecutor runs for one task instance (reference §1.3). */
export function localRunCommand(r: TaskRunRequest): string[] {
  const argv = ['airflow', 'run', r.dag.dag_id, r.task.task_id, isoformat(r.executionDate)];
  if (r.markSuccess) argv.push('--mark_success');
  if (r.ignoreTaskDeps) argv.push('-i');
  if (r.ignoreDependsOnPast) argv.push('-I');
  argv.push('--local');
  if (r.pool) argv.push('--pool', r.pool);
  argv.push('-sd', sdArgument(r.dag.fileloc, r.dagsFolder));
  return argv;
}

export function taskLogPath(baseLogFolder: string, dagId: string, taskId: string, d: Naive): string {
  return join(baseLogFolder, dagId, taskId, isoformat(d));
}

function ensureDir(path: string): void {
  if (existsSync(path)) return;
  mkdirSync(path, { recursive: true });
  // makedirs + 0775 as 1.8.2's log setup leaves it (umask aside)
  chmodSync(path, 0o775);
}

class TaskLog {
  constructor(private readonly path: string) {
    ensureDir(join(path, '..', '..'));
    ensureDir(join(path, '..'));
    if (!existsSync(path)) {
      closeSync(openSync(path, 'a', 0o666));
      chmodSync(path, 0o666);
    }
  }

  /** A line logged by the `airflow run --local` process itself. */
  local(where: string, level: 'INFO' | 'ERROR' | 'WARNING', message: string): void {
    appendFileSync(this.path, `${logLine(where, level, message)}\n`);
  }

  /** Lines written by the `--raw` child, re-logged by the task runner one by one (a final newline ends a line). */
  subtask(text: string): void {
    this.subtaskLines(text.replace(/\n$/, '').split('\n'));
  }

  private subtaskLines(lines: readonly string[]): void {
    appendFileSync(
      this.path,
      lines.map((l) => `${logLine('base_task_runner.py:95', 'INFO', `Subtask: ${l}`)}\n`).join(''),
    );
  }

  /** One logging call of the `--raw` child: every line of the message, a trailing newline giving an empty line. */
  rawLog(where: string, level: 'INFO' | 'ERROR' | 'WARNING', message: string): void {
    this.subtaskLines(logLine(where, level, message).split('\n'));
  }
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null || v === false ? '' : JSON.stringify(v);
}

const isBigQuery = (t: DagTask) => typeof t.values.bigquery_conn_id === 'string';

/**
 * Runs one task instance the way `airflow run --local` → `airflow run --raw` would, flattened into this process:
 * stdout gets the child's `Using executor`/`Logging into` lines, the task log file gets the Subtask lines, and the
 * scripted outcome decides success or the exception raised inside the operator.
 */
export async function runTaskInstance(r: TaskRunRequest): Promise<TaskOutcome> {
  const { io, dag, task, executionDate: d } = r;
  const local = localRunCommand(r);
  io.recordArgv('simulated-child', local);
  io.log('__init__.py:57', 'INFO', 'Using executor SequentialExecutor');
  const path = taskLogPath(r.baseLogFolder, dag.dag_id, task.task_id, d);
  io.out(`Logging into: ${path}`);
  const log = new TaskLog(path);
  const sd = sdArgument(dag.fileloc, r.dagsFolder);
  log.local('models.py:168', 'INFO', `Filling up the DagBag from ${dag.fileloc}`);
  const raw = [
    'airflow',
    'run',
    dag.dag_id,
    task.task_id,
    isoformat(d),
    '--job_id',
    String(r.jobId),
    '--raw',
    '-sd',
    sd,
  ];
  if (r.markSuccess) raw.splice(5, 0, '--mark_success');
  io.recordArgv('simulated-child', ['bash', '-c', raw.join(' ')]);
  log.local('base_task_runner.py:112', 'INFO', `Running: ['bash', '-c', '${raw.join(' ')}']`);

  if (r.options.outcome === 'hang') return r.hang();

  log.rawLog('__init__.py:57', 'INFO', 'Using executor SequentialExecutor');
  log.rawLog('models.py:168', 'INFO', `Filling up the DagBag from ${dag.fileloc}`);
  const ti = (state: string) => taskInstanceRepr(dag.dag_id, task.task_id, d, state);
  log.rawLog('models.py:1128', 'INFO', `Dependencies all met for ${ti('queued')}`);
  log.rawLog('models.py:1128', 'INFO', `Dependencies all met for ${ti('queued')}`);
  const rule = '-'.repeat(80);
  log.rawLog(
    'models.py:1334',
    'INFO',
    `\n${rule}\nStarting attempt 1 of ${Number(task.values.retries ?? 0) + 1}\n${rule}\n`,
  );

  if (r.markSuccess) {
    log.rawLog(
      'models.py:1358',
      'INFO',
      `Marking success for ${ti('running').replace('TaskInstance', 'Task')} on ${pyStr(d)}`,
    );
    log.local('jobs.py:2124', 'INFO', 'Task exited with return code 0');
    return 'success';
  }
  log.rawLog('models.py:1358', 'INFO', `Executing <Task(${task.operator}): ${task.task_id}> on ${pyStr(d)}`);
  if (r.options.outcome === 'flood') await r.flood(r.options.floodBytes);

  let outcome: TaskOutcome = 'success';
  try {
    await execute(r, log);
  } catch (e) {
    if (!(e instanceof PythonException)) throw e;
    outcome = 'failed';
    const frames =
      e instanceof TemplateRenderError
        ? [...renderFrames, ...e.frames]
        : [
            ...sitePackagesFrame(
              'airflow/models.py',
              1390,
              'run',
              'result = task_copy.execute(context=context)',
            ),
            ...operatorFrames(task),
            ...e.frames,
          ];
    const inTask = new PythonException(e.pythonType, e.message, frames);
    log.rawLog('models.py:1433', 'ERROR', `${e.message}\n${inTask.traceback().replace(/\n$/, '')}`);
    log.rawLog('models.py:1457', 'INFO', 'Marking task as FAILED.');
    log.rawLog('models.py:1478', 'ERROR', e.message);
    const uncaught = new PythonException(e.pythonType, e.message, [
      '  File "/usr/local/bin/airflow", line 28, in <module>',
      '    args.func(args)',
      ...sitePackagesFrame('airflow/bin/cli.py', 422, 'run', 'pool=args.pool,'),
      ...sitePackagesFrame('airflow/utils/db.py', 53, 'wrapper', 'result = func(*args, **kwargs)'),
      ...inTask.frames,
    ]);
    log.subtask(uncaught.traceback());
  }
  log.local('jobs.py:2124', 'INFO', `Task exited with return code ${outcome === 'success' ? 0 : 1}`);
  return outcome;
}

function operatorFrames(task: DagTask): string[] {
  if (task.operator === 'BashOperator') {
    return sitePackagesFrame(
      'airflow/operators/bash_operator.py',
      100,
      'execute',
      'raise AirflowException("Bash command failed")',
    );
  }
  const mod = task.import_path.split('.').slice(0, -1).join('/');
  return sitePackagesFrame(`${mod}.py`, 0, 'execute', 'self.execute_operator(context)');
}

/** Frames from TaskInstance.run down to the operator's render_template when a templated field fails to render. */
const renderFrames = [
  ...sitePackagesFrame('airflow/models.py', 1375, 'run', 'self.render_templates()'),
  ...sitePackagesFrame(
    'airflow/models.py',
    1595,
    'render_templates',
    'rendered_content = rt(attr, content, jinja_context)',
  ),
];

async function execute(r: TaskRunRequest, log: TaskLog): Promise<void> {
  const { task, executionDate, dag } = r;
  const rendered = await renderTemplatedFields({
    fileloc: dag.fileloc,
    dagId: dag.dag_id,
    task,
    dagsFolder: r.dagsFolder,
    timeoutSeconds: r.timeoutSeconds,
    connections: r.connections,
    executionDate,
    prevExecutionDate: r.prevExecutionDate,
    nextExecutionDate: r.nextExecutionDate,
    runId: r.runId,
    tryNumber: r.tryNumber,
    conf: r.conf,
    env: r.env,
    python: r.options.python,
    io: r.io,
    output: (chunk) => log.subtask(chunk.toString('utf8')),
  });
  const render = (field: string): string => {
    const v = field in rendered ? rendered[field] : task.values[field];
    return str(v);
  };
  const scripted = r.options.outcome;
  const failure = (): PythonException => {
    const custom = r.options.failMessage;
    if (custom !== undefined) return new PythonException('airflow.exceptions.AirflowException', custom);
    if (/Check/.test(task.operator) && typeof task.values.sql === 'string') {
      return new PythonException(
        'airflow.exceptions.AirflowException',
        `Test failed.\nQuery:\n${render('sql')}\nResults:\n[0]`,
      );
    }
    return new PythonException(
      'airflow.exceptions.AirflowException',
      'Task failed as scripted by AIRFLOW_DOUBLE_OUTCOME=task-failed',
    );
  };

  if (task.operator === 'BigQueryOperator') {
    log.rawLog('bigquery_operator.py:76', 'INFO', `Executing: ${render('bql')}`);
  } else if (
    /CheckOperator$/.test(task.operator) &&
    task.operator !== 'IntervalCheckOperator' &&
    !/Interval/.test(task.operator)
  ) {
    log.rawLog('check_operator.py:75', 'INFO', `Executing SQL check: ${render('sql')}`);
  }

  let project = 'unknown-project';
  if (isBigQuery(task)) {
    const conn = getConnection(String(task.values.bigquery_conn_id), r.env, r.connections);
    if (conn.host) log.rawLog('base_hook.py:67', 'INFO', `Using connection to: ${conn.host}`);
    const how = checkCredentials(conn, r.env);
    if (how === 'json key file')
      log.rawLog('gcp_api_base_hook.py:74', 'INFO', 'Getting connection using a JSON key file.');
    const p = conn.extra.extra__google_cloud_platform__project;
    const defaultProject = typeof p === 'string' && p !== '' ? p : undefined;
    const destination = task.values.destination_dataset_table;
    if (typeof destination === 'string' && destination !== '')
      splitTableName(render('destination_dataset_table'), defaultProject);
    project = defaultProject ?? 'None';
    if (
      defaultProject === undefined &&
      scripted !== 'http-403' &&
      scripted !== 'http-429' &&
      scripted !== 'http-500'
    ) {
      throw httpError(404, 'None');
    }
  }
  if (scripted === 'http-403') throw httpError(403, project);
  if (scripted === 'http-429') throw httpError(429, project);
  if (scripted === 'http-500') throw httpError(500, project);
  if (scripted === 'task-failed') throw failure();

  const jobId = `job_${randomBytes(16).toString('base64url').replace(/[-_]/g, 'x')}`;
  if (isBigQuery(task)) {
    log.rawLog('bigquery_hook.py:480', 'INFO', `Waiting for job to complete : ${project}, ${jobId}`);
  }
  if (task.operator === 'BashOperator' && !task.fabricated) {
    const env = rendered.env ?? task.values.env;
    await runBashCommand({
      taskId: task.task_id,
      command: render('bash_command'),
      env: env && typeof env === 'object' ? stringEnv(env as Record<string, unknown>) : r.env,
      log: (where, message) => log.rawLog(where, 'INFO', message),
    });
  }
  if (task.operator === 'BigQueryCheckOperator' || task.operator === 'CheckOperator') {
    log.rawLog('check_operator.py:77', 'INFO', 'Record: [1]');
    log.rawLog('check_operator.py:83', 'INFO', 'Success.');
  } else if (/Interval/.test(task.operator)) {
    log.rawLog('check_operator.py:275', 'INFO', 'All tests have passed');
  } else if (/PythonOperator$/.test(task.operator)) {
    log.rawLog('python_operator.py:81', 'INFO', 'Done. Returned value was: None');
  }
}

/** A BashOperator `env` dict as the environment Popen gets (values are str in Python). */
function stringEnv(env: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}
