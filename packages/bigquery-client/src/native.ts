import { type NativeContext, OperatorError } from '@data-pipeline/runner';
import type { BigQuery } from '@google-cloud/bigquery';
import { createBigQuery } from './client.js';

export const PROJECT_EXTRA = 'extra__google_cloud_platform__project';
export const KEY_PATH_EXTRA = 'extra__google_cloud_platform__key_path';
export const ENDPOINT_FLAG = 'bigquery-endpoint';

/** The `--bigquery-endpoint` extra flag every BigQuery operator declares. */
export const BIGQUERY_ENDPOINT_FLAG = {
  flag: ENDPOINT_FLAG,
  env: 'BIGQUERY_EMULATOR_HOST',
  description:
    'BigQuery-compatible endpoint instead of Google, e.g. `http://127.0.0.1:9050` (every engine); with a key file tokens come from its token_uri, without one no credentials are sent',
} as const;

export interface BigQueryTarget {
  readonly projectId: string;
  readonly keyFile?: string | undefined;
  readonly endpoint?: string | undefined;
}

/**
 * Where and as whom a native operator talks to BigQuery, like 1.8.2's hook: the connection's
 * `extra__google_cloud_platform__project` / `__key_path` win, then `--gcp-project` / the runner's key file.
 */
export function resolveBigQueryTarget(ctx: NativeContext<unknown>, connId: string): BigQueryTarget {
  const conn = ctx.connections.get(connId);
  const extra = conn?.extra ?? {};
  const fromConn = typeof extra[PROJECT_EXTRA] === 'string' ? (extra[PROJECT_EXTRA] as string) : undefined;
  const projectId = fromConn || ctx.gcpProject;
  if (!projectId) {
    throw new OperatorError(
      'configuration',
      `no GCP project: pass --gcp-project, set GOOGLE_CLOUD_PROJECT, or give connection ${connId} an ${PROJECT_EXTRA}`,
    );
  }
  const keyFromConn =
    typeof extra[KEY_PATH_EXTRA] === 'string' ? (extra[KEY_PATH_EXTRA] as string) : undefined;
  const endpoint = ctx.extra[ENDPOINT_FLAG] || undefined;
  return { projectId, keyFile: keyFromConn || ctx.keyFile, endpoint };
}

export async function bigQueryFor(ctx: NativeContext<unknown>, target: BigQueryTarget): Promise<BigQuery> {
  try {
    return await createBigQuery({ ...target, env: ctx.env });
  } catch (err) {
    throw new OperatorError('configuration', `cannot set up the BigQuery client: ${(err as Error).message}`);
  }
}
