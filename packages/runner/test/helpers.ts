import { z } from 'zod';
import type { OperatorDefinition } from '../src/index.js';
import { type CapturedIO, captureIO as captureWith, tempDir } from '../src/testing.js';

export type { CapturedIO };

export { tempDir };

export const sampleKwargs = z.object({
  bql: z.string().describe('SQL to run'),
  destination_dataset_table: z.string().optional(),
  use_legacy_sql: z.boolean().default(true),
  max_rows: z.number().int().optional(),
  udf_config: z.array(z.object({ resourceUri: z.string() })).optional(),
  priority: z.enum(['INTERACTIVE', 'BATCH']).default('INTERACTIVE'),
});

export function sampleDefinition(overrides: Partial<OperatorDefinition> = {}): OperatorDefinition {
  return {
    name: 'sample-operator',
    version: '1.2.3',
    description: 'A sample operator for tests',
    airflowClass: 'airflow.contrib.operators.bigquery_operator.BigQueryOperator',
    kwargs: sampleKwargs,
    templatedFields: ['bql', 'destination_dataset_table'],
    fileFields: ['bql'],
    outputs: ['job-id'],
    extraFlags: [
      { flag: 'bigquery-endpoint', env: 'BIGQUERY_EMULATOR_HOST', description: 'BigQuery endpoint' },
    ],
    ...overrides,
  } as OperatorDefinition;
}

/** Runner tests default PATH to a folder without `airflow`, and signal process groups as `main` does. */
export function captureIO(
  argv: string[],
  env: Record<string, string | undefined> = {},
  killProcessGroup: (pgid: number, signal: NodeJS.Signals) => void = (pgid, signal) =>
    process.kill(-pgid, signal),
): CapturedIO {
  return captureWith(argv, { PATH: '/nonexistent', ...env }, killProcessGroup);
}
