import { type ChildProcess, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectStepFailure, readOutputsIfAny } from '@data-pipeline/operator-testing';
import { EXIT_CODES } from '@data-pipeline/runner';
import { jsonRecords, spawnCollecting } from '@data-pipeline/runner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// End-to-end: the real airflow-operator bin as a subprocess, with packages/airflow-double's `airflow` first on PATH.
const BIN = join(import.meta.dirname, '..', 'bin', 'airflow-operator.js');
const DOUBLE_BIN = join(import.meta.dirname, '..', '..', 'airflow-double', 'bin');
const doubleBuilt = existsSync(join(DOUBLE_BIN, '..', 'dist', 'cli.js'));

const KEY_MARKER = 'KEYMARKER-9d1e3b77a2';
const PASSWORD_MARKER = 'PWMARKER-51c0ffee42';

let root: string;
let keyFile: string;
let connectionsDir: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'airflow-operator-e2e-'));
  keyFile = join(root, 'sa-key.json');
  writeFileSync(
    keyFile,
    JSON.stringify({
      type: 'service_account',
      project_id: 'e2e-project',
      private_key_id: 'abcdef0123456789',
      private_key: `-----BEGIN PRIVATE KEY-----\n${KEY_MARKER}\n-----END PRIVATE KEY-----\n`,
      client_email: 'runner@e2e-project.iam.gserviceaccount.com',
    }),
  );
  connectionsDir = join(root, 'connections');
  mkdirSync(connectionsDir);
  writeFileSync(
    join(connectionsDir, 'my_postgres'),
    `postgres://etl:${PASSWORD_MARKER}@db.internal:5432/warehouse`,
  );
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  records: Array<Record<string, unknown> & { msg: string }>;
  outputs: Record<string, string>;
  argvLog: string;
  ms: number;
  tmp: string[];
}

interface RunOptions {
  outcome?: string;
  args?: string[];
  env?: Record<string, string>;
  /** Send this signal once the task log shows the task started. */
  signal?: NodeJS.Signals;
  /** Run the bin as PID 1 of a new PID namespace (`unshare -p -f`), like a container entrypoint. */
  pid1?: boolean;
}

const canUnshare = spawnSync('unshare', ['-p', '-f', 'true']).status === 0;

/** The runner's host pid: unshare's only child when run as PID 1, else the spawned process itself. */
function runnerPid(child: ChildProcess, pid1: boolean): number | undefined {
  if (!pid1) return child.pid;
  try {
    const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
    return Number(children.split(' ')[0]) || undefined;
  } catch {
    return undefined;
  }
}

const BASH = [
  '--operator',
  'airflow.operators.bash_operator.BashOperator',
  '--kwargs',
  '{"bash_command":"echo hi"}',
];

async function runOperator(opts: RunOptions = {}): Promise<Result> {
  const dir = mkdtempSync(join(root, 'run-'));
  const scratch = join(dir, 'tmp');
  const outputs = join(dir, 'out');
  mkdirSync(scratch);
  const argvLog = join(dir, 'argv.jsonl');
  const args = [
    BIN,
    '--task-id',
    'e2e_task',
    '--execution-date',
    '2026-11-23',
    '--outputs-dir',
    outputs,
    '--connections-dir',
    connectionsDir,
    ...(opts.args ?? BASH),
  ];
  const started = Date.now();
  const { child, closed, stdoutSoFar } = spawnCollecting(
    opts.pid1 ? 'unshare' : process.execPath,
    opts.pid1 ? ['-p', '-f', process.execPath, ...args] : args,
    {
      env: {
        PATH: `${DOUBLE_BIN}:${process.env.PATH}`,
        HOME: dir,
        TMPDIR: scratch,
        GOOGLE_APPLICATION_CREDENTIALS: keyFile,
        AIRFLOW_DOUBLE_OUTCOME: opts.outcome ?? 'success',
        AIRFLOW_DOUBLE_ARGV_LOG: argvLog,
        DP_KILL_GRACE_PERIOD: '5',
        ...opts.env,
      },
    },
  );
  let signalled = false;
  child.stdout?.on('data', () => {
    const stdout = stdoutSoFar();
    if (opts.signal && !signalled && stdout.includes('"src":"airflow"') && stdout.includes('Logging into:')) {
      signalled = true;
      setTimeout(() => {
        const pid = runnerPid(child, opts.pid1 === true);
        if (pid) process.kill(pid, opts.signal);
      }, 200);
    }
  });
  const { code, signal, stdout, stderr } = await closed;
  const ms = Date.now() - started;
  const records = jsonRecords<Record<string, unknown> & { msg: string }>(stdout);
  const out = readOutputsIfAny(outputs);
  return {
    code,
    signal,
    stdout,
    stderr,
    records,
    outputs: out,
    argvLog: existsSync(argvLog) ? readFileSync(argvLog, 'utf8') : '',
    ms,
    tmp: readdirSync(scratch),
  };
}

