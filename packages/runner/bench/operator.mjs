// A minimal operator CLI on the runner, like an operator package's bin (zod schema + the runner), instrumented for
// the benchmark: it records when the runner's code started and when the first Airflow child was spawned.
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { runOperatorCli } from '../dist/index.js';

const enteredAt = performance.now();
const definition = {
  name: 'bench-operator',
  version: '0.0.0',
  description: 'benchmark operator',
  airflowClass: 'airflow.operators.dummy_operator.DummyOperator',
  kwargs: z.object({ bql: z.string().optional() }),
  templatedFields: [],
  outputs: [],
};
const stampFile = process.env.BENCH_SPAWN_FILE;
process.exitCode = await runOperatorCli(definition, {
  argv: process.argv.slice(2),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: new AbortController().signal,
  isTTY: false,
  onSpawn: (phase) => {
    if (phase === 'initdb' && stampFile) {
      const spawnedAt = performance.now();
      writeFileSync(stampFile, JSON.stringify({ origin: performance.timeOrigin, enteredAt, spawnedAt }));
    }
  },
});
