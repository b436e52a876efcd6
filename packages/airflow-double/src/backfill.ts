import type { AirflowConfig } from './config.js';
import { collectDagFiles, type DagInfo, type DagTask, fillDagBag, processSubdir } from './dagbag.js';
import type { DagRunRow, MetadataDb, PlainConnection, TaskInstanceRow } from './db.js';
import { airflowException, cliFrames, operationalError, PythonException } from './errors.js';
import type { Fernet } from './fernet.js';
import type { Io } from './io.js';
import { isoformat, type Naive, nowNaive, type ParsedDate, pyRepr, pyStr } from './naive-date.js';
import type { DoubleOptions } from './options.js';
import { renderTemplatedFields } from './render.js';
import {
  backfillDates,
  followingSchedule,
  isScheduled,
  previousSchedule,
  type Schedule,
  scheduleFromJson,
} from './schedule.js';
import { localRunCommand, runTaskInstance, taskInstanceRepr } from './taskrun.js';

export interface BackfillArgs {
  readonly dag_id: string;
  readonly task_regex: string | undefined;
  readonly start_date: ParsedDate | undefined;
  readonly end_date: ParsedDate | undefined;
  readonly mark_success: boolean;
  readonly local: boolean;
  readonly donot_pickle: boolean;
  readonly include_adhoc: boolean;
  readonly ignore_dependencies: boolean;
  readonly ignore_first_depends_on_past: boolean;
  readonly subdir: string | undefined;
  readonly pool: string | undefined;
  readonly dry_run: boolean;
}

export interface CommandContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly io: Io;
  readonly options: DoubleOptions;
  readonly config: AirflowConfig;
  readonly db: () => MetadataDb;
  readonly fernet: Fernet | undefined;
  readonly sleep: (ms: number) => Promise<void>;
  readonly hang: () => Promise<never>;
  readonly flood: (bytes: number) => Promise<void>;
}

const SUCCESS = 'success';
const FAILED = 'failed';
const UPSTREAM_FAILED = 'upstream_failed';
const SKIPPED = 'skipped';

const backfillFrames = [
  ...cliFrames('backfill', 'pool=args.pool)'),
  '  File "/usr/local/lib/python3.6/site-packages/airflow/models.py", line 3370, in run',
  '    job.run()',
  '  File "/usr/local/lib/python3.6/site-packages/airflow/jobs.py", line 200, in run',
  '    self._execute()',
  '  File "/usr/local/lib/python3.6/site-packages/airflow/jobs.py", line 2066, in _execute',
  '    raise AirflowException(err)',
];

/** Parses the DAG folder (one python3 process) and persists connection rows DAG files wrote through the ORM. */
export async function loadDagBag(ctx: CommandContext, subdir: string, db: MetadataDb | undefined) {
  const files = collectDagFiles(subdir);
  const plain: PlainConnection[] | null = db?.initialised ? db.plainConnections(ctx.fernet) : null;
  const report = await fillDagBag({
    files,
    dagsFolder: ctx.config.get('core', 'dags_folder'),
    timeoutSeconds: ctx.config.getInt('core', 'dagbag_import_timeout'),
    connections: plain,
    env: ctx.env,
    python: ctx.options.python,
    io: ctx.io,
  });
  if (report.connections && db?.initialised) {
    db.storeConnections(report.connections, ctx.fernet);
    db.commit();
  }
  return { report, connections: report.connections ?? plain ?? [] };
}

export interface ListDagsArgs {
  readonly subdir: string | undefined;
  readonly report: boolean;
}

/** `airflow list_dags` (reference §1.7); import failures are logged but do not change the exit code. */
export async function listDags(args: ListDagsArgs, ctx: CommandContext): Promise<number> {
  const dagsFolder = ctx.config.get('core', 'dags_folder');
  const subdir = processSubdir(args.subdir, dagsFolder, ctx.env.HOME ?? '/', ctx.cwd);
  ctx.io.log('models.py:168', 'INFO', `Filling up the DagBag from ${subdir}`);
  const db = ctx.db();
  const { report } = await loadDagBag(ctx, subdir, db.initialised ? db : undefined);
  for (const e of report.import_errors) {
    ctx.io.log('models.py:267', 'ERROR', `Failed to import: ${e.path}\n${e.traceback.replace(/\n$/, '')}`);
  }
  const rule = '-'.repeat(67);
  const ids = report.dags.map((d) => d.dag_id).sort();
  ctx.io.out(`\n\n${rule}\nDAGS\n${rule}\n${ids.join('\n')}\n\n`);
  if (args.report)
    ctx.io.out(`DagBag loading stats for ${subdir} (details not emulated by the airflow double)`);
  return 0;
}

