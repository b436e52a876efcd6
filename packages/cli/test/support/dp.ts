/** Runs the real `dp` bin as a subprocess, the way a user does, for the cli's end-to-end tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const DP = join(import.meta.dirname, '..', '..', 'bin', 'dp.js');

export interface DpResult {
  /** Exit code; null when it was killed (by `timeoutMs`, a hang, or the test). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface DpOptions {
  readonly cwd: string;
  /** The whole environment of the run (nothing of the test's own is added). */
  readonly env: Record<string, string>;
  /** Killed with SIGKILL after this long: a hang answers code null instead of timing the test out. */
  readonly timeoutMs?: number;
  /** Called with the child right after it starts (e.g. to kill it on teardown). */
  readonly onSpawn?: (child: ChildProcess) => void;
}

export function runDp(args: readonly string[], opts: DpOptions): Promise<DpResult> {
  return runCommand(process.execPath, [DP, ...args], opts);
}

/** Runs any command (Python, airflow, dp) the same way: output collected, optional kill after `timeoutMs`. */
export function runCommand(command: string, args: readonly string[], opts: DpOptions): Promise<DpResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env });
    opts.onSpawn?.(child);
    const timer =
      opts.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * At most `width` of the functions it is given run at once (each test's subprocesses are Python or Node start-ups
 * that share a 2-core machine with the other test files); the rest wait their turn, in order.
 */
export function limiter(width: number): <T>(f: () => Promise<T>) => Promise<T> {
  let free = width;
  const waiting: (() => void)[] = [];
  return async (f) => {
    while (free === 0) await new Promise<void>((r) => waiting.push(r));
    free--;
    try {
      return await f();
    } finally {
      free++;
      waiting.shift()?.();
    }
  };
}
