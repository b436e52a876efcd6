#!/usr/bin/env node
// `npm run bench` (packages/runner): start-up and streaming targets of issue 3, measured against baselines taken
// in the same run on the same machine. Env: RUNNER_BENCH_BYTES (default 1e9), RUNNER_BENCH_RUNS (default 9).
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const here = import.meta.dirname;
const BYTES = Number(process.env.RUNNER_BENCH_BYTES ?? 1e9);
const RUNS = Number(process.env.RUNNER_BENCH_RUNS ?? 9);
const scratch = mkdtempSync(join(tmpdir(), 'runner-bench-'));
mkdirSync(join(scratch, 'no-connections'));
const env = {
  ...process.env,
  PATH: `${join(here, 'fake-airflow')}:${process.env.PATH}`,
  TMPDIR: scratch,
  DP_CONNECTIONS_DIR: join(scratch, 'no-connections'),
};
delete env.GOOGLE_APPLICATION_CREDENTIALS;
const operatorArgs = [
  join(here, 'operator.mjs'),
  '--task-id',
  'bench_task',
  '--execution-date',
  '2026-11-23',
];

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    rmSync(scratch, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

const nowMs = () => performance.timeOrigin + performance.now();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', opts.stdout ?? 'ignore', 'inherit'],
      env: opts.env ?? env,
      cwd: opts.cwd,
    });
    let peakKb = 0;
    const poll = opts.pollRss
      ? setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) peakKb = Math.max(peakKb, Number(m[1]));
          } catch {}
        }, 20)
      : undefined;
    child.on('error', reject);
    child.on('exit', (code) => {
      if (poll) clearInterval(poll);
      if (code !== 0) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}`));
      else resolve({ peakKb });
    });
  });
}

async function spawnLatency() {
  const nodeTimes = [];
  const zodTimes = [];
  const totalTimes = [];
  const ownTimes = [];
  for (let i = 0; i < RUNS; i++) {
    let t = nowMs();
    await run(process.execPath, ['-e', '0']);
    nodeTimes.push(nowMs() - t);
    // The floor under any operator bin: Node plus the zod import its kwargs schema needs (not a target, context).
    t = nowMs();
    await run(process.execPath, ['--input-type=module', '-e', "await import('zod')"], { cwd: here });
    zodTimes.push(nowMs() - t);
    const stamp = join(scratch, `spawn-${i}`);
    t = nowMs();
    await run(process.execPath, operatorArgs, {
      env: { ...env, BENCH_SPAWN_FILE: stamp, BENCH_FLOOD_BYTES: '0' },
    });
    const s = JSON.parse(readFileSync(stamp, 'utf8'));
    totalTimes.push(s.origin + s.spawnedAt - t);
    ownTimes.push(s.spawnedAt - s.enteredAt);
  }
  return { node: median(nodeTimes), zod: median(zodTimes), total: median(totalTimes), own: median(ownTimes) };
}

async function streaming() {
  const devNull = openSync('/dev/null', 'w');
  try {
    let t = nowMs();
    await run('sh', ['-c', `node "${join(here, 'producer.mjs')}" ${BYTES} | cat`], { stdout: devNull });
    const catMs = nowMs() - t;
    t = nowMs();
    const { peakKb } = await run(process.execPath, operatorArgs, {
      env: { ...env, BENCH_FLOOD_BYTES: String(BYTES) },
      stdout: devNull,
      pollRss: true,
    });
    const runnerMs = nowMs() - t;
    return { catMs, runnerMs, peakMb: peakKb / 1024 };
  } finally {
    closeSync(devNull);
  }
}

try {
  const s = await spawnLatency();
  const f = await streaming();
  const mb = BYTES / 1e6;
  const totalRatio = s.total / s.node;
  const ownRatio = s.own / s.node;
  const throughputRatio = f.catMs / f.runnerMs;
  const rows = [
    [
      'process start → child spawn',
      `${s.total.toFixed(1)} ms`,
      `node -e 0: ${s.node.toFixed(1)} ms`,
      `${totalRatio.toFixed(2)}×`,
      '≤ 1.5×',
      totalRatio <= 1.5,
    ],
    [
      '  floor: node + import zod (no runner)',
      `${s.zod.toFixed(1)} ms`,
      '',
      `${(s.zod / s.node).toFixed(2)}×`,
      '',
      true,
    ],
    [
      '  of which runner code (after imports)',
      `${s.own.toFixed(1)} ms`,
      '',
      `${ownRatio.toFixed(2)}×`,
      '',
      true,
    ],
    [
      `${mb.toFixed(0)} MB streamed: peak RSS`,
      `${f.peakMb.toFixed(1)} MB`,
      '',
      '',
      '≤ 150 MB',
      f.peakMb <= 150,
    ],
    [
      `${mb.toFixed(0)} MB streamed: throughput`,
      `${(mb / (f.runnerMs / 1000)).toFixed(0)} MB/s`,
      `| cat: ${(mb / (f.catMs / 1000)).toFixed(0)} MB/s`,
      `${throughputRatio.toFixed(2)}×`,
      '≥ 0.5×',
      throughputRatio >= 0.5,
    ],
  ];
  console.log('runner bench (medians of %d runs for start-up; one streaming run)', RUNS);
  for (const [name, value, base, ratio, target, ok] of rows) {
    const verdict = target ? `target ${target.padEnd(9)} ${ok ? 'ok' : 'MISSED'}` : '';
    console.log(
      `  ${name.padEnd(40)} ${value.padStart(10)}  ${base.padEnd(24)} ${ratio.padStart(7)}  ${verdict}`,
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
