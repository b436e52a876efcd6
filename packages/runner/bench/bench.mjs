#!/usr/bin/env node
// `npm run bench` (packages/runner): the streaming targets of issue 3, measured against a baseline taken in the same
// run on the same machine. (The start-up target is measured on the real operator bins, as the images start them, by
// packages/snapshot's bench.) Env: RUNNER_BENCH_BYTES (default 1e9).
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportTarget } from '../../../scripts/bench-result.mjs';

const here = import.meta.dirname;
const BYTES = Number(process.env.RUNNER_BENCH_BYTES ?? 1e9);
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
  const f = await streaming();
  const mb = BYTES / 1e6;
  const throughputRatio = f.catMs / f.runnerMs;
  const rows = [
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
  console.log('runner bench (one streaming run; start-up: see packages/snapshot bench)');
  reportTarget('runner', rows[0][0], f.peakMb, '<=', 150, 'MB');
  reportTarget('runner', `${rows[1][0]} / cat`, throughputRatio, '>=', 0.5);
  for (const [name, value, base, ratio, target, ok] of rows) {
    const verdict = target ? `target ${target.padEnd(9)} ${ok ? 'ok' : 'MISSED'}` : '';
    console.log(
      `  ${name.padEnd(40)} ${value.padStart(10)}  ${base.padEnd(24)} ${ratio.padStart(7)}  ${verdict}`,
    );
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
