import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectStepFailure, readOutputsIfAny } from '@data-pipeline/operator-testing';
import { EXIT_CODES } from '@data-pipeline/runner';
import { findRealAirflow, jsonRecords, spawnCollecting } from '@data-pipeline/runner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProcessWatch, type SeenProcess } from './support/process-watch.js';

// The real-Airflow tier: the real airflow-operator bin as a subprocess with the REAL Apache Airflow 1.8.2 `airflow`
// first on PATH. Every scenario is started at once in beforeAll (a real step costs 5–9 s of mostly Python start-up),
// and each test awaits its own run, so the file takes about as long as its slowest scenario.
const found = findRealAirflow(process.env);
if ('skip' in found) console.warn(found.skip);
const real = 'skip' in found ? undefined : found;

const BIN = join(import.meta.dirname, '..', 'bin', 'airflow-operator.js');
const FIXTURE_PY = join(import.meta.dirname, 'fixtures', 'python');
const EXEC_DATE = '2026-11-23';

/** Secret strings: none may appear in any argv, log line, stderr or output file. */
const SECRET = {
  uri: 'PWuri-3c9f1b7e5a',
  json: 'PWjson-8d2e6a4f10',
  env: 'PWenv-5b7c9d1e3f',
  shadowed: 'PWfile-2a4c6e8b0d',
  keyLine: 'KEYLINE-7e1d3c5b9a2f4d6e8c0b1a3f5e7d9c2b',
  keyId: 'keyid-0f1e2d3c4b5a69788796a5b4',
} as const;

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  records: Array<Record<string, unknown> & { msg: string }>;
  outputs: Record<string, string>;
  /** Every descendant process of the runner seen while it ran (argv, pgid). */
  processes: SeenProcess[];
  /** Entries left in the run's TMPDIR (the private AIRFLOW_HOME lives there). */
  tmpLeft: string[];
  /** Permission bits of the private home and its secret-bearing files, as sampled while the run went on. */
  modes: Map<string, number>;
  ms: number;
  /** Milliseconds from the signal to the runner's exit (signal scenarios only). */
  afterSignalMs?: number;
}

interface Scenario {
  readonly operator: string;
  readonly kwargs: Record<string, unknown>;
  readonly executionDate?: string;
  readonly env?: Record<string, string>;
  /** Send this signal to the runner once the task log shows `marker` and the task's `process` (an argv) runs. */
  readonly signal?: { name: NodeJS.Signals; marker: string; process: string };
}

const BASH = 'airflow.operators.bash_operator.BashOperator';

const SCENARIOS = {
  // One run for plain success, templated fields and an unknown kwarg: each real run costs seconds of CPU.
  success: {
    operator: BASH,
    kwargs: {
      bash_command:
        'echo hi && echo "TPL ds={{ ds }} next={{ macros.ds_add(ds, 1) }} x={{ params.x }} ym={{ execution_date.strftime(\'%Y/%m\') }} nodash={{ ds_nodash }}"',
      params: { x: 'from-params' },
      // Not a BashOperator kwarg: 1.8.2 only raises a PendingDeprecationWarning (silenced by default) and runs.
      not_a_bash_kwarg: 42,
    },
  },
  raises: {
    operator: 'dp_tier_ops.RaisingOperator',
    kwargs: { message: 'cannot reach uri_conn', conn_id: 'uri_conn' },
  },
  bashFails: { operator: BASH, kwargs: { bash_command: 'echo about-to-fail; exit 3' } },
  checkFails: {
    operator: 'airflow.operators.check_operator.CheckOperator',
    kwargs: { sql: 'SELECT 1, 0', conn_id: 'check_db' },
  },
  deadlock: { operator: BASH, kwargs: { bash_command: 'echo never' }, executionDate: '2099-01-01' },
  brokenModule: { operator: 'dp_tier_broken.BrokenOperator', kwargs: {} },
  missingClass: { operator: 'airflow.operators.bash_operator.NoSuchOperator', kwargs: {} },
  missingModule: { operator: 'dp_tier_no_such_module.SomeOperator', kwargs: {} },
  missingKwarg: { operator: BASH, kwargs: {} },
  invalidKwarg: { operator: BASH, kwargs: { bash_command: 'echo x', trigger_rule: 'whenever' } },
  sigterm: {
    operator: BASH,
    // The marker is in the command's output only (`Running command:` logs the text with `$((1+1))`).
    kwargs: { bash_command: 'echo sleeper-$((1+1)); sleep 120' },
    signal: { name: 'SIGTERM', marker: 'sleeper-2', process: 'sleep 120' },
  },
  sigint: {
    operator: BASH,
    kwargs: { bash_command: 'echo sleeper-$((1+1)); sleep 120' },
    signal: { name: 'SIGINT', marker: 'sleeper-2', process: 'sleep 120' },
  },
  connections: {
    operator: 'dp_tier_ops.ConnectionReportOperator',
    kwargs: {
      conn_ids: ['uri_conn', 'json_conn', 'env_wins', 'google_cloud_default', 'bigquery_default'],
      echo_password_of: 'uri_conn',
    },
    env: { AIRFLOW_CONN_ENV_WINS: `postgres://envuser:${SECRET.env}@envhost:6543/envdb` },
  },
} satisfies Record<string, Scenario>;

