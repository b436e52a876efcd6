import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'scripts'],
    // Most slow files wait on subprocesses (operator bins, dp, the warehouse) rather than compute: vitest's default of
    // one worker per core less one would run them one by one on a 2-core machine (CI: ~11 min instead of ~6).
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
