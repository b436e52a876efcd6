#!/usr/bin/env node
// Builds a read-only initialised Airflow database template for DP_AIRFLOW_DB_TEMPLATE (the Airflow-engine images run
// it at build time: images/operator/Dockerfile). The same code and key as the runner's per-machine cache: `airflow`
// from PATH, `airflow initdb` with the runner's airflow.cfg and environment (no Fernet key), published whole by one
// rename with its manifest. Files are world-readable and read-only (0755/0444): the image's runtime user is not the
// builder, and the template holds no secret.
//   node packages/runner/scripts/build-db-template.mjs /opt/airflow-template
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute } from 'node:path';
import { createAirflowHome, writeAirflowCfg } from '../dist/airflow-home.js';
import { publishTemplate, templateKey } from '../dist/db-template.js';
import { airflowEnv } from '../dist/engine-airflow.js';
import { findExecutable } from '../dist/process.js';

const fail = (message) => {
  process.stderr.write(`build-db-template: ${message}\n`);
  process.exit(78);
};

const [dir, ...rest] = process.argv.slice(2);
if (!dir || rest.length > 0 || !isAbsolute(dir)) {
  process.stderr.write('usage: build-db-template.mjs ABSOLUTE_DIR\n');
  process.exit(64);
}
if (existsSync(dir)) fail(`${dir} already exists`);
const airflow = findExecutable('airflow', process.env.PATH);
if (!airflow) fail('`airflow` was not found on PATH');

const home = createAirflowHome(tmpdir());
let problem;
try {
  writeAirflowCfg(home, '');
  const r = spawnSync(airflow, ['initdb'], {
    cwd: home.path,
    env: airflowEnv(process.env, home),
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) {
    problem = `airflow initdb failed (exit ${r.status ?? r.signal ?? r.error?.code})`;
  } else {
    const { key, airflowPath } = templateKey(airflow, process.env);
    if (publishTemplate(dir, key, airflowPath, home.dbPath, { shared: true })) {
      console.log(`build-db-template: ${dir} (key ${key}, ${airflowPath})`);
    } else {
      problem = `${dir} already exists`;
    }
  }
} finally {
  rmSync(home.path, { recursive: true, force: true });
}
if (problem) fail(problem);
