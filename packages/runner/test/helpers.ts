import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { z } from 'zod';
import type { CliIO, OperatorDefinition } from '../src/index.js';

export function tempDir(prefix = 'runner-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

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

export interface CapturedIO extends CliIO {
  readonly out: () => string;
  readonly err: () => string;
  readonly controller: AbortController;
}

export function captureIO(argv: string[], env: Record<string, string | undefined> = {}): CapturedIO {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const controller = new AbortController();
  return {
    argv,
    env: { PATH: '/nonexistent', ...env },
    stdout,
    stderr,
    signal: controller.signal,
    isTTY: false,
    out: () => out,
    err: () => err,
    controller,
  };
}
