#!/usr/bin/env node
// npm run bench:backfill (packages/local): the init workflow's backfill at 40 and at 400 days with `dp run`'s engine on
// the embedded warehouse (native engine, default parallelism 4), each in a fresh data dir. Prints the time per day of
// each (the workflow run only: warehouse start and sample-data seeding excluded) and their ratio; the target is a
// 400-day run costing at most 2x per day what the 40-day one does (no depth- or length-dependent overhead). Exits 1
// when a run fails or the target is missed. Takes as long as 440 steps: about 15 min on a busy 2-core machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRepoRoot, runLocal } from '../dist/index.js';

const MAX_RATIO = 2;
const repo = findRepoRoot(import.meta.dirname);
/** The bench is a process edge: it hands the executor this Node binary and the real process.kill. */
const host = { nodePath: process.execPath, kill: (pid, signal) => process.kill(pid, signal) };

async function backfill(days) {
  const dataDir = mkdtempSync(join(tmpdir(), `dp-bench-backfill-${days}-`));
  try {
    const r = await runLocal({
      workflowFile: join(repo, 'workflows', 'bigquery_step_init_workflow.yaml'),
      parameters: {
        'gcp-project': 'local-project',
        'run-date': '20261120',
        'backfill-num-days': String(days),
      },
      warehouse: 'embedded',
      dataDir,
      engine: 'native',
      secrets: new Map(),
      baseEnv: { PATH: process.env.PATH ?? '', HOME: dataDir },
      host,
    });
    const ms = r.timings.totalMs - r.timings.warehouseStartMs - r.timings.seedMs;
    const written = r.tasks.filter(
      (t) => t.template === 'write-github-daily' && t.phase === 'Succeeded',
    ).length;
    return { days, phase: r.phase, written, ms, perDay: ms / days };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const results = [];
for (const days of [40, 400]) results.push(await backfill(days));
for (const r of results)
  console.log(
    `init backfill ${String(r.days).padStart(3)} days: ${r.phase}, ${r.written} days written, ${(r.ms / 1000).toFixed(1)} s, ${(r.perDay / 1000).toFixed(2)} s/day`,
  );
const [short, long] = results;
const ratio = long.perDay / short.perDay;
const ok = results.every((r) => r.phase === 'Succeeded' && r.written === r.days) && ratio <= MAX_RATIO;
console.log(
  `time per day, 400 vs 40 days: ${ratio.toFixed(2)}x (target <= ${MAX_RATIO}x) ${ok ? 'ok' : 'MISSED'}`,
);
process.exitCode = ok ? 0 : 1;
