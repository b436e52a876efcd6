#!/usr/bin/env node
// `npm run bench` (packages/snapshot): issue 3's start-up target, measured on the real operator bins the way the
// images start them (`node --snapshot-blob BLOB -- FLAGS`) and the way tests start them (`node bin/X.js FLAGS`):
// process start → `airflow initdb` spawned, against `node -e 0` spawned the same way, medians of RUNS interleaved
// runs. The `airflow` stand-in (packages/runner/bench/fake-airflow) touches a stamp file when it starts (a shell
// builtin: no extra process); its mtime is the spawn time. Every process gets the same minimal, container-like
// environment (no NODE_OPTIONS / NODE_EXTRA_CA_CERTS, which would slow every `node` start alike).
// Env: SNAPSHOT_BENCH_RUNS (default 15).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportTarget } from '../../../scripts/bench-result.mjs';

const here = import.meta.dirname;
const packages = join(here, '..', '..');
const RUNS = Number(process.env.SNAPSHOT_BENCH_RUNS ?? 15);
const OPERATORS = ['airflow-operator', 'bigquery-operator'];
const scratch = mkdtempSync(join(tmpdir(), 'snapshot-bench-'));
mkdirSync(join(scratch, 'no-connections'));
mkdirSync(join(scratch, 'tmp'));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    rmSync(scratch, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

const env = {
  PATH: `${join(packages, 'runner', 'bench', 'fake-airflow')}:${process.env.PATH}`,
  HOME: scratch,
  TMPDIR: join(scratch, 'tmp'),
  DP_CONNECTIONS_DIR: join(scratch, 'no-connections'),
  BENCH_FLOOD_BYTES: '0',
};
const flags = {
  'airflow-operator': ['--operator', 'airflow.operators.dummy_operator.DummyOperator', '--kwargs', '{}'],
  'bigquery-operator': ['--bql', 'SELECT 1', '--use-legacy-sql', 'false'],
};

for (const op of OPERATORS) {
  const bin = join(packages, op, 'bin', `${op}.js`);
  const r = spawnSync(process.execPath, [join(here, '..', 'bin', 'dp-snapshot.js'), bin, '--out', scratch], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`dp-snapshot ${op} failed: ${r.stderr}`);
  // The image layout for a pod whose `command` names the bin (our workflows): /app/bin/<bin> is
  // images/operator/snapshot-start.sh, next to /app/snapshot/entrypoint.blob.
  const app = join(scratch, `app-${op}`);
  mkdirSync(join(app, 'bin'), { recursive: true });
  mkdirSync(join(app, 'snapshot'));
  copyFileSync(join(scratch, `${op}.blob`), join(app, 'snapshot', 'entrypoint.blob'));
  copyFileSync(join(packages, '..', 'images', 'operator', 'snapshot-start.sh'), join(app, 'bin', op));
  chmodSync(join(app, 'bin', op), 0o755);
}

const nowMs = () => performance.timeOrigin + performance.now();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Runs `file` (default: node) to completion; with `stamp`, returns start → stamp time, else start → exit. */
function timed(file, args, stamp) {
  return new Promise((resolve, reject) => {
    const t = nowMs();
    const child = spawn(file, args, {
      env: stamp ? { ...env, BENCH_SPAWN_STAMP: stamp } : env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const end = nowMs();
      if (code !== 0) return reject(new Error(`${file} ${args.join(' ')} exited ${code}`));
      if (!stamp) return resolve(end - t);
      resolve(Number(statSync(stamp, { bigint: true }).mtimeNs) / 1e6 - t);
    });
  });
}

const node = process.execPath;
// [name, file, args, has a target]
const variants = [['node -e 0', node, ['-e', '0'], false]];
for (const op of OPERATORS) {
  const common = ['--task-id', 'bench_task', '--execution-date', '2026-11-23', ...flags[op]];
  const blob = join(scratch, `${op}.blob`);
  variants.push([
    `${op}: image ENTRYPOINT (snapshot)`,
    node,
    ['--snapshot-blob', blob, '--', ...common],
    true,
  ]);
  variants.push([`${op}: pod command /app/bin/${op}`, join(scratch, `app-${op}`, 'bin', op), common, true]);
  variants.push([
    `${op}: plain bin (node bin/${op}.js)`,
    node,
    [join(packages, op, 'bin', `${op}.js`), ...common],
    false,
  ]);
}

try {
  const samples = variants.map(() => []);
  // One warm-up round (page cache), then RUNS interleaved rounds so load changes hit every variant alike.
  for (let round = -1; round < RUNS; round++) {
    for (const [i, [, file, args]] of variants.entries()) {
      const ms = await timed(file, args, i === 0 ? undefined : join(scratch, `stamp-${i}`));
      if (round >= 0) samples[i].push(ms);
    }
  }
  const base = median(samples[0]);
  const width = Math.max(...variants.map(([name]) => name.length)) + 2;
  console.log(`snapshot bench: process start → airflow initdb spawned (median of ${RUNS} interleaved runs)`);
  for (const [i, [name, , , targeted]] of variants.entries()) {
    const ms = median(samples[i]);
    const ratio = ms / base;
    if (i > 0 && targeted) reportTarget('snapshot', `${name} / node -e 0`, ratio, '<=', 1.5);
    const verdict =
      i === 0 ? 'baseline' : targeted ? `target ≤ 1.5×  ${ratio <= 1.5 ? 'ok' : 'MISSED'}` : '(context)';
    console.log(
      `  ${name.padEnd(width)} ${ms.toFixed(1).padStart(7)} ms  ${ratio.toFixed(2).padStart(5)}×  ${verdict}`,
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
