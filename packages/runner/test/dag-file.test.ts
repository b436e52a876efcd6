import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { FailureEvidence } from '../src/classify.js';
import {
  DAG_FILE_OUTPUT_DEFAULTS,
  dagFileVerdict,
  parseXcomIn,
  XCOM_OUTPUT_LIMIT_BYTES,
} from '../src/dag-file.js';
import { buildCliFlags, OperatorError, parseInvocation, type RunConfig } from '../src/index.js';
import { sampleDefinition, tempDir } from './helpers.js';

const dirs: Array<() => void> = [];
afterEach(() => {
  for (const c of dirs.splice(0)) c();
});

const definition = { ...sampleDefinition(), dagFileMode: true };

function dagFile(): string {
  const d = tempDir();
  dirs.push(d.cleanup);
  const file = join(d.path, 'my_dag.py');
  writeFileSync(file, 'from airflow import DAG\n');
  return file;
}

function parse(argv: string[]): RunConfig {
  const inv = parseInvocation(definition, argv, {});
  if (inv.kind !== 'run') throw new Error(`expected a run, got ${inv.kind}`);
  return inv.config;
}

function failure(fn: () => unknown): OperatorError {
  try {
    fn();
  } catch (err) {
    if (err instanceof OperatorError) return err;
    throw err;
  }
  throw new Error('expected an OperatorError');
}

const row = (task_id: string, key: string, pickle: string, extra: Record<string, unknown> = {}) => ({
  dag_id: 'd',
  task_id,
  key,
  value: null,
  pickle,
  timestamp: '2026-12-07 10:00:00',
  ...extra,
});

