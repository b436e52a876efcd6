import { backfillFrames, runBackfillJob } from './backfill-job.js';
import type { AirflowConfig } from './config.js';
import { collectDagFiles, type DagInfo, type DagTask, fillDagBag, processSubdir } from './dagbag.js';
import type { MetadataDb, PlainConnection } from './db.js';
import { airflowException, cliFrames, PythonException } from './errors.js';
import type { Fernet } from './fernet.js';
import type { Io } from './io.js';
import { type Naive, type ParsedDate, pyStr } from './naive-date.js';
import type { DoubleOptions } from './options.js';
import { renderTemplatedFields } from './render.js';
import { followingSchedule, previousSchedule, type Schedule, scheduleFromJson } from './schedule.js';

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

/** `backfill --dry_run`: each selected task's templated fields rendered for the first date, nothing run. */
async function dryRun(
  ctx: CommandContext,
  p: {
    dag: DagInfo;
    schedule: Schedule;
    tasks: readonly DagTask[];
    date: Naive;
    dagsFolder: string;
    connections: PlainConnection[];
    db: MetadataDb;
  },
): Promise<number> {
  const { io, config, options } = ctx;
  const { dag, schedule, tasks, dagsFolder, connections, db } = p;
  io.out(`Dry run of DAG ${dag.dag_id} on ${pyStr(p.date)}`);
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
      executionDate: p.date,
      prevExecutionDate: previousSchedule(schedule, p.date),
      nextExecutionDate: followingSchedule(schedule, p.date),
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

  if (args.dry_run)
    return dryRun(ctx, { dag, schedule, tasks, date: start.value, dagsFolder, connections, db });
  if (start.aware !== end.aware || start.aware) {
    throw new PythonException(
      'TypeError',
      "can't compare offset-naive and offset-aware datetimes",
      backfillFrames.slice(0, 6),
    );
  }

  return runBackfillJob({
    ctx,
    db,
    dag,
    schedule,
    tasks,
    start: start.value,
    end: end.value,
    connections,
    dagsFolder,
    markSuccess: args.mark_success,
    ignoreDependencies: args.ignore_dependencies,
    ignoreFirstDependsOnPast: args.ignore_first_depends_on_past,
    pool: args.pool,
  });
}
