import { setTimeout as delay } from 'node:timers/promises';
import { type ParsedArgs, parseArgv } from './argparse.js';
import { type BackfillArgs, backfill, type CommandContext, type ListDagsArgs, listDags } from './backfill.js';
import { loadConfig, sqlitePath } from './config.js';
import { type ConnectionsArgs, connections } from './connections.js';
import { MetadataDb } from './db.js';
import { ArgparseError, DoubleError, PYTHON_EXIT, PythonException } from './errors.js';
import { Fernet } from './fernet.js';
import { initdb } from './initdb.js';
import { Io, type Out } from './io.js';
import { logTimestamp } from './naive-date.js';
import { parseDoubleOptions } from './options.js';

export interface MainDeps {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly pid: number;
  readonly stdout: Out;
  readonly stderr: Out;
  /** Never resolves; keeps the process alive until a signal ends it (the `hang` outcome). */
  readonly hang: () => Promise<never>;
}

/** Builds one flood chunk of log-like lines (~1 MiB). */
function floodChunk(): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let n = 0; size < 1 << 20; n++) {
    const line = `[${logTimestamp()}] {base_task_runner.py:95} INFO - Subtask: flood line ${String(n).padStart(8, '0')} ${'x'.repeat(40)}\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join(''));
}

/** Writes at least `bytes` of whole log lines to `out` in large chunks, waiting for 'drain' when told to. */
export async function flood(out: Out, bytes: number): Promise<void> {
  const chunk = floodChunk();
  let left = bytes;
  while (left > 0) {
    let piece = chunk;
    if (left < chunk.length) {
      const cut = chunk.indexOf(0x0a, left - 1);
      piece = chunk.subarray(0, cut < 0 ? chunk.length : cut + 1);
    }
    left -= piece.length;
    if (!out.write(piece)) await new Promise<void>((r) => out.once('drain', r));
  }
}

/** The `airflow` command of the double: parse, dispatch, and map every ending to 1.8.2's exit behaviour. */
export async function main(deps: MainDeps): Promise<number> {
  const io = new Io(deps.stdout, deps.stderr, deps.env.AIRFLOW_DOUBLE_ARGV_LOG || undefined, deps.pid);
  try {
    io.recordArgv('invocation', ['airflow', ...deps.argv]);
    const options = parseDoubleOptions(deps.env);
    // Importing airflow: config (generated if missing), logging to stdout, then the executor line.
    const config = loadConfig(deps.env, deps.cwd);
    const executor = config.get('core', 'executor');
    const url = config.get('core', 'sql_alchemy_conn');
    if (executor !== 'SequentialExecutor' && url.startsWith('sqlite')) {
      throw new PythonException(
        'airflow.exceptions.AirflowConfigException',
        `error: cannot use sqlite with the ${executor}`,
      );
    }
    const dbPath = sqlitePath(url, deps.cwd);
    io.log('__init__.py:57', 'INFO', `Using executor ${executor}`);
    let parsed: ParsedArgs;
    try {
      parsed = parseArgv(deps.argv);
    } catch (e) {
      if (e instanceof ArgparseError) {
        io.err(e.render());
        return PYTHON_EXIT.argparseError;
      }
      throw e;
    }
    if (parsed.help) {
      io.out(parsed.text);
      return PYTHON_EXIT.ok;
    }
    const fernet = Fernet.fromKey(config.get('core', 'fernet_key'));
    let db: MetadataDb | undefined;
    const ctx: CommandContext = {
      env: deps.env,
      cwd: deps.cwd,
      io,
      options,
      config,
      fernet,
      db: () => {
        db ??= MetadataDb.connect(dbPath);
        return db;
      },
      sleep: (ms) => delay(ms),
      hang: deps.hang,
      flood: (bytes) => flood(deps.stdout, bytes),
    };
    const v = parsed.values;
    switch (parsed.subcommand) {
      case 'version':
        io.out('  v1.8.2');
        return PYTHON_EXIT.ok;
      case 'initdb':
        return await initdb(ctx);
      case 'connections':
        return connections(v as unknown as ConnectionsArgs, ctx);
      case 'backfill':
        return await backfill(v as unknown as BackfillArgs, ctx);
      case 'list_dags':
        return await listDags(v as unknown as ListDagsArgs, ctx);
      default:
        throw new DoubleError(
          `the '${parsed.subcommand}' subcommand of Airflow 1.8.2 is not implemented by this test double`,
        );
    }
  } catch (e) {
    if (e instanceof PythonException) {
      io.err(e.traceback());
      return PYTHON_EXIT.uncaughtException;
    }
    if (e instanceof DoubleError) {
      io.err(`airflow-double: ${e.message}`);
      return PYTHON_EXIT.uncaughtException;
    }
    const err = e as NodeJS.ErrnoException;
    if (err?.code && typeof err.code === 'string' && err.syscall) {
      // Filesystem trouble surfaces in Python as OSError subclasses.
      io.err(`Traceback (most recent call last):\nOSError: [Errno ${err.errno ?? 0}] ${err.message}`);
      return PYTHON_EXIT.uncaughtException;
    }
    throw e;
  }
}
