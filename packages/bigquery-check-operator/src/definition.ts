import {
  BIGQUERY_ENDPOINT_FLAG,
  bigQueryAirflowDagSettings,
  bigQueryFor,
  getQueryResults,
  lastJobOutputs,
  oneLine,
  resolveBigQueryTarget,
  runQueryJob,
  withBigQueryErrors,
} from '@data-pipeline/bigquery-client';
import {
  type AirflowTaskRecord,
  classifyAirflowBigQueryLog,
  type ExitClass,
  type NativeContext,
  type NativeResult,
  type OperatorDefinition,
  OperatorError,
} from '@data-pipeline/runner';
import * as z from 'zod/mini';
import {
  bqCast,
  floatRepr,
  type PyValue,
  pyFloat,
  pyRepr,
  pyStr,
  toFloatIfPossible,
  truthy,
} from './python.js';

export const CHECK_CLASSES = {
  check: 'airflow.contrib.operators.bigquery_check_operator.BigQueryCheckOperator',
  value: 'airflow.contrib.operators.bigquery_check_operator.BigQueryValueCheckOperator',
  interval: 'airflow.contrib.operators.bigquery_check_operator.BigQueryIntervalCheckOperator',
} as const;
export type CheckKind = keyof typeof CHECK_CLASSES;

const baseSchema = z.object({
  check: z
    .optional(z.enum(['check', 'value', 'interval']))
    .check(
      z.describe(
        'Which 1.8.2 class: BigQueryCheckOperator, BigQueryValueCheckOperator or BigQueryIntervalCheckOperator (default: inferred from the kwargs given; not passed to Airflow)',
      ),
    ),
  sql: z
    .optional(
      z.string().check(
        z.minLength(1, 'must not be empty'),
        z.refine((s) => !/\.(sql|hql)$/.test(s), {
          message:
            'ends with .sql/.hql: Airflow 1.8.2 would look it up as a template file; pass the file as @path',
        }),
      ),
    )
    .check(
      z.describe('check/value: the SQL whose first row is checked (templated; always LEGACY SQL in 1.8.2)'),
    ),
  pass_value: z
    .optional(z.union([z.string(), z.number()]))
    .check(
      z.describe('value: expected value of every column (compared as float when numeric, else as text)'),
    ),
  tolerance: z
    .optional(z.number().check(z.gte(0)))
    .check(z.describe('value: relative tolerance for a numeric pass_value, e.g. 0.1')),
  table: z
    .optional(z.string().check(z.minLength(1)))
    .check(z.describe('interval: the table to compare (legacy SQL name)')),
  metrics_thresholds: z
    .optional(z.record(z.string().check(z.minLength(1)), z.number().check(z.positive())))
    .check(z.describe('interval: JSON object SQL metric expression → max ratio, e.g. `{"COUNT(*)": 1.5}`')),
  date_filter_column: z
    .optional(z.string().check(z.minLength(1)))
    .check(z.describe('interval: the date column compared with ds (1.8.2 default `ds`)')),
  days_back: z
    .optional(z.int())
    .check(
      z.describe('interval: days between ds and the reference date (1.8.2 default -7; the sign is ignored)'),
    ),
  bigquery_conn_id: z
    ._default(z.string().check(z.minLength(1)), 'bigquery_default')
    .check(z.describe('Airflow connection id for BigQuery')),
});

type BaseKwargs = z.infer<typeof baseSchema>;

const ONLY: Record<CheckKind, readonly (keyof BaseKwargs)[]> = {
  check: ['sql'],
  value: ['sql', 'pass_value', 'tolerance'],
  interval: ['table', 'metrics_thresholds', 'date_filter_column', 'days_back'],
};
const REQUIRED: Record<CheckKind, readonly (keyof BaseKwargs)[]> = {
  check: ['sql'],
  value: ['sql', 'pass_value'],
  interval: ['table', 'metrics_thresholds'],
};
const CLASS_KWARGS = [
  'sql',
  'pass_value',
  'tolerance',
  'table',
  'metrics_thresholds',
  'date_filter_column',
  'days_back',
] as const;

/** The class the kwargs select: `check` if given, else interval (table/metrics) → value (pass_value) → check. */
export function checkKind(k: BaseKwargs): CheckKind {
  if (k.check) return k.check;
  if (k.table !== undefined || k.metrics_thresholds !== undefined) return 'interval';
  if (k.pass_value !== undefined || k.tolerance !== undefined) return 'value';
  return 'check';
}

export const kwargsSchema = baseSchema.check(
  z.superRefine((k, ctx) => {
    const kind = checkKind(k);
    for (const key of CLASS_KWARGS) {
      if (k[key] !== undefined && !ONLY[kind].includes(key)) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `not a kwarg of ${CHECK_CLASSES[kind].split('.').pop()}`,
        });
      }
    }
    for (const key of REQUIRED[kind]) {
      if (k[key] === undefined)
        ctx.addIssue({ code: 'custom', path: [key], message: `required for --check ${kind}` });
    }
    if (kind === 'interval' && k.metrics_thresholds && Object.keys(k.metrics_thresholds).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['metrics_thresholds'], message: 'needs at least one metric' });
    }
  }),
);

