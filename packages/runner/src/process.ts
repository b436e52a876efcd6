import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { LineEncoder, type Redactor } from './stream.js';

/** Finds an executable on a PATH string (what a shell would run), or undefined. */
export function findExecutable(name: string, pathEnv: string | undefined): string | undefined {
  for (const dir of (pathEnv ?? '').split(delimiter)) {
    const candidate = resolve(dir === '' ? '.' : dir, name);
    try {
      // Synchronous: on the start-up path, and a PATH lookup is a few cached stat calls.
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface CommandResult {
  readonly exitCode: number | undefined;
  readonly signal: string | undefined;
  /** Set when the command could not be started at all (e.g. ENOENT). */
  readonly spawnError: string | undefined;
  /** The run was aborted (SIGTERM/SIGINT) and the child's process group was signalled. */
  readonly aborted: boolean;
}

export interface CommandOptions {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Record<string, string | undefined>;
  readonly signal: AbortSignal;
  /** Which signal to forward on abort (the one the runner received). */
  readonly forwardSignal: () => NodeJS.Signals;
  readonly killGraceMs: number;
  readonly out: Writable;
  readonly pretty: boolean;
  readonly redactor: Redactor;
  readonly label: string;
  readonly onBlock: (block: string) => void;
  /** `child_process` for short commands (no import cost), `execa` for the backfill. */
  readonly spawner: 'child_process' | 'execa';
  /** Called right after the child was spawned (benchmarks, tests). */
  readonly onSpawn?: (pid: number | undefined) => void;
  /**
   * Signals the child's whole process group (`process.kill(-pgid)`, wired by `main`), so `airflow run` grandchildren
   * go too. Without it only the child itself is signalled.
   */
  readonly killProcessGroup?: (pgid: number, signal: NodeJS.Signals) => void;
}

interface Started {
  readonly child: ChildProcess;
  readonly done: Promise<{
    exitCode: number | undefined;
    signal: string | undefined;
    spawnError: string | undefined;
  }>;
}

/** Plain node:child_process: starts in ~1 ms with nothing to import (used for `initdb`, the first child). */
function startWithChildProcess(
  file: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string>,
): Started {
  const child = spawn(file, [...args], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const done = new Promise<{
    exitCode: number | undefined;
    signal: string | undefined;
    spawnError: string | undefined;
  }>((resolve) => {
    let spawnError: string | undefined;
    child.once('error', (err: NodeJS.ErrnoException) => {
      spawnError = err.code ?? err.message.split('\n')[0];
    });
    child.once('close', (code, signal) =>
      resolve({ exitCode: code ?? undefined, signal: signal ?? undefined, spawnError }),
    );
  });
  return { child, done };
}

/** execa (the long-running `backfill`); its import is started while `initdb` runs, so it costs no wall time. */
async function startWithExeca(
  file: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string>,
): Promise<Started> {
  const { execa } = await import('execa');
  const child = execa(file, [...args], {
    cwd,
    env,
    extendEnv: false,
    detached: true,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    encoding: 'buffer',
    stripFinalNewline: false,
  });
  const done = child.then((result) => ({
    exitCode: result.exitCode,
    signal: result.signal,
    spawnError:
      result.exitCode === undefined && result.signal === undefined && result.failed
        ? ((result as { code?: string }).code ?? result.shortMessage?.split('\n')[0] ?? 'spawn failed')
        : undefined,
  }));
  return { child, done };
}

/** Starts loading execa in the background (idempotent). */
export function prefetchExeca(): void {
  import('execa').catch(() => undefined);
}

/**
 * Runs one command in its own process group, streaming stdout and stderr line by line into `out` as log records
 * (with backpressure: a slow `out` pauses the child's pipes). On abort the received signal is forwarded to the
 * group and, after the grace period, SIGKILL; once the leader is gone the group is SIGKILLed so nothing survives.
 */
// ~80 lines, kept whole: spawning, streaming, forwarding the signal and the group kill share the child and its timers.
export async function runCommand(opts: CommandOptions): Promise<CommandResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.env)) if (v !== undefined) env[k] = v;
  const { child, done } =
    opts.spawner === 'execa'
      ? await startWithExeca(opts.file, opts.args, opts.cwd, env)
      : startWithChildProcess(opts.file, opts.args, opts.cwd, env);
  opts.onSpawn?.(child.pid);
  const killGroup = (pid: number, signal: NodeJS.Signals): void => {
    try {
      if (opts.killProcessGroup) opts.killProcessGroup(pid, signal);
      else child.kill(signal);
    } catch {
      // already gone
    }
  };

  const encoders: Promise<void>[] = [];
  const encoderStreams: LineEncoder[] = [];
  for (const [name, stream] of [
    ['stdout', child.stdout],
    ['stderr', child.stderr],
  ] as const) {
    if (!stream) continue;
    const encoder = new LineEncoder({
      fields: `"src":${JSON.stringify(opts.label)}${name === 'stderr' ? ',"stream":"stderr"' : ''}`,
      label: `${opts.label}${name === 'stderr' ? '!' : ' '}`,
      pretty: opts.pretty,
      redactor: opts.redactor,
      onBlock: opts.onBlock,
    });
    stream.pipe(encoder).pipe(opts.out, { end: false });
    encoderStreams.push(encoder);
    encoders.push(finished(encoder).catch(() => undefined));
  }

  let aborted = false;
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    if (aborted || child.pid === undefined) return;
    aborted = true;
    killGroup(child.pid, opts.forwardSignal());
    killTimer = setTimeout(() => {
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    }, opts.killGraceMs);
  };
  if (opts.signal.aborted) onAbort();
  else opts.signal.addEventListener('abort', onAbort, { once: true });

  // A grandchild that outlives Airflow while holding its stdout would keep the pipes (and the run) open forever:
  // once the leader has exited, the group gets STREAM_GRACE_MS to finish writing, then SIGKILL.
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let straggleTimer: NodeJS.Timeout | undefined;
  child.once('exit', (code, signal) => {
    exit = { code, signal };
    straggleTimer = setTimeout(() => {
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
      // Something that left the process group (setsid) may still hold the pipes: stop reading them.
      straggleTimer = setTimeout(() => {
        for (const stream of [child.stdout, child.stderr]) stream?.destroy();
        for (const encoder of encoderStreams) encoder.end();
      }, STREAM_GRACE_MS);
    }, STREAM_GRACE_MS);
  });

  try {
    const result = await done;
    if (aborted && child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    await Promise.all(encoders);
    return {
      exitCode: result.exitCode ?? (result.spawnError ? undefined : (exit?.code ?? undefined)),
      signal: result.signal ?? exit?.signal ?? undefined,
      spawnError: exit ? undefined : result.spawnError,
      aborted,
    };
  } finally {
    if (killTimer) clearTimeout(killTimer);
    if (straggleTimer) clearTimeout(straggleTimer);
    opts.signal.removeEventListener('abort', onAbort);
  }
}

/** How long the output pipes may stay open after the Airflow process itself has exited. */
const STREAM_GRACE_MS = 2_000;
