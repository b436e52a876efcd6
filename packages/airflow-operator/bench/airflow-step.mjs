#!/usr/bin/env node
// `npm run bench` (packages/airflow-operator): one Airflow step through the runner against the physical limit, both
// on the real Apache Airflow 1.8.2 and measured side by side in this run (issue 13 §4).
//   baseline  a bare `airflow backfill` of the same DAG on an already-initialised home: the runner's airflow.cfg,
//             environment, DAG file and sidecar (written by the runner's own code), the database copied in beforehand
//   runner    `airflow-operator --engine airflow` (BashOperator `echo hi`), process start to exit, with a warm
//             per-machine database template (the first run, which builds it, is reported apart)
//   initdb    the same step with DP_AIRFLOW_DB_TEMPLATE=none: `airflow initdb` on every run, as before the template
//   dagfile   the same `echo hi` task in DAG-file mode (`--dag-file`: a DAG file of one BashOperator), warm template:
//             `airflow run --local` instead of a backfill, plus the DagRun and result report of that mode
// Repetitions interleave (the order rotates), medians are compared. Target: runner ≤ 1.15 × baseline.
// Env: AIRFLOW_BENCH_REPS (default 5), AIRFLOW_BENCH_INITDB=0 skips the initdb series, AIRFLOW_BENCH_DAGFILE=0 the
// dagfile series. Skips with one line when no
// real Airflow is installed (scripts/install-real-airflow.sh, or DP_REAL_AIRFLOW).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRealAirflow } from '@data-pipeline/runner/testing';
import { reportSkipped, reportTarget } from '../../../scripts/bench-result.mjs';
import { bareBackfill, median, secs, timed } from './bare-backfill.mjs';

const here = import.meta.dirname;

const found = findRealAirflow(process.env);
if ('skip' in found) {
  console.log(`airflow-operator bench: ${found.skip}`);
  reportSkipped('airflow-operator', 'runner / bare airflow backfill', 'no real Airflow 1.8.2');
  process.exit(0);
}

const REPS = Number(process.env.AIRFLOW_BENCH_REPS ?? 5);
const WITH_INITDB = process.env.AIRFLOW_BENCH_INITDB !== '0';
const WITH_DAGFILE = process.env.AIRFLOW_BENCH_DAGFILE !== '0';
const BIN = join(here, '..', 'bin', 'airflow-operator.js');
const DAG_ID = 'bench_step';
const DS = '2026-11-23';
const KWARGS = { bash_command: 'echo hi' };

const scratch = mkdtempSync(join(tmpdir(), 'airflow-step-bench-'));
const tmp = join(scratch, 'tmp');
const noConnections = join(scratch, 'no-connections');
mkdirSync(tmp);
mkdirSync(noConnections);
const dagFile = join(scratch, 'bench_step.py');
writeFileSync(
  dagFile,
  [
    'import datetime',
    'from airflow import DAG',
    'from airflow.operators.bash_operator import BashOperator',
    `dag = DAG('${DAG_ID}', schedule_interval='@once', start_date=datetime.datetime(2026, 11, 23),`,
    "          default_args={'owner': 'bench', 'retries': 0})",
    `BashOperator(task_id='${DAG_ID}', bash_command='echo hi', dag=dag)`,
    '',
  ].join('\n'),
);
const env = {
  ...process.env,
  PATH: `${found.binDir}:${process.env.PATH ?? ''}`,
  HOME: join(scratch, 'home'), // the runner's per-machine cache lives under it: cold at first, then warm
  TMPDIR: tmp,
  DP_CONNECTIONS_DIR: noConnections,
};
for (const k of ['XDG_CACHE_HOME', 'DP_AIRFLOW_DB_TEMPLATE', 'GOOGLE_APPLICATION_CREDENTIALS', 'DP_ENGINE']) {
  delete env[k];
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    rmSync(scratch, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}

// The initialised database of the baseline: one `airflow initdb`, the way the runner runs it (no Fernet key).
const baseline = await bareBackfill({ airflow: found.airflow, env, tmp, dagId: DAG_ID, ds: DS });

async function runner(extraEnv = {}) {
  const args = [BIN, '--engine', 'airflow', '--task-id', DAG_ID, '--execution-date', DS];
  args.push('--operator', 'airflow.operators.bash_operator.BashOperator', '--kwargs', JSON.stringify(KWARGS));
  const r = await timed(process.execPath, args, { ...env, ...extraEnv }, scratch);
  return { ms: r.ms, fromTemplate: r.output.includes('"msg":"airflow db from template"') };
}

async function dagFileStep() {
  const args = [BIN, '--dag-file', dagFile, '--dag-id', DAG_ID, '--task-id', DAG_ID, '--execution-date', DS];
  const r = await timed(process.execPath, args, env, scratch);
  if (!r.output.includes('"msg":"airflow db from template"'))
    throw new Error('a DAG-file step did not use the template');
  if (!r.output.includes('"exit_class":"success"')) throw new Error('the DAG-file step did not succeed');
  return r.ms;
}

try {
  const first = await runner();
  const series = { baseline: [], runner: [], initdb: [], dagfile: [] };
  const cases = [
    ['baseline', baseline],
    [
      'runner',
      async () => {
        const r = await runner();
        if (!r.fromTemplate) throw new Error('a warm step did not use the database template');
        return r.ms;
      },
    ],
    ...(WITH_INITDB ? [['initdb', async () => (await runner({ DP_AIRFLOW_DB_TEMPLATE: 'none' })).ms]] : []),
    ...(WITH_DAGFILE ? [['dagfile', dagFileStep]] : []),
  ];
  for (let rep = 0; rep < REPS; rep++) {
    for (let i = 0; i < cases.length; i++) {
      const [name, run] = cases[(rep + i) % cases.length];
      series[name].push(await run());
    }
  }
  const base = median(series.baseline);
  const step = median(series.runner);
  const ratio = step / base;
  console.log(
    `airflow-operator bench (real Airflow 1.8.2 at ${found.airflow}; ${REPS} interleaved repetitions, medians)`,
  );
  const row = (name, ms, extra = '') => console.log(`  ${name.padEnd(56)} ${secs(ms).padStart(9)}  ${extra}`);
  row('bare `airflow backfill` (baseline)', base, `runs: ${series.baseline.map(secs).join(', ')}`);
  row('step through the runner (warm template)', step, `runs: ${series.runner.map(secs).join(', ')}`);
  if (WITH_INITDB) {
    const init = median(series.initdb);
    row(
      'step with initdb per run (DP_AIRFLOW_DB_TEMPLATE=none)',
      init,
      `${(init / base).toFixed(2)}× baseline`,
    );
  }
  if (WITH_DAGFILE) {
    const dagfile = median(series.dagfile);
    row(
      'DAG-file mode step (--dag-file, warm template)',
      dagfile,
      `${(dagfile / step).toFixed(2)}× the operator step; runs: ${series.dagfile.map(secs).join(', ')}`,
    );
  }
  row('first step (builds the template)', first.ms, first.fromTemplate ? '(template already there?)' : '');
  reportTarget('airflow-operator', 'runner / bare airflow backfill', ratio, '<=', 1.15);
  console.log(
    `  ${'runner / baseline'.padEnd(56)} ${`${ratio.toFixed(2)}×`.padStart(9)}  target ≤ 1.15× ${ratio <= 1.15 ? 'ok' : 'MISSED'}`,
  );
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
