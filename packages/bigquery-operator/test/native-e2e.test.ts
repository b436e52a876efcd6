import { fileURLToPath } from 'node:url';
import {
  expectOneLineFailure,
  readOutputs,
  runCli,
  runInProcess,
  useFakeBigQuery,
  writeFakeKey,
} from '@data-pipeline/operator-testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { definition } from '../src/definition.js';

const BIN = fileURLToPath(new URL('../bin/bigquery-operator.js', import.meta.url));
const suite = useFakeBigQuery();

beforeEach(() => {
  suite.fake.onQuery = () => ({ schema: [{ name: 'repo', type: 'STRING' }], rows: [['a/b'], ['c/d']] });
});

function outDir(): string {
  const d = suite.tempDir('bqop-out-');
  return d.path;
}

const base = (outputs: string) => [
  '--engine',
  'native',
  '--task-id',
  'bq_write_to_github_agg',
  '--dag-id',
  'bigquery_github_trends_v1',
  '--execution-date',
  '2024-03-01',
  '--gcp-project',
  'my-proj',
  '--outputs-dir',
  outputs,
  '--bigquery-endpoint',
  suite.fake.url,
];

/** `base` without `--bigquery-endpoint` and its value. */
const baseWithoutEndpoint = (outputs: string) =>
  base(outputs).filter((a, i, all) => a !== '--bigquery-endpoint' && all[i - 1] !== '--bigquery-endpoint');

