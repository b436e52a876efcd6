#!/usr/bin/env node
// Runs the whole vitest suite and ends with one plain summary line ("N passed, N failed, N skipped") that CI
// systems can read whatever reporter they understand. Exit code is vitest's own.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'dp-test-'));
const results = join(dir, 'results.json');
const run = spawnSync(
  process.execPath,
  [
    'node_modules/vitest/vitest.mjs',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${results}`,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
try {
  const r = JSON.parse(readFileSync(results, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  console.log(`\nsummary: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
} catch {
  console.log('\nsummary: no results (vitest did not finish)');
}
rmSync(dir, { recursive: true, force: true });
process.exit(run.status ?? 1);
