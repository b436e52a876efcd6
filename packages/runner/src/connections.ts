import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConnectionUriError, parseConnectionUri } from './connection-uri.js';
import { type ConnectionSpec, OperatorError } from './operator.js';

export { ConnectionUriError, parseConnectionUri };

/** Scope written to the Google connections: 1.8.2 requires a scope whenever a key path is set (reference §4.2). */
export const GOOGLE_CLOUD_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
export const GOOGLE_CONN_IDS = ['google_cloud_default', 'bigquery_default'] as const;

export interface ResolvedConnections {
  /** Connections the runner registers (key-file derived + --connections-dir), conn_id → spec. */
  readonly registered: ReadonlyMap<string, ConnectionSpec>;
  /** Everything the task can see: `registered` plus parsed `AIRFLOW_CONN_*` (which win, as in Airflow). */
  readonly all: ReadonlyMap<string, ConnectionSpec>;
  readonly keyFile: string | undefined;
  readonly gcpProject: string | undefined;
  /** Secret strings (passwords, private key material) to redact from every log line and message. */
  readonly secrets: readonly string[];
}

export interface ConnectionInputs {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly gcpProject: string | undefined;
  readonly connectionsDir: string;
  readonly connectionsDirExplicit: boolean;
  /** Airflow 1.8.2 only accepts `.json` key paths; the native engine does not care. */
  readonly requireJsonKeyPath: boolean;
}

const CONN_ID_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,249}$/;

function config(message: string): OperatorError {
  return new OperatorError('configuration', message);
}

/** `parseConnectionUri` with the caller's `where` on its errors (configuration, 78; the URI is never quoted). */
function parseUriOrThrow(connId: string, uri: string, where: string): ConnectionSpec | undefined {
  try {
    return parseConnectionUri(connId, uri);
  } catch (err) {
    if (err instanceof ConnectionUriError) throw config(`${where}: ${err.message}`);
    throw err;
  }
}

const JSON_FIELDS = new Set(['conn_type', 'host', 'schema', 'login', 'password', 'port', 'extra', 'conn_id']);

/** A connection file holding a JSON object (conn_type, host, schema, login, password, port, extra). */
export function parseConnectionJson(connId: string, value: unknown, where: string): ConnectionSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw config(`${where}: must hold an Airflow URI or a JSON object`);
  }
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!JSON_FIELDS.has(key)) throw config(`${where}: unknown field "${key.slice(0, 40)}"`);
  }
  const str = (k: string): string | undefined => {
    const v = o[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw config(`${where}: field "${k}" must be a string`);
    return v;
  };
  const connType = str('conn_type');
  if (!connType) throw config(`${where}: field "conn_type" is required`);
  let port: number | undefined;
  if (o.port !== undefined && o.port !== null) {
    const n = typeof o.port === 'string' ? Number(o.port) : o.port;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535) {
      throw config(`${where}: field "port" must be an integer 0-65535`);
    }
    port = n;
  }
  let extra: Record<string, unknown> | undefined;
  if (o.extra !== undefined && o.extra !== null) {
    let e = o.extra;
    if (typeof e === 'string') {
      try {
        e = JSON.parse(e);
      } catch {
        throw config(`${where}: field "extra" is not valid JSON`);
      }
    }
    if (typeof e !== 'object' || e === null || Array.isArray(e)) {
      throw config(`${where}: field "extra" must be a JSON object`);
    }
    extra = e as Record<string, unknown>;
  }
  const host = str('host');
  const schema = str('schema');
  const login = str('login');
  const password = str('password');
  return {
    connId,
    connType,
    ...(host !== undefined ? { host } : {}),
    ...(schema !== undefined ? { schema } : {}),
    ...(login !== undefined ? { login } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(extra ? { extra } : {}),
  };
}

