/**
 * The DAG file under the real Airflow 1.8.2: what BigQueryHook.get_service asks googleapiclient's build() for, with
 * and without a BigQuery endpoint in the sidecar, and what the task records once the real BigQueryOperator.execute
 * returns (build() is replaced by a recorder answering with an in-memory service; the endpoint end to end is in
 * bigquery-operator/test/real-airflow-endpoint.test.ts).
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createAirflowHome, writeRunFiles } from '../src/airflow-home.js';
import { taskOutputsPath } from '../src/task-outputs.js';
import { findRealAirflow, tempDir } from '../src/testing.js';

const found = findRealAirflow(process.env);
if ('skip' in found) console.warn(found.skip);
const PROBE = join(import.meta.dirname, 'fixtures', 'real-airflow', 'probe_dag.py');
const DISCOVERY = 'http://127.0.0.1:9/discovery/v1/apis/{api}/{apiVersion}/rest';
const PROJECT_EXTRA = 'extra__google_cloud_platform__project';
const KEY_EXTRA = 'extra__google_cloud_platform__key_path';

const dirs: (() => void)[] = [];
const keys = tempDir('dag-real-key-');
dirs.push(keys.cleanup);
/** Only token_uri is read by the DAG file; the probe's _authorize stands in for oauth2client. */
const KEY_FILE = join(keys.path, 'k.json');
writeFileSync(KEY_FILE, JSON.stringify({ type: 'service_account', token_uri: 'http://127.0.0.1:9/token' }), {
  mode: 0o600,
});
afterAll(() => {
  for (const d of dirs) d();
});

interface Probe {
  get_service_module: string;
  token_uri: string;
  builds: { args: string[]; kwargs: Record<string, unknown> }[];
  service_calls: { method: string; body?: unknown }[];
  outputs_mode: string;
  outputs: { bigquery_jobs: Record<string, unknown>[] };
}

/** Writes the run files as the engine does and runs the probe with the real install's Python path. */
async function probe(discoveryUrl: string | null, extras: Record<string, string>): Promise<Probe> {
  if ('skip' in found) throw new Error(found.skip);
  const d = tempDir('dag-real-');
  dirs.push(d.cleanup);
  const home = createAirflowHome(d.path);
  const dagFile = writeRunFiles(
    home,
    {
      dag_id: 'probe_dag',
      task_id: 'probe_task',
      operator: 'airflow.contrib.operators.bigquery_operator.BigQueryOperator',
      kwargs: {
        bql: 'SELECT 1 AS x',
        destination_dataset_table: 'ds.t$20261122',
        write_disposition: 'WRITE_TRUNCATE',
        use_legacy_sql: false,
      },
      execution_date: '2026-11-23T00:00:00',
      connections_file: null,
      bigquery_discovery_url: discoveryUrl,
      outputs_file: taskOutputsPath(home),
    },
    [],
  );
  const root = join(found.binDir, '..');
  const { stdout } = await promisify(execFile)(
    process.env.AIRFLOW_PYTHON ?? '/usr/bin/python3',
    [PROBE, dagFile, JSON.stringify(extras)],
    {
      cwd: home.path,
      env: {
        PATH: process.env.PATH,
        AIRFLOW_HOME: home.path,
        PYTHONPATH: `${join(root, 'shims')}:${join(root, 'src')}`,
        PYTHONDONTWRITEBYTECODE: '1',
        SQLALCHEMY_SILENCE_UBER_WARNING: '1',
      },
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1) as string) as Probe;
}

describe.skipIf('skip' in found).concurrent('the DAG file under real Airflow 1.8.2', () => {
  it('without an endpoint: get_service untouched, build(bigquery, v2, http=<authorized>) only; the finished job recorded (0600)', async () => {
    const p = await probe(null, { [PROJECT_EXTRA]: 'p', [KEY_EXTRA]: KEY_FILE });
    expect(p.get_service_module).toBe('airflow.contrib.hooks.bigquery_hook');
    expect(p.builds).toEqual([{ args: ['bigquery', 'v2'], kwargs: { http: 'KeyAuthorizedHttp' } }]);
    expect(p.token_uri).toBe('https://oauth2.googleapis.com/token');
    // 1.8.2 polls once (DONE at once, so no "Waiting for job" line), then the record reads the job and its size.
    expect(p.service_calls.map((c) => c.method)).toEqual([
      'jobs.insert',
      'jobs.get',
      'jobs.get',
      'jobs.getQueryResults',
    ]);
    expect(p.outputs_mode).toBe('0o600');
    expect(p.outputs).toEqual({
      bigquery_jobs: [
        {
          project_id: 'p',
          job_id: 'job_probe_1',
          destination_table: { projectId: 'p', datasetId: 'ds', tableId: 't$20261122' },
          statistics: { query: { statementType: 'SELECT' } },
          query_results: { totalRows: '3', numDmlAffectedRows: null },
        },
      ],
    });
  });

  it('with an endpoint and a key file: build gets the discovery URL and the key-authorized http, tokens from the key’s token_uri', async () => {
    const p = await probe(DISCOVERY, { [PROJECT_EXTRA]: 'p', [KEY_EXTRA]: KEY_FILE });
    expect(p.get_service_module).toBe('dag_under_test');
    // The key's token_uri wins even where oauth2client ignores it (before 2.2; the images pin 2.0.2).
    expect(p.token_uri).toBe('http://127.0.0.1:9/token');
    expect(p.builds).toEqual([
      {
        args: ['bigquery', 'v2'],
        kwargs: { http: 'KeyAuthorizedHttp', discoveryServiceUrl: DISCOVERY, cache_discovery: false },
      },
    ]);
  });

  it('with an endpoint and no key file: a plain http, no credentials (as on the native engine)', async () => {
    const p = await probe(DISCOVERY, { [PROJECT_EXTRA]: 'p' });
    expect(p.builds).toEqual([
      {
        args: ['bigquery', 'v2'],
        kwargs: { http: 'Http', discoveryServiceUrl: DISCOVERY, cache_discovery: false },
      },
    ]);
  });
});
