// A minimal operator CLI on the runner, like an operator package's bin (zod schema + the runner), for the streaming
// benchmark: its `airflow backfill` (bench/fake-airflow) floods BENCH_FLOOD_BYTES of output through the runner.
import { z } from 'zod';
import { runOperatorCli } from '../dist/index.js';

const definition = {
  name: 'bench-operator',
  version: '0.0.0',
  description: 'benchmark operator',
  airflowClass: 'airflow.operators.dummy_operator.DummyOperator',
  kwargs: z.object({ bql: z.string().optional() }),
  templatedFields: [],
  outputs: [],
};
process.exitCode = await runOperatorCli(definition, {
  argv: process.argv.slice(2),
  env: process.env,
  stdout: process.stdout,
  stderr: process.stderr,
  signal: new AbortController().signal,
  isTTY: false,
});