export type CheckKwargs = z.infer<typeof kwargsSchema>;

/** Check failure → exit 1 (task-failed), never retried. */
function failed(message: string): OperatorError {
  return new OperatorError('task-failed', message);
}

const short = (sql: string): string => oneLine(sql, 200);

interface Runner {
  firstRow(sql: string): Promise<PyValue[] | undefined>;
}

async function runCheck(
  ctx: NativeContext<CheckKwargs>,
  sql: string,
  run: Runner,
): Promise<Record<string, string>> {
  ctx.log.info(`Executing SQL check: ${sql}`);
  const records = await run.firstRow(sql);
  ctx.log.info(`Record: ${records ? pyRepr(records) : 'None'}`);
  if (!records || records.length === 0) throw failed('The query returned None');
  if (!records.every(truthy)) {
    ctx.log.error(`Test failed.\nQuery:\n${sql}\nResults:\n${pyRepr(records)}`);
    throw failed(`Test failed. Results: ${pyRepr(records)}. Query: ${short(sql)}`);
  }
  ctx.log.info('Success.');
  return { record: pyRepr(records) };
}

async function runValueCheck(
  ctx: NativeContext<CheckKwargs>,
  sql: string,
  run: Runner,
): Promise<Record<string, string>> {
  const passValue = toFloatIfPossible(ctx.kwargs.pass_value);
  const tol = ctx.kwargs.tolerance;
  ctx.log.info(`Executing SQL check: ${sql}`);
  const records = await run.firstRow(sql);
  if (!records || records.length === 0) throw failed('The query returned None');
  const shownPass = typeof passValue === 'number' ? floatRepr(passValue) : String(passValue);
  const fail = (prefix = ''): OperatorError => {
    ctx.log.error(
      `${prefix}Test failed.\nPass value:${shownPass}\nQuery:\n${sql}\nResults:\n${pyRepr(records)}`,
    );
    return failed(
      `${prefix.trim() ? `${prefix.trim()} ` : ''}Test failed. Pass value: ${shownPass}. Results: ${pyRepr(records)}. Query: ${short(sql)}`,
    );
  };
  let ok: boolean;
  if (typeof passValue !== 'number') {
    ok = records.every((r) => pyStr(r) === passValue);
  } else {
    const nums = records.map((r) => pyFloat(r));
    if (nums.some((n) => n === undefined)) throw fail('Converting a result to float failed.\n');
    ok = (nums as number[]).every((r) =>
      tol !== undefined ? r / (1 + tol) <= passValue && passValue <= r / (1 - tol) : r === passValue,
    );
  }
  if (!ok) throw fail();
  ctx.log.info('Success.');
  return { record: pyRepr(records) };
}

/** 1.8.2's IntervalCheckOperator SQL (sorted metrics; `{{ ds }}` and `{{ macros.ds_add(ds, -N) }}` templates). */
export function intervalSql(k: CheckKwargs): { sql1: string; sql2: string; metrics: string[] } {
  const metrics = Object.keys(k.metrics_thresholds ?? {}).sort();
  const daysBack = -Math.abs(k.days_back ?? -7);
  const sqlt = `SELECT ${metrics.join(', ')} FROM ${k.table} WHERE ${k.date_filter_column ?? 'ds'}=`;
  return { sql1: `${sqlt}'{{ ds }}'`, sql2: `${sqlt}'{{ macros.ds_add(ds, ${daysBack}) }}'`, metrics };
}

async function runIntervalCheck(
  ctx: NativeContext<CheckKwargs>,
  sql1: string,
  sql2: string,
  metrics: string[],
  run: Runner,
): Promise<Record<string, string>> {
  const thresholds = ctx.kwargs.metrics_thresholds ?? {};
  ctx.log.info(`Executing SQL check: ${sql2}`);
  const row2 = await run.firstRow(sql2);
  ctx.log.info(`Executing SQL check: ${sql1}`);
  const row1 = await run.firstRow(sql1);
  // 1.8.2 means to raise "The query <sql> returned None" here (its code raises an AttributeError instead).
  if (!row2 || row2.length === 0) throw failed(`The query ${short(sql2)} returned None`);
  if (!row1 || row1.length === 0) throw failed(`The query ${short(sql1)} returned None`);
  const failedMetrics: string[] = [];
  metrics.forEach((m, i) => {
    const cur = pyFloat(row1[i] ?? null);
    const ref = pyFloat(row2[i] ?? null);
    const threshold = thresholds[m] as number;
    let ratio: number | undefined;
    if (cur !== undefined && ref !== undefined && cur !== 0 && ref !== 0) {
      ratio = Math.max(cur, ref) / Math.min(cur, ref);
    }
    ctx.log.info(
      `Ratio for ${m}: ${ratio === undefined ? 'None' : floatRepr(ratio)} \n Ratio threshold : ${threshold}`,
    );
    // A 0 or NULL metric gives ratio None; 1.8.2 on Python 3 then fails the task (TypeError) — a failed test here.
    if (ratio === undefined || !(ratio < threshold)) failedMetrics.push(m);
  });
  if (failedMetrics.length > 0) {
    ctx.log.warn(`The following ${failedMetrics.length} tests out of ${metrics.length} failed:`);
    throw failed(`The following tests have failed: ${failedMetrics.join(', ')}`);
  }
  ctx.log.info('All tests have passed');
  return { record: '' };
}

