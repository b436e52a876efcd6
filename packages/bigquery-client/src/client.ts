// Type-only imports: the client libraries are loaded lazily (createBigQuery), so an operator CLI that runs the
// Airflow engine, prints --help or fails validation never pays for loading them.
import type { BigQuery, BigQueryOptions } from '@google-cloud/bigquery';
import type { AuthClient } from 'google-auth-library';

/** Auth client for a local BigQuery-compatible endpoint: no credentials, empty headers. */
async function noAuthClient(): Promise<AuthClient> {
  const { AuthClient: Base } = await import('google-auth-library');
  class NoAuthClient extends Base {
    override async getRequestHeaders(): Promise<Headers> {
      return new Headers();
    }
    override async getAccessToken(): Promise<{ token: null }> {
      return { token: null };
    }
    override request(): never {
      throw new Error('NoAuthClient cannot send requests by itself');
    }
  }
  return new NoAuthClient();
}

/**
 * Auth client for a BigQuery-compatible endpoint with a service-account key: `Authorization: Bearer` with a token
 * from the key's own `token_uri` (JWT-bearer grant). google-auth-library's JWT client cannot do this: it always
 * asks Google's token endpoint, whatever the key says.
 */
async function keyTokenAuthClient(keyFile: string): Promise<AuthClient> {
  const [{ AuthClient: Base }, { readServiceAccountKey, TokenSource }] = await Promise.all([
    import('google-auth-library'),
    import('./token.js'),
  ]);
  const tokens = new TokenSource(readServiceAccountKey(keyFile));
  class KeyTokenClient extends Base {
    override async getRequestHeaders(): Promise<Headers> {
      return new Headers({ authorization: `Bearer ${await tokens.token()}` });
    }
    override async getAccessToken(): Promise<{ token: string }> {
      return { token: await tokens.token() };
    }
    override request(): never {
      throw new Error('KeyTokenClient cannot send requests by itself');
    }
  }
  return new KeyTokenClient();
}

export interface CreateBigQueryOptions {
  readonly projectId: string;
  /** Service-account JSON key file (path). Never read or logged here; handed to google-auth-library. */
  readonly keyFile?: string | undefined;
  /** Local BigQuery-compatible endpoint (`--bigquery-endpoint` / `BIGQUERY_EMULATOR_HOST`), e.g. `http://127.0.0.1:9050`. */
  readonly endpoint?: string | undefined;
  /** The environment given to the CLI; `GOOGLE_APPLICATION_CREDENTIALS` is read from it. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Per-request timeout in ms (default 120 s). */
  readonly timeoutMs?: number;
  /** Dataset/job location, e.g. `US`. */
  readonly location?: string | undefined;
}

/** `127.0.0.1:9050` → `http://127.0.0.1:9050`; trailing slashes and a `/bigquery/v2` suffix removed. */
export function normalizeEndpoint(endpoint: string): string {
  let e = endpoint.trim();
  if (!/^https?:\/\//i.test(e)) e = `http://${e}`;
  e = e.replace(/\/+$/, '').replace(/\/bigquery\/v2$/, '');
  const url = new URL(e);
  if (url.username || url.password) throw new Error('the BigQuery endpoint must not contain credentials');
  return e;
}

/**
 * A `BigQuery` client for one project. Without an endpoint: the key file, `GOOGLE_APPLICATION_CREDENTIALS` from
 * `env`, then Application Default Credentials (gcloud / metadata server). With an endpoint: the key file (or
 * `GOOGLE_APPLICATION_CREDENTIALS`) authenticates against the key's own `token_uri`; without a key nothing is sent.
 * Retries are off: transient failures surface as exit 75 and Argo's retryStrategy retries the step.
 */
export async function createBigQuery(options: CreateBigQueryOptions): Promise<BigQuery> {
  const { BigQuery } = await import('@google-cloud/bigquery');
  // `timeout` is honoured by @google-cloud/common's Service (per request) but missing from BigQueryOptions' type.
  const base: BigQueryOptions & { timeout: number } = {
    projectId: options.projectId,
    autoRetry: false,
    maxRetries: 0,
    timeout: options.timeoutMs ?? 120_000,
    ...(options.location ? { location: options.location } : {}),
  };
  const keyFile = options.keyFile ?? options.env.GOOGLE_APPLICATION_CREDENTIALS;
  if (options.endpoint) {
    const apiEndpoint = normalizeEndpoint(options.endpoint);
    const authClient = keyFile ? await keyTokenAuthClient(keyFile) : await noAuthClient();
    const bq = new BigQuery({ ...base, apiEndpoint, authClient });
    // The client takes a raw BIGQUERY_EMULATOR_HOST from process.env as its base URL (no scheme added, no
    // /bigquery/v2); pin the normalised endpoint so the flag and the env var behave the same.
    (bq as unknown as { baseUrl: string }).baseUrl = `${apiEndpoint}/bigquery/v2`;
    return bq;
  }
  if (keyFile) return new BigQuery({ ...base, keyFilename: keyFile });
  return new BigQuery({ ...base, authClient: await applicationDefaultCredentials(options.env) });
}

const BIGQUERY_SCOPE = 'https://www.googleapis.com/auth/bigquery';

/**
 * Application Default Credentials, resolved before the first request: without any, the client would send its
 * requests unauthenticated and fail with whatever the network says (DNS, 401). Resolving them here gives one line
 * that says where they were looked for (exit 78).
 */
async function applicationDefaultCredentials(
  env: Readonly<Record<string, string | undefined>>,
): Promise<AuthClient> {
  const [{ GoogleAuth }, { OperatorError }] = await Promise.all([
    import('google-auth-library'),
    import('@data-pipeline/runner'),
  ]);
  try {
    return (await new GoogleAuth({ scopes: [BIGQUERY_SCOPE] }).getClient()) as AuthClient;
  } catch (err) {
    const config = env.CLOUDSDK_CONFIG ?? (env.HOME ? `${env.HOME}/.config/gcloud` : '~/.config/gcloud');
    throw new OperatorError(
      'configuration',
      `no Google credentials found: GOOGLE_APPLICATION_CREDENTIALS is not set, ${config}/application_default_credentials.json does not exist, and no GCE/GKE metadata server answered — mount the service-account key (dp run: --secret bigquery-sa-secret=KEY.json) or run with Workload Identity (${(err as Error).message.split('.')[0]})`,
    );
  }
}
