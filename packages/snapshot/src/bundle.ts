import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Message, type Plugin } from 'esbuild';

/**
 * Third-party CommonJS packages that only the native engines load (behind a dynamic `import()`): they stay out of
 * the snapshot and are `require`d from node_modules, with Node's own resolution from the importing file, when a run
 * first needs them. Bundling them would add ~5 MB of unevaluated code that every start pays for in deserialization.
 */
export const DEFERRED_PACKAGES: readonly string[] = [
  '@google-cloud/bigquery',
  'google-auth-library',
  'nunjucks',
];

export interface BundleOptions {
  /** The operator's bin, e.g. `packages/bigquery-operator/bin/bigquery-operator.js`. */
  readonly entry: string;
  /** The CommonJS bundle to write (the `--build-snapshot` entry script). */
  readonly outfile: string;
  readonly deferred?: readonly string[];
  /** Default true; false keeps names readable for `--cpu-prof`. */
  readonly minify?: boolean;
}

export interface BundleResult {
  readonly outfile: string;
  readonly bytes: number;
  /** Source files in the bundle. */
  readonly inputs: number;
}

export class BundleError extends Error {}

const META = /\bimport\.meta\.(url|dirname|filename)\b/g;

/**
 * The snapshot runs in place: `import.meta.url` (and `dirname`/`filename`) become the module's own location as a
 * literal, so files read next to a module (bigquery-table's `schemas/`) resolve as they do unbundled.
 */
const moduleLocations: Plugin = {
  name: 'module-locations',
  setup(b) {
    b.onLoad({ filter: /\.(m?js|cjs)$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta')) return undefined;
      const values: Record<string, string> = {
        url: pathToFileURL(args.path).href,
        dirname: dirname(args.path),
        filename: args.path,
      };
      return {
        contents: text.replace(META, (_, key: string) => JSON.stringify(values[key])),
        loader: 'js',
      };
    });
  },
};

/**
 * zod's classic and core entry points re-export all of its ~40 locales as `z.locales`; nothing here reads them (the
 * English messages are imported on their own), and they are a third of zod's code.
 */
const zodWithoutLocales: Plugin = {
  name: 'zod-without-locales',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[/\\]node_modules[/\\]zod[/\\]/.test(args.importer)
        ? { path: 'zod-locales', namespace: 'empty' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

function deferredPackages(names: readonly string[]): Plugin {
  const pattern = new RegExp(
    `^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')).join('|')})(/.*)?$`,
  );
  return {
    name: 'deferred-packages',
    setup(b) {
      b.onResolve({ filter: pattern }, (args) => ({
        path: args.path,
        namespace: 'deferred',
        pluginData: { importer: args.importer },
      }));
      b.onLoad({ filter: /.*/, namespace: 'deferred' }, (args) => {
        const importer = (args.pluginData as { importer: string }).importer;
        // Runs when the importing module is first evaluated, i.e. in the deserialized process, never in the builder.
        const load = `process.getBuiltinModule('node:module').createRequire(${JSON.stringify(importer)})(${JSON.stringify(args.path)})`;
        return { contents: `module.exports = ${load};`, loader: 'js', resolveDir: dirname(importer) };
      });
    },
  };
}

function describeMessage(m: Message): string {
  const where = m.location ? `${m.location.file}:${m.location.line}: ` : '';
  return `${where}${m.text}`;
}

/** Bundles an operator bin into one CommonJS script that `node --build-snapshot` can evaluate. */
export async function bundleForSnapshot(options: BundleOptions): Promise<BundleResult> {
  const result = await build({
    entryPoints: [options.entry],
    outfile: options.outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20.19',
    minify: options.minify ?? true,
    legalComments: 'eof',
    metafile: true,
    logLevel: 'silent',
    plugins: [moduleLocations, zodWithoutLocales, deferredPackages(options.deferred ?? DEFERRED_PACKAGES)],
  }).catch((err: { errors?: Message[]; message?: string }) => {
    const first = err.errors?.[0];
    throw new BundleError(first ? describeMessage(first) : String(err.message ?? err));
  });
  // Any `import.meta` esbuild had to empty would be `undefined` at run time: refuse rather than ship that.
  const meta = result.warnings.find((w) => w.text.includes('import.meta'));
  if (meta) throw new BundleError(describeMessage(meta));
  const { size } = await stat(options.outfile);
  return { outfile: options.outfile, bytes: size, inputs: Object.keys(result.metafile.inputs).length };
}
