import { spawn } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DoubleError } from './errors.js';
import type { Io } from './io.js';

/** The stub `airflow` package and the scripts shipped with the double. */
export const PYTHON_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'python');

/**
 * The python3 to run: a path is used as is; a bare name is looked up on PATH, skipping version-manager shim folders
 * (pyenv's shims are shell scripts that cost ~0.3 s per start).
 */
export function resolvePython(name: string, env: Readonly<Record<string, string | undefined>>): string {
  if (name.includes('/')) return name;
  for (const dir of (env.PATH ?? '').split(':')) {
    if (!dir || /\/shims\/?$/.test(dir)) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return name;
}

export interface BridgeCall {
  /** File name of a script in PYTHON_DIR. */
  readonly script: string;
  /** What the script does, for error messages ("the DagBag filler"). */
  readonly what: string;
  readonly request: unknown;
  readonly python: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly io: Io;
  /** Where the script's own stdout/stderr go (default: this command's stdout/stderr). */
  readonly output?: (chunk: Buffer) => void;
}

/**
 * Runs one of the double's Python scripts against the stub package: JSON request on stdin, JSON report on file
 * descriptor 3, the script's stdout/stderr passed through.
 */
export function callPython<T>(call: BridgeCall): Promise<T> {
  const script = join(PYTHON_DIR, call.script);
  const python = resolvePython(call.python, call.env);
  call.io.recordArgv('child', [python, script]);
  const pythonPath = [PYTHON_DIR, call.env.PYTHONPATH].filter(Boolean).join(':');
  return new Promise((resolvePromise, reject) => {
    const child = spawn(python, [script], {
      env: { ...call.env, PYTHONPATH: pythonPath, PYTHONIOENCODING: 'utf-8' },
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    const report: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => (call.output ? call.output(b) : call.io.stdout.write(b)));
    child.stderr.on('data', (b: Buffer) => (call.output ? call.output(b) : call.io.stderr.write(b)));
    const fd3 = child.stdio[3] as NodeJS.ReadableStream;
    fd3.on('data', (b: Buffer) => report.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(
        e.code === 'ENOENT'
          ? new DoubleError(
              `'${call.python}' not found; the airflow double runs DAG files with Python 3 (set AIRFLOW_DOUBLE_PYTHON)`,
            )
          : new DoubleError(`could not start ${call.python}: ${e.message}`),
      );
    });
    child.on('close', (code, signal) => {
      if (code !== 0) {
        reject(new DoubleError(`${call.what} (${call.python}) failed with ${signal ?? `exit code ${code}`}`));
        return;
      }
      try {
        resolvePromise(JSON.parse(Buffer.concat(report).toString('utf8')) as T);
      } catch {
        reject(new DoubleError(`${call.what} returned no report`));
      }
    });
    child.stdin.on('error', () => {});
    child.stdin.end(JSON.stringify(call.request));
  });
}
