/**
 * Real Apache Airflow 1.8.2 → its BigQueryHook → the embedded warehouse, through the real operator bins with
 * `--engine airflow --bigquery-endpoint URL` and a service-account key the warehouse made and registered, as
 * `dp warehouse serve --write-key` does (token mode: the key's token_uri is the warehouse, which requires its tokens). The native engine runs beside it with the same key.
 * Scenarios run concurrently: each Airflow step costs seconds.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  bigQueryRest,
  createBigQuery,
  type JobResource,
  type QueryResultsPage,
  runQueryJob,
} from '@data-pipeline/bigquery-client';
import { readOutputsIfAny, runCli, tempDir } from '@data-pipeline/operator-testing';
import { findRealAirflow } from '@data-pipeline/runner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const found = findRealAirflow(process.env);
if ('skip' in found) console.warn(found.skip);

const bin = (pkg: string) => fileURLToPath(new URL(`../../${pkg}/bin/${pkg}.js`, import.meta.url));
const PROJECT = 'my-proj';
/** A step takes 5–15 s; on a machine shared with other suites (load 40+) it has taken a minute. */
const STEP_TIMEOUT_MS = 240_000;

const root = tempDir('bq-real-ep-');
const keyFile = join(root.path, 'keys', 'warehouse-key.json');
let wh: Awaited<ReturnType<typeof import('@data-pipeline/warehouse').startWarehouse>> | undefined;
let url = '';
let bq: Awaited<ReturnType<typeof createBigQuery>>;

beforeAll(async () => {
  if ('skip' in found) return;
  const { startWarehouse, writeServiceAccountKey } = await import('@data-pipeline/warehouse');
  const running = await startWarehouse({ projectId: PROJECT, oauth: {} });
  wh = running;
  url = running.url;
  mkdirSync(join(root.path, 'keys'), { mode: 0o700 });
  // What `dp warehouse serve --write-key FILE` does: a new key, registered, whose token_uri is the warehouse.
  await writeServiceAccountKey(keyFile, running.createServiceAccountKey());
  // The test's own client authenticates with the same key (the native engine's token path).
  bq = await createBigQuery({ projectId: PROJECT, endpoint: url, keyFile, env: {} });
  await bigQueryRest(bq, {
    method: 'POST',
    uri: '/datasets',
    projectId: PROJECT,
    json: { datasetReference: { projectId: PROJECT, datasetId: 'e2e' } },
  });
  await runQueryJob(bq, {
    projectId: PROJECT,
    query: 'SELECT n FROM UNNEST([1, 2, 3]) AS n',
    useLegacySql: false,
    destination: { projectId: PROJECT, datasetId: 'e2e', tableId: 'seed' },
    writeDisposition: 'WRITE_TRUNCATE',
  });
}, STEP_TIMEOUT_MS);

afterAll(async () => {
  await wh?.stop();
  root.cleanup();
});

interface Step {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  leftovers: string[];
}

/** `key`: the warehouse's key (true), none (false), or this key file. */
async function step(
  pkg: string,
  engine: 'airflow' | 'native',
  args: string[],
  key: boolean | string = true,
): Promise<Step> {
  if ('skip' in found) throw new Error(found.skip);
  const dir = join(root.path, `${pkg}-${engine}-${Math.random().toString(36).slice(2)}`);
  mkdirSync(dir, { mode: 0o700 });
  const r = await runCli(
    bin(pkg),
    [
      '--engine',
      engine,
      '--task-id',
      't',
      '--dag-id',
      'endpoint_e2e',
      '--execution-date',
      '2026-11-23',
      '--gcp-project',
      PROJECT,
      '--outputs-dir',
      join(dir, 'outputs'),
      '--bigquery-endpoint',
      url,
      ...args,
    ],
    {
      PATH: `${found.binDir}:${process.env.PATH ?? ''}`,
      TMPDIR: dir,
      ...(key ? { GOOGLE_APPLICATION_CREDENTIALS: key === true ? keyFile : key } : {}),
    },
    STEP_TIMEOUT_MS,
  );
  return {
    ...r,
    outputs: readOutputsIfAny(join(dir, 'outputs')),
    leftovers: readdirSync(dir).filter((f) => f.startsWith('dp-airflow-')),
  };
}

const getJob = (id: string) =>
  bigQueryRest<JobResource & { configuration: { query: { destinationTable?: unknown } } }>(bq, {
    uri: `/jobs/${encodeURIComponent(id)}`,
    projectId: PROJECT,
  });
