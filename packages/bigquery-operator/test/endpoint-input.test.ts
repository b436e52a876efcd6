/**
 * Bad endpoint settings and bad keys on an endpoint: one line, the documented exit code, nothing echoed, and for the
 * Airflow engine nothing spawned (the check runs before the private home exists).
 */
import { generateKeyPairSync } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOUBLE_BIN, runInProcess, tempDir } from '@data-pipeline/operator-testing';
import { afterAll, describe, expect, it } from 'vitest';
import { definition } from '../src/definition.js';

const tmp = tempDir('bqop-ep-');
afterAll(() => tmp.cleanup());

const base = (engine: string, endpoint: string) => [
  '--engine',
  engine,
  '--task-id',
  't',
  '--execution-date',
  '2026-11-23',
  '--gcp-project',
  'p',
  '--bql',
  'SELECT 1',
  '--use-legacy-sql',
  'false',
  '--bigquery-endpoint',
  endpoint,
];

function writeKey(name: string, fields: Record<string, unknown>): string {
  const path = join(tmp.path, name);
  writeFileSync(path, JSON.stringify({ type: 'service_account', project_id: 'p', ...fields }), {
    mode: 0o600,
  });
  return path;
}

describe('bad endpoint settings', () => {
  it.each([
    ['flag with credentials', ['http://user:s3cret-pw@127.0.0.1:9050'], {}],
    ['BIGQUERY_EMULATOR_HOST that is no URL', [], { BIGQUERY_EMULATOR_HOST: 'http://[::1' }],
  ])('airflow engine, %s → 78 before Airflow runs', async (_name, flag, env) => {
    const args = base('airflow', flag[0] ?? '').filter((a, i, all) =>
      flag.length ? true : a !== '--bigquery-endpoint' && all[i - 1] !== '--bigquery-endpoint',
    );
    const r = await runInProcess(definition, args, {
      PATH: `${DOUBLE_BIN}:${process.env.PATH ?? ''}`,
      TMPDIR: tmp.path,
      ...env,
    });
    expect(r.code).toBe(78);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--bigquery-endpoint: /);
    expect(r.stdout + r.stderr).not.toContain('s3cret-pw');
    expect(r.stdout).not.toContain('running airflow');
    expect(readdirSync(tmp.path).filter((f) => f.startsWith('dp-airflow-'))).toEqual([]);
  });
});

describe('native engine: keys on an endpoint', () => {
  const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  it.each([
    [
      'no token_uri',
      { client_email: 'a@p.iam.gserviceaccount.com', private_key: pem },
      /token_uri is missing/,
    ],
    [
      'a private_key that is no key',
      {
        client_email: 'a@p.iam.gserviceaccount.com',
        private_key: 'NOT-PEM-SECRET-99',
        token_uri: 'http://127.0.0.1:9/token',
      },
      /private_key is not a PEM private key/,
    ],
  ])('%s → 78, one line naming the file, never the key', async (name, fields, message) => {
    const key = writeKey(`${name.replaceAll(' ', '-')}.json`, fields);
    const r = await runInProcess(definition, base('native', 'http://127.0.0.1:9'), {
      GOOGLE_APPLICATION_CREDENTIALS: key,
    });
    expect(r.code).toBe(78);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout + r.stderr).not.toMatch(/NOT-PEM-SECRET-99|PRIVATE KEY/);
  });
});
