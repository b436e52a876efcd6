import { randomUUID } from 'node:crypto';
import { PyDatetime, PyRelativedelta, PyTimedelta, PyValueError, strptime } from './pydatetime.js';
import { PyKeyError, StrictObject, UnsupportedError } from './pyops.js';

export interface TemplateContextOptions {
  readonly dagId: string;
  readonly taskId: string;
  /** DAG params merged with task params (task wins), as Airflow 1.8.2 does. */
  readonly params?: Readonly<Record<string, unknown>>;
  /**
   * The DAG's schedule, for prev/next_execution_date. `@once` (the default, like the runner's one-task DAGs) or `null`
   * → both None; `@daily`/`@hourly`/`@weekly` → one interval before/after.
   */
  readonly schedule?: '@once' | '@daily' | '@hourly' | '@weekly' | null;
  /** `run_id`; default `backfill_<ts>` (the runner runs `airflow backfill`). */
  readonly runId?: string;
  readonly testMode?: boolean;
  /** `task.owner`: the runner's DAG sets `default_args={'owner': 'data-pipeline', 'retries': 0, …}`. */
  readonly owner?: string;
}

/** The runner's DAG default_args owner (packages/runner/src/airflow-home.ts; checked against real Airflow). */
export const RUNNER_OWNER = 'data-pipeline';

/** Python `None` in a template context (renders as `None`, falsy). */
export const NONE = null;

type Kwargs = { __keywords?: true; [k: string]: unknown };

/** nunjucks passes keyword arguments as a trailing object flagged `__keywords`. */
function splitArgs(args: unknown[], names: readonly string[]): unknown[] {
  const last = args[args.length - 1] as Kwargs | undefined;
  if (last && typeof last === 'object' && last.__keywords === true) {
    const positional = args.slice(0, -1);
    return names.map((n, i) => (i < positional.length ? positional[i] : last[n]));
  }
  return args;
}

function asDs(v: unknown): string {
  if (v instanceof PyDatetime)
    throw new PyValueError(`strptime() argument 1 must be str, not datetime.datetime`);
  if (typeof v !== 'string')
    throw new PyValueError(`strptime() argument 1 must be str, not ${pyTypeName(v)}`);
  return v;
}

function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'boolean') return 'bool';
  return typeof v;
}

/** `macros.ds_add(ds, days)` of Airflow 1.8.2: `(strptime(ds, '%Y-%m-%d') + timedelta(days)).isoformat()[:10]`. */
export function dsAdd(...args: unknown[]): string {
  const [ds, days] = splitArgs(args, ['ds', 'days']);
  const dt = strptime(asDs(ds), '%Y-%m-%d');
  let n = 0;
  if (typeof days === 'number') n = days;
  else if (typeof days === 'boolean') n = days ? 1 : 0;
  else if (days !== undefined && days !== null) {
    throw new PyValueError(`unsupported type for timedelta days component: ${pyTypeName(days)}`);
  }
  return (n ? dt.addDays(n) : dt).isoformat().slice(0, 10);
}

/** `macros.ds_format(ds, input_format, output_format)` of Airflow 1.8.2. */
export function dsFormat(...args: unknown[]): string {
  const [ds, inFmt, outFmt] = splitArgs(args, ['ds', 'input_format', 'output_format']);
  if (typeof inFmt !== 'string' || typeof outFmt !== 'string') {
    throw new PyValueError('ds_format() needs an input_format and an output_format string');
  }
  return strptime(asDs(ds), inFmt).strftime(outFmt);
}

function datetimeCtor(...args: unknown[]): PyDatetime {
  const [y, mo, d, h, mi, s, us] = splitArgs(args, [
    'year',
    'month',
    'day',
    'hour',
    'minute',
    'second',
    'microsecond',
  ]) as (number | undefined)[];
  if (y === undefined || mo === undefined || d === undefined) {
    throw new PyValueError("datetime() requires 'year', 'month' and 'day'");
  }
  return PyDatetime.of(y, mo, d, h ?? 0, mi ?? 0, s ?? 0, us ?? 0);
}
datetimeCtor.strptime = (text: unknown, fmt: unknown): PyDatetime => strptime(asDs(text), String(fmt));
datetimeCtor.utcnow = (): PyDatetime => PyDatetime.fromDate(new Date());
// The runner's pods and processes run in UTC, where now() and utcnow() agree.
datetimeCtor.now = datetimeCtor.utcnow;
datetimeCtor.toString = (): string => "<class 'datetime.datetime'>";

const timedeltaCtor = (...args: unknown[]): PyTimedelta => PyTimedelta.create(...args);
timedeltaCtor.toString = (): string => "<class 'datetime.timedelta'>";

const unsupported = (what: string) => (name: string) => new UnsupportedError(`${what}.${name}`);

/** `macros.dateutil`: the package as 1.8.2 sees it once `dateutil.relativedelta` is imported (airflow/utils/dates). */
const dateutil = new StrictObject(
  {
    relativedelta: new StrictObject(
      { relativedelta: (...args: unknown[]) => PyRelativedelta.create(...args) },
      unsupported('macros.dateutil.relativedelta'),
      () => "<module 'dateutil.relativedelta'>",
    ),
  },
  unsupported('macros.dateutil'),
  () => "<module 'dateutil'>",
);