const tableRows = async (table: string) =>
  (
    await bigQueryRest<{ rows?: { f: { v: string }[] }[] }>(bq, {
      uri: `/datasets/e2e/tables/${table}/data`,
      projectId: PROJECT,
    })
  ).rows?.map((r) => r.f.map((c) => c.v)) ?? [];

describe
  .skipIf('skip' in found)
  .concurrent(
    'real Airflow 1.8.2 + the embedded warehouse via --bigquery-endpoint',
    { timeout: STEP_TIMEOUT_MS + 10_000 },
    () => {
      it('bigquery-operator: rows in the destination; job-id, destination, rows-written are what the warehouse job says', async () => {
        const r = await step('bigquery-operator', 'airflow', [
          '--bql',
          '#standardSQL\nSELECT n * 10 AS x, "{{ ds }}" AS ds FROM e2e.seed',
          '--use-legacy-sql',
          'false',
          '--destination-dataset-table',
          'e2e.airflow_result',
          '--write-disposition',
          'WRITE_TRUNCATE',
        ]);
        expect(r.stderr).toBe('');
        expect(r.code).toBe(0);
        // 1.8.2's own hook fetched the warehouse's discovery document and sent the job there.
        expect(r.stdout).toContain(`URL being requested: GET ${url}/discovery/v1/apis/bigquery/v2/rest`);
        expect(r.stdout).toContain(`POST ${url}/bigquery/v2/projects/${PROJECT}/jobs?alt=json`);
        expect(r.outputs['exit-class']).toBe('success');
        const job = await getJob(r.outputs['job-id'] as string);
        expect(job.status?.state).toBe('DONE');
        expect(job.configuration.query.destinationTable).toEqual({
          projectId: PROJECT,
          datasetId: 'e2e',
          tableId: 'airflow_result',
        });
        const results = await bigQueryRest<QueryResultsPage>(bq, {
          uri: `/queries/${r.outputs['job-id']}`,
          projectId: PROJECT,
          qs: { maxResults: 0 },
        });
        expect(r.outputs.destination).toBe(`${PROJECT}:e2e.airflow_result`);
        expect(r.outputs['rows-written']).toBe(results.totalRows);
        expect(r.outputs['rows-written']).toBe('3');
        expect((await tableRows('airflow_result')).sort()).toEqual([
          ['10', '2026-11-23'],
          ['20', '2026-11-23'],
          ['30', '2026-11-23'],
        ]);
        expect(r.stdout).not.toContain('PRIVATE KEY');
        expect(r.leftovers).toEqual([]);
      });

      it('bigquery-check-operator: a passing check → 0 with the warehouse job id; a failing one → 1', async () => {
        const [pass, fail] = await Promise.all([
          step('bigquery-check-operator', 'airflow', [
            '--sql',
            'SELECT COUNT(*) = 3 FROM [my-proj:e2e.seed]',
          ]),
          step('bigquery-check-operator', 'airflow', [
            '--sql',
            'SELECT COUNT(*) > 100 FROM [my-proj:e2e.seed]',
          ]),
        ]);
        expect(pass.code).toBe(0);
        expect(pass.outputs.record).toBe('[True]');
        expect((await getJob(pass.outputs['job-id'] as string)).status?.state).toBe('DONE');
        expect(fail.code).toBe(1);
        expect(fail.outputs['exit-class']).toBe('task-failed');
        expect(fail.stderr.trim().split('\n')).toHaveLength(1);
        expect(fail.outputs['job-id']).toBe('');
      });

      it('native engine, same key and endpoint: the same outputs; no key or a forged one → 77 (tokens required)', async () => {
        const args = [
          '--bql',
          '#standardSQL\nSELECT n * 10 AS x, "{{ ds }}" AS ds FROM e2e.seed',
          '--use-legacy-sql',
          'false',
          '--destination-dataset-table',
          'e2e.native_result',
          '--write-disposition',
          'WRITE_TRUNCATE',
        ];
        // The warehouse's key with another private key: the token endpoint refuses its signature.
        const forged = join(root.path, 'keys', 'forged-key.json');
        writeFileSync(
          forged,
          JSON.stringify({
            ...JSON.parse(readFileSync(keyFile, 'utf8')),
            private_key: generateKeyPairSync('rsa', { modulusLength: 2048 })
              .privateKey.export({ type: 'pkcs8', format: 'pem' })
              .toString(),
          }),
          { mode: 0o600 },
        );
        const [withKey, withoutKey, forgedKey] = await Promise.all([
          step('bigquery-operator', 'native', args),
          step('bigquery-operator', 'native', args, false),
          step('bigquery-operator', 'native', args, forged),
        ]);
        expect(withKey.stderr).toBe('');
        expect(withKey.code).toBe(0);
        expect(withKey.outputs.destination).toBe(`${PROJECT}:e2e.native_result`);
        expect(withKey.outputs['rows-written']).toBe('3');
        expect((await getJob(withKey.outputs['job-id'] as string)).status?.state).toBe('DONE');
        expect(withoutKey.code).toBe(77);
        expect(withoutKey.stderr.trim().split('\n')).toHaveLength(1);
        expect(forgedKey.code).toBe(77);
        expect(forgedKey.stderr.trim().split('\n')).toHaveLength(1);
        expect(forgedKey.stderr).toContain(`token endpoint ${url}/token answered HTTP`);
        expect(forgedKey.stdout + forgedKey.stderr).not.toContain('PRIVATE KEY');
      });
    },
  );

