import { resolve } from 'node:path';
import { DataDirError, DEFAULT_WAREHOUSE_URL, ensureDataDir, parseDay } from '@data-pipeline/local';
// EXIT_CODES is @data-pipeline/runner's table, re-exported by the lint package (the cli depends on lint, not runner).
import { EXIT_CODES } from '@data-pipeline/runner/exit-codes';
import {
  checkProjectId,
  parseFault,
  ROUTE_IDS,
  type SeedReport,
  seedSampleData,
  startWarehouse,
  Warehouse,
  writeServiceAccountKey,
} from '@data-pipeline/warehouse';
import { type CliIo, Interrupted, interruptedFor } from '../io.js';
import { type AccessFlags, isAccessFailure, serveAccess, TOKEN_ENV } from '../serve-access.js';
import { isKeyFailure, type KeyFlags, serveKeys } from '../serve-keys.js';

export interface ServeOptions extends AccessFlags, KeyFlags {
  port: string;
  host: string;
  dataDir: string;
  inMemory?: boolean;
  project: string;
  memoryLimit?: string;
  threads?: string;
  /** --load-dir, repeatable: directories load jobs may read file:// URIs from */
  loadDir?: string[];
  /** --fault, repeatable (test mode): method=reason[/status][:count] */
  fault?: string[];
}

export interface SeedOptions {
  from: string;
  to: string;
  scale: string;
  seed: string;
  dataDir: string;
  url?: string;
}

/** A failure the command reports as one line with an exit code from the shared table. */
class CommandFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Writes the failure's one line to stderr and returns its exit code. */
function fail(io: CliIo, failure: CommandFailure): number {
  io.stderr(`${failure.message}\n`);
  return failure.exitCode;
}

/**
 * `dp warehouse serve`: serves until io.signal aborts (SIGTERM/SIGINT), then stops and resolves with the signal's
 * exit code (143/130). Prints the URL line once the server accepts requests.
 */
