/**
 * `dp run` without the CLI: parse the workflow, start (and seed) the embedded warehouse when asked, run every container
 * as a local process, stop the warehouse. Takes all inputs as arguments (env, clock, output sinks, the process host); never touches `process`.
 */

import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { withConfigMapFiles } from './configmap-file.js';
import { ensureDataDir } from './data-dir.js';
import { DEFAULT_PROJECT } from './defaults.js';
import { type Reporter, type RunResult, runWorkflow, validateWorkflow, WorkflowError } from './engine.js';
import { checkEngineAvailable } from './engine-preflight.js';
import { ProcessExecutor, type ProcessHost } from './executor.js';
import type { Clock } from './functions.js';
import { findImagesManifest, ImagesError, loadImageBindings } from './images.js';
import { createRunDir, sweepStaleRunDirs } from './run-dirs.js';
import { parseWorkflow, type Workflow } from './spec.js';
import { type StartedWarehouse, startEmbeddedWarehouse } from './warehouse.js';

export interface LocalRunOptions {
  readonly workflowFile: string;
  readonly parameters: Readonly<Record<string, string>>;
  readonly warehouse: 'embedded' | 'bigquery';
  readonly dataDir: string;
  readonly engine: 'native' | 'airflow';
  readonly entrypoint?: string;
  readonly secrets: ReadonlyMap<string, string>;
  /** images/images.json; default: found from the workflow file's directory upwards, then from this package. */
  readonly imagesManifest?: string;
  /** `dp run --configmap FILE`: ConfigMaps for configMap volumes besides those of the workflow file (these win). */
  readonly configMapFiles?: readonly string[];
  /** Environment handed to every step (PATH, HOME, ...; the CLI passes its own). */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** Starts and signals the step processes (the CLI passes `process.execPath` and `process.kill`). */
  readonly host: ProcessHost;
  readonly clock?: Clock;
  readonly timeScale?: number;
  readonly reporter?: Reporter;
  readonly onLine?: (node: string, line: string) => void;
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
  /** Seed sample data for the run (embedded warehouse only). Default true. */
  readonly seed?: boolean;
  /** Reuse an already running warehouse instead of starting one (tests, `dp example`). */
  readonly warehouseUrl?: string;
}

export interface LocalRunResult extends RunResult {
  readonly workflow: Workflow;
  readonly runDate: string;
  readonly warehouseUrl?: string;
  readonly timings: { readonly totalMs: number; readonly warehouseStartMs: number; readonly seedMs: number };
}

export { DEFAULT_PROJECT };

/** The caller's Google credentials must not reach steps that talk to the embedded warehouse. */
function withoutCredentials(env: Readonly<Record<string, string>>): Record<string, string> {
  const { GOOGLE_APPLICATION_CREDENTIALS: _a, CLOUDSDK_CONFIG: _b, ...rest } = env;
  return rest;
}

/**
 * The environment every step starts from. With `--engine airflow` it names the caller's machine cache
 * (`XDG_CACHE_HOME`, else `$HOME/.cache`) as the steps' `XDG_CACHE_HOME`: the runner keeps its initialised Airflow
 * database template there (packages/runner, db-template.ts) and copies it into each step's home instead of running
 * `airflow initdb`. A step's own `HOME` is its pod's (the example workflows set `HOME=/tmp`, a per-pod emptyDir), so
 * without this every step found an empty cache and ran initdb (≈ 1.4 s of CPU and a third of a step). This is what the
 * operator images' `DP_AIRFLOW_DB_TEMPLATE` is on a cluster; a container env that sets `XDG_CACHE_HOME` still wins.
 */
export function stepEnv(
  engine: 'native' | 'airflow',
  baseEnv: Readonly<Record<string, string>>,
): Record<string, string> {
  const env = { ...baseEnv };
  if (engine === 'airflow' && !env.XDG_CACHE_HOME && env.HOME && isAbsolute(env.HOME))
    env.XDG_CACHE_HOME = join(env.HOME, '.cache');
  return env;
}

export function ymd(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10).replaceAll('-', '');
}

export function addDays(yyyymmdd: string, days: number): string {
  const ms = Date.UTC(
    Number(yyyymmdd.slice(0, 4)),
    Number(yyyymmdd.slice(4, 6)) - 1,
    Number(yyyymmdd.slice(6, 8)),
  );
  return ymd(ms + days * 86_400_000);
}

