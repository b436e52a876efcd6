import { existsSync, readFileSync } from 'node:fs';
import type { PlainConnection } from './db.js';
import { PythonException } from './errors.js';
import { parseConnUri } from './uri.js';

const SITE = '/usr/local/lib/python3.6/site-packages';
const frame = (file: string, line: number, fn: string, code: string) => [
  `  File "${SITE}/${file}", line ${line}, in ${fn}`,
  `    ${code}`,
];

export interface ResolvedConnection {
  readonly connId: string;
  readonly extra: Record<string, unknown>;
  readonly host: string | null;
}

/** BaseHook.get_connection: env AIRFLOW_CONN_<ID> wins (no extras: the query string is ignored), then DB rows. */
export function getConnection(
  connId: string,
  env: Readonly<Record<string, string | undefined>>,
  rows: readonly PlainConnection[],
): ResolvedConnection {
  const envUri = env[`AIRFLOW_CONN_${connId.toUpperCase()}`];
  if (envUri !== undefined) {
    const f = parseConnUri(envUri);
    return { connId, extra: {}, host: f.host || null };
  }
  const row = rows.find((r) => r.conn_id === connId);
  if (!row) {
    throw new PythonException(
      'airflow.exceptions.AirflowException',
      `The conn_id \`${connId}\` isn't defined`,
      [
        ...frame('airflow/contrib/hooks/bigquery_hook.py', 50, '__init__', 'delegate_to=delegate_to)'),
        ...frame(
          'airflow/contrib/hooks/gcp_api_base_hook.py',
          52,
          '__init__',
          'self.extras = self.get_connection(conn_id).extra_dejson',
        ),
        ...frame(
          'airflow/hooks/base_hook.py',
          62,
          'get_connection',
          'conn = random.choice(cls.get_connections(conn_id))',
        ),
        ...frame(
          'airflow/hooks/base_hook.py',
          57,
          'get_connections',
          '"The conn_id `{0}` isn\'t defined".format(conn_id))',
        ),
      ],
    );
  }
  let extra: Record<string, unknown> = {};
  try {
    const parsed: unknown = row.extra ? JSON.parse(row.extra) : {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      extra = parsed as Record<string, unknown>;
  } catch {
    extra = {};
  }
  return { connId, extra, host: row.host };
}

/**
 * GoogleCloudBaseHook._authorize of 1.8.2 (reference §4.2): key_path must end in .json and needs a scope; without a
 * key path the application default credentials are used. Never reads out or echoes the key's content.
 */
export function checkCredentials(
  conn: ResolvedConnection,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const keyPath = conn.extra.extra__google_cloud_platform__key_path;
  const scope = conn.extra.extra__google_cloud_platform__scope;
  const authFrames = [
    ...frame('airflow/contrib/hooks/bigquery_hook.py', 62, 'get_conn', 'service = self.get_service()'),
    ...frame(
      'airflow/contrib/hooks/gcp_api_base_hook.py',
      75,
      '_authorize',
      'credentials = self._get_credentials()',
    ),
  ];
  if (typeof keyPath !== 'string' || keyPath === '') {
    const adc = env.GOOGLE_APPLICATION_CREDENTIALS;
    if (!adc || !existsSync(adc)) {
      throw new PythonException(
        'oauth2client.client.ApplicationDefaultCredentialsError',
        'The Application Default Credentials are not available.',
        authFrames,
      );
    }
    return 'application default credentials';
  }
  if (keyPath.endsWith('.p12')) {
    throw new PythonException(
      'airflow.exceptions.AirflowException',
      'Legacy P12 key file are not supported, use a JSON key file.',
      authFrames,
    );
  }
  if (!keyPath.endsWith('.json')) {
    throw new PythonException(
      'airflow.exceptions.AirflowException',
      'Unrecognised extension for key file.',
      authFrames,
    );
  }
  if (typeof scope !== 'string' || scope.trim() === '') {
    throw new PythonException(
      'airflow.exceptions.AirflowException',
      'Scope should be defined when using a key file.',
      authFrames,
    );
  }
  let text: string;
  try {
    text = readFileSync(keyPath, 'utf8');
  } catch {
    throw new PythonException(
      'FileNotFoundError',
      `[Errno 2] No such file or directory: '${keyPath}'`,
      authFrames,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new PythonException(
      'json.decoder.JSONDecodeError',
      'Expecting value: line 1 column 1 (char 0)',
      authFrames,
    );
  }
  const type = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>).type : undefined;
  if (type !== 'service_account') {
    throw new PythonException(
      'ValueError',
      `Unexpected credentials type ${typeof type === 'string' ? `'${type.slice(0, 40)}'` : 'None'}, expected service_account`,
      authFrames,
    );
  }
  return 'json key file';
}

/** BigQueryBaseCursor._split_tablename of 1.8.2. */
export function splitTableName(table: string, defaultProject: string | undefined): string {
  const cmpt = table.split(':');
  let project: string | undefined;
  let rest: string;
  if (cmpt.length === 1) {
    rest = cmpt[0]!;
  } else if (cmpt.length === 2) {
    project = cmpt[0]!;
    rest = cmpt[1]!;
  } else {
    throw new PythonException('Exception', `Expect format of (<project:)<dataset>.<table>, got ${table}`);
  }
  const parts = rest.split('.');
  if (parts.length === 3) {
    if (project !== undefined) throw new PythonException('Exception', 'Use either : or . to specify project');
    project = parts[0];
    parts.shift();
  }
  if (parts.length !== 2) {
    throw new PythonException(
      'Exception',
      `Expect format of (<project.|<project:)<dataset>.<table>, got ${table}`,
    );
  }
  project ??= defaultProject;
  if (project === undefined)
    throw new PythonException('AssertionError', 'INTERNAL: No default project is specified');
  return `${project}:${parts[0]}.${parts[1]}`;
}

export type HttpStatus = 403 | 404 | 429 | 500;

export const HTTP_TEXT: Record<HttpStatus, (project: string) => string> = {
  404: (p) => `Not found: Project ${p}`,
  403: (p) =>
    `Access Denied: Project ${p}: The user does not have bigquery.jobs.create permission in project ${p}.`,
  429: () => 'Exceeded rate limits: too many api requests per user per method for this user_method.',
  500: () => 'An internal error occurred and the request could not be completed.',
};

/** The googleapiclient HttpError that jobs.insert raises inside BigQueryBaseCursor.run_with_configuration. */
export function httpError(status: HttpStatus, project: string): PythonException {
  const url = `https://www.googleapis.com/bigquery/v2/projects/${project}/jobs?alt=json`;
  return new PythonException(
    'googleapiclient.errors.HttpError',
    `<HttpError ${status} when requesting ${url} returned "${HTTP_TEXT[status](project)}">`,
    [
      ...frame(
        'airflow/contrib/hooks/bigquery_hook.py',
        228,
        'run_query',
        'return self.run_with_configuration(configuration)',
      ),
      ...frame('airflow/contrib/hooks/bigquery_hook.py', 437, 'run_with_configuration', '.execute()'),
      ...frame('oauth2client/util.py', 137, 'positional_wrapper', 'return wrapped(*args, **kwargs)'),
      ...frame('googleapiclient/http.py', 838, 'execute', 'raise HttpError(resp, content, uri=self.uri)'),
    ],
  );
}

export { frame as sitePackagesFrame };