type Name = keyof typeof SCENARIOS;

let root: string;
let keyFile: string;
let connectionsDir: string;
const watch = new ProcessWatch();
const runs = new Map<Name, Promise<RunResult>>();

function writeFixtures(): void {
  root = mkdtempSync(join(tmpdir(), 'airflow-operator-real-'));
  keyFile = join(root, 'sa-key.json');
  writeFileSync(
    keyFile,
    JSON.stringify({
      type: 'service_account',
      project_id: 'tier-project',
      private_key_id: SECRET.keyId,
      private_key: `-----BEGIN PRIVATE KEY-----\n${SECRET.keyLine}\n-----END PRIVATE KEY-----\n`,
      client_email: 'runner@tier-project.iam.gserviceaccount.com',
    }),
    { mode: 0o600 },
  );
  connectionsDir = join(root, 'connections');
  mkdirSync(connectionsDir, { mode: 0o700 });
  const files: Record<string, string> = {
    uri_conn: `postgres://etl:${SECRET.uri}@db.internal:5432/warehouse?sslmode=require`,
    json_conn: JSON.stringify({
      conn_type: 'http',
      host: 'api.internal',
      login: 'svc',
      password: SECRET.json,
      port: 8443,
      extra: { timeout: 30, region: 'eu-west1' },
    }),
    env_wins: `mysql://fileuser:${SECRET.shadowed}@filehost:3306/filedb`,
    check_db: JSON.stringify({ conn_type: 'sqlite', host: ':memory:' }),
  };
  for (const [id, text] of Object.entries(files))
    writeFileSync(join(connectionsDir, id), text, { mode: 0o600 });
}

/** Polls the run's TMPDIR for a task log line containing `marker`. */
function taskLogShows(scratch: string, marker: string): boolean {
  for (const home of readdirSync(scratch)) {
    const logs = join(scratch, home, 'logs');
    if (!existsSync(logs)) continue;
    for (const dag of readdirSync(logs))
      for (const task of readdirSync(join(logs, dag)))
        for (const file of readdirSync(join(logs, dag, task)))
          if (readFileSync(join(logs, dag, task, file), 'utf8').includes(marker)) return true;
  }
  return false;
}

/** Samples the mode of each private home (`dp-airflow-*`) in the run's TMPDIR and of its cfg and connections file. */
function recordHomeModes(scratch: string, modes: Map<string, number>): void {
  for (const home of readdirSync(scratch)) {
    if (!home.startsWith('dp-airflow-')) continue;
    for (const rel of [home, `${home}/airflow.cfg`, `${home}/connections.json`]) {
      const path = join(scratch, rel);
      if (existsSync(path)) modes.set(rel.replace(home, 'HOME'), statSync(path).mode & 0o777);
    }
  }
}

