/** Environment for Airflow-engine e2e tests: the airflow double on PATH and a fake service-account key. Test support only. */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DOUBLE_BIN = fileURLToPath(new URL('../../../airflow-double/bin', import.meta.url));
export const DOUBLE_READY =
  existsSync(join(DOUBLE_BIN, 'airflow')) && existsSync(join(DOUBLE_BIN, '../dist/cli.js'));
export const KEY_MARKER = 'SECRET-KEY-MARKER-7f3a9c';

/** Writes a syntactically valid (useless) service-account key into `dir`; returns the env for the runner. */
export function airflowEnv(dir: string, outcome = 'success'): Record<string, string> {
  const key = join(dir, 'key.json');
  writeFileSync(
    key,
    JSON.stringify({
      type: 'service_account',
      project_id: 'my-proj',
      private_key_id: 'abc',
      private_key: `-----BEGIN PRIVATE KEY-----\n${KEY_MARKER}\n-----END PRIVATE KEY-----\n`,
      client_email: 'runner@my-proj.iam.gserviceaccount.com',
      client_id: '1',
      token_uri: 'https://oauth2.googleapis.com/token',
    }),
    { mode: 0o600 },
  );
  return {
    PATH: `${DOUBLE_BIN}:${process.env.PATH ?? ''}`,
    GOOGLE_APPLICATION_CREDENTIALS: key,
    AIRFLOW_DOUBLE_OUTCOME: outcome,
    AIRFLOW_DOUBLE_HEARTBEAT_MS: '5',
    TMPDIR: dir,
  };
}
