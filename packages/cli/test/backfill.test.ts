import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  addDays,
  embeddedWarehouseAvailable,
  queryWarehouse,
  startEmbeddedWarehouse,
} from '@data-pipeline/local';
import { afterAll, describe, expect, it } from 'vitest';
import { type DpResult, runDp } from './support/dp.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const INIT = join(repo, 'workflows', 'bigquery_step_init_workflow.yaml');
const PROJECT = 'local-project';
const R = '20261120';
const DAYS = 400;

const tmp = mkdtempSync(join(tmpdir(), 'dp-backfill-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function dp(args: string[]): Promise<DpResult> {
  return runDp(args, { cwd: tmp, env: { PATH: process.env.PATH ?? '', HOME: tmp, CI: '1' } });
}

const long = process.env.DP_LONG_TESTS === '1';
const ready = long && existsSync(INIT) && (await embeddedWarehouseAvailable());
if (!ready)
  console.warn(
    long
      ? '400-day backfill e2e skipped: workflows/ or the embedded warehouse is missing'
      : '400-day backfill e2e skipped: set DP_LONG_TESTS=1 to run it (about 15 min on a busy 2-core machine)',
  );

describe.skipIf(!ready)('a 400-day backfill with dp run', () => {
  it('succeeds and leaves exactly the partitions R-400 .. R-1, one summary row per data day', async () => {
    const dataDir = join(tmp, 'data');
    const run = await dp([
      'run',
      INIT,
      '-p',
      `run-date=${R}`,
      '-p',
      `backfill-num-days=${DAYS}`,
      '--data-dir',
      dataDir,
    ]);
    expect(run.stdout + run.stderr).toMatch(/workflow bigquery-data-pipeline-init-local Succeeded/);
    expect(run.code).toBe(0);
    const rows = run.stdout.split('\n').filter((l) => /^github-daily\(\d{8}\)\s+Succeeded/.test(l));
    expect(rows).toHaveLength(DAYS);
    expect(run.stdout).not.toMatch(/^(next|day|backfill)\b/m);

    const wh = await startEmbeddedWarehouse({ dataDir, projectId: PROJECT });
    try {
      const { rows: parts } = await queryWarehouse(
        wh.url,
        `#legacySQL
SELECT partition_id FROM [${PROJECT}:github_trends.github_daily_metrics$__PARTITIONS_SUMMARY__]`,
        { projectId: PROJECT },
      );
      const ids = parts.map((p) => String(p.partition_id)).sort();
      expect(ids).toEqual(Array.from({ length: DAYS }, (_, i) => addDays(R, -(DAYS - i))));
    } finally {
      await wh.stop();
    }
  }, 2_700_000);
});
