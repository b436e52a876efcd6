import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseConnectionUri } from '@data-pipeline/runner';
import { findRealAirflow, jsonRecords, spawnCollecting, tempDir } from '@data-pipeline/runner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Real Apache Airflow 1.8.2, connections (issue 13 §3). A probe run by the task (a BashOperator, so in the task's own
// environment and AIRFLOW_HOME) asks 1.8.2's own code:
//  - Application Default Credentials / Workload Identity: without a key file the runner registers project-only Google
//    connections; the probe builds BigQueryHook and reports what it reads and how it authorizes;
//  - URI parity: the same URI as a --connections-dir file (parsed by parseConnectionUri, registered through the ORM)
//    and as AIRFLOW_CONN_* (parsed by Airflow itself) must be the same connection, and the one the native engine sees.
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

/** Each URI goes in as a connections-dir file `file_<i>` and as `AIRFLOW_CONN_ENV_<i>`. */
const URIS = [
  'mysql://etl:p%40ss-w0rd@DB.Example%2fX:3306/w%2Fh?charset=utf8',
  'google-cloud-platform://',
  'postgresql://us%3Aer:pa:ss@h/db;x',
];

const URI_PROBE = `import hashlib, json, sys
from airflow.hooks.base_hook import BaseHook
out = {}
for conn_id in sys.argv[1:]:
    c = BaseHook.get_connection(conn_id)
    out[conn_id] = {'conn_type': c.conn_type, 'host': c.host, 'schema': c.schema, 'login': c.login, 'port': c.port,
                    'password_sha256': hashlib.sha256(c.password.encode()).hexdigest() if c.password else None}
print('URIPROBE ' + json.dumps(out, sort_keys=True))
`;

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

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

describe.skipIf('skip' in found)('connections on real Airflow 1.8.2', () => {
  let root: { path: string; cleanup: () => void };
  let probe: string;
  let gcloud: string;
  let uriProbe: string;
  beforeAll(() => {
    root = tempDir('dp-real-conn-');
    probe = join(root.path, 'probe.py');
    writeFileSync(probe, PROBE);
    uriProbe = join(root.path, 'uri_probe.py');
    writeFileSync(uriProbe, URI_PROBE);
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

  async function run(
    name: string,
    project: string[],
    bash = `"\${AIRFLOW_PYTHON:-/usr/bin/python3}" ${probe}`,
    extraEnv: Record<string, string> = {},
    connections: Record<string, string> = {},
  ) {
    const dir = join(root.path, name);
    const scratch = join(dir, 'tmp');
    mkdirSync(scratch, { recursive: true });
    mkdirSync(join(dir, 'no-connections'));
    for (const [file, text] of Object.entries(connections))
      writeFileSync(join(dir, 'no-connections', file), text);
    const binDir = 'skip' in found ? '' : found.binDir;
    const env: Record<string, string | undefined> = { ...process.env };
    delete env.GOOGLE_APPLICATION_CREDENTIALS;
    delete env.GOOGLE_CLOUD_PROJECT;
    const { closed } = spawnCollecting(
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
        JSON.stringify({ bash_command: bash }),
      ],
      {
        env: {
          ...env,
          PATH: `${binDir}:${process.env.PATH}`,
          TMPDIR: scratch,
          CLOUDSDK_CONFIG: gcloud,
          ...extraEnv,
        },
      },
    );
    const { code, stdout, stderr } = await closed;
    const records = jsonRecords<{ msg: string; src?: string }>(stdout);
    const line = records.find((r) => r.src === 'task-log' && r.msg.includes('PROBE {'))?.msg;
    const probeJson = line ? line.slice(line.indexOf('PROBE {') + 'PROBE '.length) : undefined;
    const uriLine = records.find((r) => r.src === 'task-log' && r.msg.includes('URIPROBE {'))?.msg;
    return {
      code,
      stdout,
      stderr,
      probe: probeJson ? (JSON.parse(probeJson) as Record<string, ProbeEntry>) : undefined,
      uris: uriLine
        ? (JSON.parse(uriLine.slice(uriLine.indexOf('URIPROBE {') + 'URIPROBE '.length)) as Record<
            string,
            Record<string, unknown>
          >)
        : undefined,
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
    expect(r.probe?.bigquery_default).toMatchObject({
      conn_type: 'bigquery',
      project_id: null,
      key_path: null,
    });
    expect(r.probe?.google_cloud_default).toEqual({ error: 'AirflowException' });
    expect(r.leftovers).toEqual([]);
  }, 180_000);

  it.concurrent('a URI as a connections-dir file and as AIRFLOW_CONN_* is one connection in 1.8.2 and natively', async () => {
    const files = Object.fromEntries(URIS.map((u, i) => [`file_${i}`, `${u}\n`]));
    const env = Object.fromEntries(URIS.map((u, i) => [`AIRFLOW_CONN_ENV_${i}`, u]));
    const ids = URIS.flatMap((_, i) => [`file_${i}`, `env_${i}`]).join(' ');
    const r = await run('uris', [], `"\${AIRFLOW_PYTHON:-/usr/bin/python3}" ${uriProbe} ${ids}`, env, files);
    expect(r.code, r.stderr).toBe(0);
    URIS.forEach((uri, i) => {
      const spec = parseConnectionUri('x', uri);
      const native = {
        conn_type: spec?.connType,
        host: spec?.host,
        schema: spec?.schema,
        login: spec?.login ?? null,
        port: spec?.port ?? null,
        password_sha256: spec?.password ? sha256(spec.password) : null,
      };
      expect(r.uris?.[`env_${i}`], uri).toEqual(native);
      expect(r.uris?.[`file_${i}`], uri).toEqual(native);
    });
    // Literal, as 1.8.2 keeps it: the password is p%40ss-w0rd, never decoded to p@ss-w0rd; and it is never printed.
    expect(r.uris?.file_0?.password_sha256).toBe(sha256('p%40ss-w0rd'));
    expect(r.stdout).not.toContain('p%40ss-w0rd');
  }, 180_000);
});
