import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** Where the manifest lives, relative to the repository root. */
export const MANIFEST_PATH = 'images/images.json';

const NAME = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?$/;
// host[:port]/path — lowercase, no tag, no trailing slash (OCI distribution reference grammar, simplified).
const REGISTRY = /^[a-z0-9]+(?:[.-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)+$/;

const imageSchema = z
  .object({
    name: z.string().regex(NAME, 'image name must be lowercase [a-z0-9._-]'),
    description: z.string().min(1),
    dockerfile: z
      .string()
      .regex(/^images\/[^\s]+\/Dockerfile$/, 'dockerfile must be images/<dir>/Dockerfile'),
    context: z.string().min(1).default('.'),
    base: z.string().regex(NAME).nullable(),
    package: z
      .string()
      .regex(/^@data-pipeline\/[a-z0-9-]+$/)
      .nullable(),
    bin: z.string().regex(NAME).nullable(),
    engine: z.enum(['airflow', 'native']).optional(),
    // The end-to-end suite of images/smoke.sh that images.yml runs on the built image before pushing (a `case` label
    // of that script; a test keeps the two in step). Every operator image also gets the --help/uid smoke.
    smoke: z.string().regex(NAME).optional(),
    buildArgs: z.record(z.string().regex(/^[A-Z][A-Z0-9_]*$/), z.string()).default({}),
  })
  .loose()
  .superRefine((img, ctx) => {
    if ((img.package === null) !== (img.bin === null)) {
      ctx.addIssue({
        code: 'custom',
        message: `image ${img.name}: package and bin must be both set or both null`,
      });
    }
    if (img.smoke !== undefined && img.package === null) {
      ctx.addIssue({ code: 'custom', message: `image ${img.name}: only an operator image can have "smoke"` });
    }
    if (img.package !== null && img.engine === undefined) {
      ctx.addIssue({ code: 'custom', message: `image ${img.name}: an operator image needs "engine"` });
    }
  });

const manifestSchema = z
  .object({
    registry: z.string().regex(REGISTRY, 'registry must look like host/org (lowercase, no tag)'),
    version: z.string().regex(SEMVER, 'version must be semver (e.g. 0.1.0)'),
    images: z.array(imageSchema).min(1),
  })
  .loose()
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    for (const img of m.images) {
      if (seen.has(img.name)) ctx.addIssue({ code: 'custom', message: `duplicate image name ${img.name}` });
      seen.add(img.name);
    }
    for (const img of m.images) {
      if (img.base === null) continue;
      const base = m.images.find((b) => b.name === img.base);
      if (!base)
        ctx.addIssue({
          code: 'custom',
          message: `image ${img.name}: base ${img.base} is not in the manifest`,
        });
      else if (base.base !== null)
        ctx.addIssue({
          code: 'custom',
          message: `image ${img.name}: base ${img.base} must itself be a base image`,
        });
    }
  });

export type ImageEntry = z.infer<typeof imageSchema>;
export type ImagesManifest = z.infer<typeof manifestSchema>;

/** A manifest that is missing or invalid. The message is one line and names the problem. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

/** Validates an already-parsed manifest value. */
export function parseImagesManifest(value: unknown, source = MANIFEST_PATH): ImagesManifest {
  const result = manifestSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw new ManifestError(
      `${source}: invalid images manifest${where}: ${issue?.message ?? 'unknown error'}`,
    );
  }
  return result.data;
}

/** Reads and validates `<repoRoot>/images/images.json`. */
export function loadImagesManifest(repoRoot: string): ImagesManifest {
  const file = join(repoRoot, MANIFEST_PATH);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ManifestError(`${MANIFEST_PATH}: cannot read the images manifest under ${repoRoot}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ManifestError(`${MANIFEST_PATH}: not valid JSON (${(e as Error).message})`);
  }
  return parseImagesManifest(value);
}

/** `<registry>/<name>:<version>` — the only form workflows/, cronjobs/ and dp run use. */
export function imageRef(
  image: Pick<ImageEntry, 'name'>,
  manifest: Pick<ImagesManifest, 'registry' | 'version'>,
) {
  return `${manifest.registry}/${image.name}:${manifest.version}`;
}

/** Every reference the manifest produces, in manifest order. */
export function imageRefs(manifest: ImagesManifest): string[] {
  return manifest.images.map((img) => imageRef(img, manifest));
}

/** The image whose exact reference (`registry/name:version`) is `ref`, or undefined. */
export function findImageByRef(manifest: ImagesManifest, ref: string): ImageEntry | undefined {
  return manifest.images.find((img) => imageRef(img, manifest) === ref);
}

/** Looks an image up by name. */
export function findImageByName(manifest: ImagesManifest, name: string): ImageEntry | undefined {
  return manifest.images.find((img) => img.name === name);
}

/** Operator images (those with a package and a bin). */
export function operatorImages(manifest: ImagesManifest): ImageEntry[] {
  return manifest.images.filter((img) => img.package !== null);
}

/** Base images (no base of their own), in manifest order. CI builds these first. */
export function baseImages(manifest: ImagesManifest): ImageEntry[] {
  return manifest.images.filter((img) => img.base === null);
}