/** Synchronous reads: a handful of small Secret files on the start-up path (no thread-pool round trips). */
function readConnectionsDir(dir: string, explicit: boolean): ConnectionSpec[] {
  let names: string[];
  try {
    const st = statSync(dir);
    if (!st.isDirectory()) throw config(`--connections-dir ${JSON.stringify(dir)}: not a directory`);
    names = readdirSync(dir);
  } catch (err) {
    if (err instanceof OperatorError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return [];
    throw config(`--connections-dir ${JSON.stringify(dir)}: cannot read (${code ?? 'error'})`);
  }
  const specs: ConnectionSpec[] = [];
  // Kubernetes Secret volumes hold `..data` and `..<timestamp>` entries next to the keys: dot files are skipped.
  for (const name of names.filter((n) => !n.startsWith('.')).sort()) {
    const path = join(dir, name);
    const where = `connection file ${JSON.stringify(path)}`;
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(path);
    } catch (err) {
      throw config(`${where}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (st.isDirectory()) continue;
    // Read synchronously (start-up path), so only regular files: a FIFO would block the process.
    if (!st.isFile()) throw config(`${where}: not a regular file`);
    if (!CONN_ID_RE.test(name)) {
      throw config(`${where}: the file name must be a conn_id (letters, digits, '_', '-', '.')`);
    }
    let text: string;
    try {
      text = readFileSync(path, 'utf8').trim();
    } catch (err) {
      throw config(`${where}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (text === '') throw config(`${where}: is empty`);
    if (text.startsWith('{')) {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw config(`${where}: not valid JSON`);
      }
      specs.push(parseConnectionJson(name, value, where));
    } else {
      const spec = parseUriOrThrow(name, text, where);
      if (!spec)
        throw config(
          `${where}: must hold an Airflow URI (type://user:pass@host:port/schema) or a JSON object`,
        );
      specs.push(spec);
    }
  }
  return specs;
}

function readKeyFile(
  path: string,
  requireJsonKeyPath: boolean,
): { projectId: string | undefined; secrets: string[] } {
  const where = `GOOGLE_APPLICATION_CREDENTIALS ${JSON.stringify(path)}`;
  if (requireJsonKeyPath && !path.endsWith('.json')) {
    throw config(`${where}: Airflow 1.8.2 only accepts key files whose name ends in .json`);
  }
  let text: string;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw config(`${where}: not a file`);
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof OperatorError) throw err;
    throw config(`${where}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let key: unknown;
  try {
    key = JSON.parse(text);
  } catch {
    // Never include the parser's message: it quotes the file's content.
    throw config(`${where}: not a JSON service-account key`);
  }
  if (typeof key !== 'object' || key === null || Array.isArray(key)) {
    throw config(`${where}: not a JSON service-account key`);
  }
  const k = key as Record<string, unknown>;
  const secrets: string[] = [];
  for (const field of ['private_key', 'private_key_id', 'client_secret', 'refresh_token']) {
    const v = k[field];
    if (typeof v === 'string' && v.length >= 4) {
      secrets.push(v);
      // PEM keys are multi-line: also redact each long line on its own (logs are line based).
      for (const line of v.split(/\r?\n/)) if (line.length >= 16) secrets.push(line);
    }
  }
  return { projectId: typeof k.project_id === 'string' && k.project_id ? k.project_id : undefined, secrets };
}

/**
 * Parses `AIRFLOW_CONN_<ID>` env vars (for the native engine's view; Airflow reads them itself). A value 1.8.2 would
 * fail on (bad port) or that is not `type://…` is a configuration error at start-up, on both engines.
 */
export function connectionsFromEnv(env: Readonly<Record<string, string | undefined>>): ConnectionSpec[] {
  const specs: ConnectionSpec[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('AIRFLOW_CONN_') || !value) continue;
    const connId = name.slice('AIRFLOW_CONN_'.length).toLowerCase();
    const spec = parseUriOrThrow(connId, value, name);
    if (!spec) throw config(`${name}: must hold an Airflow URI (type://user:pass@host:port/schema)`);
    specs.push(spec);
  }
  return specs;
}

/**
 * The Google connection 1.8.2's `GoogleCloudBaseHook` reads: the project always (the hook has no other source for it),
 * and the key path only when there is a key file. Without one, `_authorize` falls back to Application Default
 * Credentials (`GoogleCredentials.get_application_default()`: Workload Identity, the metadata server, gcloud).
 */
export function googleConnection(
  connId: string,
  project: string,
  keyPath: string | undefined,
): ConnectionSpec {
  return {
    connId,
    connType: 'google_cloud_platform',
    extra: {
      extra__google_cloud_platform__project: project,
      ...(keyPath ? { extra__google_cloud_platform__key_path: keyPath } : {}),
      extra__google_cloud_platform__scope: GOOGLE_CLOUD_SCOPE,
    },
  };
}

/**
 * Resolves connections from the three sources: the GOOGLE_APPLICATION_CREDENTIALS key file, the
 * connections dir, and `AIRFLOW_CONN_*`. Reads files but writes nothing. Errors are configuration (78) one-liners
 * that never quote file contents.
 */
export async function bootstrapConnections(inputs: ConnectionInputs): Promise<ResolvedConnections> {
  const registered = new Map<string, ConnectionSpec>();
  const secrets: string[] = [];
  // Absolute, because Airflow runs with its home as working directory.
  const keyPath = inputs.env.GOOGLE_APPLICATION_CREDENTIALS
    ? resolve(inputs.env.GOOGLE_APPLICATION_CREDENTIALS)
    : undefined;
  let gcpProject = inputs.gcpProject;
  if (keyPath) {
    const key = readKeyFile(keyPath, inputs.requireJsonKeyPath);
    secrets.push(...key.secrets);
    gcpProject ??= key.projectId;
    if (!gcpProject) {
      throw config(
        `GOOGLE_APPLICATION_CREDENTIALS ${JSON.stringify(keyPath)}: no project_id in the key; pass --gcp-project or GOOGLE_CLOUD_PROJECT`,
      );
    }
  }
  if (gcpProject) {
    for (const connId of GOOGLE_CONN_IDS)
      registered.set(connId, googleConnection(connId, gcpProject, keyPath));
  }
  for (const spec of readConnectionsDir(inputs.connectionsDir, inputs.connectionsDirExplicit)) {
    registered.set(spec.connId, spec);
  }
  for (const spec of registered.values()) {
    if (spec.password && spec.password.length >= 3) secrets.push(spec.password);
  }
  const all = new Map(registered);
  for (const spec of connectionsFromEnv(inputs.env)) {
    all.set(spec.connId, spec);
    if (spec.password && spec.password.length >= 3) secrets.push(spec.password);
  }
  return { registered, all, keyFile: keyPath, gcpProject, secrets: [...new Set(secrets)] };
}