/** A warehouse of its own whose jobs.insert always answers `fault` (test mode), and a key for it. */
async function faultyWarehouse(fault: string) {
  const { startWarehouse, writeServiceAccountKey } = await import('@data-pipeline/warehouse');
  const running = await startWarehouse({ projectId: PROJECT, oauth: {}, faults: [`jobs.insert=${fault}:*`] });
  const key = join(root.path, 'keys', `${fault.replace(/\W/g, '-')}-key.json`);
  await writeServiceAccountKey(key, running.createServiceAccountKey());
  return { running, key };
}

describe
  .skipIf('skip' in found)
  .concurrent(
    "failure paths through 1.8.2's hook: each answer of BigQuery becomes its documented exit class",
    { timeout: STEP_TIMEOUT_MS + 10_000 },
    () => {
      it('an invalid query → 65; a check on a missing table → the same class as the native engine', async () => {
        const [invalid, missingAirflow, missingNative] = await Promise.all([
          step('bigquery-operator', 'airflow', ['--bql', 'SELEC 1', '--use-legacy-sql', 'false']),
          step('bigquery-check-operator', 'airflow', ['--sql', 'SELECT COUNT(*) FROM [my-proj:e2e.nosuch]']),
          step('bigquery-check-operator', 'native', ['--sql', 'SELECT COUNT(*) FROM [my-proj:e2e.nosuch]']),
        ]);
        expect(invalid.code).toBe(65);
        expect(invalid.outputs['exit-class']).toBe('invalid-input');
        expect(missingAirflow.code).toBe(missingNative.code);
        expect(missingAirflow.outputs['exit-class']).toBe(missingNative.outputs['exit-class']);
      });

      it.each([
        ['accessDenied', 77, 'permission-denied'],
        ['backendError', 75, 'transient'],
        ['rateLimitExceeded', 75, 'transient'],
      ])('jobs.insert answers %s → %i (%s)', async (fault, code, exitClass) => {
        const { running, key } = await faultyWarehouse(fault);
        try {
          const dir = join(root.path, `fault-${fault}`);
          mkdirSync(dir, { mode: 0o700 });
          const r = await runCli(
            bin('bigquery-operator'),
            [
              '--engine',
              'airflow',
              '--task-id',
              't',
              '--dag-id',
              'fault_e2e',
              '--execution-date',
              '2026-11-23',
              '--gcp-project',
              PROJECT,
              '--outputs-dir',
              join(dir, 'outputs'),
              '--bigquery-endpoint',
              running.url,
              '--bql',
              'SELECT 1 AS one',
              '--use-legacy-sql',
              'false',
            ],
            {
              PATH: `${(found as { binDir: string }).binDir}:${process.env.PATH ?? ''}`,
              TMPDIR: dir,
              GOOGLE_APPLICATION_CREDENTIALS: key,
            },
            STEP_TIMEOUT_MS,
          );
          expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code });
          expect(readOutputsIfAny(join(dir, 'outputs'))['exit-class']).toBe(exitClass);
          expect(r.stderr.trim().split('\n')).toHaveLength(1);
        } finally {
          await running.stop();
        }
      });
    },
  );
