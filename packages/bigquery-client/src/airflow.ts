import { type AirflowDagSettings, type AirflowTaskRecord, OperatorError } from '@data-pipeline/runner';
import * as z from 'zod/mini';
import { normalizeEndpoint } from './client.js';
import { rowsWrittenFrom } from './jobs.js';
import { ENDPOINT_FLAG } from './native.js';
import { formatTableName } from './table-name.js';

/**
 * The discovery URL (googleapiclient's `discoveryServiceUrl` template) of a BigQuery-compatible endpoint: the same
 * path Google serves it under, below the endpoint.
 */
export function discoveryUrlFor(endpoint: string): string {
  return `${normalizeEndpoint(endpoint)}/discovery/v1/apis/{api}/{apiVersion}/rest`;
}

/**
 * Airflow engine: `--bigquery-endpoint` / `BIGQUERY_EMULATOR_HOST` become the DAG file's discovery URL, so 1.8.2's
 * BigQueryHook talks to the same endpoint as the native engine. Without the setting: nothing, the hook is untouched.
 */
export function bigQueryAirflowDagSettings(
  extra: Readonly<Record<string, string | undefined>>,
): AirflowDagSettings {
  const endpoint = extra[ENDPOINT_FLAG];
  if (!endpoint) return {};
  try {
    return { bigqueryDiscoveryUrl: discoveryUrlFor(endpoint) };
  } catch (err) {
    throw new OperatorError('configuration', `--bigquery-endpoint: ${(err as Error).message}`);
  }
}

const tableReference = z.object({
  projectId: z.string(),
  datasetId: z.string(),
  tableId: z.string(),
});
const count = z.optional(z.nullable(z.union([z.string(), z.number()])));
const recordedJob = z.object({
  project_id: z.string(),
  job_id: z.string(),
  destination_table: z.optional(z.nullable(tableReference)),
  statistics: z.optional(
    z.nullable(z.object({ query: z.optional(z.object({ numDmlAffectedRows: count })) })),
  ),
  query_results: z.optional(z.nullable(z.object({ totalRows: count, numDmlAffectedRows: count }))),
});
const recordSchema = z.object({ bigquery_jobs: z.array(recordedJob) });

export type RecordedBigQueryJob = z.infer<typeof recordedJob>;

/** The BigQuery jobs a finished task ran, in order; undefined when the record is absent or not ours. */
export function recordedBigQueryJobs(
  record: AirflowTaskRecord | undefined,
): RecordedBigQueryJob[] | undefined {
  if (!record) return undefined;
  const parsed = recordSchema.safeParse(record);
  return parsed.success ? parsed.data.bigquery_jobs : undefined;
}

const asText = (v: string | number | null | undefined): string | undefined =>
  v === null || v === undefined ? undefined : String(v);

/**
 * `job-id`, `destination`, `rows-written` of the task's last BigQuery job, defined as the native engine defines
 * them: destination and rows only when the job had a destination table. Undefined without a usable record.
 */
export function lastJobOutputs(
  record: AirflowTaskRecord | undefined,
): { 'job-id': string; destination: string; 'rows-written': string } | undefined {
  const jobs = recordedBigQueryJobs(record);
  if (!jobs) return undefined;
  const last = jobs.at(-1);
  if (!last) return { 'job-id': '', destination: '', 'rows-written': '' };
  const dest = last.destination_table;
  if (!dest) return { 'job-id': last.job_id, destination: '', 'rows-written': '' };
  const dollar = dest.tableId.indexOf('$');
  const destination = formatTableName({
    projectId: dest.projectId,
    datasetId: dest.datasetId,
    tableId: dollar >= 0 ? dest.tableId.slice(0, dollar) : dest.tableId,
    ...(dollar >= 0 ? { decorator: dest.tableId.slice(dollar + 1) } : {}),
  });
  const results = last.query_results;
  const rows = rowsWrittenFrom(asText(last.statistics?.query?.numDmlAffectedRows), {
    ...(asText(results?.numDmlAffectedRows) !== undefined
      ? { numDmlAffectedRows: asText(results?.numDmlAffectedRows) as string }
      : {}),
    ...(asText(results?.totalRows) !== undefined ? { totalRows: asText(results?.totalRows) as string } : {}),
  });
  return { 'job-id': last.job_id, destination, 'rows-written': rows };
}
