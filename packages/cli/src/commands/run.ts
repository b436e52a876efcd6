import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  DataDirError,
  DataDirLockedError,
  DEFAULT_WAREHOUSE_URL,
  EngineUnavailableError,
  EXIT_CODES,
  formatSummary,
  ImagesError,
  ProgressReporter,
  QueryError,
  runLocal,
  SpecError,
  TemplateError,
  WarehouseError,
  WarehouseUnreachableError,
  WorkflowError,
} from '@data-pipeline/local';
import { type CliIo, signalExitCode } from '../io.js';
import { formatStepLine, resolveLogFormat } from '../step-lines.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * Known failures → one line on stderr, and the documented exit code is returned.
 * Anything else is a bug and keeps its message (no stack).
 */
export function reportError(io: CliIo, prefix: string, e: unknown): number {
  const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
  io.stderr(`${prefix}: ${message}${e instanceof DataDirLockedError ? lockedHint(prefix) : ''}\n`);
  const interrupted = signalExitCode(io.signal);
  if (interrupted !== undefined) return interrupted;
  if (e instanceof UsageError) return EXIT_CODES.usage;
  if (
    e instanceof SpecError ||
    e instanceof QueryError ||
    e instanceof WorkflowError ||
    e instanceof TemplateError ||
    e instanceof ImagesError
  )
    return EXIT_CODES['invalid-input'];
  // A locked data dir (DataDirLockedError, a WarehouseError) is configuration too: the server holding it runs until
  // stopped, so retrying is no cure; --url (the hint printed above) is.
  if (e instanceof WarehouseError || e instanceof DataDirError || e instanceof EngineUnavailableError)
    return EXIT_CODES.configuration;
  if (e instanceof WarehouseUnreachableError) return EXIT_CODES.transient;
  return EXIT_CODES['task-failed'];
}

/** What to do about a data dir held by a server: the commands with --url can use that server. */
function lockedHint(prefix: string): string {
  return prefix === 'dp query' || prefix === 'dp run'
    ? `; use that server instead: --url ${DEFAULT_WAREHOUSE_URL} (or the address it printed)`
    : '; stop it, or pass another --data-dir';
}

export function parseParams(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of list) {
    const i = p.indexOf('=');
    if (i <= 0) throw new UsageError(`-p expects name=value, got ${JSON.stringify(p)}`);
    out[p.slice(0, i)] = p.slice(i + 1);
  }
  return out;
}

export function parseSecrets(list: readonly string[], cwd: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of list) {
    const i = s.indexOf('=');
    if (i <= 0) throw new UsageError(`--secret expects name=path, got a value without '='`);
    const path = resolve(cwd, s.slice(i + 1));
    if (!existsSync(path)) throw new UsageError(`--secret ${s.slice(0, i)}: ${path} does not exist`);
    out.set(s.slice(0, i), path);
  }
  return out;
}

/** `--url`: the base URL of a running `dp warehouse serve` (http or https, no path beyond `/`). */
export function parseWarehouseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `--url must be an http(s) URL such as http://127.0.0.1:9050, got ${JSON.stringify(value)}`,
    );
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username || url.password || url.search)
    throw new UsageError(
      `--url must be an http(s) URL such as http://127.0.0.1:9050, got ${JSON.stringify(value)}`,
    );
  return url.href.replace(/\/$/, '');
}

/** Only what a step needs from the caller's environment; never the whole thing (no stray credentials). */
export function stepBaseEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  // GOOGLE_APPLICATION_CREDENTIALS / CLOUDSDK_CONFIG: Application Default Credentials for --warehouse bigquery
  // (runLocal drops them for the embedded warehouse). XDG_CACHE_HOME: where the runner caches its Airflow database
  // template (runLocal's stepEnv).
  const keep = [
    'PATH',
    'HOME',
    'XDG_CACHE_HOME',
    'LANG',
    'LC_ALL',
    'TZ',
    'TMPDIR',
    'NODE_OPTIONS',
    'SYSTEMROOT',
    'GOOGLE_APPLICATION_CREDENTIALS',
    'GOOGLE_CLOUD_PROJECT',
    'CLOUDSDK_CONFIG',
  ];
  const out: Record<string, string> = {};
  for (const k of keep) if (env[k] !== undefined) out[k] = env[k]!;
  for (const [k, v] of Object.entries(env)) if (k.startsWith('AIRFLOW_CONN_') && v !== undefined) out[k] = v;
  return out;
}

