/** Environment for Airflow-engine e2e tests: the airflow double on PATH and a fake service-account key. Test support only. */
import { existsSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The airflow double's bin folder (its `airflow` command), put first on PATH by `airflowEnv`. */
export const DOUBLE_BIN = join(
  dirname(createRequire(import.meta.url).resolve('@data-pipeline/airflow-double/package.json')),
  'bin',
);
export const DOUBLE_READY =
  existsSync(join(DOUBLE_BIN, 'airflow')) && existsSync(join(DOUBLE_BIN, '../dist/cli.js'));
export const KEY_MARKER = 'SECRET-KEY-MARKER-7f3a9c';

/**
 * Writes a syntactically valid, useless service-account key for project `my-proj` whose private key is `marker`
 * (a test checks the marker never shows), with `token_uri` pointing where the test wants.
 */
export function writeFakeKey(
  file: string,
  marker = KEY_MARKER,
  tokenUri = 'https://oauth2.googleapis.com/token',
): void {
  writeFileSync(
    file,
    JSON.stringify({
      type: 'service_account',
      project_id: 'my-proj',
      private_key_id: 'abc',
      private_key: `-----BEGIN PRIVATE KEY-----\n${marker}\n-----END PRIVATE KEY-----\n`,
      client_email: 'runner@my-proj.iam.gserviceaccount.com',
      client_id: '1',
      token_uri: tokenUri,
    }),
    { mode: 0o600 },
  );
}

/** Writes a fake key (`writeFakeKey`) into `dir`; returns the env for the runner. */
export function airflowEnv(dir: string, outcome = 'success'): Record<string, string> {
  const key = join(dir, 'key.json');
  writeFakeKey(key);
  return {
    PATH: `${DOUBLE_BIN}:${process.env.PATH ?? ''}`,
    GOOGLE_APPLICATION_CREDENTIALS: key,
    AIRFLOW_DOUBLE_OUTCOME: outcome,
    AIRFLOW_DOUBLE_HEARTBEAT_MS: '5',
    TMPDIR: dir,
  };
}