async function runScenario(name: Name, airflowBinDir: string): Promise<RunResult> {
  const s: Scenario = SCENARIOS[name];
  const dir = mkdtempSync(join(root, `${name}-`));
  const scratch = join(dir, 'tmp');
  const outputs = join(dir, 'out');
  mkdirSync(scratch);
  const args = [
    BIN,
    '--task-id',
    `tier_${name}`,
    '--execution-date',
    s.executionDate ?? EXEC_DATE,
    '--outputs-dir',
    outputs,
    '--connections-dir',
    connectionsDir,
    '--operator',
    s.operator,
    '--kwargs',
    JSON.stringify(s.kwargs),
  ];
  const started = Date.now();
  const { child, closed } = spawnCollecting(process.execPath, args, {
    env: {
      PATH: `${airflowBinDir}:${process.env.PATH}`,
      HOME: dir,
      TMPDIR: scratch,
      PYTHONPATH: FIXTURE_PY,
      GOOGLE_APPLICATION_CREDENTIALS: keyFile,
      DP_KILL_GRACE_PERIOD: '10',
      ...s.env,
    },
  });
  const tracked = watch.track(child.pid as number);
  let signalledAt: number | undefined;
  const modes = new Map<string, number>();
  const poll = setInterval(() => {
    try {
      recordHomeModes(scratch, modes);
      if (
        s.signal &&
        signalledAt === undefined &&
        taskLogShows(scratch, s.signal.marker) &&
        tracked.seen().some((p) => p.argvs.some((a) => a.join(' ') === s.signal?.process))
      ) {
        signalledAt = Date.now();
        child.kill(s.signal.name);
      }
    } catch {
      // the home appeared or vanished mid-walk: try again
    }
  }, 200);
  const { code, stdout, stderr } = await closed;
  clearInterval(poll);
  const processes = tracked.stop();
  const records = jsonRecords<Record<string, unknown> & { msg: string }>(stdout);
  const out = readOutputsIfAny(outputs);
  return {
    code,
    stdout,
    stderr,
    records,
    outputs: out,
    processes,
    tmpLeft: readdirSync(scratch),
    modes,
    ms: Date.now() - started,
    ...(signalledAt === undefined ? {} : { afterSignalMs: Date.now() - signalledAt }),
  };
}

function run(name: Name): Promise<RunResult> {
  const r = runs.get(name);
  if (!r) throw new Error(`scenario ${name} was not started`);
  return r;
}

const taskLog = (r: RunResult): string[] => r.records.filter((x) => x.src === 'task-log').map((x) => x.msg);

function expectFailure(r: RunResult, code: number, pattern: RegExp): void {
  expectStepFailure(r, 'airflow-operator', code, pattern);
  expect(r.tmpLeft, 'the private AIRFLOW_HOME must be removed').toEqual([]);
}

const LONG = 240_000;

