import { spawnSync } from 'node:child_process';
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
import { findRealAirflow, jsonRecords, spawnCollecting } from '@data-pipeline/runner/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The initialised-database template (packages/runner/src/db-template.ts) end to end: the real airflow-operator bin as a
// subprocess, first with packages/airflow-double's `airflow` (every path, cheap), then with the real Airflow 1.8.2.
const BIN = join(import.meta.dirname, '..', 'bin', 'airflow-operator.js');
const DOUBLE_BIN = join(import.meta.dirname, '..', '..', 'airflow-double', 'bin');
const BUILD_SCRIPT = join(import.meta.dirname, '..', '..', 'runner', 'scripts', 'build-db-template.mjs');
const BASH = ['--operator', 'airflow.operators.bash_operator.BashOperator'];

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'airflow-operator-template-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Step {
  code: number | null;
  stdout: string;
  stderr: string;
  msgs: string[];
  airflowCommands: string[];
  tmpLeft: string[];
}

/** One step in `home` (the per-machine cache lives under it); `argv` records the double's commands. */
function step(home: string, env: Record<string, string>, args: string[]): Promise<Step> {
  const scratch = mkdtempSync(join(root, 'tmp-'));
  const argvLog = join(scratch, '..', `${scratch.split('/').pop()}.argv`);
  const { closed } = spawnCollecting(
    process.execPath,
    [BIN, '--task-id', 'tpl_task', '--execution-date', '2026-11-23', '--log-format', 'json', ...args],
    {
      env: {
        PATH: `${DOUBLE_BIN}:${process.env.PATH}`,
        HOME: home,
        TMPDIR: scratch,
        DP_CONNECTIONS_DIR: join(root, 'no-connections'),
        AIRFLOW_DOUBLE_ARGV_LOG: argvLog,
        AIRFLOW_DOUBLE_HEARTBEAT_MS: '5',
        ...env,
      },
    },
  );
  return closed.then(({ code, stdout, stderr }) => {
    const records = jsonRecords<{ msg: string; src?: string }>(stdout);
    const commands = existsSync(argvLog)
      ? readFileSync(argvLog, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as { argv?: string[]; kind?: string })
          .filter((e) => e.kind === 'invocation' && Array.isArray(e.argv))
          .map((e) => (e.argv as string[])[1] ?? '')
      : [];
    return {
      code,
      stdout,
      stderr,
      msgs: records.filter((r) => r.src === undefined).map((r) => r.msg),
      airflowCommands: commands,
      tmpLeft: readdirSync(scratch),
    };
  });
}

const cacheEntries = (home: string) => {
  const dir = join(home, '.cache', 'data-pipeline', 'airflow-db');
  return existsSync(dir) ? readdirSync(dir).map((k) => join(dir, k)) : [];
};

