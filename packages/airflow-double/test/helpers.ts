import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN_DIR = join(PKG, 'bin');
export const FIXTURES = join(PKG, 'test', 'fixtures');

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const homes: string[] = [];

/** A fresh AIRFLOW_HOME (removed by cleanupHomes). */
export function makeHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'airflow-double-test-'));
  mkdirSync(join(home, 'dags'));
  homes.push(home);
  return home;
}

export function cleanupHomes(): void {
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
}

export function baseEnv(home: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: `${BIN_DIR}:${process.env.PATH ?? ''}`,
    HOME: home,
    AIRFLOW_HOME: home,
    AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
    AIRFLOW_DOUBLE_HEARTBEAT_MS: '5',
    TZ: 'UTC',
  };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs `airflow ARGS` found through PATH (the extensionless shim), like the runner does. */
export function startAirflow(args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): ChildProcess {
  return spawn('airflow', args, { env, cwd: cwd ?? env.AIRFLOW_HOME, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function airflow(args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<RunResult> {
  const child = startAirflow(args, env, cwd);
  return collect(child);
}

export function collect(child: ChildProcess): Promise<RunResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => {
    stdout += b.toString('utf8');
  });
  child.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString('utf8');
  });
  return new Promise((res, rej) => {
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code, signal, stdout, stderr }));
  });
}

export interface ContractDag {
  dag_id?: string;
  task_id?: string;
  operator?: string;
  kwargs?: Record<string, unknown>;
  execution_date?: string;
  schedule_interval?: string | null;
  depends_on_past?: boolean;
  /** Connections registered through the ORM at parse time (like the runner's DAG file). */
  connections?: Record<string, unknown>[];
}

/** Writes the runner-shaped DAG file + JSON sidecar (+ connections file and a service-account key). */
export function writeContractDag(
  home: string,
  spec: ContractDag = {},
): { dagId: string; taskId: string; keyPath: string } {
  const dagId = spec.dag_id ?? 'my_dag';
  const taskId = spec.task_id ?? 'my_task';
  const keyPath = join(home, 'key.json');
  writeFileSync(
    keyPath,
    JSON.stringify({ type: 'service_account', project_id: 'proj-1', private_key: 'SECRET-KEY-MARKER' }),
  );
  const connections = spec.connections ?? [
    {
      conn_id: 'bigquery_default',
      conn_type: 'google_cloud_platform',
      extra: JSON.stringify({
        extra__google_cloud_platform__project: 'proj-1',
        extra__google_cloud_platform__key_path: keyPath,
        extra__google_cloud_platform__scope: 'https://www.googleapis.com/auth/cloud-platform',
      }),
    },
  ];
  const connectionsFile = join(home, 'connections.json');
  writeFileSync(connectionsFile, JSON.stringify(connections));
  copyFileSync(join(FIXTURES, 'contract_dag.py'), join(home, 'dags', `${dagId}.py`));
  writeFileSync(
    join(home, 'dags', `${dagId}.json`),
    JSON.stringify({
      dag_id: dagId,
      task_id: taskId,
      operator: spec.operator ?? 'airflow.contrib.operators.bigquery_operator.BigQueryOperator',
      kwargs: spec.kwargs ?? { bql: 'SELECT 1', use_legacy_sql: false },
      execution_date: spec.execution_date ?? '2018-01-10T00:00:00',
      schedule_interval: spec.schedule_interval === undefined ? '@once' : spec.schedule_interval,
      depends_on_past: spec.depends_on_past ?? false,
      connections_file: connectionsFile,
    }),
  );
  return { dagId, taskId, keyPath };
}

export const LOG_LINE =
  /^\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2},\d{3}\] \{[\w.]+\.py:\d+\} (INFO|WARNING|ERROR) - /;