/** The native engine: the three 1.8.2 check operators (legacy SQL, get_first semantics) on @google-cloud/bigquery. */
export async function runCheckOperator(ctx: NativeContext<CheckKwargs>): Promise<NativeResult> {
  const { kwargs } = ctx; // `sql` rendered by the runner
  const kind = checkKind(kwargs);
  const interval = kind === 'interval' ? intervalSql(kwargs) : undefined;
  // IntervalCheckOperator's template_fields are the two queries it builds from its kwargs.
  const extra: Record<string, string> = interval
    ? {
        sql1: await ctx.renderTemplate('sql1', interval.sql1),
        sql2: await ctx.renderTemplate('sql2', interval.sql2),
      }
    : {};
  const target = resolveBigQueryTarget(ctx, kwargs.bigquery_conn_id);
  const bq = await bigQueryFor(ctx, target);
  let lastJobId = '';
  const run: Runner = {
    firstRow(sql) {
      return withBigQueryErrors(ctx.signal, 'BigQuery check query', async () => {
        // BigQueryHook.get_first → cursor.execute: a query job with use_legacy_sql=True, then the first row.
        const r = await runQueryJob(bq, {
          projectId: target.projectId,
          query: sql,
          useLegacySql: true,
          signal: ctx.signal,
          log: (m) => ctx.log.info(m),
        });
        lastJobId = r.jobId;
        const page = await getQueryResults(bq, r, 1);
        const row = page.rows?.[0];
        if (!row) return undefined;
        const fields = page.schema?.fields ?? [];
        return (row.f ?? []).map((cell, i) => bqCast(cell.v, fields[i]?.type ?? 'STRING'));
      });
    },
  };
  let outputs: Record<string, string>;
  if (kind === 'check') outputs = await runCheck(ctx, kwargs.sql as string, run);
  else if (kind === 'value') outputs = await runValueCheck(ctx, kwargs.sql as string, run);
  else
    outputs = await runIntervalCheck(
      ctx,
      extra.sql1 as string,
      extra.sql2 as string,
      (interval as { metrics: string[] }).metrics,
      run,
    );
  return { outputs: { ...outputs, 'job-id': lastJobId } };
}

const FAILED_CHECK_RE =
  /AirflowException: (Test failed\.|The query returned None|The following tests have failed|Converting a result to float failed)|The query .* returned None/;

/** Airflow engine: a failed check is exit 1 whatever numbers its SQL or results contain; else BigQuery reasons. */
export function classifyLog(taskLog: readonly string[]): ExitClass | undefined {
  if (taskLog.some((l) => FAILED_CHECK_RE.test(l))) return 'task-failed';
  return classifyAirflowBigQueryLog(taskLog);
}

/**
 * Airflow engine: `Record: <row>` (BigQueryCheckOperator) from the task log; the job id of the last check query from
 * the task's record, else (a double that does not run the DAG file) from the `Waiting for job to complete` line.
 */
export function harvestOutputs(
  taskLog: readonly string[],
  taskRecord?: AirflowTaskRecord,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of taskLog) {
    const rec = /\bRecord: (.*)$/.exec(line);
    if (rec) out.record = rec[1] as string;
    const job = /Waiting for job to complete : [^,\s]+, (\S+)/.exec(line);
    if (job) out['job-id'] = job[1] as string;
  }
  const recorded = lastJobOutputs(taskRecord);
  if (recorded) out['job-id'] = recorded['job-id'];
  return out;
}

export const definition: OperatorDefinition<typeof kwargsSchema> = {
  name: 'bigquery-check-operator',
  version: '0.1.0',
  description:
    'Airflow 1.8.2 BigQueryCheckOperator / BigQueryValueCheckOperator / BigQueryIntervalCheckOperator (legacy SQL)',
  airflowClass: (k) => CHECK_CLASSES[checkKind(k)],
  airflowKwargs: (k) => {
    const { check: _omit, ...rest } = k;
    return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  },
  kwargs: kwargsSchema,
  templatedFields: ['sql'],
  fileFields: ['sql'],
  outputs: ['record', 'job-id'],
  extraFlags: [BIGQUERY_ENDPOINT_FLAG],
  airflowDagSettings: bigQueryAirflowDagSettings,
  harvestOutputs,
  classifyLog,
  native: runCheckOperator,
  engines: ['airflow', 'native'],
};
