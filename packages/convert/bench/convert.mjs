#!/usr/bin/env node
// `npm run bench` (packages/convert): `dp convert` of one example DAG against what real Airflow 1.8.2 itself takes to
// import the same file (`python -c 'import airflow; exec(open(F).read())'` with the airflow installation's interpreter),
// measured side by side, alternating, in this run (issue 16: target ≤ 2×). Both get a fresh AIRFLOW_HOME per run.
// Env: CONVERT_BENCH_REPS (default 5), CONVERT_BENCH_DAG (default tutorial.py of the 1.8.2 example DAGs).
// Skips with one line when no real Airflow is installed (scripts/install-real-airflow.sh, or DP_REAL_AIRFLOW).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { findInterpreter } from '@data-pipeline/convert';
import { findRealAirflow } from '@data-pipeline/runner/testing';
import { median, secs, timed } from '../../airflow-operator/bench/bare-backfill.mjs';

const found = findRealAirflow(process.env);
if ('skip' in found) {
  console.log(`convert bench: ${found.skip}`);
  process.exit(0);
}
const REPS = Number(process.env.CONVERT_BENCH_REPS ?? 5);
const DAG =
  process.env.CONVERT_BENCH_DAG ??
  join(dirname(found.binDir), 'src', 'airflow', 'example_dags', 'tutorial.py');
const repo = join(import.meta.dirname, '..', '..', '..');
const DP = join(repo, 'packages', 'cli', 'bin', 'dp.js');

const scratch = mkdtempSync(join(tmpdir(), 'convert-bench-'));
const env = { PATH: `${found.binDir}:${process.env.PATH ?? ''}`, HOME: scratch, TMPDIR: scratch, CI: '1' };
const interp = findInterpreter(env);
let n = 0;

const importOnly = async () => {
  const home = join(scratch, `home-${n++}`);
  try {
    return (
      await timed(
        interp.command,
        [...interp.args, '-c', 'import sys, airflow; exec(open(sys.argv[1]).read())', DAG],
        {
          ...interp.env,
          AIRFLOW_HOME: home,
          AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
          PYTHONDONTWRITEBYTECODE: '1',
        },
        scratch,
      )
    ).ms;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
};
const convert = async () =>
  (await timed(process.execPath, [DP, 'convert', DAG, '-o', join(scratch, 'out.yaml')], env, scratch)).ms;

try {
  await importOnly(); // warm the page cache for both
  await convert();
  const base = [];
  const ours = [];
  for (let i = 0; i < REPS; i++) {
    base.push(await importOnly());
    ours.push(await convert());
  }
  const b = median(base);
  const c = median(ours);
  console.log(`convert bench (${REPS} reps, median, ${DAG.split('/').pop()}):`);
  console.log(`  python -c 'import airflow; exec(F)'  ${secs(b)}`);
  console.log(`  dp convert F -o OUT                  ${secs(c)}`);
  console.log(`  ratio ${(c / b).toFixed(2)}× (target ≤ 2×)`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
