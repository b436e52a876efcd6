import { tmpdir } from 'node:os';
import type { Writable } from 'node:stream';
import { type Invocation, parseInvocation, type RunConfig } from './config.js';
import { bootstrapConnections, type ResolvedConnections } from './connections.js';
import { DAG_FILE_OUTPUT_DEFAULTS } from './dag-file.js';
import type { EngineOutcome } from './engine-airflow.js';
import { EXIT_CODES, type ExitClass } from './exit-codes.js';
import { renderHelp } from './flags.js';
import { createLogger, type Logging, type RunnerLogger } from './logger.js';
import { oneLine } from './one-line.js';
import { type NativeContext, type OperatorDefinition, OperatorError } from './operator.js';
import { writeOutputs } from './outputs.js';
import { Redactor } from './stream.js';
import { renderTemplatedFields, templateRenderer } from './templates.js';

/** Everything the CLI takes from the outside world; `main` wires it to `process`, tests pass their own. */
export interface CliIO {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: Writable;
  readonly stderr: Writable;
  /** Aborted on SIGTERM/SIGINT; `reason` is the signal name (`'SIGTERM'` or `'SIGINT'`). */
  readonly signal: AbortSignal;
  readonly isTTY: boolean;
  /**
   * Signals a whole process group: `main` passes `(pgid, signal) => process.kill(-pgid, signal)`. Airflow commands
   * run in their own group so `airflow run` grandchildren get the signal too; without this only the child does.
   */
  readonly killProcessGroup?: (pgid: number, signal: NodeJS.Signals) => void;
  /** Called when an Airflow child process was spawned (benchmarks, tests). */
  readonly onSpawn?: (phase: 'initdb' | 'backfill' | 'run', pid: number | undefined) => void;
  /**
   * Process warnings (`process.emitWarning`, e.g. google-auth-library's `MetadataLookupWarning` when no credentials
   * are found): `main` hands them here instead of letting Node print them on stderr, where only the one-line error
   * belongs. The runner subscribes once its logger exists (warnings become `warn` records on stdout) and
   * unsubscribes (`undefined`) when it finishes.
   */
  readonly onWarning?: (listener: ((warning: Error) => void) | undefined) => void;
}

function signalName(signal: AbortSignal): NodeJS.Signals {
  return signal.reason === 'SIGINT' ? 'SIGINT' : 'SIGTERM';
}

function signalClass(signal: AbortSignal): ExitClass {
  return signalName(signal) === 'SIGINT' ? 'interrupted' : 'terminated';
}

/** Finds `--outputs-dir` in argv without validating anything else, so even usage errors leave `exit-class`. */
function outputsDirFromArgv(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') break;
    if (a === '--outputs-dir') {
      const next = argv[i + 1];
      return next && !next.startsWith('--') ? next : undefined;
    }
    if (a.startsWith('--outputs-dir=')) return a.slice('--outputs-dir='.length) || undefined;
  }
  return undefined;
}

/** Whether argv asks for DAG-file mode (looked up before validation, like `--outputs-dir`). */
function dagFileModeInArgv(definition: OperatorDefinition, argv: readonly string[]): boolean {
  if (!definition.dagFileMode) return false;
  const end = argv.includes('--') ? argv.indexOf('--') : argv.length;
  return argv.slice(0, end).some((a) => a === '--dag-file' || a.startsWith('--dag-file='));
}

