import { createHash } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { type AirflowHome, renderAirflowCfg } from './airflow-home.js';

/**
 * An initialised Airflow metadata database, built once by `airflow initdb` and copied into each run's private home
 * instead of running initdb per step (≈ 1.4 s of 22 migrations on every run otherwise).
 *
 * A template is a directory holding `airflow.db` and `manifest.json` (format, key, size, sha256). It is published
 * whole by one rename, so a reader sees either nothing or a complete template; its bytes are checked against the
 * manifest on every use, so a truncated or damaged file is never used. It holds no encrypted row: it is made by an
 * initdb that runs without a Fernet key (1.8.2 then stores initdb's default connections, none of them a secret, in
 * plain text), so it works under every run's fresh key.
 */

/** Names a template directory (e.g. `/opt/airflow-template` in the images), `none` (initdb on every run) or nothing. */
export const DB_TEMPLATE_ENV = 'DP_AIRFLOW_DB_TEMPLATE';
export const TEMPLATE_DB_FILE = 'airflow.db';
export const TEMPLATE_MANIFEST_FILE = 'manifest.json';
/** Bump when the layout or what goes into a template changes: old cache entries are then never looked at. */
const TEMPLATE_FORMAT = 1;

type Env = Readonly<Record<string, string | undefined>>;

export type DbTemplateSource =
  /** The per-machine cache entry for this key (may not exist yet); built and published when missing or damaged. */
  | { readonly kind: 'cache'; readonly dir: string; readonly key: string }
  /** `DP_AIRFLOW_DB_TEMPLATE=/dir`: read-only, never rebuilt; unusable → initdb in the home. */
  | { readonly kind: 'explicit'; readonly dir: string; readonly key: string }
  /** No template: initdb on every run. `problem` is set when the setting itself is wrong. */
  | { readonly kind: 'none'; readonly problem?: string };

export interface TemplateManifest {
  readonly format: number;
  readonly key: string;
  readonly bytes: number;
  readonly sha256: string;
  readonly airflow: string;
  readonly built: string;
}

/** `$XDG_CACHE_HOME/data-pipeline` or `~/.cache/data-pipeline` (where the real Airflow is installed too), if any. */
export function machineCacheDir(env: Env): string | undefined {
  const base = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, '.cache') : undefined);
  return base && isAbsolute(base) ? join(base, 'data-pipeline') : undefined;
}

/** A stand-in home, so the cfg part of the key holds no per-run path. */
const KEY_HOME: AirflowHome = {
  path: '/AIRFLOW_HOME',
  cfgPath: '/AIRFLOW_HOME/airflow.cfg',
  dagsDir: '/AIRFLOW_HOME/dags',
  logsDir: '/AIRFLOW_HOME/logs',
  dbPath: '/AIRFLOW_HOME/airflow.db',
  connectionsFile: '/AIRFLOW_HOME/connections.json',
};

/**
 * What a template depends on: the `airflow` executable (its real path, size, mtime and inode: reinstalling or
 * upgrading Airflow rewrites it), `PYTHONPATH`/`PYTHONHOME` (which Python code `airflow` imports) and the airflow.cfg
 * the runner writes (without its paths and key). The environment's other `AIRFLOW__*` settings cannot change what
 * initdb writes: the runner overrides the ones that could (database, dags folder, examples, Fernet key).
 */
export function templateKey(airflow: string, env: Env): { key: string; airflowPath: string } {
  const airflowPath = realpathSync(airflow);
  const st = statSync(airflowPath);
  const hash = createHash('sha256');
  for (const part of [
    `format ${TEMPLATE_FORMAT}`,
    airflowPath,
    `${st.size} ${st.mtimeMs} ${st.ino}`,
    `PYTHONPATH=${env.PYTHONPATH ?? ''}`,
    `PYTHONHOME=${env.PYTHONHOME ?? ''}`,
    renderAirflowCfg(KEY_HOME, ''),
  ]) {
    hash.update(part).update('\0');
  }
  return { key: hash.digest('hex').slice(0, 32), airflowPath };
}

