import { readFileSync } from 'node:fs';
import {
  BIGQUERY_ENDPOINT_FLAG,
  type BigQueryTarget,
  bigQueryFor,
  bigQueryRest,
  resolveBigQueryTarget,
  withBigQueryErrors,
} from '@data-pipeline/bigquery-client';
import {
  type NativeContext,
  type NativeResult,
  type OperatorDefinition,
  OperatorError,
} from '@data-pipeline/runner';

type BigQuery = Awaited<ReturnType<typeof bigQueryFor>>;

import * as z from 'zod/mini';
import { diffSchemas, parseSchema, SchemaError, type SchemaField } from './schema.js';

export const BUILTIN_SCHEMAS = [
  'github_daily_metrics',
  'github_agg',
  'hackernews_agg',
  'hackernews_github_agg',
] as const;

const LABEL_KEY = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;

export const kwargsSchema = z
  .object({
    dataset_id: z
      .string()
      .check(
        z.regex(/^[A-Za-z0-9_]{1,1024}$/, 'dataset ids are letters, digits and _'),
        z.describe('Dataset to ensure (created when missing)'),
      ),
    table_id: z
      .optional(
        z
          .string()
          .check(z.regex(/^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]{1,1024}$/u, 'not a valid BigQuery table id')),
      )
      .check(z.describe('Table to ensure; without it only the dataset is ensured')),
    project_id: z
      .optional(z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'not a valid project id')))
      .check(z.describe('Project of the dataset (default: the connection project / --gcp-project)')),
    location: z
      .optional(z.string().check(z.minLength(1)))
      .check(z.describe('Dataset location when creating it, e.g. `US` or `EU`')),
    schema: z
      .optional(z.string().check(z.minLength(1)))
      .check(
        z.describe(
          `BigQuery JSON schema (array of fields or {"fields": [...]}), \`@file\`, or \`builtin:NAME\` (${BUILTIN_SCHEMAS.join(', ')}); required with table_id`,
        ),
      ),
    time_partitioning_type: z
      ._default(z.enum(['DAY', 'HOUR', 'MONTH', 'YEAR']), 'DAY')
      .check(z.describe('Time partitioning of the table')),
    time_partitioning_field: z
      .optional(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not a column name')))
      .check(
        z.describe(
          'Partition by this DATE/TIMESTAMP/DATETIME column; omit for ingestion-time (`_PARTITIONTIME`)',
        ),
      ),
    description: z.optional(z.string().check(z.maxLength(16384))).check(z.describe('Table description')),
    labels: z
      .optional(
        z.record(
          z
            .string()
            .check(
              z.regex(
                LABEL_KEY,
                'label keys are lower-case letters, digits, _ and -, starting with a letter',
              ),
            ),
          z.string().check(z.regex(LABEL_VALUE, 'label values are lower-case letters, digits, _ and -')),
        ),
      )
      .check(z.describe('Table labels as a JSON object, e.g. `{"pipeline":"github-trends"}`')),
    bigquery_conn_id: z
      ._default(z.string().check(z.minLength(1)), 'bigquery_default')
      .check(z.describe('Connection id (project/key extras)')),
  })
  .check(
    z.superRefine((k, ctx) => {
      if (k.table_id !== undefined && k.schema === undefined) {
        ctx.addIssue({ code: 'custom', path: ['schema'], message: 'required with table_id' });
      }
      if (k.table_id === undefined) {
        for (const key of ['schema', 'time_partitioning_field', 'description', 'labels'] as const) {
          if (k[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'needs table_id' });
        }
      }
    }),
  );

export type TableKwargs = z.infer<typeof kwargsSchema>;

/** Schema text → fields; `builtin:NAME` reads the packaged `schemas/NAME.json`. */
export function loadSchema(value: string): SchemaField[] {
  const builtin = /^builtin:(.+)$/.exec(value.trim());
  if (builtin) {
    const name = builtin[1] as string;
    if (!(BUILTIN_SCHEMAS as readonly string[]).includes(name)) {
      throw new SchemaError(`unknown builtin schema ${name} (known: ${BUILTIN_SCHEMAS.join(', ')})`);
    }
    return parseSchema(readFileSync(new URL(`../schemas/${name}.json`, import.meta.url), 'utf8'));
  }
  return parseSchema(value);
}

interface TableResource {
  schema?: { fields?: SchemaField[] };
  timePartitioning?: { type?: string; field?: string };
  description?: string;
  labels?: Record<string, string>;
  type?: string;
}

const isNotFound = (err: unknown): boolean => (err as { code?: unknown }).code === 404;
const isDuplicate = (err: unknown): boolean => (err as { code?: unknown }).code === 409;