async function runNative(
  definition: OperatorDefinition,
  config: RunConfig,
  connections: ResolvedConnections,
  io: CliIO,
  log: RunnerLogger,
): Promise<EngineOutcome> {
  const native = definition.native;
  if (!native) throw new OperatorError('usage', `--engine native: not supported by ${definition.name}`);
  const renderTemplate = templateRenderer(config);
  const ctx: Omit<NativeContext<unknown>, 'kwargs'> = {
    taskId: config.taskId,
    dagId: config.dagId,
    executionDate: config.executionDate,
    extra: config.extra,
    gcpProject: connections.gcpProject,
    keyFile: connections.keyFile,
    connections: connections.all,
    env: io.env,
    log: log.child({ src: 'native', task_id: config.taskId }),
    signal: io.signal,
    renderTemplate,
  };
  const run = async () => {
    const kwargs = await renderTemplatedFields(config.kwargs, definition.templatedFields, renderTemplate);
    return native({ ...ctx, kwargs } as never);
  };
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<'aborted'>((resolve) => {
    onAbort = () => resolve('aborted');
    if (io.signal.aborted) resolve('aborted');
    else io.signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const result = await Promise.race([run(), aborted]);
    if (result === 'aborted') {
      return {
        exitClass: signalClass(io.signal),
        message: `stopped by ${signalName(io.signal)}`,
        outputs: {},
      };
    }
    const outputs: Record<string, string> = {};
    for (const name of definition.outputs) outputs[name] = result.outputs[name] ?? '';
    return { exitClass: 'success', outputs };
  } finally {
    if (onAbort) io.signal.removeEventListener('abort', onAbort);
  }
}

/**
 * An operator CLI from start to exit code: parse and validate (once), resolve connections, run the engine, classify,
 * write the output files, print one line on failure. Never throws; never touches `process`.
 */
// ~120 lines, kept whole: `finish` and the state it reads (outputs, outputs dir, logger) serve every exit path, and
// each step is already one call (parseInvocation, bootstrapConnections, runNative / runAirflowEngine).
export async function runOperatorCli(definition: OperatorDefinition, io: CliIO): Promise<number> {
  let redactor = new Redactor([]);
  let outputsDir = outputsDirFromArgv(io.argv);
  let log: RunnerLogger | undefined;
  let logging: Logging | undefined;
  let outputs: Record<string, string> = dagFileModeInArgv(definition, io.argv)
    ? { ...DAG_FILE_OUTPUT_DEFAULTS }
    : Object.fromEntries(definition.outputs.map((n) => [n, '']));

  const finish = async (exitClass: ExitClass, message?: string): Promise<number> => {
    let cls = exitClass;
    let line = message;
    if (outputsDir !== undefined) {
      try {
        await writeOutputs(outputsDir, {
          ...outputs,
          'exit-class': cls,
          'exit-code': String(EXIT_CODES[cls]),
        });
      } catch (err) {
        if (cls === 'success') {
          cls = 'configuration';
          line = `--outputs-dir ${JSON.stringify(outputsDir)}: cannot write (${(err as NodeJS.ErrnoException).code ?? 'error'})`;
        }
      }
    }
    const code = EXIT_CODES[cls];
    if (line !== undefined) {
      const safe = redactor.apply(oneLine(line));
      io.stderr.write(`${definition.name}: ${safe}\n`);
      log?.error(safe, { exit_class: cls, exit_code: code });
    } else {
      log?.info('done', { exit_class: cls, exit_code: code });
    }
    io.onWarning?.(undefined);
    await logging?.close();
    return code;
  };

  let invocation: Invocation;
  try {
    invocation = parseInvocation(definition, io.argv, io.env);
  } catch (err) {
    if (err instanceof OperatorError) return finish(err.exitClass, err.message);
    return finish('usage', `bad command line: ${(err as Error).message}`);
  }
  if (invocation.kind === 'help') {
    io.stdout.write(renderHelp(definition));
    return 0;
  }
  if (invocation.kind === 'version') {
    io.stdout.write(`${definition.name} ${definition.version}\n`);
    return 0;
  }
  const config = invocation.config;
  outputsDir = config.outputsDir;

  try {
    const connections = await bootstrapConnections({
      env: io.env,
      gcpProject: config.gcpProject,
      connectionsDir: config.connectionsDir,
      connectionsDirExplicit: config.connectionsDirExplicit,
      requireJsonKeyPath: config.engine === 'airflow',
    });
    redactor = new Redactor(connections.secrets);
    logging = createLogger({
      stdout: io.stdout,
      pretty: config.logFormat ? config.logFormat === 'pretty' : io.isTTY,
      redactor,
      fields: { task_id: config.taskId },
    });
    log = logging.log;
    const warnLog = log;
    io.onWarning?.((w) => warnLog.warn(oneLine(w.message), { src: 'node', warning: w.name }));
    log.info('starting', {
      operator: definition.name,
      version: definition.version,
      engine: config.engine,
      dag_id: config.dagId,
      ...(config.dagFile ? { dag_file: config.dagFile.path } : {}),
      execution_date: config.executionDate.toISOString().slice(0, 10),
      connections: [...connections.registered.keys()],
    });
    if (io.signal.aborted) return finish(signalClass(io.signal), `stopped by ${signalName(io.signal)}`);

    let outcome: EngineOutcome;
    if (config.engine === 'native') {
      await logging.start();
      outcome = await runNative(definition, config, connections, io, log);
    } else {
      const { runAirflowEngine } = await import('./engine-airflow.js');
      outcome = await runAirflowEngine({
        definition,
        config,
        connections,
        env: io.env,
        tmpdir: io.env.TMPDIR || tmpdir(),
        log,
        redactor,
        out: logging.out,
        signal: io.signal,
        signalName: () => signalName(io.signal),
        ...(io.killProcessGroup ? { killProcessGroup: io.killProcessGroup } : {}),
        onSpawn: (phase, pid) => {
          void logging?.start();
          io.onSpawn?.(phase, pid);
        },
      });
    }
    outputs = { ...outputs, ...outcome.outputs };
    if (io.signal.aborted) return finish(signalClass(io.signal), `stopped by ${signalName(io.signal)}`);
    return finish(outcome.exitClass, outcome.message);
  } catch (err) {
    if (io.signal.aborted) return finish(signalClass(io.signal), `stopped by ${signalName(io.signal)}`);
    if (err instanceof OperatorError) return finish(err.exitClass, err.message);
    const e = err as NodeJS.ErrnoException;
    return finish('task-failed', `unexpected error: ${e?.message ?? String(err)}`);
  }
}
