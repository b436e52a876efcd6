import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAirflowHome, renderAirflowCfg, writeRunFiles } from '../src/airflow-home.js';
import { DAG_SOURCE } from '../src/index.js';
import { tempDir } from './helpers.js';

const hasPython = spawnSync('python3', ['--version']).status === 0;
const STUB = join(import.meta.dirname, 'fixtures', 'stub-airflow');

const NASTY = [
  'SELECT "double" , \'single\' FROM `t`',
  '"""; import os; os.system("echo pwned") #',
  "'''\n\\n\\\\ \\x00 \\u0041",
  'line1\nline2\r\nline3\ttab',
  'ünïcödé ✓ 日本語 🚀 \u2028\u2029',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell/template look-alike is the point of this string
  '{{ ds }} {% raw %} ${HOME} $(id) `id`',
  '\\',
  '',
];

const dirs: Array<() => void> = [];
afterEach(() => {
  for (const c of dirs.splice(0)) c();
});

describe('DAG file', () => {
  it('is constant source: no user value ever becomes Python', () => {
    for (const s of NASTY.filter((s) => s.length > 3)) expect(DAG_SOURCE).not.toContain(s);
    expect(DAG_SOURCE).toContain('DAG');
    expect(DAG_SOURCE).toContain('airflow');
  });

  it.skipIf(!hasPython)('round-trips nasty kwargs and registers connections through the ORM', async () => {
    const d = tempDir();
    dirs.push(d.cleanup);
    const home = createAirflowHome(d.path);
    const kwargs = {
      bql: NASTY.join('|'),
      list: NASTY,
      nested: { [NASTY[0] as string]: NASTY[1] },
      n: 1.5,
      b: false,
      z: null,
    };
    const dagFile = writeRunFiles(
      home,
      {
        dag_id: 'dag.with-odd_chars',
        task_id: 'task-1',
        operator: 'airflow.operators.recorder.Recorder',
        kwargs,
        execution_date: '2026-11-23T00:00:00',
        connections_file: home.connectionsFile,
        bigquery_discovery_url: null,
        outputs_file: null,
      },
      [
        {
          connId: 'c1',
          connType: 'postgres',
          host: 'h',
          login: 'u',
          password: 'p"w\'\n',
          port: 5432,
          schema: 's',
        },
        {
          connId: 'bigquery_default',
          connType: 'google_cloud_platform',
          extra: { extra__google_cloud_platform__project: 'p' },
        },
      ],
    );
    expect(readFileSync(dagFile, 'utf8')).toBe(DAG_SOURCE);
    const out = execFileSync('python3', [join(STUB, 'load_dag.py'), dagFile], {
      env: { ...process.env, PYTHONPATH: STUB, PYTHONDONTWRITEBYTECODE: '1' },
      encoding: 'utf8',
    });
    const loaded = JSON.parse(out);
    expect(loaded).toMatchObject({
      dag_id: 'dag.with-odd_chars',
      schedule_interval: '@once',
      start_date: '2026-11-23T00:00:00',
      default_args: { retries: 0, depends_on_past: false },
    });
    expect(loaded.tasks).toEqual([{ task_id: 'task-1', class: 'Recorder', kwargs }]);
    expect(loaded.connections).toEqual([
      {
        conn_id: 'c1',
        conn_type: 'postgres',
        host: 'h',
        login: 'u',
        password: 'p"w\'\n',
        port: 5432,
        schema: 's',
        extra: null,
      },
      {
        conn_id: 'bigquery_default',
        conn_type: 'google_cloud_platform',
        host: null,
        login: null,
        password: null,
        port: null,
        schema: null,
        extra: '{"extra__google_cloud_platform__project":"p"}',
      },
    ]);
  });

  it('airflow.cfg pins sqlite in the home, SequentialExecutor and no examples', async () => {
    const d = tempDir();
    dirs.push(d.cleanup);
    const home = createAirflowHome(d.path);
    const cfg = renderAirflowCfg(home, `${'k'.repeat(43)}=`);
    expect(cfg).toContain(`sql_alchemy_conn = sqlite:///${home.path}/airflow.db`);
    expect(cfg).toMatch(/^executor = SequentialExecutor$/m);
    expect(cfg).toMatch(/^load_examples = False$/m);
    expect(cfg).toContain(`dags_folder = ${home.dagsDir}`);
  });
});