describe('bigquery-operator --engine native (subprocess, local BigQuery endpoint)', () => {
  it('writes a templated query into dataset.table$YYYYMMDD with WRITE_TRUNCATE', async () => {
    const out = outDir();
    const r = await runCli(BIN, [
      ...base(out),
      '--bql',
      '#standardSQL\nSELECT "{{ yesterday_ds_nodash }}" AS date, "{{ macros.ds_add(ds, -7) }}" AS since',
      '--use-legacy-sql',
      'false',
      '--destination-dataset-table',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a BigQuery partition decorator
      'github_trends.github_agg${{ yesterday_ds_nodash }}',
      '--write-disposition',
      'WRITE_TRUNCATE',
      '--allow-large-results',
      'true',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const insert = suite.fake.requests.find(
      (q) => q.method === 'POST' && q.path === '/projects/my-proj/jobs',
    );
    expect((insert!.body as { configuration: unknown }).configuration).toEqual({
      query: {
        query: '#standardSQL\nSELECT "20240229" AS date, "2024-02-23" AS since',
        useLegacySql: false,
        allowLargeResults: true,
        writeDisposition: 'WRITE_TRUNCATE',
        destinationTable: {
          projectId: 'my-proj',
          datasetId: 'github_trends',
          tableId: 'github_agg$20240229',
        },
      },
    });
    const o = readOutputs(out);
    expect(o['exit-class']).toBe('success');
    expect(o['exit-code']).toBe('0');
    expect(o['job-id']).toMatch(/^airflow_[0-9a-f]{32}$/);
    expect(o.destination).toBe('my-proj:github_trends.github_agg$20240229');
    expect(o['rows-written']).toBe('2');
    expect(r.stdout).toContain('Waiting for job to complete : my-proj, ');
  });

  it('reads bql from @file and defaults to legacy SQL and WRITE_EMPTY without destination', async () => {
    const out = outDir();
    const sqlDir = suite.tempDir('bqop-sql-');
    const { writeFileSync } = await import('node:fs');
    const file = `${sqlDir.path}/q.sql`;
    writeFileSync(
      file,
      'SELECT table_id FROM [githubarchive:day.__TABLES__] WHERE table_id = "{{ ds_nodash }}"\n',
    );
    const r = await runCli(BIN, [...base(out), '--bql', `@${file}`]);
    expect(r.code).toBe(0);
    const insert = suite.fake.requests.find((q) => q.method === 'POST');
    expect((insert!.body as { configuration: unknown }).configuration).toEqual({
      query: {
        query: 'SELECT table_id FROM [githubarchive:day.__TABLES__] WHERE table_id = "20240301"',
        useLegacySql: true,
      },
    });
    expect(readOutputs(out)).toMatchObject({ destination: '', 'rows-written': '' });
  });

  it.each([
    [403, 'accessDenied', 77, 'permission-denied', true],
    [429, 'rateLimitExceeded', 75, 'transient', true],
    [500, 'backendError', 75, 'transient', false],
    [404, 'notFound', 78, 'configuration', false],
  ])('jobs.insert HTTP %i %s → exit %i', async (status, reason, code, cls, subprocess) => {
    suite.fake.inject({
      method: 'POST',
      path: /\/jobs$/,
      status,
      reason,
      message: `Not found: Project my-proj`,
      times: 1,
    });
    const out = outDir();
    const args = [...base(out), '--bql', 'SELECT 1'];
    const r = subprocess ? await runCli(BIN, args) : await runInProcess(definition, args);
    expect(r.code).toBe(code);
    expect(readOutputs(out)['exit-class']).toBe(cls);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('a failed job (missing table in the query) → 65 with the job error', async () => {
    suite.fake.onQuery = () => ({
      error: { reason: 'notFound', message: 'Not found: Table my-proj:github_trends.nope' },
    });
    const out = outDir();
    const r = await runInProcess(definition, [...base(out), '--bql', 'SELECT * FROM [github_trends.nope]']);
    expect(r.code).toBe(65);
    expect(r.stderr).toContain('BigQuery job failed. Final error was: notFound: Not found: Table');
  });

  it.each([
    [['--bql', '{{ macros.ds_addd(ds, 1) }}'], 65, /UndefinedError/],
    [
      ['--bql', 'SELECT 1', '--destination-dataset-table', 'p:ds.t.x'],
      65,
      /Use either : or \. to specify project/,
    ],
    [['--bql', 'SELECT 1', '--destination-dataset-table', 'nodataset'], 65, /Expect format of/],
    [['--bql', '#standardSQL\nSELECT 1'], 65, /#standardSQL query with use_legacy_sql=true/],
    [['--bql', 'queries/daily.sql'], 64, /ends with \.sql/],
    [['--bql', 'SELECT 1', '--write-disposition', 'WRITE_SOMETIMES'], 64, /write-disposition/],
    [['--bql', 'SELECT 1', '--use-legacy-sql', 'maybe'], 64, /use-legacy-sql/],
    [['--bql', 'SELECT 1', '--udf-config', '{"not":"a list"}'], 64, /udf-config/],
    [['--bql', 'SELECT 1', '--create-disposition', 'CREATE_IF_NEEDED'], 64, /create-disposition/],
    [[], 64, /bql/],
  ])('bad input %j → one line, exit %i (in-process)', async (args, code, message) => {
    const out = outDir();
    const r = await runInProcess(definition, [...base(out), ...(args as string[])]);
    expectOneLineFailure(r, code, message);
    expect(suite.fake.requests.filter((q) => q.method === 'POST')).toHaveLength(0);
  });

  it('without an endpoint a bad service-account key fails locally with 77, key content never printed', async () => {
    const out = outDir();
    const d = suite.tempDir('bqop-key-');
    const key = `${d.path}/key.json`;
    const marker = 'KEY-CONTENT-MARKER-51c2';
    writeFakeKey(key, marker, 'http://127.0.0.1:9/token');
    const args = baseWithoutEndpoint(out);
    const r = await runCli(BIN, [...args, '--bql', 'SELECT 1'], { GOOGLE_APPLICATION_CREDENTIALS: key });
    expect(r.code).toBe(77);
    expect(r.stdout + r.stderr).not.toContain(marker);
    expect(readOutputs(out)['exit-class']).toBe('permission-denied');
  });

  it('BIGQUERY_EMULATOR_HOST (host:port, no scheme) works instead of --bigquery-endpoint', async () => {
    const out = outDir();
    const r = await runCli(BIN, [...baseWithoutEndpoint(out), '--bql', 'SELECT 1'], {
      BIGQUERY_EMULATOR_HOST: suite.fake.url.replace('http://', ''),
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(suite.fake.requests.some((q) => q.method === 'POST')).toBe(true);
  });

  it('SIGTERM while polling a running job → exit 143 promptly', async () => {
    suite.fake.pollsBeforeDone = 1_000_000;
    const { spawn } = await import('node:child_process');
    const out = outDir();
    const child = spawn(process.execPath, [BIN, ...base(out), '--bql', 'SELECT 1'], {
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    const waiting = new Promise<void>((resolve) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString();
        if (stdout.includes('Waiting for job to complete')) resolve();
      });
    });
    await waiting;
    const started = Date.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    suite.fake.pollsBeforeDone = 1;
    expect(code).toBe(143);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(readOutputs(out)['exit-class']).toBe('terminated');
  });

  it.each([
    [{ bql: 'SELECT 1', write_disposition: 'WRITE_ALWAYS' }, /write-disposition/],
    [{ bql: 'SELECT 1', create_disposition: 'CREATE_IF_NEEDED' }, /create_disposition/],
    [['not', 'an', 'object'], /JSON object/],
  ])('bad --kwargs-file %j → 65 (in-process)', async (kwargs, message) => {
    const out = outDir();
    const d = suite.tempDir('bqop-kw-');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(`${d.path}/kwargs.json`, JSON.stringify(kwargs));
    const r = await runInProcess(definition, [...base(out), '--kwargs-file', `${d.path}/kwargs.json`]);
    expectOneLineFailure(r, 65, message);
  });

  it('no GCP project → 78', async () => {
    const out = outDir();
    const args = base(out).filter((a, i, all) => a !== '--gcp-project' && all[i - 1] !== '--gcp-project');
    const r = await runInProcess(definition, [...args, '--bql', 'SELECT 1']);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/project/i);
  });

  it('a template it cannot render and no GCP project → 65: templates render first, as Airflow renders before execute()', async () => {
    const out = outDir();
    const args = base(out).filter((a, i, all) => a !== '--gcp-project' && all[i - 1] !== '--gcp-project');
    const r = await runInProcess(definition, [...args, '--bql', 'SELECT {{ macros.ds_add(ds, "x") }}']);
    expectOneLineFailure(r, 65, /^bigquery-operator: cannot render bql: /);
  });
});