/** Whether YYYYMMDD (or YYYY-MM-DD) names a real day of the Gregorian calendar (no 2026-02-30, no month 13). */
export function isCalendarDate(text: string): boolean {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d); // not Date.UTC: it maps years 0-99 to 1900-1999
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/**
 * A day as `dp`'s own flags take it: YYYYMMDD or YYYY-MM-DD (both everywhere), a real calendar day; both spellings
 * back, or undefined.
 */
export function parseDay(text: string): { compact: string; dashed: string } | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$|^\d{8}$/.test(text) || !isCalendarDate(text)) return undefined;
  const compact = text.replaceAll('-', '');
  return { compact, dashed: dashed(compact) };
}

export function dashed(yyyymmdd: string): string {
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
}

/** The run date the workflow will use: `-p run-date`, else the day of the creation timestamp (UTC). */
export function effectiveRunDate(parameters: Readonly<Record<string, string>>, now: number): string {
  const given = parameters['run-date'];
  // The parameter is the workflow's (its YAML parses it as YYYYMMDD, on a cluster too): not rewritten here.
  if (given && /^\d{4}-\d{2}-\d{2}$/.test(given))
    throw new WorkflowError(
      `run-date must be YYYYMMDD as the workflow reads it: -p run-date=${given.replaceAll('-', '')}`,
    );
  if (given && !/^\d{8}$/.test(given))
    throw new WorkflowError(`run-date must be YYYYMMDD, got ${JSON.stringify(given)}`);
  if (given && !isCalendarDate(given)) throw new WorkflowError(`run-date ${given} is not a calendar date`);
  return given || ymd(now);
}

/**
 * Days the sample data must cover: R-(backfill days + 2) … R-1 (the SQL reads day tables up to R-1 and 28-day windows).
 * Never R itself: with R = today it would hold events and stories later than now.
 */
export function seedRange(
  runDate: string,
  parameters: Readonly<Record<string, string>>,
): { from: string; to: string } {
  const backfill = Number(parameters['backfill-num-days'] ?? 40) || 40;
  return { from: dashed(addDays(runDate, -Math.max(backfill, 40) - 2)), to: dashed(addDays(runDate, -1)) };
}

