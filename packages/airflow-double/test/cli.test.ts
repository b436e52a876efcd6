import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { airflow, baseEnv, cleanupHomes, LOG_LINE, makeHome } from './helpers.js';

afterAll(cleanupHomes);

describe('process-wide behaviour', () => {
  it('is found on PATH as `airflow`, prints the executor line first and the version', async () => {
    const home = makeHome();
    const r = await airflow(['version'], baseEnv(home));
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(LOG_LINE);
    expect(lines[0]).toMatch(/\{__init__\.py:57\} INFO - Using executor SequentialExecutor$/);
    expect(lines.at(-1)).toBe('  v1.8.2');
  });

  it('generates airflow.cfg (and unittests.cfg) with paths from AIRFLOW_HOME, honours AIRFLOW_CONFIG', async () => {
    const home = makeHome();
    await airflow(['version'], baseEnv(home));
    const cfg = readFileSync(join(home, 'airflow.cfg'), 'utf8');
    expect(cfg).toContain(`dags_folder = ${home}/dags`);
    expect(cfg).toContain(`sql_alchemy_conn = sqlite:///${home}/airflow.db`);
    expect(cfg).toMatch(/fernet_key = [A-Za-z0-9_-]{43}=/);
    expect(existsSync(join(home, 'unittests.cfg'))).toBe(true);
    const custom = join(home, 'custom.cfg');
    writeFileSync(custom, `[core]\nexecutor = LocalExecutor\nsql_alchemy_conn = sqlite:///${home}/x.db\n`);
    const r = await airflow(['version'], baseEnv(home, { AIRFLOW_CONFIG: custom }));
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe(
      'airflow.exceptions.AirflowConfigException: error: cannot use sqlite with the LocalExecutor',
    );
    // AIRFLOW__CORE__EXECUTOR wins over the file
    const ok = await airflow(
      ['version'],
      baseEnv(home, { AIRFLOW_CONFIG: custom, AIRFLOW__CORE__EXECUTOR: 'SequentialExecutor' }),
    );
    expect(ok.code).toBe(0);
  });

  it.each([
    [[], 'airflow: error: the following arguments are required: subcommand'],
    [
      ['nope'],
      "airflow: error: argument subcommand: invalid choice: 'nope' (choose from 'backfill', 'list_tasks',",
    ],
    [['backfill'], 'airflow backfill: error: the following arguments are required: dag_id'],
    [
      ['backfill', 'd', '-s', 'xyz'],
      "airflow backfill: error: argument -s/--start_date: invalid parse value: 'xyz'",
    ],
    [
      ['backfill', 'd', '-e', '2018-13-01'],
      "airflow backfill: error: argument -e/--end_date: invalid parse value: '2018-13-01'",
    ],
    [['backfill', 'd', '-s'], 'airflow backfill: error: argument -s/--start_date: expected one argument'],
    [['backfill', 'd', '--bogus'], 'airflow: error: unrecognized arguments: --bogus'],
    [['backfill', 'd', 'extra'], 'airflow: error: unrecognized arguments: extra'],
    [
      ['backfill', 'd', '--s', '2018-01-01'],
      'airflow backfill: error: ambiguous option: --s could match --start_date, --subdir',
    ],
    [['connections', '--conn_id'], 'airflow connections: error: argument --conn_id: expected one argument'],
    [['initdb', '-x'], 'airflow: error: unrecognized arguments: -x'],
  ])('argparse error for %j → exit 2 with usage on stderr', async (args, message) => {
    const home = makeHome();
    const r = await airflow(args, baseEnv(home));
    expect(r.code).toBe(2);
    expect(r.stderr.startsWith('usage: airflow')).toBe(true);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toContain('Traceback');
  });

  it('answers -h with help and exit 0', async () => {
    const home = makeHome();
    const r = await airflow(['backfill', '-h'], baseEnv(home));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('usage: airflow backfill [-h] [-t TASK_REGEX] [-s START_DATE]');
    expect(r.stdout).toContain('--ignore_first_depends_on_past');
  });

  it('refuses real-but-unimplemented subcommands with one line, exit 1', async () => {
    const home = makeHome();
    const r = await airflow(['test', 'd', 't', '2018-01-01'], baseEnv(home));
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "airflow-double: the 'test' subcommand of Airflow 1.8.2 is not implemented by this test double\n",
    );
  });

  it('list_dags prints the DAGS block (import errors logged, exit 0)', async () => {
    const home = makeHome();
    writeFileSync(
      join(home, 'dags', 'a.py'),
      'from datetime import datetime\nfrom airflow import DAG\nb = DAG("b_dag", start_date=datetime(2018, 1, 1))\na = DAG("a_dag", start_date=datetime(2018, 1, 1))\n',
    );
    writeFileSync(join(home, 'dags', 'broken.py'), 'from airflow import DAG\nraise RuntimeError("nope")\n');
    const r = await airflow(['list_dags'], baseEnv(home));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ERROR - Failed to import: ');
    const rule = '-'.repeat(67);
    expect(r.stdout.endsWith(`\n\n${rule}\nDAGS\n${rule}\na_dag\nb_dag\n\n`)).toBe(true);
  });

  it('rejects a bad AIRFLOW_DOUBLE_OUTCOME with one line', async () => {
    const home = makeHome();
    const r = await airflow(['version'], baseEnv(home, { AIRFLOW_DOUBLE_OUTCOME: 'explode' }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^airflow-double: AIRFLOW_DOUBLE_OUTCOME must be one of success\|.*got 'explode'\n$/,
    );
  });

  it('says so in one line when python3 cannot be started', async () => {
    const home = makeHome();
    writeFileSync(join(home, 'dags', 'd.py'), 'from airflow import DAG\n');
    const r = await airflow(
      ['backfill', '-s', '2018-01-10', 'd'],
      baseEnv(home, { AIRFLOW_DOUBLE_PYTHON: '/nonexistent/python3' }),
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "airflow-double: '/nonexistent/python3' not found; the airflow double runs DAG files with Python 3 (set AIRFLOW_DOUBLE_PYTHON)\n",
    );
  });

  it('records argv of every invocation in AIRFLOW_DOUBLE_ARGV_LOG', async () => {
    const home = makeHome();
    const log = join(home, 'argv.jsonl');
    await airflow(['version'], baseEnv(home, { AIRFLOW_DOUBLE_ARGV_LOG: log }));
    const entries = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(entries[0]).toMatchObject({ kind: 'invocation', argv: ['airflow', 'version'] });
  });
});