interface Ti {
  readonly key: string;
  readonly task: DagTask;
  readonly date: Naive;
  readonly run: DagRunRow;
}

const keyRepr = (dagId: string, ti: Ti) => `('${dagId}', '${ti.task.task_id}', ${pyRepr(ti.date)})`;
const setRepr = (items: readonly string[]) => (items.length ? `{${items.join(', ')}}` : 'set()');

/** Tasks selected by -t (re.findall on task_id) plus, unless -i, everything upstream of them. */
function selectTasks(dag: DagInfo, regex: string | undefined, ignoreDeps: boolean): DagTask[] {
  if (regex === undefined) return [...dag.tasks];
  let re: RegExp;
  try {
    re = new RegExp(regex);
  } catch (e) {
    throw new PythonException(
      'sre_constants.error',
      (e as Error).message,
      cliFrames('backfill', 'include_upstream=not args.ignore_dependencies)'),
    );
  }
  const byId = new Map(dag.tasks.map((t) => [t.task_id, t]));
  const chosen = new Set(dag.tasks.filter((t) => re.test(t.task_id)).map((t) => t.task_id));
  if (!ignoreDeps) {
    const stack = [...chosen];
    while (stack.length) {
      const id = stack.pop()!;
      for (const up of byId.get(id)?.upstream ?? []) {
        if (!chosen.has(up)) {
          chosen.add(up);
          stack.push(up);
        }
      }
    }
  }
  return dag.tasks.filter((t) => chosen.has(t.task_id));
}

/** Topological order (upstream first), stable with respect to the DAG file's order. */
function topological(tasks: readonly DagTask[]): DagTask[] {
  const ids = new Set(tasks.map((t) => t.task_id));
  const done = new Set<string>();
  const out: DagTask[] = [];
  let progress = true;
  while (out.length < tasks.length && progress) {
    progress = false;
    for (const t of tasks) {
      if (done.has(t.task_id)) continue;
      if (t.upstream.every((u) => !ids.has(u) || done.has(u))) {
        done.add(t.task_id);
        out.push(t);
        progress = true;
      }
    }
  }
  for (const t of tasks) if (!done.has(t.task_id)) out.push(t);
  return out;
}

function parseNaive(s: string | null): Naive | undefined {
  if (!s) return undefined;
  const t = Date.parse(`${s.slice(0, 23)}Z`);
  return Number.isNaN(t) ? undefined : t;
}

