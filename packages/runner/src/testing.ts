import { type ChildProcess, spawn } from 'node:child_process';
import {
  accessSync,
  constants,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { OperatorDefinition } from './operator.js';
import { type CliIO, runOperatorCli } from './run.js';

/**
 * Test support for operator packages (subpath `@data-pipeline/runner/testing`): drive `runOperatorCli` in-process
 * with captured stdio, the same code path as a bin minus the `process` wiring of `main`. Cheap enough for large
 * bad-input matrices, where a subprocess per case would cost seconds. Nothing here reads `process`: callers pass env.
 */
export interface CapturedIO extends CliIO {
  readonly out: () => string;
  readonly err: () => string;
  readonly controller: AbortController;
}

export function captureIO(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  killProcessGroup?: (pgid: number, signal: NodeJS.Signals) => void,
): CapturedIO {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const controller = new AbortController();
  return {
    argv: [...argv],
    env,
    stdout,
    stderr,
    signal: controller.signal,
    isTTY: false,
    ...(killProcessGroup ? { killProcessGroup } : {}),
    out: () => out,
    err: () => err,
    controller,
  };
}

/** Runs an operator CLI in-process; returns its exit code and everything it wrote. */
export async function runInProcess(
  definition: OperatorDefinition,
  argv: readonly string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = captureIO(argv, env);
  const code = await runOperatorCli(definition, io);
  return { code, stdout: io.out(), stderr: io.err() };
}

/** A fresh temporary directory and its cleanup. */
export function tempDir(prefix = 'dp-test-'): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Where `scripts/install-real-airflow.sh` puts the real Airflow 1.8.2 when no prefix is given. */
export function defaultRealAirflowPath(env: Record<string, string | undefined>): string | undefined {
  const home = env.HOME;
  const cache = env.XDG_CACHE_HOME ?? (home ? join(home, '.cache') : undefined);
  return cache ? join(cache, 'data-pipeline', 'airflow-1.8.2', 'bin', 'airflow') : undefined;
}

/**
 * The real Apache Airflow 1.8.2 `airflow` command for the real-Airflow test tier: `$DP_REAL_AIRFLOW`, else the
 * default install of `scripts/install-real-airflow.sh`. Returns the path, or the one line a test prints when it skips.
 */
export function findRealAirflow(
  env: Record<string, string | undefined>,
): { airflow: string; binDir: string } | { skip: string } {
  const candidates = [env.DP_REAL_AIRFLOW, defaultRealAirflowPath(env)].filter(
    (p): p is string => typeof p === 'string' && p !== '',
  );
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return { airflow: path, binDir: dirname(path) };
    } catch {
      // try the next one
    }
  }
  return {
    skip: 'SKIP real-Airflow tier: no real Airflow 1.8.2 (run scripts/install-real-airflow.sh, needs ../shared; or set DP_REAL_AIRFLOW)',
  };
}

/**
 * Runs Python with the real Airflow's interpreter and import path (its shims and source tree), for tests that ask
 * real 1.8.2 code directly (`Connection(uri=…)`, `get_template_context`). The installed `airflow` wrapper execs
 * `$AIRFLOW_PYTHON <airflow script> ARGS`; a two-line shim in `dir` takes that place, drops the script and runs
 * `python ARGS` instead. Returns the command, its argv prefix and the environment to spawn it with.
 */
export function realAirflowPython(
  found: { airflow: string },
  dir: string,
  env: Record<string, string | undefined>,
): { command: string; env: Record<string, string | undefined> } {
  const shim = join(dir, 'python-shim.sh');
  writeFileSync(shim, '#!/bin/sh\nshift\nexec "$DP_REAL_AIRFLOW_INTERPRETER" "$@"\n', { mode: 0o700 });
  return {
    command: found.airflow,
    env: {
      ...env,
      AIRFLOW_PYTHON: shim,
      DP_REAL_AIRFLOW_INTERPRETER: env.AIRFLOW_PYTHON || '/usr/bin/python3',
      AIRFLOW_HOME: join(dir, 'airflow-home'),
    },
  };
}

/**
 * The workspace's shared folder (`../shared` beside the checkout: reference notes, schemas, conformance cases, Argo's
 * examples), never part of the repository: `$DP_SHARED_DIR`, else `../shared` of the repository root, else
 * `../../shared` (a git worktree one level deeper). Undefined when absent; tests then skip with one visible line.
 */
export function findSharedDir(repoRoot: string, env: Record<string, string | undefined>): string | undefined {
  const candidates = [
    env.DP_SHARED_DIR,
    join(repoRoot, '..', 'shared'),
    join(repoRoot, '..', '..', 'shared'),
  ];
  for (const dir of candidates) {
    if (!dir) continue;
    try {
      accessSync(dir, constants.R_OK);
      return dir;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

/**
 * The static value imports (`import … from 'name'`, not `import type`) of `names` in the `.ts` files of `srcDir`, as
 * `file: name`: for tests that keep start-up-heavy libraries behind a lazy `await import(…)`.
 */
export function staticImportsOf(srcDir: string, names: readonly string[]): string[] {
  const found: string[] = [];
  for (const file of readdirSync(srcDir).filter((f) => f.endsWith('.ts'))) {
    const text = readFileSync(join(srcDir, file), 'utf8');
    for (const m of text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'([^']+)'/gms)) {
      if (names.includes(m[1] as string)) found.push(`${file}: ${m[1]}`);
    }
  }
  return found;
}

export interface Collected {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Spawns `file args` with stdin closed and collects stdout and stderr as text: the set-up every test that runs a bin
 * or real Airflow as a subprocess needs. `closed` settles when the process has exited and its streams closed (it
 * rejects if the process could not be spawned); `child` is there to track or signal the process meanwhile, and
 * `stdoutSoFar()` is what it printed until now (a listener added to `child.stdout` sees the chunk in it).
 */
export function spawnCollecting(
  file: string,
  args: readonly string[],
  options: { readonly env: NodeJS.ProcessEnv; readonly cwd?: string },
): { child: ChildProcess; closed: Promise<Collected>; stdoutSoFar: () => string } {
  const child = spawn(file, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr?.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const closed = new Promise<Collected>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, closed, stdoutSoFar: () => stdout };
}

/** The runner's JSON log records in a step's stdout (its lines that start with `{`). */
export function jsonRecords<T = Record<string, unknown>>(stdout: string): T[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as T);
}
