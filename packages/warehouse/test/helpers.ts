import { BigQuery } from '@google-cloud/bigquery';
import { type RunningWarehouse, type StartOptions, startWarehouse } from '../src/index.js';

/** An auth client that sends no credentials: the warehouse needs none. */
export const noAuth = {
  getRequestHeaders: async () => ({}),
  getProjectId: async () => 'local-project',
  getClient: async () => noAuth,
  request: async () => {
    throw new Error('not used');
  },
};

export async function startTestWarehouse(opts: StartOptions = {}): Promise<RunningWarehouse> {
  return startWarehouse({ port: 0, dataDir: null, ...opts });
}

/** The stock client pointed at the warehouse through `apiEndpoint`. */
export function clientFor(url: string, projectId = 'local-project'): BigQuery {
  // biome-ignore lint/suspicious/noExplicitAny: the client types want a google-auth-library AuthClient
  return new BigQuery({ projectId, apiEndpoint: url, authClient: noAuth as any, maxRetries: 0 });
}

/** Raw HTTP against the warehouse (for what the client would refuse to send). */
export async function raw(
  url: string,
  method: string,
  path: string,
  body?: string | object,
  headers: Record<string, string> = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response JSON
): Promise<{ status: number; json: any; text: string }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: see above
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}
