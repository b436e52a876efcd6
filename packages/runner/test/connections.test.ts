import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bootstrapConnections, OperatorError } from '../src/index.js';
import { tempDir } from './helpers.js';

const dirs: Array<() => void> = [];
afterEach(() => {
  for (const c of dirs.splice(0)) c();
});

function setup() {
  const d = tempDir();
  dirs.push(d.cleanup);
  const conns = join(d.path, 'conns');
  mkdirSync(conns);
  return { root: d.path, conns };
}

describe('bootstrapConnections', () => {
  it('derives google_cloud_default and bigquery_default from the key file with 1.8.2 extras', async () => {
    const { root, conns } = setup();
    const key = join(root, 'key.json');
    writeFileSync(
      key,
      JSON.stringify({ type: 'service_account', project_id: 'p1', private_key: 'SECRET-KEY-MARKER' }),
    );
    const r = await bootstrapConnections({
      env: { GOOGLE_APPLICATION_CREDENTIALS: key },
      gcpProject: undefined,
      connectionsDir: conns,
      connectionsDirExplicit: true,
      requireJsonKeyPath: true,
    });
    expect([...r.registered.keys()]).toEqual(['google_cloud_default', 'bigquery_default']);
    expect(r.registered.get('bigquery_default')).toEqual({
      connId: 'bigquery_default',
      connType: 'google_cloud_platform',
      extra: {
        extra__google_cloud_platform__project: 'p1',
        extra__google_cloud_platform__key_path: key,
        extra__google_cloud_platform__scope: 'https://www.googleapis.com/auth/cloud-platform',
      },
    });
    expect(r.secrets).toContain('SECRET-KEY-MARKER');
    expect(r.gcpProject).toBe('p1');
  });

  it('--gcp-project wins over the key project; connection files (URI and JSON) and AIRFLOW_CONN_* are read', async () => {
    const { root, conns } = setup();
    const key = join(root, 'key.json');
    writeFileSync(key, JSON.stringify({ project_id: 'p1' }));
    writeFileSync(join(conns, 'my_pg'), 'postgres://u:pw-secret@h:1/db\n');
    writeFileSync(
      join(conns, 'bigquery_default'),
      JSON.stringify({
        conn_type: 'google_cloud_platform',
        extra: { extra__google_cloud_platform__project: 'p3' },
      }),
    );
    mkdirSync(join(conns, '..2026_11_23'));
    symlinkSync(join(conns, '..2026_11_23'), join(conns, '..data'));
    const r = await bootstrapConnections({
      env: { GOOGLE_APPLICATION_CREDENTIALS: key, AIRFLOW_CONN_HTTP_X: 'http://a:envpw@host' },
      gcpProject: 'p2',
      connectionsDir: conns,
      connectionsDirExplicit: true,
      requireJsonKeyPath: true,
    });
    expect(r.registered.get('google_cloud_default')?.extra?.extra__google_cloud_platform__project).toBe('p2');
    expect(r.registered.get('bigquery_default')?.extra?.extra__google_cloud_platform__project).toBe('p3');
    expect(r.registered.get('my_pg')).toMatchObject({ connType: 'postgres', password: 'pw-secret' });
    expect(r.all.get('http_x')).toMatchObject({ connType: 'http', password: 'envpw' });
    expect(r.secrets).toEqual(expect.arrayContaining(['pw-secret', 'envpw']));
  });

  it('registers project-only Google connections (no key_path: 1.8.2 falls back to ADC) when a project is known', async () => {
    const { conns } = setup();
    const r = await bootstrapConnections({
      env: {},
      gcpProject: 'adc-project',
      connectionsDir: conns,
      connectionsDirExplicit: true,
      requireJsonKeyPath: true,
    });
    expect([...r.registered.keys()]).toEqual(['google_cloud_default', 'bigquery_default']);
    for (const spec of r.registered.values()) {
      expect(spec.connType).toBe('google_cloud_platform');
      expect(spec.extra).toEqual({
        extra__google_cloud_platform__project: 'adc-project',
        extra__google_cloud_platform__scope: 'https://www.googleapis.com/auth/cloud-platform',
      });
    }
    expect(r.keyFile).toBeUndefined();
    expect(r.gcpProject).toBe('adc-project');
  });

  it('registers no Google connection when no project is known, and a connection file still wins', async () => {
    const { conns } = setup();
    const none = await bootstrapConnections({
      env: {},
      gcpProject: undefined,
      connectionsDir: conns,
      connectionsDirExplicit: true,
      requireJsonKeyPath: true,
    });
    expect([...none.registered.keys()]).toEqual([]);
    writeFileSync(join(conns, 'bigquery_default'), 'google-cloud-platform://');
    const r = await bootstrapConnections({
      env: {},
      gcpProject: 'adc-project',
      connectionsDir: conns,
      connectionsDirExplicit: true,
      requireJsonKeyPath: true,
    });
    expect(r.registered.get('bigquery_default')).toEqual({
      connId: 'bigquery_default',
      connType: 'google-cloud-platform',
      host: '',
      schema: '',
    });
    expect(r.registered.get('google_cloud_default')?.extra?.extra__google_cloud_platform__project).toBe(
      'adc-project',
    );
  });

  it('keeps percent-escapes as 1.8.2 does, and redacts the password as written', async () => {
    const { conns } = setup();
    writeFileSync(join(conns, 'my_db'), 'mysql://etl:p%40ss-word@db:3306/w%2Fh\n');
    const r = await bootstrapConnections({
      env: { AIRFLOW_CONN_OTHER: 'http://u:env%3Apw@h' },
      gcpProject: undefined,
      connectionsDir: conns,
      connectionsDirExplicit: true,
      requireJsonKeyPath: true,
    });
    expect(r.registered.get('my_db')).toMatchObject({
      login: 'etl',
      password: 'p%40ss-word',
      schema: 'w%2Fh',
    });
    expect(r.all.get('other')).toMatchObject({ password: 'env%3Apw' });
    expect(r.secrets).toEqual(expect.arrayContaining(['p%40ss-word', 'env%3Apw']));
  });

  it.each([
    [
      'a connection file with a bad port',
      { file: 'http://user:Secret123/x@h' },
      /connection file ".*bad": the port is not an integer 0-65535$/,
    ],
    [
      'a connection file with unbalanced IPv6 brackets',
      { file: 'http://[::1/x' },
      /connection file ".*bad": invalid IPv6 host$/,
    ],
    [
      'an AIRFLOW_CONN_* with a bad port',
      { env: 'http://user:Secret123/x@h' },
      /^AIRFLOW_CONN_BAD: the port is not an integer 0-65535$/,
    ],
    [
      'an AIRFLOW_CONN_* that is not a URI',
      { env: 'Secret123 not a uri' },
      /^AIRFLOW_CONN_BAD: must hold an Airflow URI/,
    ],
  ])('refuses %s (configuration, the value never quoted)', async (_name, input, message) => {
    const { conns } = setup();
    if (input.file) writeFileSync(join(conns, 'bad'), input.file);
    const run = bootstrapConnections({
      env: input.env ? { AIRFLOW_CONN_BAD: input.env } : {},
      gcpProject: undefined,
      connectionsDir: conns,
      connectionsDirExplicit: true,
      requireJsonKeyPath: true,
    });
    await expect(run).rejects.toThrow(message);
    await expect(run).rejects.toMatchObject({ exitClass: 'configuration' });
    await run.catch((err: Error) => expect(err.message).not.toContain('Secret123'));
  });

  it('skips the default directory when absent but not an explicit one', async () => {
    const base = {
      env: {},
      gcpProject: undefined,
      connectionsDir: '/nonexistent/x',
      requireJsonKeyPath: true,
    };
    await expect(bootstrapConnections({ ...base, connectionsDirExplicit: false })).resolves.toMatchObject({});
    await expect(bootstrapConnections({ ...base, connectionsDirExplicit: true })).rejects.toThrow(
      OperatorError,
    );
  });

  it('refuses a connection file that is not a regular file (a FIFO would block the synchronous read)', async () => {
    const { conns } = setup();
    execFileSync('mkfifo', [join(conns, 'my_fifo')]);
    const run = bootstrapConnections({
      env: {},
      gcpProject: undefined,
      connectionsDir: conns,
      connectionsDirExplicit: true,
      requireJsonKeyPath: true,
    });
    await expect(run).rejects.toThrow(/connection file ".*my_fifo": not a regular file/);
    await expect(run).rejects.toMatchObject({ exitClass: 'configuration' });
  });
});
