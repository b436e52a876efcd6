/**
 * The BackfillJob of 1.8.2's jobs.py as the double runs it, one method per phase: the job row, the DagRuns and task
 * instances, the scheduling loop (dependency checks, the SequentialExecutor's synchronous runs, DagRun states), and
 * the end-of-run verdict. `airflow backfill` (backfill.ts) resolves the DAG and the dates, then hands over here.
 */
import type { CommandContext } from './backfill.js';
import type { DagInfo, DagTask } from './dagbag.js';
import type { DagRunRow, MetadataDb, PlainConnection, TaskInstanceRow } from './db.js';
import { airflowException, cliFrames, operationalError } from './errors.js';
import { isoformat, type Naive, nowNaive, pyRepr, pyStr } from './naive-date.js';
import {
  backfillDates,
  followingSchedule,
  isScheduled,
  previousSchedule,
  type Schedule,
} from './schedule.js';
import { localRunCommand, runTaskInstance, taskInstanceRepr } from './taskrun.js';

export interface BackfillPlan {
  readonly ctx: CommandContext;
  readonly db: MetadataDb;
  readonly dag: DagInfo;
  readonly schedule: Schedule;
  /** The tasks `-t`/`-i` selected, upstream first. */
  readonly tasks: readonly DagTask[];
  readonly start: Naive;
  readonly end: Naive;
  readonly connections: PlainConnection[];
  readonly dagsFolder: string;
  readonly markSuccess: boolean;
  readonly ignoreDependencies: boolean;
  readonly ignoreFirstDependsOnPast: boolean;
  readonly pool: string | undefined;
}

const SUCCESS = 'success';
const FAILED = 'failed';
const UPSTREAM_FAILED = 'upstream_failed';
const SKIPPED = 'skipped';

export const backfillFrames = [
  ...cliFrames('backfill', 'pool=args.pool)'),
  '  File "/usr/local/lib/python3.6/site-packages/airflow/models.py", line 3370, in run',
  '    job.run()',
  '  File "/usr/local/lib/python3.6/site-packages/airflow/jobs.py", line 200, in run',
  '    self._execute()',
  '  File "/usr/local/lib/python3.6/site-packages/airflow/jobs.py", line 2066, in _execute',
  '    raise AirflowException(err)',
];

interface Ti {
  readonly key: string;
  readonly task: DagTask;
  readonly date: Naive;
  readonly run: DagRunRow;
}

type Verdict =
  | { met: true }
  | { met: false; upstreamFailed: false; dep: string; reason: string }
  | { met: false; upstreamFailed: true };

const unmet = (dep: string, reason: string): Verdict => ({ met: false, upstreamFailed: false, dep, reason });
const PREVIOUS_NOT_RUN = unmet(
  'Previous Dagrun State',
  "depends_on_past is true for this task's DAG, but the previous task instance has not run yet.",
);

const keyRepr = (dagId: string, ti: Ti) => `('${dagId}', '${ti.task.task_id}', ${pyRepr(ti.date)})`;
const setRepr = (items: readonly string[]) => (items.length ? `{${items.join(', ')}}` : 'set()');

export function parseNaive(s: string | null): Naive | undefined {
  if (!s) return undefined;
  const t = Date.parse(`${s.slice(0, 23)}Z`);
  return Number.isNaN(t) ? undefined : t;
}

/** Runs the backfill of `plan`; resolves with 0, or throws the AirflowException 1.8.2 ends with. */
export function runBackfillJob(plan: BackfillPlan): Promise<number> {
  return new BackfillJob(plan).run();
}

class BackfillJob {
  private doc!: ReturnType<MetadataDb['tables']>;
  private jobId = 0;
  private readonly toRun = new Map<string, Ti>();
  private readonly succeeded: Ti[] = [];
  private readonly failed: Ti[] = [];
  private readonly skipped: Ti[] = [];
  private deadlocked: Ti[] = [];
  private readonly activeRuns = new Set<DagRunRow>();
  private totalRuns = 0;
  private finishedRuns = 0;
  private readonly now = nowNaive();
  private readonly dagEnd: Naive | undefined;

