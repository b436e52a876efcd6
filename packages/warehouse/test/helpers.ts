import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BigQuery } from '@google-cloud/bigquery';
import { afterAll, beforeAll, expect } from 'vitest';
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

/**
 * One warehouse for a test file: started (in memory, a free port) before its tests, stopped after them. `ready` gets
 * it and a stock client for it, to keep them and to create what the file's tests share (datasets, tables).
 */
export function useTestWarehouse(
  ready: (started: { wh: RunningWarehouse; bq: BigQuery }) => Promise<void> | void,
  timeoutMs?: number,
): void {
  let wh: RunningWarehouse | undefined;
  beforeAll(async () => {
    wh = await startTestWarehouse();
    await ready({ wh, bq: clientFor(wh.url) });
  }, timeoutMs);
  afterAll(async () => {
    await wh?.stop();
  });
}

/** The REST path of the warehouse's default project. */
export const PROJECT_PATH = '/bigquery/v2/projects/local-project';

/** Runs `query` as a standard-SQL query job over REST: the job resource (HTTP 200 even when the job failed). */
export async function standardQueryJob(
  url: string,
  query: string,
  extra: Record<string, unknown> = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response JSON
): Promise<any> {
  const res = await raw(url, 'POST', `${PROJECT_PATH}/jobs`, {
    configuration: { query: { query, useLegacySql: false, ...extra } },
  });
  expect(res.status).toBe(200);
  return res.json;
}

/** `standardQueryJob`, then polls the job until it is DONE: the finished job resource (failed or not). */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response JSON
export async function finishedQueryJob(url: string, query: string): Promise<any> {
  let j = await standardQueryJob(url, query);
  while (j.status.state !== 'DONE') {
    await new Promise((r) => setTimeout(r, 200));
    j = (await raw(url, 'GET', `${PROJECT_PATH}/jobs/${j.jobReference.jobId}`)).json;
  }
  return j;
}

/** Runs `query` as a job that must fail: its error reason and message. */
export async function queryJobFailure(url: string, query: string): Promise<[string, string]> {
  const j = await finishedQueryJob(url, query);
  expect(j.status.errorResult, `expected the job to fail:\n${query}`).toBeDefined();
  return [j.status.errorResult.reason, j.status.errorResult.message];
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

/**
 * A python3 with Google's client libraries (google-api-python-client, oauth2client, httplib2: Debian's, the ones the
 * real Airflow 1.8.2 uses): `$DP_GOOGLE_PYTHON`, else /usr/bin/python3. Returns it, or the one line a test prints
 * when it skips.
 */
export function findGooglePython(
  env: Record<string, string | undefined>,
): { python: string } | { skip: string } {
  const python = env.DP_GOOGLE_PYTHON || '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import googleapiclient, oauth2client, httplib2'], {
    encoding: 'utf8',
  });
  if (probe.status === 0) return { python };
  return {
    skip: `SKIP google-api-python-client tests: ${python} cannot import googleapiclient/oauth2client/httplib2 (apt-get install python3-googleapi python3-oauth2client; or set DP_GOOGLE_PYTHON)`,
  };
}

/** Runs a script of test/python with the given python and env; resolves with the JSON of its last stdout line. */
export function runPython(
  python: string,
  script: string,
  args: string[],
  env: Record<string, string>,
  // biome-ignore lint/suspicious/noExplicitAny: the scripts print arbitrary JSON
): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [join(PYTHON_DIR, script), ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0)
        return reject(new Error(`${script} ${args.join(' ')} exited ${code}:\n${err.slice(-3000)}`));
      // The JSON is the last line: Airflow logs to stdout before it.
      try {
        resolve(JSON.parse(out.trimEnd().split('\n').pop() ?? ''));
      } catch {
        reject(new Error(`${script} printed no JSON:\n${out.slice(-2000)}\n${err.slice(-2000)}`));
      }
    });
  });
}

const PYTHON_DIR = join(dirname(fileURLToPath(import.meta.url)), 'python');
