import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { checkDockerfile, type DockerfileFinding, splitImageRef } from './dockerfile.js';
import { type ImagesManifest, imageRef, imageRefs } from './manifest.js';

/** A problem found while cross-checking the repository; `file` is relative to the repo root. */
export interface RepoFinding {
  readonly file: string;
  readonly line?: number;
  readonly message: string;
}

export function formatFinding(f: RepoFinding): string {
  return f.line === undefined ? `${f.file}: ${f.message}` : `${f.file}:${f.line}: ${f.message}`;
}

interface PackageJson {
  name?: string;
  version?: string;
  bin?: string | Record<string, string>;
  dependencies?: Record<string, string>;
  dataPipeline?: { kind?: unknown };
}

export interface WorkspacePackage {
  readonly dir: string; // e.g. packages/bigquery-operator
  readonly name: string;
  readonly version: string | undefined;
  readonly bins: Record<string, string>;
  readonly dependsOnRunner: boolean;
  /** `"dataPipeline": { "kind": "operator" }` in its package.json: it ships an operator CLI built on the runner. */
  readonly operator: boolean;
}

/** Every packages/<x>/package.json of the repository. */
export function workspacePackages(repoRoot: string): WorkspacePackage[] {
  const root = join(repoRoot, 'packages');
  if (!existsSync(root)) return [];
  const out: WorkspacePackage[] = [];
  for (const entry of readdirSync(root).sort()) {
    const file = join(root, entry, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as PackageJson;
    if (!pkg.name) continue;
    const bins =
      typeof pkg.bin === 'string' ? { [pkg.name.replace(/^@[^/]+\//, '')]: pkg.bin } : { ...(pkg.bin ?? {}) };
    out.push({
      dir: `packages/${entry}`,
      name: pkg.name,
      version: pkg.version,
      bins,
      dependsOnRunner: Object.hasOwn(pkg.dependencies ?? {}, '@data-pipeline/runner'),
      operator: pkg.dataPipeline?.kind === 'operator',
    });
  }
  return out;
}

/**
 * Packages that ship an operator CLI, as each declares in its package.json (`"dataPipeline": { "kind": "operator" }`):
 * bins built on the runner's `main()`, one image each. (Tools that only use the runner's exit-code table, like
 * packages/snapshot's `dp-snapshot`, declare nothing.) A declared operator without a bin or the runner is a finding of
 * checkManifestAgainstRepo.
 */
export function operatorPackages(repoRoot: string): WorkspacePackage[] {
  return workspacePackages(repoRoot).filter((p) => p.operator);
}

/** Manifest ↔ packages ↔ files. */
export function checkManifestAgainstRepo(repoRoot: string, manifest: ImagesManifest): RepoFinding[] {
  const file = 'images/images.json';
  const findings: RepoFinding[] = [];
  const packages = workspacePackages(repoRoot);
  for (const op of operatorPackages(repoRoot)) {
    if (!op.dependsOnRunner || Object.keys(op.bins).length === 0) {
      findings.push({
        file: `${op.dir}/package.json`,
        message: `declares an operator but has no bin or does not depend on @data-pipeline/runner`,
      });
    }
    for (const bin of Object.keys(op.bins)) {
      if (!manifest.images.some((img) => img.package === op.name && img.bin === bin)) {
        findings.push({ file, message: `operator ${op.name} (bin ${bin}) has no image in the manifest` });
      }
    }
  }
  for (const img of manifest.images) {
    if (!existsSync(join(repoRoot, img.dockerfile))) {
      findings.push({ file, message: `image ${img.name}: dockerfile ${img.dockerfile} does not exist` });
    }
    if (!existsSync(join(repoRoot, img.context)) || !statSync(join(repoRoot, img.context)).isDirectory()) {
      findings.push({ file, message: `image ${img.name}: context ${img.context} is not a directory` });
    }
    if (img.package === null) continue;
    const pkg = packages.find((p) => p.name === img.package);
    if (!pkg) {
      findings.push({
        file,
        message: `image ${img.name}: package ${img.package} is not a workspace package`,
      });
      continue;
    }
    if (img.bin !== null && !Object.hasOwn(pkg.bins, img.bin)) {
      findings.push({ file, message: `image ${img.name}: package ${img.package} has no bin ${img.bin}` });
    }
    if (pkg.version !== manifest.version) {
      findings.push({
        file,
        message: `image ${img.name}: manifest version ${manifest.version} differs from ${img.package}@${pkg.version}`,
      });
    }
    if (img.buildArgs.PACKAGE !== undefined && `packages/${img.buildArgs.PACKAGE}` !== pkg.dir) {
      findings.push({ file, message: `image ${img.name}: buildArgs.PACKAGE must be ${pkg.dir.slice(9)}` });
    }
    if (img.buildArgs.BIN !== undefined && img.buildArgs.BIN !== img.bin) {
      findings.push({ file, message: `image ${img.name}: buildArgs.BIN must equal bin ${img.bin}` });
    }
  }
  return findings;
}

/** Build args CI passes for an image: its manifest buildArgs plus BASE_IMAGE for images built on a base. */
export function ciBuildArgs(manifest: ImagesManifest, name: string): Record<string, string> {
  const img = manifest.images.find((i) => i.name === name);
  if (!img) throw new Error(`no image ${name}`);
  const base = img.base === null ? undefined : manifest.images.find((i) => i.name === img.base);
  return { ...img.buildArgs, ...(base ? { BASE_IMAGE: imageRef(base, manifest) } : {}) };
}

/**
 * Checks every Dockerfile of the manifest: once as written (ARG defaults) and once per image that uses it,
 * with the build args CI passes for that image.
 */
export function checkRepoDockerfiles(repoRoot: string, manifest: ImagesManifest): RepoFinding[] {
  const findings: RepoFinding[] = [];
  const internalRefs = imageRefs(manifest);
  const seen = new Set<string>();
  const add = (file: string, list: DockerfileFinding[], suffix: string) => {
    for (const f of list) {
      const key = `${file}:${f.line}:${f.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push({ file, line: f.line, message: `${f.rule}: ${f.message}${suffix}` });
    }
  };
  const files = [...new Set(manifest.images.map((i) => i.dockerfile))];
  for (const file of files) {
    const path = join(repoRoot, file);
    if (!existsSync(path)) continue; // reported by checkManifestAgainstRepo
    const text = readFileSync(path, 'utf8');
    const users = manifest.images.filter((i) => i.dockerfile === file);
    // As written: only the pinning/user/shell rules (templated COPY paths need an image's build args).
    add(
      file,
      checkDockerfile(text, { internalRefs }).filter((f) => f.rule !== 'unresolved-variable'),
      '',
    );
    for (const img of users) {
      const ignoreFile = join(repoRoot, img.context, '.dockerignore');
      const list = checkDockerfile(text, {
        buildArgs: ciBuildArgs(manifest, img.name),
        contextDir: join(repoRoot, img.context),
        internalRefs,
        ...(existsSync(ignoreFile) ? { dockerignore: readFileSync(ignoreFile, 'utf8').split('\n') } : {}),
      });
      add(file, list, ` (image ${img.name})`);
    }
  }
  return findings;
}

function yamlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...yamlFiles(full));
    else if (/\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out.sort();
}

export interface YamlImage {
  readonly file: string;
  readonly line: number;
  readonly image: string;
}

/** `image:` values of one YAML text; YAML embedded in block scalars (e.g. a workflow inside a ConfigMap) is scanned too. */
function scanImages(text: string, file: string, firstLine: number, out: YamlImage[]): void {
  const lineOf = (offset: number) => firstLine + text.slice(0, offset).split('\n').length - 1;
  for (const doc of parseAllDocuments(text)) {
    const visit = (node: unknown): void => {
      if (!node || typeof node !== 'object') return;
      const n = node as {
        items?: unknown[];
        key?: unknown;
        value?: unknown;
        range?: [number, number, number];
      };
      if (Array.isArray(n.items)) {
        for (const item of n.items) visit(item);
        return;
      }
      if ('key' in n && 'value' in n) {
        const key = n.key as { value?: unknown } | null;
        const value = n.value as { value?: unknown; range?: [number, number, number] } | null;
        if (key?.value === 'image' && typeof value?.value === 'string') {
          out.push({ file, line: lineOf(value.range?.[0] ?? 0), image: value.value });
        } else visit(n.value);
        return;
      }
      if (typeof n.value === 'string' && /^\s*image:/m.test(n.value) && n.value.includes('\n')) {
        // A block scalar's content starts on the line after its indicator (`|`, `>`).
        scanImages(n.value, file, lineOf(n.range?.[0] ?? 0) + 1, out);
      }
    };
    visit(doc.contents);
  }
}

/** Every `image:` string value in the YAML files under `dirs` (relative to the repo root). */
export function yamlImages(repoRoot: string, dirs: readonly string[]): YamlImage[] {
  const out: YamlImage[] = [];
  for (const dir of dirs) {
    for (const full of yamlFiles(join(repoRoot, dir))) {
      scanImages(readFileSync(full, 'utf8'), relative(repoRoot, full), 1, out);
    }
  }
  return out;
}

/**
 * YAML ↔ manifest: images of our registry must be exactly what the manifest produces; no image anywhere may use
 * `latest` or omit its tag.
 */
export function checkYamlImages(
  repoRoot: string,
  manifest: ImagesManifest,
  dirs: readonly string[],
): RepoFinding[] {
  const refs = new Set(imageRefs(manifest));
  const findings: RepoFinding[] = [];
  for (const y of yamlImages(repoRoot, dirs)) {
    if (y.image.includes('{{')) {
      findings.push({
        file: y.file,
        line: y.line,
        message: `image ${y.image} is templated; reference the manifest`,
      });
      continue;
    }
    const { tag, digest } = splitImageRef(y.image);
    if (tag === 'latest' || (tag === null && digest === null)) {
      findings.push({ file: y.file, line: y.line, message: `image ${y.image} uses the latest tag` });
      continue;
    }
    if (y.image.startsWith(`${manifest.registry}/`) && !refs.has(y.image)) {
      findings.push({
        file: y.file,
        line: y.line,
        message: `image ${y.image} is not produced by images/images.json`,
      });
    }
  }
  return findings;
}

/** The numeric uid the final stage of a Dockerfile runs as (its last USER), or undefined. */
export function finalUid(dockerfileText: string): number | undefined {
  const finalStage = dockerfileText.split(/^FROM\s/im).pop() ?? '';
  const users = [...finalStage.matchAll(/^USER\s+(\d+)(?::\d+)?\s*$/gim)];
  const last = users[users.length - 1];
  return last ? Number(last[1]) : undefined;
}

/** Every `runAsUser` value set in the YAML files under `dirs`. */
export function yamlRunAsUsers(repoRoot: string, dirs: readonly string[]): { file: string; uid: number }[] {
  const out: { file: string; uid: number }[] = [];
  for (const dir of dirs) {
    for (const full of yamlFiles(join(repoRoot, dir))) {
      for (const m of readFileSync(full, 'utf8').matchAll(/^\s*runAsUser:\s*(\d+)\s*$/gm)) {
        out.push({ file: relative(repoRoot, full), uid: Number(m[1]) });
      }
    }
  }
  return out;
}
