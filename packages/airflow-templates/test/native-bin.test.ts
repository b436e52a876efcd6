import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// End to end through a real operator bin (`bigquery-operator --engine native`): a template the native engine cannot
// render as Airflow would stops the step before any request with exit 65 and one line naming the field.
const BIN = join(import.meta.dirname, '..', '..', 'bigquery-operator', 'bin', 'bigquery-operator.js');
const root = mkdtempSync(join(tmpdir(), 'dp-tpl-bin-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function run(bql: string, name: string): Promise<{ code: number | null; stderr: string; outputs: string }> {
  const out = join(root, name);
  const child = spawn(
    process.execPath,
    [
      BIN,
      '--engine',
      'native',
      '--task-id',
      't',
      '--execution-date',
      '2024-03-01',
      '--gcp-project',
      'p',
      // Nothing listens there: a request would be a transient failure (75), not 65.
      '--bigquery-endpoint',
      'http://127.0.0.1:9',
      '--outputs-dir',
      out,
      '--bql',
      bql,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  return new Promise((resolve) =>
    child.on('close', (code) =>
      resolve({ code, stderr, outputs: readFileSync(join(out, 'exit-class'), 'utf8') }),
    ),
  );
}

describe.concurrent('bigquery-operator --engine native: templates it cannot render → 65, field named', () => {
  it.each([
    [
      'conf',
      'SELECT \'{{ conf.get("core", "dags_folder") }}\'',
      /^bigquery-operator: cannot render bql: not supported by the native engine: conf\.get \(run the step with --engine airflow\)\n$/,
    ],
    [
      'var',
      "SELECT '{{ var.value.my_var }}'",
      /^bigquery-operator: cannot render bql: KeyError: 'Variable my_var does not exist'\n$/,
    ],
    [
      'type',
      "SELECT '{{ ds - 1 }}'",
      /^bigquery-operator: cannot render bql: TypeError: unsupported operand type\(s\) for -: 'str' and 'int'\n$/,
    ],
    [
      'attribute',
      "SELECT '{{ task.bql }}'",
      /^bigquery-operator: cannot render bql: not supported by the native engine: task\.bql /,
    ],
  ])('%s', async (name, bql, message) => {
    const r = await run(bql, name);
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(message);
    expect(r.outputs).toBe('invalid-input');
  });
});