export interface RunFlags {
  param: string[];
  warehouse: string;
  dataDir: string;
  engine: string;
  entrypoint?: string;
  secret: string[];
  configmap: string[];
  imagesManifest?: string;
  verbose?: boolean;
  timeScale?: string;
  url?: string;
  logFormat: string;
}

/** `dp run`: returns the exit code (0, task-failed, the signal's, or the code of the bad input). */
export async function runCommand(file: string, flags: RunFlags, io: CliIo): Promise<number> {
  try {
    if (flags.warehouse !== 'embedded' && flags.warehouse !== 'bigquery')
      throw new UsageError(
        `--warehouse must be embedded or bigquery, got ${JSON.stringify(flags.warehouse)}`,
      );
    if (flags.engine !== 'native' && flags.engine !== 'airflow')
      throw new UsageError(`--engine must be native or airflow, got ${JSON.stringify(flags.engine)}`);
    const timeScale = flags.timeScale === undefined ? undefined : Number(flags.timeScale);
    if (timeScale !== undefined && !(timeScale > 0 && timeScale <= 1))
      throw new UsageError(`--time-scale must be a number in (0, 1], got ${JSON.stringify(flags.timeScale)}`);
    const warehouseUrl = flags.url === undefined ? undefined : parseWarehouseUrl(flags.url);
    if (warehouseUrl && flags.warehouse !== 'embedded')
      throw new UsageError(
        '--url names an embedded warehouse: it cannot be combined with --warehouse bigquery',
      );
    const logFormat = resolveLogFormat(flags.logFormat, io.isTTY);
    if (!logFormat)
      throw new UsageError(
        `--log-format must be auto, pretty or json, got ${JSON.stringify(flags.logFormat)}`,
      );
    const parameters = parseParams(flags.param);
    const secrets = parseSecrets(flags.secret, io.cwd);
    const reporter = new ProgressReporter({
      write: io.stderr,
      isTTY: io.isTTY,
      columns: io.columns,
      rows: io.rows,
    });
    const result = await runLocal({
      workflowFile: resolve(io.cwd, file),
      parameters,
      warehouse: flags.warehouse,
      dataDir: resolve(io.cwd, flags.dataDir),
      engine: flags.engine,
      ...(warehouseUrl ? { warehouseUrl } : {}),
      ...(flags.entrypoint ? { entrypoint: flags.entrypoint } : {}),
      secrets,
      configMapFiles: (flags.configmap ?? []).map((f) => resolve(io.cwd, f)),
      ...(flags.imagesManifest ? { imagesManifest: resolve(io.cwd, flags.imagesManifest) } : {}),
      baseEnv: stepBaseEnv(io.env),
      host: io.host,
      reporter,
      ...(timeScale !== undefined ? { timeScale } : {}),
      log: (l) => reporter.println(l),
      ...(flags.verbose
        ? {
            onLine: (node: string, line: string) => reporter.println(formatStepLine(node, line, logFormat)),
          }
        : {}),
      signal: io.signal,
    });
    reporter.finish();
    io.stdout(formatSummary(result, Date.now(), result.workflow.name));
    return (
      signalExitCode(io.signal) ??
      (result.phase === 'Succeeded' ? EXIT_CODES.success : EXIT_CODES['task-failed'])
    );
  } catch (e) {
    return reportError(io, 'dp run', e);
  }
}