  constructor(private readonly plan: BackfillPlan) {
    this.dagEnd = parseNaive(plan.dag.end_date);
  }

  async run(): Promise<number> {
    const { ctx, db, dag, schedule } = this.plan;
    const { io, options } = ctx;
    const jobSql =
      'INSERT INTO job (dag_id, state, job_type, start_date, end_date, latest_heartbeat, executor_class, hostname, unixname) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';
    if (options.outcome === 'db-locked') {
      db.tables('job', jobSql);
      throw operationalError('database is locked', jobSql);
    }
    this.doc = db.tables('job', jobSql);
    this.jobId = db.nextId();

    const maxRuns = dag.max_active_runs;
    const running = this.doc.dag_runs.filter(
      (r) => r.dag_id === dag.dag_id && r.state === 'running' && !r.external_trigger,
    );
    if (options.outcome === 'ran-nothing' || (isScheduled(schedule) && running.length >= maxRuns)) {
      io.log('jobs.py:1791', 'INFO', `Dag ${dag.dag_id} has reached maximum amount of ${maxRuns} dag runs`);
      db.commit();
      return 0;
    }
    this.createRuns();
    while (this.toRun.size > 0 && this.deadlocked.length === 0) await this.iterate();
    const err = this.verdict();
    if (err) throw airflowException(err, backfillFrames);
    io.log('jobs.py:2065', 'INFO', 'Backfill done. Exiting.');
    return 0;
  }

  private tiRow(task: string, date: Naive): TaskInstanceRow | undefined {
    const iso = isoformat(date);
    return this.doc.task_instances.find(
      (r) => r.dag_id === this.plan.dag.dag_id && r.task_id === task && r.execution_date === iso,
    );
  }

  private stateOf(ti: Ti): string | null {
    return this.tiRow(ti.task.task_id, ti.date)?.state ?? null;
  }

  private repr(ti: Ti): string {
    return taskInstanceRepr(this.plan.dag.dag_id, ti.task.task_id, ti.date, this.stateOf(ti));
  }

