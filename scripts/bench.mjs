#!/usr/bin/env node
// `npm run bench [-- PACKAGE…]`: builds quietly (the compiler's output is shown only when the build fails), runs every
// package's `bench` script one after another (the machine stays otherwise idle for each; their own lines are shown as
// they come), then prints one table of every target the benches reported through scripts/bench-result.mjs, with its
// verdict. Exit 1 when a target is missed or a bench fails; the build's own exit code when it fails; 64 for an unknown
// package name. Arguments: package folder names (e.g. `npm run bench -- runner snapshot`) to run only those.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchExitCode, benchTable } from './bench-table.mjs';

const root = join(import.meta.dirname, '..');
const packagesDir = join(root, 'packages');
const all = readdirSync(packagesDir)
  .filter((d) => existsSync(join(packagesDir, d, 'package.json')))
  .filter((d) => JSON.parse(readFileSync(join(packagesDir, d, 'package.json'), 'utf8')).scripts?.bench)
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`bench: no bench in packages/${unknown[0]} (benches: ${all.join(', ')})`);
  process.exit(64);
}
const selected = wanted.length > 0 ? all.filter((d) => wanted.includes(d)) : all;

const build = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b'], {
  cwd: root,
  encoding: 'utf8',
});
if (build.status !== 0) {
  process.stdout.write(build.stdout);
  process.stderr.write(build.stderr);
  console.error(`bench: the build failed (tsc -b exited ${build.status ?? build.signal}); no bench was run`);
  process.exit(build.status || 1);
}

const scratch = mkdtempSync(join(tmpdir(), 'dp-bench-results-'));
const results = [];
const runs = [];
let stopped = false;
for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    stopped = true; // the bench child gets the same signal from the terminal and ends; then we stop
  });
try {
  for (const dir of selected) {
    if (stopped) break;
    const file = join(scratch, `${dir}.jsonl`);
    console.log(`\n── packages/${dir}: npm run bench ──`);
    const run = spawnSync('npm', ['run', '--silent', 'bench'], {
      cwd: join(packagesDir, dir),
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, DP_BENCH_RESULTS: file },
    });
    const reported = existsSync(file)
      ? readFileSync(file, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l))
      : [];
    results.push(...reported);
    runs.push({ bench: dir, code: run.status, signal: run.signal, reported: reported.length });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`\n${benchTable(results, runs).join('\n')}`);
process.exit(stopped ? 130 : benchExitCode(results, runs));
