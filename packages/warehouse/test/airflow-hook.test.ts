import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findRealAirflow } from '@data-pipeline/runner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningWarehouse, writeServiceAccountKey } from '../src/index.js';
import { runPython, startTestWarehouse } from './helpers.js';

/**
 * Issue 14 §1 with the real Apache Airflow 1.8.2 BigQueryHook (unmodified source, google-api-python-client 1.7 and
 * oauth2client 4.1 from Debian): a bigquery_default connection whose key_path names a key written by the warehouse
 * (token mode), the discovery document from the warehouse, and the hook's own calls — run_query, run_with_configuration,
 * the cursor's execute/fetchone, get_tabledata, get_schema, table_exists — plus the faults §3's failure paths use.
 */

const found = findRealAirflow(process.env);
/** The real Airflow runs on Debian's python3 (its bin/airflow's default; AIRFLOW_PYTHON there). */
const PYTHON = process.env.AIRFLOW_PYTHON || '/usr/bin/python3';
if ('skip' in found) console.warn(found.skip);

/** The real Airflow's environment: its own PYTHONPATH (shims + source, as its bin/airflow sets), a private home. */
function airflowEnv(home: string): Record<string, string> {
  const root = 'airflow' in found ? dirname(found.binDir) : '';
  return {
    AIRFLOW_HOME: home,
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    AIRFLOW__CORE__UNIT_TEST_MODE: 'False',
    PYTHONPATH: `${join(root, 'shims')}:${join(root, 'src')}`,
    SQLALCHEMY_SILENCE_UBER_WARNING: '1',
  };
}

function initdb(env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!('airflow' in found)) return resolve();
    const child = spawn(found.airflow, ['initdb'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: env.AIRFLOW_HOME!, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`airflow initdb exited ${code}: ${err.slice(-2000)}`)),
    );
  });
}

describe
  .skipIf('skip' in found)
  .concurrent('the real Airflow 1.8.2 BigQueryHook against the warehouse', () => {
    // Two warehouses in token mode (the fault scenario gets its own, so both scenarios run at once), one Airflow home
    // with a connection for each; the scenarios only read the home.
    let wh: RunningWarehouse;
    let faulty: RunningWarehouse;
    let dir: string;
    let base: Record<string, string>;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'wh-airflow-'));
      const home = join(dir, 'airflow');
      base = { ...airflowEnv(home), HOME: dir };
      [wh, faulty] = await Promise.all([
        startTestWarehouse({ oauth: {} }),
        startTestWarehouse({
          oauth: {},
          faults: ['jobs.insert=accessDenied', 'jobs.insert=backendError', 'jobs.insert=rateLimitExceeded'],
        }),
        initdb(base),
      ]);
      await writeServiceAccountKey(join(dir, 'key.json'), wh.createServiceAccountKey());
      await writeServiceAccountKey(join(dir, 'faulty.json'), faulty.createServiceAccountKey());
      const connections = {
        bigquery_default: join(dir, 'key.json'),
        bigquery_faulty: join(dir, 'faulty.json'),
      };
      const setup = await runPython(PYTHON, 'airflow_hook.py', ['setup'], {
        ...base,
        CONNECTIONS: JSON.stringify(connections),
      });
      expect(setup).toEqual({ connections: 2 });
    }, 180_000);
    afterAll(async () => {
      await Promise.all([wh?.stop(), faulty?.stop()]);
      await rm(dir, { recursive: true, force: true });
    });

    it('runs queries, reads results and tables through the hook, with a token from the warehouse', async () => {
      const out = await runPython(PYTHON, 'airflow_hook.py', ['methods'], { ...base, WAREHOUSE_URL: wh.url });
      expect(out.run_query).toMatch(/^job_/);
      expect(out.write_empty).toMatch(
        /^Exception: BigQuery job failed\. Final error was: .*'reason': 'duplicate'/,
      );
      expect(out.run_with_configuration).toMatch(/^job_/);
      expect(out.fetchone).toEqual([5, 'v3']);
      expect(out.fetchone_after).toBeNull();
      expect(out.get_tabledata.totalRows).toBe('3');
      expect(out.get_tabledata.rows).toHaveLength(2);
      expect(out.get_schema.fields.map((f: { name: string; type: string }) => `${f.name}:${f.type}`)).toEqual(
        ['n:INTEGER', 's:STRING'],
      );
      expect(out.table_exists).toBe(true);
      expect(out.table_missing).toBe(false);
      expect(out.invalid_query).toMatch(
        /^Exception: BigQuery job failed\. Final error was: .*'reason': 'invalidQuery'/,
      );
    });

    it('meets 403, 500 and 429 from armed faults, as HttpErrors with those statuses', async () => {
      const out = await runPython(PYTHON, 'airflow_hook.py', ['faults'], {
        ...base,
        WAREHOUSE_URL: faulty.url,
        CONN_ID: 'bigquery_faulty',
      });
      expect(out.runs[0]).toMatch(
        /^HttpError: <HttpError 403 when requesting .*\/jobs\?alt=json returned "Access Denied: Project local-project/,
      );
      expect(out.runs[1]).toMatch(
        /^HttpError: <HttpError 500 when requesting .* returned "Error encountered during execution/,
      );
      expect(out.runs[2]).toMatch(
        /^HttpError: <HttpError 429 when requesting .* returned "Exceeded rate limits/,
      );
      expect(out.runs[3]).toBeNull();
      expect(faulty.faults!.pending()).toEqual([]);
    });
  });
