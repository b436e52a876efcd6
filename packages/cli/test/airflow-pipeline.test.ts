import { mkdtempSync, rmSync } from 'node:fs';
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
  },
);