async function ensureDataset(
  bq: BigQuery,
  projectId: string,
  datasetId: string,
  location: string | undefined,
): Promise<boolean> {
  const name = `${projectId}:${datasetId}`;
  try {
    const ds = await bigQueryRest<{ location?: string }>(bq, { uri: `/datasets/${datasetId}`, projectId });
    if (location && ds.location && ds.location.toUpperCase() !== location.toUpperCase()) {
      throw new OperatorError(
        'invalid-input',
        `dataset ${name} exists in location ${ds.location}, not ${location}`,
      );
    }
    return false;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  try {
    await bigQueryRest(bq, {
      method: 'POST',
      uri: '/datasets',
      projectId,
      json: { datasetReference: { projectId, datasetId }, ...(location ? { location } : {}) },
    });
    return true;
  } catch (err) {
    if (isDuplicate(err)) return false; // created concurrently by another step
    throw err;
  }
}

function partitioningConflict(existing: TableResource, k: TableKwargs): string | undefined {
  const tp = existing.timePartitioning;
  const want = `${k.time_partitioning_type}${k.time_partitioning_field ? ` on ${k.time_partitioning_field}` : ' (ingestion time)'}`;
  if (!tp) return `the table is not time-partitioned, ${want} wanted`;
  const type = (tp.type ?? 'DAY').toUpperCase();
  if (
    type !== k.time_partitioning_type ||
    (tp.field ?? undefined) !== (k.time_partitioning_field ?? undefined)
  ) {
    const have = `${type}${tp.field ? ` on ${tp.field}` : ' (ingestion time)'}`;
    return `partitioning ${have} in the table, ${want} wanted`;
  }
  return undefined;
}

async function ensureTable(
  ctx: NativeContext<TableKwargs>,
  bq: BigQuery,
  projectId: string,
  fields: SchemaField[],
): Promise<{ created: boolean; updated: boolean }> {
  const k = ctx.kwargs;
  const tableId = k.table_id as string;
  const name = `${projectId}:${k.dataset_id}.${tableId}`;
  const uri = `/datasets/${k.dataset_id}/tables/${encodeURIComponent(tableId)}`;
  if (k.time_partitioning_field) {
    const col = fields.find((f) => f.name.toLowerCase() === k.time_partitioning_field?.toLowerCase());
    if (!col || !['DATE', 'TIMESTAMP', 'DATETIME'].includes(col.type.toUpperCase())) {
      throw new OperatorError(
        'invalid-input',
        `time_partitioning_field ${k.time_partitioning_field} must be a DATE, TIMESTAMP or DATETIME column of the schema`,
      );
    }
  }
  const wanted = {
    tableReference: { projectId, datasetId: k.dataset_id, tableId },
    schema: { fields },
    timePartitioning: {
      type: k.time_partitioning_type,
      ...(k.time_partitioning_field ? { field: k.time_partitioning_field } : {}),
    },
    ...(k.description !== undefined ? { description: k.description } : {}),
    ...(k.labels ? { labels: k.labels } : {}),
  };
  let existing: TableResource | undefined;
  try {
    existing = await bigQueryRest<TableResource>(bq, { uri, projectId });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!existing) {
    try {
      await bigQueryRest(bq, {
        method: 'POST',
        uri: `/datasets/${k.dataset_id}/tables`,
        projectId,
        json: wanted,
      });
      ctx.log.info(`created table ${name}`, { partitioning: wanted.timePartitioning });
      return { created: true, updated: false };
    } catch (err) {
      if (!isDuplicate(err)) throw err;
      existing = await bigQueryRest<TableResource>(bq, { uri, projectId });
    }
  }
  const conflicts = diffSchemas(existing.schema?.fields ?? [], fields);
  const part = partitioningConflict(existing, k);
  if (part) conflicts.push(part);
  if (conflicts.length > 0) {
    throw new OperatorError(
      'invalid-input',
      `table ${name} exists with a conflicting schema: ${conflicts.join('; ')} (not changed; migrate or drop it deliberately)`,
    );
  }
  const patch: Record<string, unknown> = {};
  if (k.description !== undefined && (existing.description ?? '') !== k.description)
    patch.description = k.description;
  if (k.labels && JSON.stringify(sortObj(existing.labels ?? {})) !== JSON.stringify(sortObj(k.labels))) {
    patch.labels = k.labels;
  }
  if (Object.keys(patch).length === 0) {
    ctx.log.info(`table ${name} exists with the wanted schema and partitioning`);
    return { created: false, updated: false };
  }
  await bigQueryRest(bq, { method: 'PATCH', uri, projectId, json: patch });
  ctx.log.info(`table ${name} exists; updated ${Object.keys(patch).join(' and ')}`);
  return { created: false, updated: true };
}

function sortObj(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

/** Native-only: ensure the dataset, then (optionally) a time-partitioned table with the given schema. Idempotent. */
export async function runBigQueryTable(ctx: NativeContext<TableKwargs>): Promise<NativeResult> {
  const k = ctx.kwargs;
  let fields: SchemaField[] | undefined;
  if (k.schema !== undefined) {
    try {
      fields = loadSchema(k.schema);
    } catch (err) {
      if (err instanceof SchemaError) throw new OperatorError('invalid-input', err.message);
      throw err;
    }
  }
  const target: BigQueryTarget = resolveBigQueryTarget(ctx, k.bigquery_conn_id);
  const projectId = k.project_id ?? target.projectId;
  const bq = await bigQueryFor(ctx, target);
  return withBigQueryErrors(ctx.signal, 'BigQuery table management', async () => {
    const datasetCreated = await ensureDataset(bq, projectId, k.dataset_id, k.location);
    ctx.log.info(datasetCreated ? `created dataset ${projectId}:${k.dataset_id}` : 'dataset exists', {
      dataset: `${projectId}:${k.dataset_id}`,
    });
    let table = '';
    let created = false;
    let updated = false;
    if (k.table_id !== undefined && fields) {
      ({ created, updated } = await ensureTable(ctx, bq, projectId, fields));
      table = `${projectId}:${k.dataset_id}.${k.table_id}`;
    }
    return {
      outputs: {
        table,
        created: String(created),
        updated: String(updated),
        'dataset-created': String(datasetCreated),
      },
    };
  });
}

export const definition: OperatorDefinition<typeof kwargsSchema> = {
  name: 'bigquery-table',
  version: '0.1.0',
  description:
    'Ensure a BigQuery dataset and a time-partitioned table with a schema (idempotent; conflicts fail with 65)',
  kwargs: kwargsSchema,
  templatedFields: [],
  fileFields: ['schema'],
  outputs: ['table', 'created', 'updated', 'dataset-created'],
  extraFlags: [BIGQUERY_ENDPOINT_FLAG],
  native: runBigQueryTable,
  engines: ['native'],
};