export async function warehouseServe(options: ServeOptions, io: CliIo): Promise<number> {
  const usage = (message: string) => fail(io, new CommandFailure(message, EXIT_CODES.usage));
  if (!/^\d{1,5}$/.test(options.port) || Number(options.port) > 65535)
    return usage(`dp warehouse serve: --port must be an integer 0-65535, got "${clip(options.port)}"`);
  if (options.memoryLimit !== undefined && !/^\d+(\.\d+)?(KB|MB|GB|TB)$/i.test(options.memoryLimit)) {
    return usage(
      `dp warehouse serve: --memory-limit must look like 512MB or 2GB, got "${clip(options.memoryLimit)}"`,
    );
  }
  if (options.threads !== undefined && !/^([1-9]\d{0,2})$/.test(options.threads))
    return usage(`dp warehouse serve: --threads must be an integer 1-999, got "${clip(options.threads)}"`);
  try {
    checkProjectId(options.project);
  } catch (e) {
    return usage(
      `dp warehouse serve: --project: ${messageOf(e)} (6-30 lowercase letters, digits and hyphens, starting with a letter)`,
    );
  }
  const faults = options.fault ?? [];
  for (const spec of faults) {
    try {
      parseFault(spec, ROUTE_IDS);
    } catch (e) {
      return usage(`dp warehouse serve: --fault: ${messageOf(e)}`);
    }
  }
  const access = await serveAccess(options, options.host, io.env, io.cwd);
  if (isAccessFailure(access)) return fail(io, new CommandFailure(access.message, access.exitCode));
  const tokenMode = await serveKeys(options, io.cwd);
  if (isKeyFailure(tokenMode)) return fail(io, new CommandFailure(tokenMode.message, tokenMode.exitCode));
  const dataDir = resolve(io.cwd, options.dataDir);
  const loadDirs = (options.loadDir ?? []).map((d) => resolve(io.cwd, d));
  if (!options.inMemory) {
    const bad = await dataDirProblem(dataDir, 'dp warehouse serve');
    if (bad) return fail(io, bad);
  }
  let running: Awaited<ReturnType<typeof startWarehouse>>;
  try {
    running = await startWarehouse({
      port: Number(options.port),
      host: options.host,
      allowOrigins: access.allowOrigins,
      exposed: access.exposed,
      ...(access.token !== undefined ? { token: access.token } : {}),
      dataDir: options.inMemory ? null : dataDir,
      projectId: options.project,
      ...(options.memoryLimit !== undefined ? { memoryLimit: options.memoryLimit } : {}),
      ...(options.threads !== undefined ? { threads: Number(options.threads) } : {}),
      loadDirs,
      ...(tokenMode ? { oauth: { keys: tokenMode.keys } } : {}),
      ...(faults.length > 0 ? { faults } : {}),
    });
  } catch (e) {
    return fail(io, startFailure(e, options));
  }
  let written: { path: string; clientEmail: string } | undefined;
  if (tokenMode?.writeKey !== undefined) {
    // Written once the port is bound (token_uri names it), before the start line: a client that waits for the line
    // finds the key. 0600, never over an existing file; on failure nothing keeps serving.
    const key = running.createServiceAccountKey();
    try {
      await writeServiceAccountKey(tokenMode.writeKey, key);
    } catch (e) {
      await running.stop().catch(() => undefined);
      const code = (e as { code?: string }).code;
      return fail(
        io,
        new CommandFailure(
          code === 'EEXIST'
            ? `dp warehouse serve: --write-key ${tokenMode.writeKey} already exists; a key is never overwritten`
            : `dp warehouse serve: cannot write --write-key ${tokenMode.writeKey} (${code ?? messageOf(e)})`,
          EXIT_CODES.configuration,
        ),
      );
    }
    written = { path: tokenMode.writeKey, clientEmail: key.client_email };
  }
  io.stdout(
    `warehouse listening on ${running.boundUrl} (${options.inMemory ? 'in memory' : `data dir ${dataDir}`})\n`,
  );
  if (access.exposed) {
    // Printed once: a generated token exists nowhere else; a given one is only named by where it came from.
    io.stdout(
      access.tokenSource
        ? `access token: from ${access.tokenSource}; every request needs "Authorization: Bearer <token>"\n`
        : `access token: ${running.token} (every request needs "Authorization: Bearer <token>")\n`,
    );
  }
  if (tokenMode) {
    const sources = [
      ...tokenMode.keyFiles.map((f) => `--key-file ${f}`),
      ...(written ? [`--write-key ${written.path}`] : []),
    ];
    io.stdout(
      `token mode: API calls need an OAuth access token from ${running.tokenUri} (keys: ${sources.join(', ')})\n`,
    );
    if (written) {
      io.stdout(
        `service-account key written to ${written.path} (${written.clientEmail}, mode 0600): use it as GOOGLE_APPLICATION_CREDENTIALS or the key Secret\n`,
      );
    }
  }
  if (faults.length > 0) io.stdout(`fault injection (test mode): ${faults.join(', ')}\n`);
  // Read only now: reading io.signal installs the SIGINT/SIGTERM handlers (src/cli.ts).
  const signal = io.signal;
  if (!signal.aborted) await new Promise((done) => signal.addEventListener('abort', done, { once: true }));
  const reason = signal.reason instanceof Interrupted ? signal.reason : interruptedFor('SIGTERM');
  io.stdout(`warehouse stopping (${reason.signalName})\n`);
  try {
    await running.stop();
  } catch (e) {
    io.stderr(`dp warehouse: error while stopping: ${messageOf(e)}\n`);
  }
  return reason.exitCode;
}

