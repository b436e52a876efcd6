#!/usr/bin/env node
// `npm run bench` (packages/cli), start-up: the CPU time `dp --help` and `dp lint <the example workflow>` take, against
// an empty Node process (`node -e 0`) measured interleaved in the same run (README "Start-up"). CPU, not wall time:
// the test suite starts dp hundreds of times on two busy cores, where CPU is what each start costs.
//   help   dp --help: commander and the command declarations only          → target ≤ HELP_LIMIT × node -e 0
//   lint   dp lint workflows/bigquery_step_workflow.yaml: lint and the Argo Workflow model, nothing of the
//          interpreter or the warehouse                                     → target ≤ LINT_LIMIT × node -e 0
// Env: START_UP_BENCH_REPS (default 11; medians are compared).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportTarget } from '../../../scripts/bench-result.mjs';

const HELP_LIMIT = 2.5;
const LINT_LIMIT = 10;
const REPS = Number(process.env.START_UP_BENCH_REPS ?? 11);
const repo = join(import.meta.dirname, '..', '..', '..');
const DP = join(repo, 'packages', 'cli', 'bin', 'dp.js');
const CPU_AT_EXIT = join(import.meta.dirname, 'cpu-at-exit.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'start-up-bench-'));

const cases = {
  node: ['-e', '0'],
  help: [DP, '--help'],
  lint: [DP, 'lint', 'workflows/bigquery_step_workflow.yaml'],
};

/** CPU milliseconds of one run of `node --import cpu-at-exit.mjs …args`; exits 1 when the run itself fails. */
function cpuMs(name, args) {
  const file = join(scratch, `${name}.cpu`);
  const r = spawnSync(process.execPath, ['--import', CPU_AT_EXIT, ...args], {
    cwd: repo,
    env: { ...process.env, DP_CPU_FILE: file },
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    console.error(`start-up bench: ${name} exited ${r.status ?? r.signal}\n${r.stderr}`);
    process.exit(1);
  }
  return Number(readFileSync(file, 'utf8')) / 1000;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const samples = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
try {
  for (let i = 0; i < REPS; i++)
    for (const [name, args] of Object.entries(cases)) samples[name].push(cpuMs(name, args));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const base = median(samples.node);
let missed = false;
console.log(`cli start-up bench: CPU (user + system), median of ${REPS} interleaved runs`);
console.log(`  node -e 0                                   ${base.toFixed(0).padStart(5)} ms`);
for (const [name, label, limit] of [
  ['help', 'dp --help', HELP_LIMIT],
  ['lint', 'dp lint workflows/bigquery_step_workflow.yaml', LINT_LIMIT],
]) {
  const ms = median(samples[name]);
  const ratio = ms / base;
  const ok = ratio <= limit;
  missed ||= !ok;
  console.log(
    `  ${label.padEnd(44)}${ms.toFixed(0).padStart(5)} ms  ${ratio.toFixed(2)}× node -e 0 (target ≤ ${limit}×) ${ok ? 'ok' : 'MISSED'}`,
  );
  reportTarget('cli', `start-up: ${label} CPU / node -e 0`, Number(ratio.toFixed(2)), '<=', limit);
}
process.exit(missed ? 1 : 0);