  /** A DagRun per date (reused when one exists), a task instance row per task, the selected ones scheduled. */
  private createRuns(): void {
    const { db, dag, schedule, tasks, start, end } = this.plan;
    const tis: Ti[] = [];
    for (const date of backfillDates(schedule, start, end)) {
      const iso = isoformat(date);
      let run = this.doc.dag_runs.find((r) => r.dag_id === dag.dag_id && r.execution_date === iso);
      if (!run) {
        run = {
          id: db.nextId(),
          dag_id: dag.dag_id,
          execution_date: iso,
          run_id: `backfill_${iso}`,
          state: 'running',
          external_trigger: false,
        };
        this.doc.dag_runs.push(run);
      }
      run.state = 'running';
      for (const t of dag.tasks) {
        if (!this.tiRow(t.task_id, date)) {
          this.doc.task_instances.push({
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
        const row = this.tiRow(t.task_id, date)!;
        if (row.state === null) row.state = 'scheduled';
        tis.push({ key: `${t.task_id}@${iso}`, task: t, date, run });
      }
    }
    db.commit();
    for (const ti of tis) {
      this.toRun.set(ti.key, ti);
      this.activeRuns.add(ti.run);
    }
    this.totalRuns = this.activeRuns.size;
  }

  private ignorePastFor(ti: Ti): boolean {
    return this.plan.ignoreFirstDependsOnPast && ti.date === this.plan.start;
  }

  /**
   * The dependency checks of one TI. `taskDepsOnly` is the final deadlock diagnosis of jobs.py:2042, whose default
   * DepContext holds only the task's own deps (retry period, previous run, trigger rule): no execution-date check.
   */
  private check(ti: Ti, ignoreDependsOnPast: boolean, taskDepsOnly = false): Verdict {
    const iso = isoformat(ti.date);
    if (this.plan.ctx.options.outcome === 'deadlock') {
      return taskDepsOnly && ignoreDependsOnPast ? { met: true } : PREVIOUS_NOT_RUN;
    }
    if (taskDepsOnly) return this.checkTaskDeps(ti, ignoreDependsOnPast);
    if (ti.date > this.now) {
      return unmet(
        'Execution Date',
        `Execution date ${iso} is in the future (the current date is ${isoformat(this.now)}).`,
      );
    }
    const taskEnd = parseNaive(typeof ti.task.values.end_date === 'string' ? ti.task.values.end_date : null);
    if (taskEnd !== undefined && ti.date > taskEnd) {
      return unmet(
        'Execution Date',
        `The execution date is ${iso} but this is after the task's end date ${isoformat(taskEnd)}.`,
      );
    }
    if (this.dagEnd !== undefined && ti.date > this.dagEnd) {
      return unmet(
        'Execution Date',
        `The execution date is ${iso} but this is after the task's DAG's end date ${isoformat(this.dagEnd)}.`,
      );
    }
    if (this.plan.ignoreDependencies) return { met: true };
    return this.checkTaskDeps(ti, ignoreDependsOnPast);
  }

  /** depends_on_past, then the trigger rule over the upstream states. */
  private checkTaskDeps(ti: Ti, ignoreDependsOnPast: boolean): Verdict {
    const { dag, schedule } = this.plan;
    if (ti.task.values.depends_on_past === true && !ignoreDependsOnPast) {
      const prev = previousSchedule(schedule, ti.date);
      const taskStart = parseNaive(
        typeof ti.task.values.start_date === 'string' ? ti.task.values.start_date : dag.start_date,
      );
      if (prev !== undefined && !(taskStart !== undefined && prev < taskStart)) {
        const prevRow = this.tiRow(ti.task.task_id, prev);
        if (!prevRow || prevRow.state === null || prevRow.state === 'scheduled') {
          return PREVIOUS_NOT_RUN;
        }
        if (prevRow.state !== SUCCESS && prevRow.state !== SKIPPED) {
          return unmet(
            'Previous Dagrun State',
            `depends_on_past is true for this task, but the previous task instance ${taskInstanceRepr(dag.dag_id, ti.task.task_id, prev, prevRow.state)} is in the state '${prevRow.state}' which is not a successful state.`,
          );
        }
      }
    }
    const ups = ti.task.upstream.map((u) => this.tiRow(u, ti.date)?.state ?? null);
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
  }

  /** One loop of BackfillJob._execute: sort the TIs, run what is queued, detect a deadlock, update the DagRuns. */
  private async iterate(): Promise<void> {
    const { ctx, db, connections } = this.plan;
    const { io } = ctx;
    const notReady = new Set<string>();
    const queued = this.queueReady(notReady);
    db.commit();
    // SequentialExecutor.heartbeat(): run every queued command synchronously.
    for (const ti of queued) {
      const req = { ...this.requestFor(ti, this.ignorePastFor(ti)), connections };
      io.log('sequential_executor.py:40', 'INFO', `Executing command: ${localRunCommand(req).join(' ')}`);
      const result = await runTaskInstance(req);
      const row = this.tiRow(ti.task.task_id, ti.date)!;
      row.state = result === 'success' ? SUCCESS : FAILED;
      row.try_number += 1;
      row.job_id = this.jobId;
      db.commit();
    }
    if (notReady.size > 0 && queued.length === 0 && [...this.toRun.keys()].every((k) => notReady.has(k))) {
      const waiting = [...this.toRun.values()].map((t) => this.repr(t));
      io.log(
        'jobs.py:1976',
        'WARNING',
        `Deadlock discovered for tasks_to_run=dict_values([${waiting.join(', ')}])`,
      );
      this.deadlocked = [...this.toRun.values()];
      this.toRun.clear();
    }
    for (const ti of queued) {
      const row = this.tiRow(ti.task.task_id, ti.date)!;
      this.toRun.delete(ti.key);
      if (row.state === FAILED) {
        io.log('jobs.py:1694', 'ERROR', `Task instance ${this.repr(ti)} failed`);
        this.failed.push(ti);
      } else {
        this.succeeded.push(ti);
      }
    }
    for (const run of [...this.activeRuns]) {
      const state = this.dagRunState(run);
      if (state !== 'running') {
        run.state = state;
        this.finishedRuns += 1;
        this.activeRuns.delete(run);
      }
    }
    db.commit();
    io.log(
      'jobs.py:2020',
      'INFO',
      `[backfill progress] | finished run ${this.finishedRuns} of ${this.totalRuns} | tasks waiting: ${this.toRun.size} | succeeded: ${this.succeeded.length} | kicked_off: 0 | failed: ${this.failed.length} | skipped: ${this.skipped.length} | deadlocked: ${this.deadlocked.length} | not ready: ${notReady.size}`,
    );
    // BackfillJob.heartbeat() closes every iteration, including the last one.
    await ctx.sleep(ctx.options.heartbeatMs);
  }

  /** Sorts the TIs still to run by state: finished ones leave, ready ones are queued, the rest are not ready. */
  private queueReady(notReady: Set<string>): Ti[] {
    const { io } = this.plan.ctx;
    const queued: Ti[] = [];
    for (const ti of [...this.toRun.values()]) {
      const row = this.tiRow(ti.task.task_id, ti.date)!;
      if (
        row.state === SUCCESS ||
        row.state === SKIPPED ||
        row.state === FAILED ||
        row.state === UPSTREAM_FAILED
      ) {
        (row.state === SUCCESS ? this.succeeded : row.state === SKIPPED ? this.skipped : this.failed).push(
          ti,
        );
        this.toRun.delete(ti.key);
        continue;
      }
      const ignorePast = this.ignorePastFor(ti);
      const v = this.check(ti, ignorePast);
      if (v.met) {
        io.log('models.py:1128', 'INFO', `Dependencies all met for ${this.repr(ti)}`);
        row.state = 'queued';
        queued.push(ti);
        const cmd = localRunCommand({
          ...this.requestFor(ti, ignorePast),
          connections: this.plan.connections,
        });
        io.log('base_executor.py:50', 'INFO', `Adding to queue: ${cmd.join(' ')}`);
      } else if (v.upstreamFailed) {
        row.state = UPSTREAM_FAILED;
        io.log('jobs.py:1907', 'ERROR', `Task instance ${this.repr(ti)} upstream failed`);
        this.failed.push(ti);
        this.toRun.delete(ti.key);
      } else {
        io.log(
          'models.py:1121',
          'INFO',
          `Dependencies not met for ${this.repr(ti)}, dependency '${v.dep}' FAILED: ${v.reason}`,
        );
        notReady.add(ti.key);
      }
    }
    return queued;
  }

  /** The error text BackfillJob raises at the end (empty when every TI succeeded or was skipped). */
  private verdict(): string {
    const dagId = this.plan.dag.dag_id;
    const { io, options } = this.plan.ctx;
    let err = '';
    const dash = '-'.repeat(51);
    if (this.failed.length) {
      err += `${dash}\nSome task instances failed:\n${setRepr(this.failed.map((t) => keyRepr(dagId, t)))}\n`;
    }
    if (!this.deadlocked.length) return err;
    err += `${dash}\nBackfillJob is deadlocked.`;
    // any() over the deadlocked TIs, each checked verbosely twice (with and without depends_on_past): the lines
    // those checks log come after the last progress line, and any() stops at the first difference.
    const verbose = (t: Ti, ignorePast: boolean): boolean => {
      const v = this.check(t, ignorePast, true);
      if (v.met) io.log('models.py:1128', 'INFO', `Dependencies all met for ${this.repr(t)}`);
      else if (!v.upstreamFailed)
        io.log(
          'models.py:1121',
          'INFO',
          `Dependencies not met for ${this.repr(t)}, dependency '${v.dep}' FAILED: ${v.reason}`,
        );
      return v.met;
    };
    const dependsOnPast = this.deadlocked.some((t) => verbose(t, false) !== verbose(t, true));
    if (dependsOnPast || options.outcome === 'deadlock') {
      err +=
        'Some of the deadlocked tasks were unable to run because of "depends_on_past" relationships. Try running the backfill with the option "ignore_first_depends_on_past=True" or passing "-I" at the command line.';
    }
    err += ` These tasks have succeeded:\n${setRepr(this.succeeded.map((t) => keyRepr(dagId, t)))}\n`;
    // `started` is a dict in jobs.py (key → TI): empty, it prints as {}.
    err += ' These tasks have started:\n{}\n';
    err += ` These tasks have failed:\n${setRepr(this.failed.map((t) => keyRepr(dagId, t)))}\n`;
    err += ` These tasks are skipped:\n${setRepr(this.skipped.map((t) => keyRepr(dagId, t)))}\n`;
    err += ` These tasks are deadlocked:\n${setRepr(this.deadlocked.map((t) => this.repr(t)))}\n`;
    return err;
  }

  private requestFor(ti: Ti, ignoreDependsOnPast: boolean) {
    const { ctx, dag, schedule } = this.plan;
    const { config } = ctx;
    return {
      dag,
      task: ti.task,
      executionDate: ti.date,
      prevExecutionDate: previousSchedule(schedule, ti.date),
      nextExecutionDate: followingSchedule(schedule, ti.date),
      runId: ti.run.run_id,
      tryNumber: (this.tiRow(ti.task.task_id, ti.date)?.try_number ?? 0) + 1,
      conf: config.entries(),
      timeoutSeconds: config.getInt('core', 'dagbag_import_timeout'),
      jobId: this.jobId,
      dagsFolder: this.plan.dagsFolder,
      baseLogFolder: config.get('core', 'base_log_folder'),
      markSuccess: this.plan.markSuccess,
      ignoreTaskDeps: this.plan.ignoreDependencies,
      ignoreDependsOnPast,
      pool: this.plan.pool,
      env: ctx.env,
      options: ctx.options,
      io: ctx.io,
      hang: ctx.hang,
      flood: ctx.flood,
    };
  }

  /** DagRun.update_state of 1.8.2: decided by the root tasks (no upstream), as the reference describes. */
  private dagRunState(run: DagRunRow): string {
    const { dag, ctx } = this.plan;
    const date = parseNaive(run.execution_date)!;
    const states = dag.tasks.map((t) => ({ t, s: this.tiRow(t.task_id, date)?.state ?? null }));
    const finished = (x: { s: string | null }) =>
      x.s === SUCCESS || x.s === FAILED || x.s === UPSTREAM_FAILED || x.s === SKIPPED;
    const roots = states.filter((x) => x.t.upstream.length === 0);
    const dagRunRepr = `<DagRun ${dag.dag_id} @ ${pyStr(date)}: ${run.run_id}, externally triggered: False>`;
    ctx.io.log(
      'models.py:4204',
      'INFO',
      `Updating state for ${dagRunRepr} considering ${dag.tasks.length} task(s)`,
    );
    if (!states.every(finished)) return 'running';
    if (roots.some((x) => x.s === FAILED || x.s === UPSTREAM_FAILED)) {
      ctx.io.log('models.py:4245', 'INFO', `Marking run ${dagRunRepr} failed`);
      return 'failed';
    }
    if (roots.every((x) => x.s === SUCCESS || x.s === SKIPPED)) {
      ctx.io.log('models.py:4251', 'INFO', `Marking run ${dagRunRepr} successful`);
      return 'success';
    }
    return 'running';
  }
}