export async function runLocal(opts: LocalRunOptions): Promise<LocalRunResult> {
  const clock = opts.clock ?? Date.now;
  const t0 = clock();
  const text = await readFile(opts.workflowFile, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new ImagesError(`${opts.workflowFile}: cannot read (${e.code ?? e.message})`);
  });
  const workflow = parseWorkflow(text, opts.workflowFile);
  const configMaps = withConfigMapFiles(workflow.configMaps, opts.configMapFiles ?? []);
  const manifest =
    opts.imagesManifest ??
    findImagesManifest(resolve(opts.workflowFile, '..')) ??
    findImagesManifest(import.meta.dirname);
  if (!manifest) throw new ImagesError('images/images.json not found (pass --images-manifest)');
  const images = loadImageBindings(manifest);
  for (const t of workflow.spec.templates) {
    const image = t.container?.image;
    if (image && !image.includes('{{') && !images.has(image))
      throw new ImagesError(
        `${opts.workflowFile}: templates.${t.name}.container.image ${image} is not in the images manifest (${manifest})`,
      );
  }

  const parameters: Record<string, string> = { ...opts.parameters };
  const declared = new Set((workflow.spec.arguments?.parameters ?? []).map((p) => p.name));
  if (opts.warehouse === 'embedded' && declared.has('gcp-project') && !parameters['gcp-project'])
    parameters['gcp-project'] = DEFAULT_PROJECT;
  // The embedded warehouse needs the run date to seed the right days; real BigQuery does not care.
  const runDate =
    opts.warehouse === 'embedded' ? effectiveRunDate(parameters, clock()) : (parameters['run-date'] ?? '');

  // Before anything is started or seeded: the workflow with these parameters (unknown or missing parameters, the
  // entrypoint, template references, a DAG target naming no task) and the engine — a bad run leaves nothing behind.
  validateWorkflow(workflow, {
    parameters,
    clock,
    ...(opts.entrypoint ? { entrypoint: opts.entrypoint } : {}),
  });
  checkEngineAvailable(opts.engine, opts.baseEnv.PATH);
  // A data dir that cannot work fails here with one line (and never hangs, see data-dir.ts).
  await ensureDataDir(opts.dataDir);
  let wh: StartedWarehouse | undefined;
  let warehouseUrl = opts.warehouseUrl;
  let warehouseStartMs = 0;
  let seedMs = 0;
  // Run dirs of runs killed with SIGKILL (Secret copies in their pods) go first; only dead owners' (run-dirs.ts).
  const stale = await sweepStaleRunDirs(tmpdir(), opts.host);
  if (stale.length > 0)
    opts.log?.(`removed ${stale.length} temp dir(s) of dead dp runs: ${stale.join(', ')}`);
  const runDir = await createRunDir(tmpdir(), opts.host);
  try {
    if (opts.warehouse === 'embedded') {
      if (!warehouseUrl) {
        const t = clock();
        // The Airflow engine runs 1.8.2's BigQueryHook, which needs a real service-account key (oauth2client signs a
        // JWT with it): the warehouse makes one whose token_uri is its own token endpoint, in token mode.
        wh = await startEmbeddedWarehouse({
          dataDir: opts.dataDir,
          projectId: parameters['gcp-project'] ?? DEFAULT_PROJECT,
          ...(opts.engine === 'airflow' ? { serviceAccountKey: true } : {}),
        });
        warehouseStartMs = clock() - t;
        warehouseUrl = wh.url;
        opts.log?.(`embedded warehouse at ${wh.url} (data in ${opts.dataDir})`);
      }
      if (opts.seed !== false) {
        const range = seedRange(runDate, parameters);
        const t = clock();
        await wh?.seed(range);
        if (!wh) await (await import('./warehouse.js')).seedAt(warehouseUrl!, range);
        seedMs = clock() - t;
        opts.log?.(`sample data ${range.from} .. ${range.to} ready`);
      }
    }
    let warehouseKeyFile: string | undefined;
    if (wh?.serviceAccountKey) {
      warehouseKeyFile = join(runDir, 'warehouse-key.json'); // the run dir is private (0700), removed at the end
      await writeFile(warehouseKeyFile, wh.serviceAccountKey, { mode: 0o600 });
      opts.log?.(
        'the steps authenticate with a service-account key made by the embedded warehouse (token mode)',
      );
    }
    const overrideEnv: Record<string, string> = { DP_ENGINE: opts.engine };
    if (warehouseUrl) overrideEnv.BIGQUERY_EMULATOR_HOST = warehouseUrl;
    const executor = new ProcessExecutor({
      host: opts.host,
      images,
      secrets: opts.secrets,
      configMaps,
      baseEnv: stepEnv(
        opts.engine,
        opts.warehouse === 'embedded' ? withoutCredentials(opts.baseEnv) : opts.baseEnv,
      ),
      overrideEnv,
      // Embedded: no key needed, so a Secret not given is nothing to mention. BigQuery: without --secret the steps
      // fall back to Application Default Credentials, which is worth a line.
      allowMissingSecrets: true,
      ...(warehouseKeyFile ? { defaultSecretFile: warehouseKeyFile } : {}),
      ...(opts.log && opts.warehouse === 'bigquery'
        ? { onNote: (note: string) => opts.log?.(`${note}; the steps use Application Default Credentials`) }
        : {}),
      workDir: runDir,
      logDir: join(
        opts.dataDir,
        'logs',
        `${workflow.name}-${new Date(clock()).toISOString().replace(/[:.]/g, '')}`,
      ),
      ...(opts.onLine ? { onLine: opts.onLine } : {}),
    });
    const result = await runWorkflow(workflow, {
      parameters,
      executor,
      clock,
      ...(opts.entrypoint ? { entrypoint: opts.entrypoint } : {}),
      ...(opts.timeScale !== undefined ? { timeScale: opts.timeScale } : {}),
      ...(opts.reporter ? { reporter: opts.reporter } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    return {
      ...result,
      workflow,
      runDate,
      ...(warehouseUrl ? { warehouseUrl } : {}),
      timings: { totalMs: clock() - t0, warehouseStartMs, seedMs },
    };
  } finally {
    await wh?.stop();
    await rm(runDir, { recursive: true, force: true });
  }
}