describe('DAG-file mode flags', () => {
  it('exist only for definitions with dagFileMode', () => {
    expect(buildCliFlags(sampleDefinition()).some((f) => f.flag === 'dag-file')).toBe(false);
    expect(
      buildCliFlags(definition)
        .filter((f) => f.group === 'dag-file')
        .map((f) => f.flag),
    ).toEqual(['dag-file', 'xcom-in', 'try-number']);
  });

  it('parse into config.dagFile: an absolute path, the merged --xcom-in rows, the attempt; no kwargs needed', () => {
    const file = dagFile();
    const a = JSON.stringify([row('push', 'k', 'AAAA'), row('other', 'k', 'BBBB')]);
    const b = JSON.stringify([row('push', 'k', 'CCCC')]);
    const config = parse([
      ...['--dag-file', file, '--dag-id', 'd', '--task-id', 'pull', '--execution-date', '2026-12-06'],
      ...['--xcom-in', a, '--xcom-in', '', '--xcom-in', b, '--try-number', '2'],
    ]);
    expect(config.dagFile?.path).toBe(file);
    expect(config.dagFile?.tryNumber).toBe(2);
    // One row per (dag_id, task_id, key), as XCom.set keeps it: the later value wins.
    expect(config.dagFile?.xcomIn.map((r) => [r.task_id, r.pickle])).toEqual([
      ['other', 'BBBB'],
      ['push', 'CCCC'],
    ]);
    expect(config.kwargs).toEqual({});
    expect(config.dagId).toBe('d');
  });

  it('without --dag-file the definition runs as before (config.dagFile undefined)', () => {
    const config = parse(['--task-id', 't', '--execution-date', '2026-12-06', '--bql', 'SELECT 1']);
    expect(config.dagFile).toBeUndefined();
  });

  it.each([
    [['--bql', 'SELECT 1'], 'usage', /--dag-file cannot be combined with --bql/],
    [['--dag-id', ''], 'usage', /--dag-id ""/],
    [['--try-number', '1.5'], 'usage', /--try-number "1\.5": expected a whole number/],
    [['--xcom-in', '{"a": 1}'], 'invalid-input', /--xcom-in #1: not the xcom output of a DAG-file step/],
  ] as const)('%j → %s', (extra, cls, pattern) => {
    const file = dagFile();
    const err = failure(() =>
      parse([
        '--dag-file',
        file,
        '--dag-id',
        'd',
        '--task-id',
        't',
        '--execution-date',
        '2026-12-06',
        ...extra,
      ]),
    );
    expect(err.exitClass).toBe(cls);
    expect(err.message).toMatch(pattern);
  });
});

describe('parseXcomIn', () => {
  it('takes empty values as nothing', () => {
    expect(parseXcomIn(['', '  ', '[]'])).toEqual([]);
  });

  it('keeps rows of other DAGs apart from the same task id and key', () => {
    const rows = parseXcomIn([JSON.stringify([row('t', 'k', 'AA', { dag_id: 'a' }), row('t', 'k', 'BB')])]);
    expect(rows).toHaveLength(2);
  });

  it.each([
    ['{', /#1: not JSON/],
    ['"text"', /#1: not the xcom output/],
    [JSON.stringify([{ task_id: 't', key: 'k', pickle: 'not base64!' }]), /expected base64 at 0\.pickle/],
    [JSON.stringify([{ key: 'k', pickle: 'AA==' }]), /at 0\.task_id/],
  ])('%s → 65', (text, pattern) => {
    const err = failure(() => parseXcomIn([text]));
    expect(err.exitClass).toBe('invalid-input');
    expect(err.message).toMatch(pattern);
  });
});

const evidence = (taskLog: string[], exitCode = 0): FailureEvidence => ({
  phase: 'backfill',
  exitCode,
  output: [],
  taskLog,
  taskLogFound: taskLog.length > 0,
});

describe('dagFileVerdict', () => {
  it('a problem of the DAG file → 78 with its line, outputs at their defaults', () => {
    const v = dagFileVerdict({
      taskId: 't',
      problem: { kind: 'task-id', message: 'task id "t" is not in DAG "d"' },
      result: undefined,
      evidence: evidence([]),
    });
    expect(v).toEqual({
      exitClass: 'configuration',
      message: 'task id "t" is not in DAG "d"',
      outputs: DAG_FILE_OUTPUT_DEFAULTS,
    });
  });

  it('success: state, the other tasks now skipped (sorted, itself excluded), the XCom rows', () => {
    const xcom = [row('b', 'return_value', 'AAAA')];
    const v = dagFileVerdict({
      taskId: 'b',
      problem: undefined,
      result: { states: { b: 'success', z: 'skipped', a: 'skipped', c: null, d: 'success' }, xcom },
      evidence: evidence([]),
    });
    expect(v).toEqual({
      exitClass: 'success',
      outputs: { state: 'success', skipped: '["a","z"]', xcom: JSON.stringify(xcom), triggered: '[]' },
    });
  });

  it('DagRuns the task created for other DAGs (TriggerDagRunOperator) → the `triggered` output', () => {
    const triggered = [{ dag_id: 'target', run_id: 'trig__2026-12-07T10:00:00', conf: { message: 'hi' } }];
    const v = dagFileVerdict({
      taskId: 't',
      problem: undefined,
      result: { states: { t: 'success' }, xcom: [], triggered },
      evidence: evidence([]),
    });
    expect(JSON.parse(v.outputs.triggered as string)).toEqual(triggered);
  });

  it('a task that skipped itself → 0 with state skipped', () => {
    const v = dagFileVerdict({
      taskId: 's',
      problem: undefined,
      result: { states: { s: 'skipped', n: null }, xcom: [] },
      evidence: evidence([]),
    });
    expect(v.exitClass).toBe('success');
    expect(v.outputs).toEqual({ state: 'skipped', skipped: '[]', xcom: '[]', triggered: '[]' });
  });

  it('no state (the task never ran): 78 quoting why', () => {
    const v = dagFileVerdict({
      taskId: 't',
      problem: undefined,
      result: { states: { t: null }, xcom: [] },
      evidence: evidence([
        "[x] {models.py:1121} INFO - Dependencies not met for <TaskInstance: d.t 2099-01-01 00:00:00 [None]>, dependency 'Execution Date' FAILED: Execution date 2099-01-01T00:00:00 is in the future (the current date is 2026-12-07T17:00:00).",
      ]),
    });
    expect(v.exitClass).toBe('configuration');
    expect(v.message).toMatch(/^the task did not run: Dependencies not met .* is in the future/);
    expect(v.outputs.state).toBe('none');
  });

  it('failed: the shared table decides (never 0), the state in the line', () => {
    const failed = dagFileVerdict({
      taskId: 't',
      problem: undefined,
      result: { states: { t: 'failed' }, xcom: [] },
      evidence: evidence(['INFO - Subtask: ValueError: boom', 'INFO - Subtask: Marking task as FAILED.']),
    });
    expect(failed).toMatchObject({
      exitClass: 'task-failed',
      message: 'the task failed: ValueError: boom (state failed)',
    });
    const transient = dagFileVerdict({
      taskId: 't',
      problem: undefined,
      result: { states: { t: 'up_for_retry' }, xcom: [] },
      evidence: evidence(['INFO - Subtask: ConnectionResetError: [Errno 104] Connection reset by peer']),
    });
    expect(transient.exitClass).toBe('transient');
    expect(transient.message).toMatch(/\(state up_for_retry\)$/);
  });

  it('no result report (Airflow died before writing it) → never success', () => {
    const v = dagFileVerdict({
      taskId: 't',
      problem: undefined,
      result: undefined,
      evidence: evidence([], 0),
    });
    expect(v.exitClass).toBe('task-failed');
    expect(v.message).toMatch(/^the task's outcome is unknown/);
    expect(v.outputs).toEqual(DAG_FILE_OUTPUT_DEFAULTS);
  });

  it("XCom rows over Argo's 256 KiB parameter limit → 65, xcom output left empty", () => {
    const big = [row('t', 'return_value', 'A'.repeat(XCOM_OUTPUT_LIMIT_BYTES))];
    const v = dagFileVerdict({
      taskId: 't',
      problem: undefined,
      result: { states: { t: 'success' }, xcom: big },
      evidence: evidence([]),
    });
    expect(v.exitClass).toBe('invalid-input');
    expect(v.message).toMatch(/over Argo's 256 KiB output parameter limit/);
    expect(v.outputs).toEqual({ state: 'success', skipped: '[]', xcom: '[]', triggered: '[]' });
  });
});
