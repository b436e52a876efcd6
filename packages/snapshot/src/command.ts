import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT_CODES } from '@data-pipeline/runner';
import { BundleError, bundleForSnapshot } from './bundle.js';
import { buildSnapshot, SnapshotError } from './snapshot.js';

export interface CommandIO {
  readonly argv: readonly string[];
  readonly cwd: string;
  /** The Node.js binary the blob is built for (the one running this command). */
  readonly node: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export const USAGE = `usage: dp-snapshot BIN --out DIR [--name NAME] [--bundle-only]

Bundles an operator bin (built on @data-pipeline/runner) into DIR/NAME.cjs and, unless --bundle-only, builds the
V8 start-up snapshot DIR/NAME.blob with this node. Start the operator with:
  node --snapshot-blob DIR/NAME.blob -- [operator flags]
NAME defaults to the bin's file name without .js.`;

class UsageError extends Error {}

const OPTIONS = {
  out: { type: 'string' },
  name: { type: 'string' },
  'bundle-only': { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

function parse(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(String((err as Error).message).split('\n')[0]);
  }
}

/** `dp-snapshot`: returns the exit code; writes one line on failure. */
export async function runSnapshotCommand(io: CommandIO): Promise<number> {
  // Files this run writes: removed again if it fails, so a failed build leaves nothing half-written.
  const written: string[] = [];
  try {
    const { values, positionals } = parse(io.argv);
    if (values.help) {
      io.out(USAGE);
      return EXIT_CODES.success;
    }
    if (positionals.length !== 1)
      throw new UsageError(`expected one BIN argument, got ${positionals.length}`);
    if (!values.out) throw new UsageError('missing required flag --out DIR');
    const entry = resolve(io.cwd, positionals[0] as string);
    if (!existsSync(entry) || !statSync(entry).isFile()) throw new UsageError(`BIN ${entry} is not a file`);
    const name = values.name ?? basename(entry).replace(/\.[cm]?js$/, '');
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
      throw new UsageError(`--name ${JSON.stringify(name)}: use letters, digits, '.', '_', '-'`);
    }
    const outDir = resolve(io.cwd, values.out);
    mkdirSync(outDir, { recursive: true });
    const outfile = join(outDir, `${name}.cjs`);
    const blob = join(outDir, `${name}.blob`);
    written.push(outfile, blob);
    const bundle = await bundleForSnapshot({ entry, outfile });
    io.out(
      `dp-snapshot: bundled ${bundle.inputs} files into ${bundle.outfile} (${(bundle.bytes / 1e6).toFixed(1)} MB)`,
    );
    if (values['bundle-only']) return EXIT_CODES.success;
    await buildSnapshot({ node: io.node, bundle: bundle.outfile, blob, cwd: io.cwd, env: io.env });
    const { size } = statSync(blob);
    io.out(
      `dp-snapshot: wrote ${blob} (${(size / 1e6).toFixed(1)} MB); start with: node --snapshot-blob ${blob} -- [flags]`,
    );
    return EXIT_CODES.success;
  } catch (err) {
    for (const file of written) rmSync(file, { force: true });
    if (err instanceof UsageError) {
      io.err(`dp-snapshot: ${err.message} (see --help)`);
      return EXIT_CODES.usage;
    }
    if (err instanceof BundleError || err instanceof SnapshotError) {
      io.err(`dp-snapshot: ${err.message.split('\n')[0]}`);
      return EXIT_CODES['task-failed'];
    }
    io.err(`dp-snapshot: ${String((err as Error)?.message ?? err).split('\n')[0]}`);
    return EXIT_CODES['task-failed'];
  }
}