/** `airflow backfill` (reference §1.3): DagBag, dates, DagRuns, the scheduling loop, the end-of-run verdict. */
export async function backfill(args: BackfillArgs, ctx: CommandContext): Promise<number> {
  const { io, config, options } = ctx;
  const dagsFolder = config.get('core', 'dags_folder');
  const subdir = processSubdir(args.subdir, dagsFolder, ctx.env.HOME ?? '/', ctx.cwd);
  io.log('models.py:168', 'INFO', `Filling up the DagBag from ${subdir}`);
  const db = ctx.db();
  const { report, connections } = await loadDagBag(ctx, subdir, db);
  for (const e of report.import_errors) {
    io.log('models.py:267', 'ERROR', `Failed to import: ${e.path}\n${e.traceback.replace(/\n$/, '')}`);
  }
  const found =
    options.outcome === 'dag-missing' ? undefined : report.dags.find((d) => d.dag_id === args.dag_id);
  if (!found) {
    throw airflowException(
      `dag_id could not be found: ${args.dag_id}. Either the dag did not exist or it failed to parse.`,
      cliFrames('backfill', 'dag = dag or get_dag(args)'),
    );
  }
  const dag: DagInfo = found;
  const schedule: Schedule = scheduleFromJson(dag.schedule);
  const start = args.start_date ?? args.end_date;
  const end = args.end_date ?? args.start_date;
  if (!start || !end) {
    throw airflowException(
      'Provide a start_date and/or end_date',
      cliFrames('backfill', 'raise AirflowException("Provide a start_date and/or end_date")'),
    );
  }
  const tasks = topological(selectTasks(dag, args.task_regex, args.ignore_dependencies));

  if (args.dry_run) {
    io.out(`Dry run of DAG ${dag.dag_id} on ${pyStr(start.value)}`);
    db.tables('task_instance', 'SELECT task_instance.try_number FROM task_instance');
    for (const t of tasks) {
      io.out(`Task ${t.task_id}`);
      // TaskInstance.dry_run(): render_templates() with a fresh TI (try_number 0, no DagRun yet), then the
      // operator's dry_run() logs every non-empty string field as rendered.
      const rendered = await renderTemplatedFields({
        fileloc: dag.fileloc,
        dagId: dag.dag_id,
        task: t,
        dagsFolder,
        timeoutSeconds: config.getInt('core', 'dagbag_import_timeout'),
        connections,
        executionDate: start.value,
        prevExecutionDate: previousSchedule(schedule, start.value),
        nextExecutionDate: followingSchedule(schedule, start.value),
        runId: null,
        tryNumber: 0,
        conf: config.entries(),
        env: ctx.env,
        python: options.python,
        io,
        output: (chunk) => io.stdout.write(chunk),
      });
      io.log('models.py:1555', 'INFO', 'Dry run');
      for (const f of t.template_fields) {
        const v = f in rendered ? rendered[f] : t.values[f];
        if (typeof v === 'string' && v) {
          io.log('models.py:1559', 'INFO', `Rendering template for ${f}`);
          io.log('models.py:1560', 'INFO', v);
        }
      }
    }
    return 0;
  }
  if (start.aware !== end.aware || start.aware) {
    throw new PythonException(
      'TypeError',
      "can't compare offset-naive and offset-aware datetimes",
      backfillFrames.slice(0, 6),
    );
  }

  const jobSql =
    'INSERT INTO job (dag_id, state, job_type, start_date, end_date, latest_heartbeat, executor_class, hostname, unixname) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';
  if (options.outcome === 'db-locked') {
    db.tables('job', jobSql);
    throw operationalError('database is locked', jobSql);
  }
  const doc = db.tables('job', jobSql);
  const jobId = db.nextId();

  const maxRuns = dag.max_active_runs;
  const running = doc.dag_runs.filter(
    (r) => r.dag_id === dag.dag_id && r.state === 'running' && !r.external_trigger,
  );
  if (options.outcome === 'ran-nothing' || (isScheduled(schedule) && running.length >= maxRuns)) {
    io.log('jobs.py:1791', 'INFO', `Dag ${dag.dag_id} has reached maximum amount of ${maxRuns} dag runs`);
    db.commit();
    return 0;
  }

  const dates = backfillDates(schedule, start.value, end.value);
  const tis: Ti[] = [];
  const tiRow = (task: string, date: Naive): TaskInstanceRow | undefined =>
    doc.task_instances.find(
      (r) => r.dag_id === dag.dag_id && r.task_id === task && r.execution_date === isoformat(date),
    );
  for (const date of dates) {
    const iso = isoformat(date);
    let run = doc.dag_runs.find((r) => r.dag_id === dag.dag_id && r.execution_date === iso);
    if (!run) {
      run = {
        id: db.nextId(),
        dag_id: dag.dag_id,
        execution_date: iso,
        run_id: `backfill_${iso}`,
        state: 'running',
        external_trigger: false,
      };
      doc.dag_runs.push(run);
    }
    run.state = 'running';
    for (const t of dag.tasks) {
      if (!tiRow(t.task_id, date)) {
        doc.task_instances.push({
          dag_id: dag.dag_id,
          task_id: t.task_id,
          execution_date: iso,
          state: null,
          try_number: 0,
          job_id: null,
        });
      }
    }
    for (const t of tasks) {
      const row = tiRow(t.task_id, date)!;
      if (row.state === null) row.state = 'scheduled';
      tis.push({ key: `${t.task_id}@${iso}`, task: t, date, run });
    }
  }
  db.commit();

  const toRun = new Map(tis.map((ti) => [ti.key, ti]));
  const succeeded: Ti[] = [];
  const failed: Ti[] = [];
  const skipped: Ti[] = [];
  let deadlocked: Ti[] = [];
  const activeRuns = new Set(tis.map((t) => t.run));
  const totalRuns = activeRuns.size;
  let finishedRuns = 0;
  const now = nowNaive();
  const dagEnd = parseNaive(dag.end_date);

  type Verdict =
    | { met: true }
    | { met: false; upstreamFailed: false; dep: string; reason: string }
    | { met: false; upstreamFailed: true };
  const unmet = (dep: string, reason: string): Verdict => ({
    met: false,
    upstreamFailed: false,
    dep,
    reason,
  });
  const previousNotRun = unmet(
    'Previous Dagrun State',
    "depends_on_past is true for this task's DAG, but the previous task instance has not run yet.",
  );
  /**
   * The dependency checks of one TI. `taskDepsOnly` is the final deadlock diagnosis of jobs.py:2042, whose default
   * DepContext holds only the task's own deps (retry period, previous run, trigger rule): no execution-date check.
   */
  const check = (ti: Ti, ignoreDependsOnPast: boolean, taskDepsOnly = false): Verdict => {
    const iso = isoformat(ti.date);
    if (options.outcome === 'deadlock') {
      return taskDepsOnly && ignoreDependsOnPast ? { met: true } : previousNotRun;
    }
    if (taskDepsOnly) return checkTaskDeps(ti, ignoreDependsOnPast);
    if (ti.date > now) {
      return unmet(
        'Execution Date',
        `Execution date ${iso} is in the future (the current date is ${isoformat(now)}).`,
      );
    }
    const taskEnd = parseNaive(typeof ti.task.values.end_date === 'string' ? ti.task.values.end_date : null);
    if (taskEnd !== undefined && ti.date > taskEnd) {
      return unmet(
        'Execution Date',
        `The execution date is ${iso} but this is after the task's end date ${isoformat(taskEnd)}.`,
      );
    }
    if (dagEnd !== undefined && ti.date > dagEnd) {
      return unmet(
        'Execution Date',
        `The execution date is ${iso} but this is after the task's DAG's end date ${isoformat(dagEnd)}.`,
      );
    }
    if (args.ignore_dependencies) return { met: true };
    return checkTaskDeps(ti, ignoreDependsOnPast);
  };
  const checkTaskDeps = (ti: Ti, ignoreDependsOnPast: boolean): Verdict => {
    if (ti.task.values.depends_on_past === true && !ignoreDependsOnPast) {
      const prev = previousSchedule(schedule, ti.date);
      const taskStart = parseNaive(
        typeof ti.task.values.start_date === 'string' ? ti.task.values.start_date : dag.start_date,
      );
      if (prev !== undefined && !(taskStart !== undefined && prev < taskStart)) {
        const prevRow = tiRow(ti.task.task_id, prev);
        if (!prevRow || prevRow.state === null || prevRow.state === 'scheduled') {
          return previousNotRun;
        }
        if (prevRow.state !== SUCCESS && prevRow.state !== SKIPPED) {
          return unmet(
            'Previous Dagrun State',
            `depends_on_past is true for this task, but the previous task instance ${taskInstanceRepr(dag.dag_id, ti.task.task_id, prev, prevRow.state)} is in the state '${prevRow.state}' which is not a successful state.`,
          );
        }
      }
    }
    const ups = ti.task.upstream.map((u) => tiRow(u, ti.date)?.state ?? null);
    const rule = String(ti.task.values.trigger_rule ?? 'all_success');
    const count = (s: string) => ups.filter((x) => x === s).length;
    const done = ups.filter(
      (x) => x === SUCCESS || x === FAILED || x === UPSTREAM_FAILED || x === SKIPPED,
    ).length;
    const bad = count(FAILED) + count(UPSTREAM_FAILED);
    if (rule === 'all_success' && bad > 0) return { met: false, upstreamFailed: true };
    const ok =
      rule === 'dummy' ||
      (rule === 'all_success' && count(SUCCESS) + count(SKIPPED) === ups.length) ||
      (rule === 'all_done' && done === ups.length) ||
      (rule === 'all_failed' && bad === ups.length) ||
      (rule === 'one_success' && count(SUCCESS) > 0) ||
      (rule === 'one_failed' && bad > 0);
    if (!ok) {
      return {
        met: false,
        upstreamFailed: false,
        dep: 'Trigger Rule',
        reason: `Task's trigger rule '${rule}' requires all upstream tasks to have succeeded, but found ${ups.length - count(SUCCESS)} non-success(es). upstream_task_ids=[${ti.task.upstream.map((u) => `'${u}'`).join(', ')}]`,
      };
    }
    return { met: true };
  };

  const firstDate = start.value;
  while (toRun.size > 0 && deadlocked.length === 0) {
    const notReady = new Set<string>();
    const queued: Ti[] = [];
    for (const ti of [...toRun.values()]) {
      const row = tiRow(ti.task.task_id, ti.date)!;
      if (row.state === SUCCESS) {
        succeeded.push(ti);
        toRun.delete(ti.key);
        continue;
      }
      if (row.state === SKIPPED) {
        skipped.push(ti);
        toRun.delete(ti.key);
        continue;
      }
      if (row.state === FAILED || row.state === UPSTREAM_FAILED) {
        failed.push(ti);
        toRun.delete(ti.key);
        continue;
      }
      const ignorePast = args.ignore_first_depends_on_past && ti.date === firstDate;
      const v = check(ti, ignorePast);
      if (v.met) {
        io.log(
          'models.py:1128',
          'INFO',
          `Dependencies all met for ${taskInstanceRepr(dag.dag_id, ti.task.task_id, ti.date, row.state)}`,
        );
        row.state = 'queued';
        queued.push(ti);
        const cmd = localRunCommand({ ...requestFor(ti, ignorePast), connections });
        io.log('base_executor.py:50', 'INFO', `Adding to queue: ${cmd.join(' ')}`);
      } else if (v.upstreamFailed) {
        row.state = UPSTREAM_FAILED;
        io.log(
          'jobs.py:1907',
          'ERROR',
          `Task instance ${taskInstanceRepr(dag.dag_id, ti.task.task_id, ti.date, row.state)} upstream failed`,
        );
        failed.push(ti);
        toRun.delete(ti.key);
      } else {
        io.log(
          'models.py:1121',
          'INFO',
          `Dependencies not met for ${taskInstanceRepr(dag.dag_id, ti.task.task_id, ti.date, row.state)}, dependency '${v.dep}' FAILED: ${v.reason}`,
        );
        notReady.add(ti.key);
      }
    }
    db.commit();
    // SequentialExecutor.heartbeat(): run every queued command synchronously.
    for (const ti of queued) {
      const req = {
        ...requestFor(ti, args.ignore_first_depends_on_past && ti.date === firstDate),
        connections,
      };
      io.log('sequential_executor.py:40', 'INFO', `Executing command: ${localRunCommand(req).join(' ')}`);
      const result = await runTaskInstance(req);
      const row = tiRow(ti.task.task_id, ti.date)!;
      row.state = result === 'success' ? SUCCESS : FAILED;
      row.try_number += 1;
      row.job_id = jobId;
      db.commit();
    }
    if (notReady.size > 0 && queued.length === 0 && [...toRun.keys()].every((k) => notReady.has(k))) {
      const waiting = [...toRun.values()].map((t) =>
        taskInstanceRepr(dag.dag_id, t.task.task_id, t.date, tiRow(t.task.task_id, t.date)?.state ?? null),
      );
      io.log(
        'jobs.py:1976',
        'WARNING',
        `Deadlock discovered for tasks_to_run=dict_values([${waiting.join(', ')}])`,
      );
      deadlocked = [...toRun.values()];
      toRun.clear();
    }
    for (const ti of queued) {
      const row = tiRow(ti.task.task_id, ti.date)!;
      toRun.delete(ti.key);
      if (row.state === FAILED) {
        io.log(
          'jobs.py:1694',
          'ERROR',
          `Task instance ${taskInstanceRepr(dag.dag_id, ti.task.task_id, ti.date, row.state)} failed`,
        );
        failed.push(ti);
      } else {
        succeeded.push(ti);
      }
    }
    for (const run of [...activeRuns]) {
      const state = dagRunState(run);
      if (state !== 'running') {
        run.state = state;
        finishedRuns += 1;
        activeRuns.delete(run);
      }
    }
    db.commit();
    io.log(
      'jobs.py:2020',
      'INFO',
      `[backfill progress] | finished run ${finishedRuns} of ${totalRuns} | tasks waiting: ${toRun.size} | succeeded: ${succeeded.length} | kicked_off: 0 | failed: ${failed.length} | skipped: ${skipped.length} | deadlocked: ${deadlocked.length} | not ready: ${notReady.size}`,
    );
    // BackfillJob.heartbeat() closes every iteration, including the last one.
    await ctx.sleep(options.heartbeatMs);
  }

  let err = '';
  const dash = '-'.repeat(51);
  if (failed.length) {
    err += `${dash}\nSome task instances failed:\n${setRepr(failed.map((t) => keyRepr(dag.dag_id, t)))}\n`;
  }
  if (deadlocked.length) {
    err += `${dash}\nBackfillJob is deadlocked.`;
    // any() over the deadlocked TIs, each checked verbosely twice (with and without depends_on_past): the lines
    // those checks log come after the last progress line, and any() stops at the first difference.
    const verbose = (t: Ti, ignorePast: boolean): boolean => {
      const v = check(t, ignorePast, true);
      const repr = taskInstanceRepr(
        dag.dag_id,
        t.task.task_id,
        t.date,
        tiRow(t.task.task_id, t.date)?.state ?? null,
      );
      if (v.met) io.log('models.py:1128', 'INFO', `Dependencies all met for ${repr}`);
      else if (!v.upstreamFailed)
        io.log(
          'models.py:1121',
          'INFO',
          `Dependencies not met for ${repr}, dependency '${v.dep}' FAILED: ${v.reason}`,
        );
      return v.met;
    };
    const dependsOnPast = deadlocked.some((t) => verbose(t, false) !== verbose(t, true));
    if (dependsOnPast || options.outcome === 'deadlock') {
      err +=
        'Some of the deadlocked tasks were unable to run because of "depends_on_past" relationships. Try running the backfill with the option "ignore_first_depends_on_past=True" or passing "-I" at the command line.';
    }
    err += ` These tasks have succeeded:\n${setRepr(succeeded.map((t) => keyRepr(dag.dag_id, t)))}\n`;
    // `started` is a dict in jobs.py (key → TI): empty, it prints as {}.
    err += ' These tasks have started:\n{}\n';
    err += ` These tasks have failed:\n${setRepr(failed.map((t) => keyRepr(dag.dag_id, t)))}\n`;
    err += ` These tasks are skipped:\n${setRepr(skipped.map((t) => keyRepr(dag.dag_id, t)))}\n`;
    err += ` These tasks are deadlocked:\n${setRepr(
      deadlocked.map((t) =>
        taskInstanceRepr(dag.dag_id, t.task.task_id, t.date, tiRow(t.task.task_id, t.date)?.state ?? null),
      ),
    )}\n`;
  }
  if (err) throw airflowException(err, backfillFrames);
  io.log('jobs.py:2065', 'INFO', 'Backfill done. Exiting.');
  return 0;

  function requestFor(ti: Ti, ignoreDependsOnPast: boolean) {
    return {
      dag,
      task: ti.task,
      executionDate: ti.date,
      prevExecutionDate: previousSchedule(schedule, ti.date),
      nextExecutionDate: followingSchedule(schedule, ti.date),
      runId: ti.run.run_id,
      tryNumber: (tiRow(ti.task.task_id, ti.date)?.try_number ?? 0) + 1,
      conf: config.entries(),
      timeoutSeconds: config.getInt('core', 'dagbag_import_timeout'),
      jobId,
      dagsFolder,
      baseLogFolder: config.get('core', 'base_log_folder'),
      markSuccess: args.mark_success,
      ignoreTaskDeps: args.ignore_dependencies,
      ignoreDependsOnPast,
      pool: args.pool,
      env: ctx.env,
      options,
      io,
      hang: ctx.hang,
      flood: ctx.flood,
    };
  }

  /** DagRun.update_state of 1.8.2: decided by the root tasks (no upstream), as the reference describes. */
  function dagRunState(run: DagRunRow): string {
    const date = parseNaive(run.execution_date)!;
    const states = dag.tasks.map((t) => ({ t, s: tiRow(t.task_id, date)?.state ?? null }));
    const finished = (x: { s: string | null }) =>
      x.s === SUCCESS || x.s === FAILED || x.s === UPSTREAM_FAILED || x.s === SKIPPED;
    const roots = states.filter((x) => x.t.upstream.length === 0);
    const dagRunRepr = `<DagRun ${dag.dag_id} @ ${pyStr(date)}: ${run.run_id}, externally triggered: False>`;
    io.log(
      'models.py:4204',
      'INFO',
      `Updating state for ${dagRunRepr} considering ${dag.tasks.length} task(s)`,
    );
    if (!states.every(finished)) return 'running';
    if (roots.some((x) => x.s === FAILED || x.s === UPSTREAM_FAILED)) {
      io.log('models.py:4245', 'INFO', `Marking run ${dagRunRepr} failed`);
      return 'failed';
    }
    if (roots.every((x) => x.s === SUCCESS || x.s === SKIPPED)) {
      io.log('models.py:4251', 'INFO', `Marking run ${dagRunRepr} successful`);
      return 'success';
    }
    return 'running';
  }
}