describe.concurrent('database template with the airflow double', () => {
  beforeAll(() => {
    mkdirSync(join(root, 'no-connections'), { recursive: true });
  });
  const echo = [...BASH, '--kwargs', '{"bash_command": "echo hi"}'];

  it('first step: initdb, then the database is published; second step: copied, no initdb', async () => {
    const home = mkdtempSync(join(root, 'home-'));
    const first = await step(home, {}, echo);
    expect(first.code, first.stderr).toBe(0);
    expect(first.airflowCommands).toEqual(['initdb', 'backfill']);
    expect(first.msgs).toContain('airflow db template published');
    const [entry] = cacheEntries(home);
    expect(entry).toBeDefined();
    expect(readdirSync(entry as string).sort()).toEqual(['airflow.db', 'manifest.json']);

    const second = await step(home, {}, echo);
    expect(second.code, second.stderr).toBe(0);
    expect(second.airflowCommands).toEqual(['backfill']);
    expect(second.msgs).toContain('airflow db from template');
    expect(second.msgs).not.toContain('running airflow initdb');
    expect(second.tmpLeft, 'AIRFLOW_HOME removed').toEqual([]);
  });

  it('a damaged cache entry is never used: one warning, initdb, a fresh entry', async () => {
    const home = mkdtempSync(join(root, 'home-'));
    expect((await step(home, {}, echo)).code).toBe(0);
    const [entry] = cacheEntries(home) as [string];
    writeFileSync(join(entry, 'airflow.db'), '{"truncat');
    const r = await step(home, {}, echo);
    expect(r.code, r.stderr).toBe(0);
    expect(r.airflowCommands).toEqual(['initdb', 'backfill']);
    const warning = r.stdout.split('\n').find((l) => l.includes('not used'));
    expect(warning).toMatch(
      /"level":40,.*airflow db template .* not used: airflow\.db does not match its manifest/,
    );
    expect(r.msgs).toContain('airflow db template published');
    expect((await step(home, {}, echo)).airflowCommands).toEqual(['backfill']);
  });

  it('initdb failing while building the template: the step fails 78 as before and nothing is published', async () => {
    const home = mkdtempSync(join(root, 'home-'));
    const r = await step(home, { AIRFLOW_DOUBLE_OUTCOME: 'initdb-fail' }, echo);
    expect(r.code).toBe(78);
    expect(r.stderr.trim()).toMatch(/^airflow-operator: airflow initdb failed/);
    expect(cacheEntries(home)).toEqual([]);
  });

  it('DP_AIRFLOW_DB_TEMPLATE=none: initdb on every step and no cache written', async () => {
    const home = mkdtempSync(join(root, 'home-'));
    for (let i = 0; i < 2; i++) {
      const r = await step(home, { DP_AIRFLOW_DB_TEMPLATE: 'none' }, echo);
      expect(r.code, r.stderr).toBe(0);
      expect(r.airflowCommands).toEqual(['initdb', 'backfill']);
    }
    expect(existsSync(join(home, '.cache'))).toBe(false);
  });

  it('an explicit template that is missing or relative: one warning line, initdb, success, nothing written', async () => {
    const home = mkdtempSync(join(root, 'home-'));
    for (const [setting, pattern] of [
      [
        join(root, 'no-such-template'),
        /airflow db template \/.*no-such-template not used: it has no manifest/,
      ],
      ['relative/dir', /DP_AIRFLOW_DB_TEMPLATE must be an absolute directory or none, got 'relative\/dir'/],
    ] as const) {
      const r = await step(home, { DP_AIRFLOW_DB_TEMPLATE: setting }, echo);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.airflowCommands).toEqual(['initdb', 'backfill']);
      expect(r.stdout.split('\n').filter((l) => pattern.test(l))).toHaveLength(1);
    }
    expect(existsSync(join(home, '.cache'))).toBe(false);
  });

  it('the image build script (runner/scripts/build-db-template.mjs) makes a read-only template a step uses', async () => {
    const dir = join(mkdtempSync(join(root, 'opt-')), 'airflow-template');
    const scratch = mkdtempSync(join(root, 'tmp-'));
    const env = { PATH: `${DOUBLE_BIN}:${process.env.PATH}`, TMPDIR: scratch };
    const build = spawnSync(process.execPath, [BUILD_SCRIPT, dir], { env, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);
    expect(build.stdout).toMatch(/^build-db-template: .*airflow-template \(key [0-9a-f]{32}, /m);
    expect(readdirSync(scratch), 'its temporary home removed').toEqual([]);
    expect(statSync(join(dir, 'airflow.db')).mode & 0o777).toBe(0o444);
    const again = spawnSync(process.execPath, [BUILD_SCRIPT, dir], { env, encoding: 'utf8' });
    expect([again.status, again.stderr.trim()]).toEqual([78, `build-db-template: ${dir} already exists`]);

    const home = mkdtempSync(join(root, 'home-'));
    const r = await step(home, { DP_AIRFLOW_DB_TEMPLATE: dir }, echo);
    expect(r.code, r.stderr).toBe(0);
    expect(r.airflowCommands).toEqual(['backfill']);
  });

  it('an explicit template (as in the images) is used read-only', async () => {
    const home = mkdtempSync(join(root, 'home-'));
    expect((await step(home, {}, echo)).code).toBe(0);
    const [entry] = cacheEntries(home) as [string];
    const other = mkdtempSync(join(root, 'home-'));
    const r = await step(other, { DP_AIRFLOW_DB_TEMPLATE: entry }, echo);
    expect(r.code, r.stderr).toBe(0);
    expect(r.airflowCommands).toEqual(['backfill']);
    expect(existsSync(join(other, '.cache'))).toBe(false);
  });
});

const real = findRealAirflow(process.env);
if ('skip' in real) console.warn(real.skip);

describe.skipIf('skip' in real).concurrent('database template with the real Airflow 1.8.2', () => {
  const binDir = 'binDir' in real ? real.binDir : '';
  const PASSWORD = 'PWMARKER-7e1d5c0a';
  // Runs inside the task through Airflow's own ORM: the registered connection decrypts with this run's key, the
  // template's default connections (stored without encryption) still read, and bigquery_default is ours alone.
  const CHECK = [
    'from airflow import settings',
    'from airflow.models import Connection',
    's = settings.Session()',
    "pg = s.query(Connection).filter_by(conn_id='my_pg').one()",
    "bq = s.query(Connection).filter_by(conn_id='bigquery_default').all()",
    "lm = s.query(Connection).filter_by(conn_id='local_mysql').one()",
    'import hashlib',
    `pw = hashlib.sha256(pg.password.encode()).hexdigest() == '${createHash('sha256').update(PASSWORD).digest('hex')}'`,
    "ok = pw and pg.is_encrypted and lm.password == 'airflow' and not lm.is_encrypted",
    "ok = ok and len(bq) == 1 and bq[0].conn_type == 'http'",
    "print('CONN-CHECK ' + ('ok' if ok else 'bad'))",
  ].join('; ');

  it('a warm step copies the template; connections and the Fernet key work inside the task', async () => {
    const home = mkdtempSync(join(root, 'home-'));
    const connections = mkdtempSync(join(root, 'conns-'));
    writeFileSync(join(connections, 'my_pg'), `postgres://etl:${PASSWORD}@db.internal:5432/wh`);
    writeFileSync(join(connections, 'bigquery_default'), 'http://bq.internal');
    const env = {
      PATH: `${binDir}:${process.env.PATH}`,
      DP_CONNECTIONS_DIR: connections,
    };
    const args = [...BASH, '--kwargs', JSON.stringify({ bash_command: `/usr/bin/python3 -c "${CHECK}"` })];
    const first = await step(home, env, args);
    expect(first.code, first.stderr).toBe(0);
    expect(first.msgs).toContain('airflow db template published');
    const second = await step(home, env, args);
    expect(second.code, second.stderr).toBe(0);
    expect(second.msgs).toContain('airflow db from template');
    expect(second.msgs).not.toContain('running airflow initdb');
    for (const r of [first, second]) {
      expect(r.stdout).toContain('CONN-CHECK ok');
      expect(r.stdout).not.toContain(PASSWORD);
    }
    const [entry] = cacheEntries(home) as [string];
    // Nothing encrypted in the template: initdb ran without a Fernet key.
    const plain = readFileSync(join(entry, 'airflow.db')).toString('latin1');
    expect(plain).toContain('local_mysql');
    expect(plain).not.toMatch(/gAAAAA[A-Za-z0-9_-]{20}/);
  }, 180_000);

  it('a damaged cache entry is rebuilt and the step still succeeds', async () => {
    const home = mkdtempSync(join(root, 'home-'));
    const env = { PATH: `${binDir}:${process.env.PATH}` };
    const echo = [...BASH, '--kwargs', '{"bash_command": "echo hi"}'];
    expect((await step(home, env, echo)).code).toBe(0);
    const [entry] = cacheEntries(home) as [string];
    const file = join(entry, 'airflow.db');
    writeFileSync(file, readFileSync(file).subarray(0, 8192));
    const r = await step(home, env, echo);
    expect(r.code, r.stderr).toBe(0);
    expect(r.msgs).toContain('running airflow initdb');
    expect(r.msgs).toContain('airflow db template published');
  }, 180_000);
});
