import {
  BIGQUERY_ENDPOINT_FLAG,
  bigQueryAirflowDagSettings,
  bigQueryFor,
  formatTableName,
  lastJobOutputs,
  parseTableName,
  resolveBigQueryTarget,
  rowsWritten,
  runQueryJob,
  type TableName,
  TableNameError,
  withBigQueryErrors,
} from '@data-pipeline/bigquery-client';
import {
  type AirflowTaskRecord,
  classifyAirflowBigQueryLog,
  type NativeContext,
  type NativeResult,
  type OperatorDefinition,
  OperatorError,
} from '@data-pipeline/runner';
import * as z from 'zod/mini';

const udfResource = z
  .strictObject({
    resourceUri: z.optional(z.string().check(z.minLength(1))),
    inlineCode: z.optional(z.string().check(z.minLength(1))),
  })
  .check(
    z.refine((r) => (r.resourceUri === undefined) !== (r.inlineCode === undefined), {
      message: 'each UDF resource needs exactly one of resourceUri or inlineCode',
    }),
  );

/** Airflow 1.8.2 `BigQueryOperator.__init__` kwargs, with 1.8.2's defaults. */
export const kwargsSchema = z.object({
  bql: z.string().check(
    z.minLength(1, 'must not be empty'),
    z.refine((s) => !s.endsWith('.sql'), {
      message:
        'ends with .sql: Airflow 1.8.2 would look it up as a template file in the DAG folder; pass the file as @path',
    }),
    z.describe(
      'The SQL to run (Jinja-templated with the Airflow 1.8.2 context); `@file` reads it from a file',
    ),
  ),
  destination_dataset_table: z
    .optional(z.string().check(z.minLength(1)))
    .check(
      z.describe(
        'Templated destination `(project:|project.)dataset.table[$YYYYMMDD]`; without it the result is not stored',
      ),
    ),
  write_disposition: z
    ._default(z.enum(['WRITE_EMPTY', 'WRITE_TRUNCATE', 'WRITE_APPEND']), 'WRITE_EMPTY')
    .check(z.describe('What to do when the destination (partition) has data')),
  allow_large_results: z
    ._default(z.boolean(), false)
    .check(z.describe('Allow large results (legacy SQL with a destination)')),
  use_legacy_sql: z
    ._default(z.boolean(), true)
    .check(z.describe('Legacy SQL (1.8.2 default: true). Use `false` for `#standardSQL` queries')),
  udf_config: z
    .optional(z.array(udfResource))
    .check(
      z.describe(
        'JSON list of UDF resources `[{"resourceUri": "gs://..."}|{"inlineCode": "..."}]` (legacy SQL)',
      ),
    ),
  bigquery_conn_id: z
    ._default(z.string().check(z.minLength(1)), 'bigquery_default')
    .check(z.describe('Airflow connection id for BigQuery')),
  delegate_to: z
    .optional(z.string().check(z.minLength(1)))
    .check(z.describe('Account to impersonate; accepted but has no effect, as in 1.8.2 (see README)')),
});

export type BigQueryOperatorKwargs = z.infer<typeof kwargsSchema>;

const WAITING_RE = /Waiting for job to complete : ([^,\s]+), (\S+)/;

/**
 * Airflow engine: the job the task recorded (job id, destination, rows written, as the native engine reports them).
 * Without a record (a double that does not run the DAG file) the job id of 1.8.2's `Waiting for job to complete :
 * <project>, <job_id>` line, which it logs only when the first poll is not DONE.
 */
export function harvestOutputs(
  taskLog: readonly string[],
  taskRecord?: AirflowTaskRecord,
): Record<string, string> {
  const recorded = lastJobOutputs(taskRecord);
  if (recorded) return recorded;
  for (let i = taskLog.length - 1; i >= 0; i--) {
    const m = WAITING_RE.exec(taskLog[i] as string);
    if (m) return { 'job-id': m[2] as string };
  }
  return {};
}

function bqlDialectConflict(bql: string, useLegacySql: boolean): string | undefined {
  const first = bql.trimStart().split('\n', 1)[0]?.trim().toLowerCase() ?? '';
  if (first === '#standardsql' && useLegacySql) return '#standardSQL query with use_legacy_sql=true';
  if (first === '#legacysql' && !useLegacySql) return '#legacySQL query with use_legacy_sql=false';
  return undefined;
}

/** The native engine: BigQueryOperator.execute of 1.8.2 on @google-cloud/bigquery. */
export async function runBigQueryOperator(ctx: NativeContext<BigQueryOperatorKwargs>): Promise<NativeResult> {
  const { kwargs } = ctx; // `bql` and `destination_dataset_table` rendered by the runner
  const target = resolveBigQueryTarget(ctx, kwargs.bigquery_conn_id);
  const conflict = bqlDialectConflict(kwargs.bql, kwargs.use_legacy_sql);
  if (conflict) {
    // BigQuery itself rejects this pair; say so before spending a job.
    throw new OperatorError('invalid-input', `bql: ${conflict} (the dialect prefix and the flag must agree)`);
  }
  let destination: TableName | undefined;
  if (kwargs.destination_dataset_table) {
    try {
      destination = parseTableName(kwargs.destination_dataset_table, target.projectId);
    } catch (err) {
      if (err instanceof TableNameError) {
        throw new OperatorError('invalid-input', `destination_dataset_table: ${err.message}`);
      }
      throw err;
    }
  }
  if (kwargs.delegate_to)
    ctx.log.warn('delegate_to has no effect (Airflow 1.8.2 never passes it to the credentials)');
  ctx.log.info(`Executing: ${kwargs.bql}`);
  const bq = await bigQueryFor(ctx, target);
  return withBigQueryErrors(ctx.signal, 'BigQuery query', async () => {
    const result = await runQueryJob(bq, {
      projectId: target.projectId,
      query: kwargs.bql,
      useLegacySql: kwargs.use_legacy_sql,
      destination,
      writeDisposition: kwargs.write_disposition,
      allowLargeResults: kwargs.allow_large_results,
      udfResources: kwargs.udf_config,
      signal: ctx.signal,
      log: (m) => ctx.log.info(m),
    });
    const rows = destination ? await rowsWritten(bq, result) : '';
    ctx.log.info('query job done', {
      job_id: result.jobId,
      destination: destination ? formatTableName(destination) : null,
      rows_written: rows,
    });
    return {
      outputs: {
        'job-id': result.jobId,
        destination: destination ? formatTableName(destination) : '',
        'rows-written': rows,
      },
    };
  });
}

export const definition: OperatorDefinition<typeof kwargsSchema> = {
  name: 'bigquery-operator',
  version: '0.1.0',
  description:
    'Airflow 1.8.2 BigQueryOperator: run a (templated) query, optionally into a (partitioned) table',
  airflowClass: 'airflow.contrib.operators.bigquery_operator.BigQueryOperator',
  kwargs: kwargsSchema,
  templatedFields: ['bql', 'destination_dataset_table'],
  fileFields: ['bql'],
  outputs: ['job-id', 'destination', 'rows-written'],
  extraFlags: [BIGQUERY_ENDPOINT_FLAG],
  airflowDagSettings: bigQueryAirflowDagSettings,
  harvestOutputs,
  classifyLog: classifyAirflowBigQueryLog,
  native: runBigQueryOperator,
  engines: ['airflow', 'native'],
};
