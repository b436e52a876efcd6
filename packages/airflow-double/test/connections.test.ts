import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { airflow, baseEnv, cleanupHomes, makeHome } from './helpers.js';

afterAll(cleanupHomes);

/** stdout after the `Using executor` line. */
const body = (stdout: string) => stdout.split('\n').slice(1).join('\n');

describe.concurrent('airflow connections', () => {
  it('without initdb dies with OperationalError (exit 1)', async () => {
    const home = makeHome();
    const r = await airflow(['connections', '-l'], baseEnv(home));
    expect(r.code).toBe(1);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^sqlalchemy\.exc\.OperationalError: \(sqlite3\.OperationalError\) no such table: connection/,
    );
  });

  it('initdb: DB line, Alembic lines on stderr, Done., idempotent, default connections', async () => {
    const home = makeHome();
    const env = baseEnv(home);
    const r = await airflow(['initdb'], env);
    expect(r.code).toBe(0);
    expect(body(r.stdout)).toMatch(
      new RegExp(
        `^DB: sqlite:///${home}/airflow\\.db\\n\\[[^\\]]+\\] \\{db\\.py:287\\} INFO - Creating tables\\nDone\\.\\n$`,
      ),
    );
    expect(r.stderr).toContain(
      'INFO  [alembic.runtime.migration] Running upgrade 5e7d17757c7a -> 127d2bf2dfa7, Add dag_id/state index on dag_run table',
    );
    const again = await airflow(['initdb'], env);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain('Running upgrade');
    expect(again.stdout).toContain('{db.py:287} INFO - Creating tables');
    const list = await airflow(['connections', '-l'], env);
    expect(list.stdout).toMatch(/│ 'bigquery_default'\s+│ 'bigquery'\s+│ None\s+│ None/);
    expect(list.stdout).not.toContain('google_cloud_default');
    expect(list.stdout.match(/_default'/g)?.length).toBe(18);
  });

  it('every usage message of §1.4, all with exit 0', async () => {
    const home = makeHome();
    const env = baseEnv(home);
    await airflow(['initdb'], env);
    const cases: [string[], string][] = [
      [['-l', '--conn_id', 'x'], "The following args are not compatible with the --list flag: ['conn_id']"],
      [
        ['-d', '--conn_uri', 'x://'],
        "The following args are not compatible with the --delete flag: ['conn_uri']",
      ],
      [['-d'], 'To delete a connection, you Must provide a value for the --conn_id flag.'],
      [['-d', '--conn_id', 'nope'], 'Did not find a connection with `conn_id`=nope'],
      [['-a', '--conn_id', 'x'], "The following args are required to add a connection: ['conn_uri']"],
      [['-a'], "The following args are required to add a connection: ['conn_id', 'conn_uri']"],
      [
        ['-a', '--conn_id', 'gcp', '--conn_uri', 'google-cloud-platform://', '--conn_extra', '{"a": 1}'],
        'Successfully added `conn_id`=gcp : google-cloud-platform://',
      ],
      [
        ['-a', '--conn_id', 'gcp', '--conn_uri', 'other://'],
        'A connection with `conn_id`=gcp already exists',
      ],
      [['-d', '--conn_id', 'gcp'], 'Successfully deleted `conn_id`=gcp'],
    ];
    for (const [args, message] of cases) {
      const r = await airflow(['connections', ...args], env);
      expect(r.code, args.join(' ')).toBe(0);
      expect(body(r.stdout), args.join(' ')).toBe(`\n\t${message}\n\n`);
    }
    const none = await airflow(['connections'], env);
    expect(body(none.stdout)).toBe('');
  });

  it('parses --conn_uri like 1.8.2 and encrypts the password', async () => {
    const home = makeHome();
    const env = baseEnv(home);
    await airflow(['initdb'], env);
    await airflow(
      [
        'connections',
        '-a',
        '--conn_id',
        'pg',
        '--conn_uri',
        'postgresql://u:PW-MARKER@DB.Example:5433/sch?x=1',
      ],
      env,
    );
    await airflow(['connections', '-a', '--conn_id', 'under', '--conn_uri', 'google_cloud_platform://'], env);
    const list = await airflow(['connections', '-l'], env);
    expect(list.stdout).toMatch(/│ 'pg'\s+│ 'postgres'\s+│ 'db\.example'\s+│\s*5433\s+│ True/);
    expect(list.stdout).toMatch(/│ 'under'\s+│ ''\s+│ ''/);
    expect(readFileSync(join(home, 'airflow.db'), 'utf8')).not.toContain('PW-MARKER');
    const bad = await airflow(['connections', '-a', '--conn_id', 'p2', '--conn_uri', 'mysql://h:abc/x'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trimEnd().split('\n').at(-1)).toBe(
      "ValueError: invalid literal for int() with base 10: 'abc'",
    );
  });
});
