import { randomUUID } from 'node:crypto';
import { PyDatetime, PyValueError, strptime } from './pydatetime.js';

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
}

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
datetimeCtor.now = datetimeCtor.utcnow;
datetimeCtor.toString = (): string => "<class 'datetime.datetime'>";

/** The `macros` module of Airflow 1.8.2, minus `dateutil`, `timedelta` arithmetic and the Hive helpers. */
export const macros = Object.freeze({
  ds_add: dsAdd,
  ds_format: dsFormat,
  datetime: datetimeCtor,
  random: Math.random,
  uuid: Object.freeze({ uuid4: (): string => randomUUID() }),
  time: Object.freeze({ time: (): number => Date.now() / 1000 }),
  toString: (): string => "<module 'airflow.macros'>",
});

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
  const task = { task_id: options.taskId, toString: () => `<Task: ${options.taskId}>` };
  const dag = { dag_id: options.dagId, toString: () => `<DAG: ${options.dagId}>` };
  const ti = {
    dag_id: options.dagId,
    task_id: options.taskId,
    execution_date: ed,
    toString: () => `<TaskInstance: ${options.dagId}.${options.taskId} ${ed} [running]>`,
  };
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
    prev_execution_date: shift(ed, options.schedule ?? '@once', -1),
    next_execution_date: shift(ed, options.schedule ?? '@once', 1),
    dag_run: NONE,
    run_id: options.runId ?? `backfill_${ts}`,
    macros,
    params,
    tables: 'tables' in params ? params.tables : NONE,
    task,
    task_instance: ti,
    ti,
    task_instance_key_str: `${options.dagId}__${options.taskId}__${dsNodash}`,
    test_mode: options.testMode ?? false,
  };
}