/** `dp warehouse seed`: the example public data, into --data-dir or a running server (--url); returns the exit code. */
export async function warehouseSeed(options: SeedOptions, io: CliIo): Promise<number> {
  const usage = (message: string) => fail(io, new CommandFailure(message, EXIT_CODES.usage));
  const days: string[] = [];
  for (const [flag, value] of [
    ['--from', options.from],
    ['--to', options.to],
  ] as const) {
    const day = parseDay(value);
    if (!day && /^\d{4}-?\d{2}-?\d{2}$/.test(value))
      return usage(`dp warehouse seed: ${flag} ${value} is not a calendar date`);
    if (!day) return usage(`dp warehouse seed: ${flag} must be YYYY-MM-DD or YYYYMMDD, got "${clip(value)}"`);
    days.push(day.dashed);
  }
  const [from, to] = days as [string, string];
  const scale = Number(options.scale);
  if (!Number.isFinite(scale) || scale <= 0 || scale > 5000)
    return usage(`dp warehouse seed: --scale must be a number in (0, 5000], got "${clip(options.scale)}"`);
  if (!/^-?\d{1,9}$/.test(options.seed)) return usage('dp warehouse seed: --seed must be an integer');
  if (options.url && !/^https?:\/\/[^\s]+$/.test(options.url))
    return usage('dp warehouse seed: --url must be an http(s) URL');
  const opts = { from, to, scale, seed: Number(options.seed) };
  try {
    let report: SeedReport;
    if (options.url) {
      // An exposed server wants its token; the same variable `serve --expose` reads it from (never argv).
      const token = io.env[TOKEN_ENV];
      report = await seedSampleData({ url: options.url, ...(token ? { token } : {}) }, opts);
    } else {
      const dataDir = resolve(io.cwd, options.dataDir);
      const bad = await dataDirProblem(dataDir, 'dp warehouse seed');
      if (bad) return fail(io, bad);
      const wh = await Warehouse.open({ dataDir });
      try {
        report = await seedSampleData(wh, opts);
      } finally {
        await wh.close();
      }
    }
    io.stdout(
      `seeded ${report.seeded.length} day(s) (${report.githubEvents} GitHub events, ${report.hackerNewsItems} HN items); ` +
        `${report.skipped.length} already present\n`,
    );
    return EXIT_CODES.success;
  } catch (e) {
    const reason = (e as { reason?: string }).reason;
    // A data dir held by a running server: seed that server instead (the message says how).
    const hint = /in use by another warehouse process/.test(messageOf(e))
      ? ` (DuckDB file lock); seed the server holding it: --url ${DEFAULT_WAREHOUSE_URL}`
      : '';
    return fail(io, new CommandFailure(`dp warehouse seed: ${messageOf(e)}${hint}`, seedExit(reason, e)));
  }
}

/** Checks (and creates) the data dir before DuckDB opens it; the problem as a failure with exit 78, if any. */
async function dataDirProblem(dataDir: string, command: string): Promise<CommandFailure | undefined> {
  try {
    await ensureDataDir(dataDir);
    return undefined;
  } catch (e) {
    if (e instanceof DataDirError)
      return new CommandFailure(`${command}: ${e.message}`, EXIT_CODES.configuration);
    throw e;
  }
}

function seedExit(reason: string | undefined, e: unknown): number {
  if (reason === 'invalid') return EXIT_CODES['invalid-input'];
  if (reason === 'authError' || reason === 'accessDenied') return EXIT_CODES['permission-denied'];
  if (/in use by another warehouse process/.test(messageOf(e))) return EXIT_CODES.configuration;
  if (/fetch failed|ECONNREFUSED/.test(messageOf(e))) return EXIT_CODES.transient;
  return EXIT_CODES['task-failed'];
}

function startFailure(e: unknown, options: ServeOptions): CommandFailure {
  const code = (e as { code?: string }).code;
  if (code === 'EADDRINUSE') {
    return new CommandFailure(
      `dp warehouse serve: port ${options.port} on ${options.host} is already in use`,
      EXIT_CODES.transient,
    );
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES') {
    return new CommandFailure(
      `dp warehouse serve: cannot bind ${options.host}:${options.port} (${code})`,
      EXIT_CODES.configuration,
    );
  }
  return new CommandFailure(`dp warehouse serve: ${messageOf(e)}`, EXIT_CODES.configuration);
}

function messageOf(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 300);
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