describe.skipIf(!real)('airflow-operator against the real Apache Airflow 1.8.2', () => {
  beforeAll(() => {
    writeFixtures();
    watch.start();
    // DP_TIER_SCENARIOS=a,b starts only those (debugging one scenario; the others' tests then fail).
    const only = process.env.DP_TIER_SCENARIOS?.split(',');
    for (const name of Object.keys(SCENARIOS) as Name[])
      if (!only || only.includes(name)) {
        const p = runScenario(name, (real as { binDir: string }).binDir);
        p.catch(() => {}); // awaited (and reported) by its test; no unhandled rejection meanwhile
        runs.set(name, p);
      }
  });

  afterAll(async () => {
    await Promise.allSettled(runs.values());
    watch.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it(
    'success: `echo hi` → 0, Airflow streamed, the task log harvested with its task id, the home removed',
    async () => {
      const r = await run('success');
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.outputs).toEqual({ 'exit-class': 'success', 'exit-code': '0' });
      expect(r.records.some((x) => x.src === 'airflow' && x.msg.includes('Backfill done. Exiting.'))).toBe(
        true,
      );
      const logRecords = r.records.filter((x) => x.src === 'task-log');
      expect(logRecords.every((x) => x.task_id === 'tier_success')).toBe(true);
      const log = taskLog(r);
      expect(log.some((l) => /Running command: echo hi && echo "TPL /.test(l))).toBe(true);
      expect(log.some((l) => /INFO - hi$/.test(l))).toBe(true);
      expect(log.some((l) => l.includes('Task exited with return code 0'))).toBe(true);
      expect(r.records.at(-1)).toMatchObject({ msg: 'done', exit_class: 'success', exit_code: 0 });
      expect(r.tmpLeft).toEqual([]);
      // Sampled while it ran: a private home, and the files holding the Fernet key and the connections 0600.
      expect(Object.fromEntries(r.modes)).toEqual({
        HOME: 0o700,
        'HOME/airflow.cfg': 0o600,
        'HOME/connections.json': 0o600,
      });
    },
    LONG,
  );

  it(
    "templated fields are rendered by Airflow's Jinja with its context (ds, macros.ds_add, params, execution_date)",
    async () => {
      const r = await run('success');
      expect(r.code, r.stderr).toBe(0);
      const rendered = taskLog(r).filter((l) => /INFO - TPL /.test(l));
      expect(rendered).toHaveLength(1);
      expect(rendered[0]).toMatch(
        /INFO - TPL ds=2026-11-23 next=2026-11-24 x=from-params ym=2026\/11 nodash=20261123$/,
      );
    },
    LONG,
  );

  it(
    'an unknown kwarg is accepted as 1.8.2 accepts it (PendingDeprecationWarning only): the task still runs',
    async () => {
      const r = await run('success');
      expect(r.outputs['exit-class']).toBe('success');
      expect(r.stderr).toBe('');
    },
    LONG,
  );

  it(
    'an operator that raises → 1, its error line quoted with the leaked password redacted',
    async () => {
      const r = await run('raises');
      expectFailure(
        r,
        EXIT_CODES['task-failed'],
        /the task failed: ValueError: cannot reach uri_conn \(password \*\*\*\)$/,
      );
      expect(taskLog(r).some((l) => l.includes('Marking task as FAILED'))).toBe(true);
    },
    LONG,
  );

  it(
    'a BashOperator whose command fails → 1 with the task log (command output included) in the step output',
    async () => {
      const r = await run('bashFails');
      expectFailure(r, EXIT_CODES['task-failed'], /the task failed: .*AirflowException: Bash command failed/);
      const log = taskLog(r);
      expect(log.some((l) => /INFO - about-to-fail$/.test(l))).toBe(true);
      expect(log.some((l) => l.includes('Command exited with return code 3'))).toBe(true);
      expect(log.some((l) => l.includes('Marking task as FAILED'))).toBe(true);
    },
    LONG,
  );

  it(
    "a CheckOperator whose check fails (sqlite connection from a JSON file) → 1, Airflow's result line in the log",
    async () => {
      const r = await run('checkFails');
      expectFailure(r, EXIT_CODES['task-failed'], /the task failed: .*AirflowException: Test failed\./);
      const log = taskLog(r).join('\n');
      expect(log).toContain('Executing SQL check: SELECT 1, 0');
      expect(log).toContain('Results:');
      expect(log).toContain('(1, 0)');
    },
    LONG,
  );

  it(
    'a future execution date deadlocks the backfill → 78',
    async () => {
      const r = await run('deadlock');
      expectFailure(r, EXIT_CODES.configuration, /backfill deadlocked: the date is in the future/);
      expect(r.records.some((x) => x.src === 'airflow' && /BackfillJob is deadlocked/.test(x.msg))).toBe(
        true,
      );
    },
    LONG,
  );

  it.each([
    ['brokenModule', /DAG file failed to import: .*SyntaxError: /],
    ['missingClass', /DAG file failed to import: AttributeError: .*has no attribute 'NoSuchOperator'/],
    [
      'missingModule',
      /DAG file failed to import: ModuleNotFoundError: No module named 'dp_tier_no_such_module'/,
    ],
  ] as const)(
    'the DAG fails to parse (%s) → 78, naming the import error',
    async (name, pattern) => {
      const r = await run(name);
      expectFailure(r, EXIT_CODES.configuration, pattern);
      // The task never started: no task log to harvest.
      expect(taskLog(r)).toEqual([]);
    },
    LONG,
  );

  it.each([
    ['missingKwarg', /Airflow rejected the operator kwargs: .*Argument \['bash_command'\] is required/],
    ['invalidKwarg', /Airflow rejected the operator kwargs: .*trigger_rule must be one of/],
  ] as const)(
    'kwargs the operator rejects (%s) → 65 (invalid input), naming what Airflow said',
    async (name, pattern) => {
      const r = await run(name);
      expectFailure(r, EXIT_CODES['invalid-input'], pattern);
    },
    LONG,
  );

  it.each([
    ['sigterm', 143, 'terminated', 'SIGTERM'],
    ['sigint', 130, 'interrupted', 'SIGINT'],
  ] as const)(
    '%s mid-task → %i, every Airflow/bash/python child gone, the private home removed',
    async (name, code, exitClass, signal) => {
      const r = await run(name);
      expect(r.code, r.stderr).toBe(code);
      expect(r.stderr.trim()).toBe(`airflow-operator: stopped by ${signal}`);
      expect(r.outputs['exit-class']).toBe(exitClass);
      // The signal was sent only once the task's `sleep 120` ran (see runScenario): it did.
      expect(r.afterSignalMs).toBeDefined();
      // Within the kill grace period (10 s) plus the home's removal, on a loaded machine.
      expect(r.afterSignalMs).toBeLessThan(15_000);
      expect(r.processes.some((p) => p.argvs.some((a) => a.includes('--raw')))).toBe(true);
      const alive = r.processes.filter((p) => ProcessWatch.isAlive(p));
      expect(alive.map((p) => `${p.pid} ${p.argvs.at(-1)?.join(' ')}`)).toEqual([]);
      expect(r.tmpLeft).toEqual([]);
    },
    LONG,
  );

  it(
    "connections (URI file, JSON file, key file, AIRFLOW_CONN_*) as the task sees them through Airflow's ORM",
    async () => {
      const r = await run('connections');
      expect(r.code, r.stderr).toBe(0);
      const reports = new Map<string, Record<string, unknown>>();
      for (const l of taskLog(r)) {
        const m = /CONNECTION-REPORT (\{.*\})$/.exec(l);
        if (m) {
          const rep = JSON.parse(m[1] as string) as Record<string, unknown>;
          reports.set(rep.conn_id as string, rep);
        }
      }
      const sha = (s: string) => createHash('sha256').update(s).digest('hex');
      expect(reports.get('uri_conn')).toMatchObject({
        conn_type: 'postgres',
        host: 'db.internal',
        login: 'etl',
        port: 5432,
        schema: 'warehouse',
        password_sha256: sha(SECRET.uri),
        db_rows: 1,
        db_password_encrypted: [true],
        db_password_sha256: [sha(SECRET.uri)],
        db_column_is_plaintext: [false],
      });
      expect(reports.get('json_conn')).toMatchObject({
        conn_type: 'http',
        host: 'api.internal',
        login: 'svc',
        port: 8443,
        extra: { timeout: 30, region: 'eu-west1' },
        password_sha256: sha(SECRET.json),
        db_rows: 1,
        db_password_encrypted: [true],
        db_column_is_plaintext: [false],
      });
      // AIRFLOW_CONN_ENV_WINS beats the registered row of the same id (1.8.2's BaseHook reads the env first) ...
      expect(reports.get('env_wins')).toMatchObject({
        conn_type: 'postgres',
        host: 'envhost',
        login: 'envuser',
        port: 6543,
        schema: 'envdb',
        password_sha256: sha(SECRET.env),
        // ... while the file's row is still registered underneath it.
        db_rows: 1,
        db_password_sha256: [sha(SECRET.shadowed)],
      });
      const google = {
        conn_type: 'google_cloud_platform',
        extra: {
          extra__google_cloud_platform__project: 'tier-project',
          extra__google_cloud_platform__key_path: keyFile,
          extra__google_cloud_platform__scope: 'https://www.googleapis.com/auth/cloud-platform',
        },
        password_sha256: null,
        // initdb's own bigquery_default (conn_type bigquery) was replaced, not joined.
        db_rows: 1,
      };
      expect(reports.get('google_cloud_default')).toMatchObject(google);
      expect(reports.get('bigquery_default')).toMatchObject(google);
      // The careless echo reached the step output redacted.
      expect(taskLog(r).some((l) => /ECHO password of uri_conn is \*\*\*$/.test(l))).toBe(true);
    },
    LONG,
  );

  it(
    'no secret in any argv (every descendant process and the logged commands), log line, stderr or output file',
    async () => {
      const all = await Promise.all([...runs.values()]);
      const argvs = all.flatMap((r) => [
        ...r.processes.flatMap((p) => p.argvs.map((a) => a.join(' '))),
        ...r.records.filter((x) => Array.isArray(x.argv)).map((x) => (x.argv as string[]).join(' ')),
      ]);
      // The scan saw the airflow commands, the `airflow run --local/--raw` children and the tasks' bash.
      expect(argvs.some((a) => /airflow backfill/.test(a))).toBe(true);
      expect(argvs.some((a) => /airflow run .* --local/.test(a))).toBe(true);
      expect(argvs.some((a) => /airflow run .* --raw/.test(a))).toBe(true);
      for (const secret of Object.values(SECRET)) {
        for (const a of argvs) expect(a).not.toContain(secret);
        for (const r of all) {
          expect(r.stdout).not.toContain(secret);
          expect(r.stderr).not.toContain(secret);
          expect(JSON.stringify(r.outputs)).not.toContain(secret);
        }
      }
    },
    LONG,
  );
});