/** The `macros` module of Airflow 1.8.2, minus the Hive helpers (they need a metastore). */
export const macros = Object.freeze({
  ds_add: dsAdd,
  ds_format: dsFormat,
  datetime: datetimeCtor,
  timedelta: timedeltaCtor,
  dateutil,
  hive: new StrictObject({}, unsupported('macros.hive'), () => {
    throw new UnsupportedError('macros.hive');
  }),
  random: Math.random,
  uuid: Object.freeze({ uuid4: (): string => randomUUID() }),
  time: Object.freeze({ time: (): number => Date.now() / 1000 }),
  toString: (): string => "<module 'airflow.macros'>",
});

/**
 * `conf` is Airflow's configuration module: on the Airflow engine, the step's private airflow.cfg. The native engine
 * has none, so any use fails rather than inventing values.
 */
const conf = new StrictObject({}, unsupported('conf'), () => {
  throw new UnsupportedError('conf (the Airflow configuration)');
});

/**
 * `var.value.x` / `var.json.x` read Airflow Variables from the metadata database (1.8.2 has no AIRFLOW_VAR_* or
 * other source). The runner's database is created fresh for every step, so there are never any: both engines raise
 * KeyError('Variable x does not exist'), as 1.8.2's `Variable.get` does. `str()` of an accessor is `None`.
 */
function variableAccessor(): StrictObject {
  return new StrictObject(
    {},
    (name) => new PyKeyError(`'Variable ${name} does not exist'`),
    () => 'None',
  );
}

function shift(
  dt: PyDatetime,
  schedule: TemplateContextOptions['schedule'],
  sign: 1 | -1,
): PyDatetime | null {
  switch (schedule) {
    case '@daily':
      return dt.addDays(sign);
    case '@hourly':
      return dt.addDays(sign / 24);
    case '@weekly':
      return dt.addDays(7 * sign);
    default:
      return NONE;
  }
}

/**
 * Airflow 1.8.2's `TaskInstance.get_template_context()` for an execution date (naive; the UTC fields of `executionDate`
 * are the wall-clock time), with the keys the native engine can honour. `dag`/`task`/`ti` are small stand-ins
 * carrying ids only; `conf` and `var` are absent (rendering them raises, like an undefined value).
 */
export function templateContext(
  executionDate: Date,
  options: TemplateContextOptions,
): Record<string, unknown> {
  if (Number.isNaN(executionDate.getTime())) throw new RangeError('invalid execution date');
  const ed = PyDatetime.fromDate(executionDate);
  const ds = ed.isoformat().slice(0, 10);
  const dsNodash = ds.replaceAll('-', '');
  const ts = ed.isoformat();
  const yesterday = ed.addDays(-1).isoformat().slice(0, 10);
  const tomorrow = ed.addDays(1).isoformat().slice(0, 10);
  const params = { ...(options.params ?? {}) };
  const owner = options.owner ?? RUNNER_OWNER;
  const schedule = options.schedule === undefined ? '@once' : options.schedule;
  // Stand-ins with the attributes the runner's one-task DAG fixes; any other attribute fails (the real objects have
  // dozens, and the operator's own kwargs, which the native engine does not mirror).
  const dag = new StrictObject(
    { dag_id: options.dagId, owner, schedule_interval: schedule, params: {}, start_date: ed },
    unsupported('dag'),
    () => `<DAG: ${options.dagId}>`,
  );
  const task = new StrictObject(
    {
      task_id: options.taskId,
      dag_id: options.dagId,
      dag,
      owner,
      retries: 0,
      depends_on_past: false,
      params,
      start_date: ed,
    },
    unsupported('task'),
    // 1.8.2 prints `<Task(ClassName): task_id>`; the operator's class is not part of the native context.
    () => {
      throw new UnsupportedError('printing task (its repr names the operator class)');
    },
  );
  const ti = new StrictObject(
    {
      dag_id: options.dagId,
      task_id: options.taskId,
      task,
      execution_date: ed,
      try_number: 1,
      state: 'running',
    },
    unsupported('ti'),
    () => `<TaskInstance: ${options.dagId}.${options.taskId} ${ed} [running]>`,
  );
  const runId = options.runId ?? `backfill_${ts}`;
  // `airflow backfill` creates a DagRun before the task runs, so 1.8.2's context has one (not None).
  const dagRun = new StrictObject(
    { dag_id: options.dagId, run_id: runId, execution_date: ed, external_trigger: false, conf: NONE },
    unsupported('dag_run'),
    () => `<DagRun ${options.dagId} @ ${ed}: ${runId}, externally triggered: False>`,
  );
  return {
    dag,
    ds,
    ds_nodash: dsNodash,
    ts,
    ts_nodash: ts.replaceAll('-', '').replaceAll(':', ''),
    yesterday_ds: yesterday,
    yesterday_ds_nodash: yesterday.replaceAll('-', ''),
    tomorrow_ds: tomorrow,
    tomorrow_ds_nodash: tomorrow.replaceAll('-', ''),
    END_DATE: ds,
    end_date: ds,
    latest_date: ds,
    execution_date: ed,
    prev_execution_date: shift(ed, schedule, -1),
    next_execution_date: shift(ed, schedule, 1),
    dag_run: dagRun,
    run_id: runId,
    macros,
    params,
    tables: 'tables' in params ? params.tables : NONE,
    task,
    task_instance: ti,
    ti,
    task_instance_key_str: `${options.dagId}__${options.taskId}__${dsNodash}`,
    test_mode: options.testMode ?? false,
    conf,
    var: { value: variableAccessor(), json: variableAccessor() },
  };
}
