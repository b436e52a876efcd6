import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedWarehouseAvailable, queryWarehouse, startEmbeddedWarehouse } from '@data-pipeline/local';
import { findRealAirflow } from '@data-pipeline/runner/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { runDp } from './support/dp.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const INIT = join(repo, 'workflows', 'bigquery_step_init_workflow.yaml');
const DAILY = join(repo, 'workflows', 'bigquery_step_workflow.yaml');
const PROJECT = 'local-project';
const R = '20261120';
/**
 * Days the init backfills here: 4 (one round of its 4 lanes) instead of the default 40, which runs the same templates
 * 10 times as often — each Airflow step costs seconds of Python start-up, and the suite has a time budget. The 40-day
 * init through real Airflow is the README's `dp run … --engine airflow` (measured there).
 */
const DAYS = 4;
const TABLES = ['github_daily_metrics', 'github_agg', 'hackernews_agg', 'hackernews_github_agg'];

const found = findRealAirflow(process.env);
if ('skip' in found) console.warn(found.skip);
const ready = !('skip' in found) && (await embeddedWarehouseAvailable());

const tmp = mkdtempSync(join(tmpdir(), 'dp-airflow-pipeline-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Done {
  code: number | null;
  stdout: string;
  stderr: string;
}

function dp(args: string[], path: string): Promise<Done> {
  return runDp(args, { cwd: tmp, env: { PATH: path, HOME: tmp, CI: '1', TMPDIR: tmp } });
}

/** Every row of the four tables with its partition, as sorted JSON lines per table. */
async function tables(dataDir: string): Promise<Record<string, string[]>> {
  const wh = await startEmbeddedWarehouse({ dataDir, projectId: PROJECT });
  try {
    const out: Record<string, string[]> = {};
    for (const t of TABLES) {
      const { rows } = await queryWarehouse(
        wh.url,
        `SELECT *, _PARTITIONTIME AS pt FROM \`${PROJECT}.github_trends.${t}\``,
        { projectId: PROJECT },
      );
      out[t] = rows.map((r) => JSON.stringify(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)))).sort();
    }
    return out;
  } finally {
    await wh.stop();
  }
}

/** TASK → EXIT CLASS from the summary table. */
function exitClasses(summary: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of summary.split('\n')) {
    const m = /^(\S+)\s+(Succeeded|Failed|Error|Skipped|Omitted)\s+\d+\s+\S+\s+(.+)$/.exec(line);
    if (m) out[m[1]!] = m[3]!.trim();
  }
  return out;
}

describe.skipIf(!ready)(
  'the example through real Airflow 1.8.2 (dp run --engine airflow) vs --engine native',
  () => {
    it('init (dataset, 4 tables, 4 partitions) then daily: identical tables and exit classes on both engines', async () => {
      const airflowPath = `${(found as { binDir: string }).binDir}:${process.env.PATH ?? ''}`;
      const run = async (engine: 'airflow' | 'native') => {
        const dataDir = join(tmp, engine);
        const init = await dp(
          [
            'run',
            INIT,
            '-p',
            `run-date=${R}`,
            '-p',
            `backfill-num-days=${DAYS}`,
            '--data-dir',
            dataDir,
            '--engine',
            engine,
          ],
          airflowPath,
        );
        expect(init.stderr + init.stdout, `${engine} init`).toMatch(/workflow \S*init\S* Succeeded/);
        expect(init.code).toBe(0);
        const daily = await dp(
          ['run', DAILY, '-p', `run-date=${R}`, '--data-dir', dataDir, '--engine', engine],
          airflowPath,
        );
        expect(daily.code, `${engine} daily:\n${daily.stdout}${daily.stderr}`).toBe(0);
        return { dataDir, init, daily };
      };
      // Side by side: the two runs have their own data dirs and warehouses.
      const [airflow, native] = await Promise.all([run('airflow'), run('native')]);

      // The Airflow run really went through Airflow 1.8.2's BigQuery operators, authenticated by the warehouse's key.
      expect(airflow.daily.stderr).toMatch(/service-account key made by the embedded warehouse/);
      expect(exitClasses(airflow.daily.stdout)).toEqual(exitClasses(native.daily.stdout));
      expect(Object.values(exitClasses(airflow.daily.stdout))).toEqual(Array(7).fill('success (0)'));
      expect(exitClasses(airflow.init.stdout)).toEqual(exitClasses(native.init.stdout));

      const [a, n] = await Promise.all([tables(airflow.dataDir), tables(native.dataDir)]);
      const partitions = new Set(
        a.github_daily_metrics!.map((r) => JSON.parse(r).find(([k]: [string]) => k === 'pt')[1]),
      );
      expect(partitions.size).toBe(DAYS); // R-DAYS … R-1; the daily run rewrites R-1
      expect(a.hackernews_github_agg!.length).toBeGreaterThan(0);
      for (const t of TABLES) expect(a[t], t).toEqual(n[t]);
    }, 900_000);

    it('dp example --engine airflow: the daily workflow through real Airflow, its top rows and the report', async () => {
      const airflowPath = `${(found as { binDir: string }).binDir}:${process.env.PATH ?? ''}`;
      // Kept cheap: the example's init needs all 40 days, which the native engine writes in seconds (the init through
      // Airflow is the case above); the example then skips it and runs one data day (--days 1) through Airflow.
      const dataDir = join(tmp, 'example');
      const init = await dp(
        ['run', INIT, '-p', `run-date=${R}`, '--data-dir', dataDir, '--engine', 'native'],
        airflowPath,
      );
      expect(init.code, init.stderr).toBe(0);
      const report = join(tmp, 'example-report', 'index.html');
      const r = await dp(
        [
          'example',
          '--engine',
          'airflow',
          '--data-dir',
          dataDir,
          '--run-date',
          R,
          '--days',
          '1',
          '--report',
          report,
        ],
        airflowPath,
      );
      expect(r.code, `${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stderr).toMatch(/init skipped: .* already holds the 4 tables and the 40 days before/);
      expect(Object.values(exitClasses(r.stderr))).toEqual(Array(7).fill('success (0)'));
      expect(r.stdout).toMatch(/Top rows of github_trends\.hackernews_github_agg for \d{8}:/);
      expect(r.stdout).toMatch(/^github_url\s+\| hn_score/m);
      expect(existsSync(report)).toBe(true);
      expect(readFileSync(report, 'utf8')).toMatch(/<circle class="point"/);

      // Each of the seven steps ran Airflow 1.8.2's backfill (their logs are kept in the data dir).
      const logsRoot = join(dataDir, 'logs');
      const runDir = readdirSync(logsRoot).find((d) => d.startsWith('bigquery-data-pipeline-local-'));
      expect(runDir).toBeDefined();
      const logs = readdirSync(join(logsRoot, runDir!)).map((f) =>
        readFileSync(join(logsRoot, runDir!, f), 'utf8'),
      );
      expect(logs).toHaveLength(7);
      for (const log of logs) {
        expect(log).toMatch(/"msg":"running airflow backfill"/);
        expect(log).toMatch(/Backfill done\. Exiting\./);
      }
      // The last step (level 5) copied the runner's database template from the machine cache instead of running
      // `airflow initdb`, although its HOME is its own pod's (dp run names the cache: stepEnv).
      const last = logs.find((l) => l.includes('"task_id":"bq_check_hackernews_github_agg"'));
      expect(last).toMatch(/"msg":"airflow db from template"/);
      expect(last).not.toMatch(/"msg":"running airflow initdb"/);
    }, 900_000);
  },
);
