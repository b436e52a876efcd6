/**
 * Image reference → local bin, from the images manifest (images/images.json): `<registry>/<name>:<version>` of an image
 * with `package` and `bin` maps to that package's bin script. A manifest entry may instead give `binPath` (relative to the
 * manifest file) — used by test fixtures.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { findRepoRoot } from '@data-pipeline/argo-tags';
import { z } from 'zod';

export interface ImageBinding {
  readonly ref: string;
  readonly name: string;
  /** The command name (`bigquery-operator`), accepted as `command[0]`. */
  readonly bin: string;
  /** Absolute path of the JS bin script run with node. */
  readonly binPath: string;
  readonly engine?: string;
}

export class ImagesError extends Error {
  override readonly name = 'ImagesError';
}

const manifestSchema = z.object({
  registry: z.string().min(1),
  version: z.string().min(1),
  images: z.array(
    z
      .object({
        name: z.string().min(1),
        package: z.string().nullable().optional(),
        bin: z.string().nullable().optional(),
        binPath: z.string().optional(),
        engine: z.string().optional(),
      })
      .loose(),
  ),
});

export function loadImageBindings(manifestPath: string): Map<string, ImageBinding> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (e) {
    throw new ImagesError(
      `${manifestPath}: cannot read the images manifest (${(e as Error).message.split('\n')[0]})`,
    );
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ImagesError(
      `${manifestPath}: invalid images manifest at ${issue.path.join('.')}: ${issue.message}`,
    );
  }
  const m = parsed.data;
  const req = createRequire(resolve(manifestPath));
  const out = new Map<string, ImageBinding>();
  for (const img of m.images) {
    if (!img.bin) continue;
    const ref = `${m.registry}/${img.name}:${m.version}`;
    let binPath: string | undefined;
    if (img.binPath) {
      binPath = resolve(dirname(manifestPath), img.binPath);
    } else if (img.package) {
      try {
        const pkgJson = req.resolve(`${img.package}/package.json`);
        const pkg = JSON.parse(readFileSync(pkgJson, 'utf8')) as { bin?: string | Record<string, string> };
        const rel = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.[img.bin];
        if (rel) binPath = join(dirname(pkgJson), rel);
      } catch {
        binPath = undefined;
      }
    }
    if (!binPath || !existsSync(binPath)) continue; // an image whose package is not installed is "unknown" locally
    out.set(ref, {
      ref,
      name: img.name,
      bin: img.bin,
      binPath,
      ...(img.engine ? { engine: img.engine } : {}),
    });
  }
  return out;
}

/** Finds `images/images.json` in `start` or one of its parents (the repository root, as `dp lint` finds it). */
export function findImagesManifest(start: string): string | undefined {
  const root = findRepoRoot(start);
  return root === undefined ? undefined : join(root, 'images', 'images.json');
}
