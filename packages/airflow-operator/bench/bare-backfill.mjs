// The physical limit of one Airflow step, shared by the step bench (./airflow-step.mjs) and the pipeline bench
// (packages/cli/bench/airflow-pipeline.mjs): a bare `airflow backfill` of a BashOperator `echo hi` on an already
// initialised home — the runner's airflow.cfg, environment, DAG file and sidecar (written by the runner's own code),
// the database copied in beforehand.
import { spawn } from 'node:child_process';
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const runnerDist = join(import.meta.dirname, '..', '..', 'runner', 'dist');
const { createAirflowHome, newFernetKey, writeAirflowCfg, writeRunFiles } = await import(
  join(runnerDist, 'airflow-home.js')
);
const { airflowEnv } = await import(join(runnerDist, 'engine-airflow.js'));

const nowMs = () => performance.timeOrigin + performance.now();

/** Runs a command to completion; resolves with its wall time and output, rejects on a non-zero exit. */
export function timed(file, args, childEnv, cwd) {
  return new Promise((resolve, reject) => {
    const started = nowMs();
    const child = spawn(file, args, { env: childEnv, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c) => {
      output += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c) => {
      output += c;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = nowMs() - started;
      if (code !== 0) reject(new Error(`${file} ${args.join(' ')} exited ${code}:\n${output.slice(-3000)}`));
      else resolve({ ms, output });
    });
  });
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;

/**
 * Initialises one database (`airflow initdb`, the way the runner runs it: no Fernet key) under `tmp`; returns a
 * function that runs one bare backfill on a copy of it and resolves with its wall time in ms.
 */
export async function bareBackfill({ airflow, env, tmp, dagId = 'bench_step', ds = '2026-11-23' }) {
  const master = createAirflowHome(tmp);
  writeAirflowCfg(master, '');
  await timed(airflow, ['initdb'], airflowEnv(env, master), master.path);
  return async () => {
    const home = createAirflowHome(tmp);
    try {
      copyFileSync(master.dbPath, home.dbPath);
      writeAirflowCfg(home, newFernetKey());
      const dagFile = writeRunFiles(
        home,
        {
          dag_id: dagId,
          task_id: dagId,
          operator: 'airflow.operators.bash_operator.BashOperator',
          kwargs: { bash_command: 'echo hi' },
          execution_date: `${ds}T00:00:00`,
          connections_file: home.connectionsFile,
        },
        [],
      );
      const r = await timed(
        airflow,
        ['backfill', '-s', ds, '-e', ds, '-sd', dagFile, dagId],
        airflowEnv(env, home),
        home.path,
      );
      if (!/Backfill done/.test(r.output) || !/ succeeded: 1 /.test(r.output)) {
        throw new Error(`the bare backfill did not run the task:\n${r.output.slice(-3000)}`);
      }
      return r.ms;
    } finally {
      rmSync(home.path, { recursive: true, force: true });
    }
  };
}
