import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRealAirflow, tempDir } from '@data-pipeline/runner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Real Apache Airflow 1.8.2: Application Default Credentials / Workload Identity (issue 13 §3). Without a key file the
// runner registers project-only Google connections; a probe run by the task (a BashOperator, so in the task's own
// environment and AIRFLOW_HOME) builds 1.8.2's BigQueryHook and reports what it reads and how it authorizes.
const BIN = join(import.meta.dirname, '..', 'bin', 'airflow-operator.js');
const found = findRealAirflow(process.env);
if ('skip' in found) console.warn(found.skip);

const ADC_SECRET = 'ADCSECRET-5e1f0c2b77';
const ADC_REFRESH = 'ADCREFRESH-0d9a4471ce';

const PROBE = `import json
from airflow.contrib.hooks.bigquery_hook import BigQueryHook
out = {}
for conn_id in ('bigquery_default', 'google_cloud_default'):
    try:
        hook = BigQueryHook(bigquery_conn_id=conn_id)
    except Exception as e:
        out[conn_id] = {'error': type(e).__name__}
        continue
    entry = {'conn_type': hook.get_connection(conn_id).conn_type, 'project_id': hook.project_id,
             'project_field': hook._get_field('project'), 'key_path': hook._get_field('key_path'),
             'scope': hook._get_field('scope')}
    try:
        creds = hook._authorize().request.credentials
        entry['credentials'] = type(creds).__name__
        entry['client_id'] = getattr(creds, 'client_id', None)
    except Exception as e:
        entry['credentials_error'] = type(e).__name__
    out[conn_id] = entry
print('PROBE ' + json.dumps(out, sort_keys=True))
`;

interface ProbeEntry {
  conn_type: string;
  project_id: string | null;
  project_field: string | null;
  key_path: string | null;
  scope: string | null;
  credentials?: string;
  client_id?: string | null;
  credentials_error?: string;
  error?: string;
}

describe.skipIf('skip' in found)('ADC on real Airflow 1.8.2: project-only Google connections', () => {
  let root: { path: string; cleanup: () => void };
  let probe: string;
  let gcloud: string;
  beforeAll(() => {
    root = tempDir('dp-real-adc-');
    probe = join(root.path, 'probe.py');
    writeFileSync(probe, PROBE);
    // A gcloud user credential where oauth2client's get_application_default() looks for one (no network needed).
    gcloud = join(root.path, 'gcloud');
    mkdirSync(gcloud, { mode: 0o700 });
    writeFileSync(
      join(gcloud, 'application_default_credentials.json'),
      JSON.stringify({
        type: 'authorized_user',
        client_id: 'adc-client.apps.example',
        client_secret: ADC_SECRET,
        refresh_token: ADC_REFRESH,
      }),
      { mode: 0o600 },
    );
  });
  afterAll(() => root?.cleanup());

  async function run(name: string, project: string[]) {
    const dir = join(root.path, name);
    const scratch = join(dir, 'tmp');
    mkdirSync(scratch, { recursive: true });
    mkdirSync(join(dir, 'no-connections'));
    const binDir = 'skip' in found ? '' : found.binDir;
    const env: Record<string, string | undefined> = { ...process.env };
    delete env.GOOGLE_APPLICATION_CREDENTIALS;
    delete env.GOOGLE_CLOUD_PROJECT;
    const child = spawn(
      process.execPath,
      [
        BIN,
        '--task-id',
        'adc_probe',
        '--execution-date',
        '2026-11-23',
        '--connections-dir',
        join(dir, 'no-connections'), // empty: only what the runner derives
        ...project,
        '--operator',
        'airflow.operators.bash_operator.BashOperator',
        '--kwargs',
        JSON.stringify({ bash_command: `"\${AIRFLOW_PYTHON:-/usr/bin/python3}" ${probe}` }),
      ],
      {
        env: { ...env, PATH: `${binDir}:${process.env.PATH}`, TMPDIR: scratch, CLOUDSDK_CONFIG: gcloud },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    const line = stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; src?: string })
      .find((r) => r.src === 'task-log' && r.msg.includes('PROBE {'))?.msg;
    const probeJson = line ? line.slice(line.indexOf('PROBE {') + 'PROBE '.length) : undefined;
    return {
      code,
      stdout,
      stderr,
      probe: probeJson ? (JSON.parse(probeJson) as Record<string, ProbeEntry>) : undefined,
      leftovers: readdirSync(scratch),
    };
  }

  it.concurrent('--gcp-project without a key: the hook reads the project and authorizes through ADC', async () => {
    const r = await run('with-project', ['--gcp-project', 'adc-project-1']);
    expect(r.code, r.stderr).toBe(0);
    for (const connId of ['bigquery_default', 'google_cloud_default']) {
      expect(r.probe?.[connId]).toEqual({
        conn_type: 'google_cloud_platform',
        project_id: 'adc-project-1',
        project_field: 'adc-project-1',
        key_path: null,
        scope: 'https://www.googleapis.com/auth/cloud-platform',
        credentials: 'GoogleCredentials',
        client_id: 'adc-client.apps.example',
      });
    }
    // 1.8.2's own words for the ADC branch of GoogleCloudBaseHook._authorize.
    expect(r.stdout).toContain('Getting connection using `gcloud auth` user, since no key file is defined');
    expect(r.stdout).not.toContain(ADC_SECRET);
    expect(r.stdout).not.toContain(ADC_REFRESH);
    expect(r.stderr).toBe('');
    expect(r.leftovers).toEqual([]);
  }, 180_000);

  it.concurrent('no project anywhere: no Google connection is registered and 1.8.2 has no project (the defect, kept visible)', async () => {
    const r = await run('without-project', []);
    expect(r.code, r.stderr).toBe(0);
    // initdb's own bigquery_default row (conn_type bigquery, no extras) and no google_cloud_default at all.
    expect(r.probe?.bigquery_default).toMatchObject({ conn_type: 'bigquery', project_id: null, key_path: null });
    expect(r.probe?.google_cloud_default).toEqual({ error: 'AirflowException' });
    expect(r.leftovers).toEqual([]);
  }, 180_000);
});