/** Where this run's template comes from (`DP_AIRFLOW_DB_TEMPLATE`, else the per-machine cache, else none). */
export function resolveDbTemplate(env: Env, airflow: string): DbTemplateSource {
  const setting = env[DB_TEMPLATE_ENV] ?? '';
  if (setting === 'none') return { kind: 'none' };
  let key: string;
  try {
    key = templateKey(airflow, env).key;
  } catch (err) {
    return { kind: 'none', problem: `cannot identify the airflow executable: ${(err as Error).message}` };
  }
  if (setting !== '') {
    if (!isAbsolute(setting)) {
      return {
        kind: 'none',
        problem: `${DB_TEMPLATE_ENV} must be an absolute directory or none, got '${setting}'`,
      };
    }
    return { kind: 'explicit', dir: setting, key };
  }
  const cache = machineCacheDir(env);
  if (!cache) return { kind: 'none' };
  return { kind: 'cache', dir: join(cache, 'airflow-db', key), key };
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Reads and checks a template: the manifest must name this format and key, and the database file must have exactly
 * the recorded size and sha256. Returns the database bytes, `missing` when there is no template, or the problem.
 */
export function readTemplate(dir: string, key: string): { db: Buffer } | 'missing' | { problem: string } {
  let manifest: Partial<TemplateManifest>;
  try {
    manifest = JSON.parse(
      readFileSync(join(dir, TEMPLATE_MANIFEST_FILE), 'utf8'),
    ) as Partial<TemplateManifest>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    return { problem: `unreadable ${TEMPLATE_MANIFEST_FILE} (${(err as Error).message.split('\n')[0]})` };
  }
  if (manifest.format !== TEMPLATE_FORMAT || manifest.key !== key) {
    return { problem: 'it was built for another Airflow installation or airflow.cfg' };
  }
  let db: Buffer;
  try {
    db = readFileSync(join(dir, TEMPLATE_DB_FILE));
  } catch (err) {
    return { problem: `unreadable ${TEMPLATE_DB_FILE} (${(err as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (db.length === 0 || db.length !== manifest.bytes || sha256(db) !== manifest.sha256) {
    return { problem: `${TEMPLATE_DB_FILE} does not match its manifest (damaged or partly written)` };
  }
  return { db };
}

/** Copies template bytes into the run's private home as its database (0600; never over an existing file). */
export function installTemplate(db: Buffer, home: AirflowHome): void {
  writeFileSync(home.dbPath, db, { mode: 0o600, flag: 'wx' });
}

export interface PublishOptions {
  /** 0700/0600 for the per-machine cache (default); 0755/0444 for an image's read-only template. */
  readonly shared?: boolean;
  readonly now?: Date;
}

/** Temporary build directories older than this are leftovers of a killed runner. */
const STALE_BUILD_MS = 10 * 60_000;
const BUILD_PREFIX = '.build-';

/**
 * Publishes an initialised database as the template `dir`: written into a temporary directory next to it, then
 * renamed into place in one step. When another runner published first, theirs is kept (rename refuses to replace a
 * non-empty directory) and ours removed. Returns whether this call published it.
 */
export function publishTemplate(
  dir: string,
  key: string,
  airflowPath: string,
  dbFile: string,
  opts: PublishOptions = {},
): boolean {
  const parent = join(dir, '..');
  const dirMode = opts.shared ? 0o755 : 0o700;
  const fileMode = opts.shared ? 0o444 : 0o600;
  mkdirSync(parent, { recursive: true, mode: dirMode });
  const build = mkdtempSync(join(parent, BUILD_PREFIX));
  try {
    const db = readFileSync(dbFile);
    if (db.length === 0) throw new Error(`${dbFile} is empty`);
    writeFileSync(join(build, TEMPLATE_DB_FILE), db, { mode: fileMode });
    const manifest: TemplateManifest = {
      format: TEMPLATE_FORMAT,
      key,
      bytes: db.length,
      sha256: sha256(db),
      airflow: airflowPath,
      built: (opts.now ?? new Date()).toISOString(),
    };
    writeFileSync(join(build, TEMPLATE_MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, {
      mode: fileMode,
    });
    chmodSync(build, dirMode);
    try {
      renameSync(build, dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
      throw err;
    }
    return true;
  } finally {
    rmSync(build, { recursive: true, force: true });
    removeStaleBuilds(parent, opts.now ?? new Date());
  }
}

/** Removes a damaged cache entry so that no later run reads it (the next miss rebuilds it). */
export function discardTemplate(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

function removeStaleBuilds(parent: string, now: Date): void {
  try {
    for (const name of readdirSync(parent)) {
      if (!name.startsWith(BUILD_PREFIX)) continue;
      const path = join(parent, name);
      try {
        if (now.getTime() - statSync(path).mtimeMs > STALE_BUILD_MS) {
          rmSync(path, { recursive: true, force: true });
        }
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    // the parent is gone or unreadable: nothing to tidy
  }
}
