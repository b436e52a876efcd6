import { execFile } from 'node:child_process';

export interface SnapshotOptions {
  /** The Node.js binary that will run the snapshot: a blob only starts under the exact build that made it. */
  readonly node: string;
  /** The CommonJS bundle from `bundleForSnapshot`. */
  readonly bundle: string;
  readonly blob: string;
  /** Working directory and environment of the builder process (the bundle's modules are evaluated there). */
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export class SnapshotError extends Error {}

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[], options: SnapshotOptions): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '' && !l.startsWith('(node:') && !l.startsWith('(Use `node')) ?? ''
  );
}

/** The argv that starts an operator from its blob: options for `node`, then `--`, then the operator's flags. */
export function snapshotArgv(blob: string, args: readonly string[]): string[] {
  return ['--snapshot-blob', blob, '--', ...args];
}

/**
 * `node --snapshot-blob BLOB --build-snapshot BUNDLE`, then a smoke start (`--help`) of the result: a bin that does
 * not defer its run to the deserialized process (the runner's `main` does) would have run at build time instead.
 */
export async function buildSnapshot(options: SnapshotOptions): Promise<{ readonly help: string }> {
  const built = await run(
    options.node,
    ['--snapshot-blob', options.blob, '--build-snapshot', options.bundle],
    options,
  );
  if (built.code !== 0) {
    throw new SnapshotError(
      `node --build-snapshot failed (exit ${built.code}): ${firstLine(built.stderr) || firstLine(built.stdout)}`,
    );
  }
  const smoke = await run(options.node, snapshotArgv(options.blob, ['--help']), options);
  if (smoke.code !== 0 || !/^usage: /m.test(smoke.stdout)) {
    throw new SnapshotError(
      `the snapshot does not start an operator CLI (\`--help\` exited ${smoke.code}): is the bin built on @data-pipeline/runner's main()?`,
    );
  }
  return { help: smoke.stdout };
}
