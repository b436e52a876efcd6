// Benchmarks of the airflow double, each printed as a ratio to a baseline measured in the same run.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportTarget } from '../../../scripts/bench-result.mjs';

const pkg = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const home = mkdtempSync(join(tmpdir(), 'airflow-double-bench-'));
mkdirSync(join(home, 'dags'));
const env = {
  ...process.env,
  PATH: `${join(pkg, 'bin')}:${process.env.PATH ?? ''}`,
  AIRFLOW_HOME: home,
  AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
  AIRFLOW_DOUBLE_HEARTBEAT_MS: '5',
};

/** Runs a command, counting stdout bytes; resolves with wall time (ms) and byte count. */
function run(cmd, args, extraEnv = {}) {
  return new Promise((res, rej) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'ignore'] });
    let bytes = 0;
    child.stdout.on('data', (b) => {
      bytes += b.length;
    });
    child.on('error', rej);
    child.on('close', (code) => res({ ms: performance.now() - t0, bytes, code }));
  });
}

async function median(n, f) {
  const xs = [];
  for (let i = 0; i < n; i++) xs.push((await f()).ms);
  xs.sort((a, b) => a - b);
  return xs[Math.floor(n / 2)];
}

try {
  const nodeMs = await median(5, () => run(process.execPath, ['-e', '0']));
  const versionMs = await median(5, () => run('airflow', ['version']));
  await run('airflow', ['initdb']);
  copyFileSync(join(pkg, 'test', 'fixtures', 'contract_dag.py'), join(home, 'dags', 'b.py'));
  writeFileSync(join(home, 'connections.json'), '[]');
  const spec = (date) => ({
    dag_id: 'b',
    task_id: 't',
    operator: 'airflow.operators.dummy_operator.DummyOperator',
    kwargs: {},
    execution_date: `${date}T00:00:00`,
    schedule_interval: '@daily',
  });
  let day = 1;
  const backfillMs = await median(5, () => {
    const date = `2018-01-${String(day++).padStart(2, '0')}`;
    writeFileSync(join(home, 'dags', 'b.json'), JSON.stringify(spec(date)));
    return run('airflow', ['backfill', '-s', date, 'b']);
  });
  const bytes = Number(process.env.BENCH_FLOOD_BYTES ?? 256 * 1024 * 1024);
  const catRun = await run('head', ['-c', String(bytes), '/dev/zero']);
  writeFileSync(join(home, 'dags', 'b.json'), JSON.stringify(spec('2018-02-01')));
  const flood = await run('airflow', ['backfill', '-s', '2018-02-01', 'b'], {
    AIRFLOW_DOUBLE_OUTCOME: 'flood',
    AIRFLOW_DOUBLE_FLOOD_BYTES: String(bytes),
  });
  reportTarget('airflow-double', 'one-task backfill', backfillMs, '<=', 1000, 'ms');
  const mbps = (b, ms) => b / 1024 / 1024 / (ms / 1000);
  console.log(
    `airflow-double: start (version) ${versionMs.toFixed(0)} ms = ${(versionMs / nodeMs).toFixed(2)}x node -e 0`,
  );
  console.log(
    `airflow-double: one-task backfill ${backfillMs.toFixed(0)} ms = ${(backfillMs / nodeMs).toFixed(2)}x node -e 0 (target < 1000 ms)`,
  );
  console.log(
    `airflow-double: flood ${mbps(flood.bytes, flood.ms).toFixed(0)} MiB/s = ${(mbps(flood.bytes, flood.ms) / mbps(catRun.bytes, catRun.ms)).toFixed(2)}x head -c (${(flood.bytes / 1048576).toFixed(0)} MiB, exit ${flood.code})`,
  );
} finally {
  rmSync(home, { recursive: true, force: true });
}
