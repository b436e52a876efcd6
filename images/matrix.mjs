#!/usr/bin/env node
// Build matrix of .github/workflows/images.yml, derived from images/images.json (the single source of images).
//
//   node images/matrix.mjs [--registry REGISTRY] [--github-output FILE]
//
// Prints {"bases":{"include":[...]},"operators":{"include":[...]}} on stdout; with --github-output it also appends
// `bases=<json>` and `operators=<json>` to FILE (GitHub's $GITHUB_OUTPUT). --registry overrides the manifest's
// registry (forks push to their own ghcr.io namespace). Dependency-free on purpose: the matrix job runs it before
// anything is installed. Exit codes are the runner's table (packages/runner/src/exit-codes.ts; a test keeps them
// equal): 64 usage, 65 invalid manifest. Full validation of the manifest lives in packages/images-check.
import { appendFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXIT_USAGE = 64;
export const EXIT_INVALID_INPUT = 65;

class UsageError extends Error {}
class ManifestError extends Error {}

const REGISTRY = /^[a-z0-9]+(?:[.-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)+$/;
const VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$/;

export function parseArgs(argv) {
  const opts = { registry: undefined, githubOutput: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--registry') opts.registry = value();
    else if (flag === '--github-output') opts.githubOutput = value();
    else
      throw new UsageError(
        `unknown argument ${arg} (usage: matrix.mjs [--registry R] [--github-output FILE])`,
      );
  }
  if (opts.registry !== undefined && !REGISTRY.test(opts.registry)) {
    throw new UsageError(`--registry ${opts.registry} must look like host/org in lowercase`);
  }
  return opts;
}

/** The two matrices (bases first, then the images built on them) from a parsed manifest. */
export function buildMatrix(manifest, registryOverride) {
  if (!manifest || typeof manifest !== 'object' || !Array.isArray(manifest.images)) {
    throw new ManifestError('images/images.json: "images" must be an array');
  }
  const registry = registryOverride ?? manifest.registry;
  if (typeof registry !== 'string' || !REGISTRY.test(registry)) {
    throw new ManifestError('images/images.json: "registry" must look like host/org in lowercase');
  }
  if (typeof manifest.version !== 'string' || !VERSION.test(manifest.version)) {
    throw new ManifestError('images/images.json: "version" must be semver');
  }
  const byName = new Map(manifest.images.map((img) => [img?.name, img]));
  const entry = (img) => {
    if (typeof img?.name !== 'string' || typeof img.dockerfile !== 'string') {
      throw new ManifestError('images/images.json: every image needs "name" and "dockerfile"');
    }
    const base = img.base ? byName.get(img.base) : undefined;
    if (img.base && !base) {
      throw new ManifestError(`images/images.json: image ${img.name} has unknown base ${img.base}`);
    }
    const buildArgs = Object.entries(img.buildArgs ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join('\n');
    return {
      name: img.name,
      image: `${registry}/${img.name}`,
      ref: `${registry}/${img.name}:${manifest.version}`,
      version: manifest.version,
      dockerfile: img.dockerfile,
      context: img.context ?? '.',
      base: img.base ?? '',
      'base-image': base ? `${registry}/${base.name}` : '',
      'base-dockerfile': base?.dockerfile ?? '',
      engine: img.engine ?? '',
      smoke: img.smoke ?? '',
      'build-args': buildArgs,
    };
  };
  const bases = manifest.images.filter((img) => !img.base).map(entry);
  const operators = manifest.images.filter((img) => img.base).map(entry);
  return { bases: { include: bases }, operators: { include: operators } };
}

export function main(argv, { repoRoot, stdout, stderr }) {
  try {
    const opts = parseArgs(argv);
    let manifest;
    try {
      manifest = JSON.parse(readFileSync(join(repoRoot, 'images/images.json'), 'utf8'));
    } catch (e) {
      throw new ManifestError(`images/images.json: cannot read or parse (${e.message.split('\n')[0]})`);
    }
    const matrix = buildMatrix(manifest, opts.registry);
    stdout.write(`${JSON.stringify(matrix)}\n`);
    if (opts.githubOutput) {
      appendFileSync(
        opts.githubOutput,
        `bases=${JSON.stringify(matrix.bases)}\noperators=${JSON.stringify(matrix.operators)}\n`,
      );
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      stderr.write(`matrix: ${e.message}\n`);
      return EXIT_USAGE;
    }
    if (e instanceof ManifestError) {
      stderr.write(`matrix: ${e.message}\n`);
      return EXIT_INVALID_INPUT;
    }
    throw e;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
  process.exitCode = main(process.argv.slice(2), {
    repoRoot,
    stdout: process.stdout,
    stderr: process.stderr,
  });
}