function expectOneLineError(r: Result, code: number, pattern: RegExp): void {
  expectStepFailure(r, 'airflow-operator', code, pattern);
  expect(r.tmp, 'AIRFLOW_HOME must be removed').toEqual([]);
}

function taskLog(r: Result): string[] {
  return r.records.filter((x) => x.src === 'task-log').map((x) => x.msg);
}

describe.skipIf(!doubleBuilt)('airflow-operator end to end against the airflow double', () => {
  it('success: exit 0, streamed Airflow lines, harvested task log with the task id, output files', async () => {
    const r = await runOperator();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.outputs).toEqual({ 'exit-class': 'success', 'exit-code': '0' });
    expect(r.records.some((x) => x.src === 'airflow' && x.msg.includes('Backfill done. Exiting.'))).toBe(
      true,
    );
    const logRecords = r.records.filter((x) => x.src === 'task-log');
    expect(logRecords.length).toBeGreaterThan(3);
    expect(logRecords.every((x) => x.task_id === 'e2e_task')).toBe(true);
    expect(taskLog(r).some((l) => l.includes('Task exited with return code 0'))).toBe(true);
    expect(r.records.at(-1)).toMatchObject({ msg: 'done', exit_class: 'success', exit_code: 0 });
    expect(r.tmp).toEqual([]);
  });

  it('task failure with a Python traceback → 1, the error line quoted', async () => {
    const r = await runOperator({ outcome: 'task-failed' });
    expectOneLineError(r, EXIT_CODES['task-failed'], /the task failed: \S*(Error|Exception)/);
    expect(r.outputs['exit-class']).toBe('task-failed');
    expect(taskLog(r).some((l) => l.includes('Marking task as FAILED'))).toBe(true);
  });

  it('DAG not found → 78', async () => {
    const r = await runOperator({ outcome: 'dag-missing' });
    expectOneLineError(
      r,
      EXIT_CODES.configuration,
      /DAG failed to parse or was not found.*dag_id could not be found/,
    );
  });

  it('deadlock (depends_on_past) → 78', async () => {
    const r = await runOperator({ outcome: 'deadlock' });
    expectOneLineError(r, EXIT_CODES.configuration, /backfill deadlocked/);
  });

  it('"ran nothing" exit 0 is never success → 78', async () => {
    const r = await runOperator({ outcome: 'ran-nothing' });
    expectOneLineError(r, EXIT_CODES.configuration, /ran nothing/);
    expect(r.outputs['exit-class']).toBe('configuration');
  });

  it.each([
    ['http-403', EXIT_CODES['permission-denied'], /permission denied: .*HttpError 403/],
    ['http-429', EXIT_CODES.transient, /transient failure .*HttpError 429/],
    ['http-500', EXIT_CODES.transient, /transient failure .*HttpError 500/],
    ['db-locked', EXIT_CODES.transient, /database is locked/],
    ['initdb-fail', EXIT_CODES.configuration, /airflow initdb failed/],
  ])('%s → %i', async (outcome, code, pattern) => {
    const r = await runOperator({ outcome });
    expectOneLineError(r, code, pattern);
  });

  it('an operator class that does not exist → 78 (the DAG fails to import)', async () => {
    const r = await runOperator({
      args: ['--operator', 'airflow.operators.bash_operator.NoSuchOperator', '--kwargs', '{}'],
    });
    expectOneLineError(r, EXIT_CODES.configuration, /DAG/);
  });

  it('hang + SIGTERM → 143 within 10 s, the double gone, AIRFLOW_HOME removed', async () => {
    const r = await runOperator({ outcome: 'hang', signal: 'SIGTERM' });
    expect(r.code, r.stderr).toBe(143);
    expect(r.ms).toBeLessThan(10_000);
    expect(r.outputs['exit-class']).toBe('terminated');
    expect(r.stderr.trim()).toBe('airflow-operator: stopped by SIGTERM');
    const pids = r.argvLog
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { pid: number; kind: string })
      .filter((e) => e.kind !== 'simulated-child')
      .map((e) => e.pid);
    expect(pids.length).toBeGreaterThan(0);
    for (const pid of pids) expect(() => process.kill(pid, 0), `pid ${pid} still alive`).toThrow();
    expect(r.tmp).toEqual([]);
  });

  it.skipIf(!canUnshare)(
    'as PID 1 of a PID namespace (container entrypoint): SIGTERM still → 143',
    async () => {
      const r = await runOperator({ outcome: 'hang', signal: 'SIGTERM', pid1: true });
      expect(r.code, r.stderr).toBe(143);
      expect(r.ms).toBeLessThan(10_000);
      expect(r.outputs['exit-class']).toBe('terminated');
      expect(r.tmp).toEqual([]);
    },
  );

  it('hang + SIGINT → 130', async () => {
    const r = await runOperator({ outcome: 'hang', signal: 'SIGINT' });
    expect(r.code, r.stderr).toBe(130);
    expect(r.outputs['exit-class']).toBe('interrupted');
    expect(r.tmp).toEqual([]);
  });

  it('flood: every line streamed as a record, then a verified success', async () => {
    const bytes = 8 * 1024 * 1024;
    const r = await runOperator({ outcome: 'flood', env: { AIRFLOW_DOUBLE_FLOOD_BYTES: String(bytes) } });
    expect(r.code, r.stderr).toBe(0);
    const airflowBytes = r.records
      .filter((x) => x.src === 'airflow')
      .reduce((n, x) => n + Buffer.byteLength(x.msg) + 1, 0);
    expect(airflowBytes).toBeGreaterThanOrEqual(bytes);
    expect(r.outputs['exit-class']).toBe('success');
  });

  it('secrets (key file content, connection password) never reach stdout, stderr, outputs or any argv', async () => {
    for (const outcome of ['success', 'task-failed']) {
      const r = await runOperator({
        outcome,
        // The failure message echoes the password, as a careless operator might: the runner must redact it.
        env: { AIRFLOW_DOUBLE_FAIL_MESSAGE: `could not log in with ${PASSWORD_MARKER} / ${KEY_MARKER}` },
      });
      expect(r.argvLog).not.toBe('');
      for (const marker of [KEY_MARKER, PASSWORD_MARKER]) {
        expect(r.stdout).not.toContain(marker);
        expect(r.stderr).not.toContain(marker);
        expect(JSON.stringify(r.outputs)).not.toContain(marker);
        expect(r.argvLog).not.toContain(marker);
      }
      if (outcome === 'task-failed') expect(r.stdout).toContain('could not log in with ***');
    }
  });

  it('nasty kwargs reach the operator intact (quotes, newlines, """, backslashes, unicode)', async () => {
    const bql = `SELECT "a", 'b', """c""" AS x, '\\\\n' AS y -- ünï ✓ 🚀\nFROM \`p.d.t\`\nWHERE s = "\\"";`;
    const r = await runOperator({
      args: [
        '--operator',
        'airflow.contrib.operators.bigquery_operator.BigQueryOperator',
        '--kwargs',
        JSON.stringify({ bql, use_legacy_sql: false }),
      ],
    });
    expect(r.code, r.stderr).toBe(0);
    const log = taskLog(r).join('\n');
    for (const line of bql.split('\n')) expect(log).toContain(line);
  });
});
