import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { imageRef, imageRefs, loadImagesManifest } from '@data-pipeline/images-check';
import { checkWorkflowSpec } from './argo.js';
import { generatedFiles } from './generate.js';
import { asObj, checkPodSpec, type ImagePolicy } from './pods.js';
import { removedApiFinding, validateAgainstSchema } from './schema.js';
import { type Finding, type ParsedFile, type Problem, parseYamlFile, type SourceDocument } from './source.js';

export const DEFAULT_LINT_PATHS = ['workflows', 'cronjobs', 'deploy'] as const;

/** Bad invocation (missing path...): the CLI answers with exit 64. */
export class LintUsageError extends Error {
  override readonly name = 'LintUsageError';
}

export interface LintOptions {
  /** Directory paths are resolved against and problems are reported relative to. */
  readonly cwd: string;
  /** Repository root (images/images.json, generated files); found upwards from cwd when omitted. */
  readonly repoRoot?: string | undefined;
}

export interface LintResult {
  readonly files: string[];
  readonly problems: Problem[];
}

/** The nearest directory at or above `from` that holds images/images.json. */
export function findRepoRoot(from: string): string | undefined {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'images', 'images.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** YAML files named by `paths` (directories are walked recursively, in sorted order). */
export function collectYamlFiles(paths: readonly string[], cwd: string): string[] {
  const out: string[] = [];
  const walk = (abs: string) => {
    for (const entry of readdirSync(abs, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const child = join(abs, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (/\.ya?ml$/.test(entry.name)) out.push(child);
    }
  };
  for (const p of paths) {
    const abs = resolve(cwd, p);
    if (!existsSync(abs)) throw new LintUsageError(`no such file or directory: ${p}`);
    if (statSync(abs).isDirectory()) {
      const before = out.length;
      walk(abs);
      if (out.length === before) throw new LintUsageError(`no .yaml/.yml files under ${p}`);
    } else out.push(abs);
  }
  return [...new Set(out)];
}

/** Lints the YAML files under `paths`: schemas (strict), removed APIs, Argo semantics, pod security, images, generated files. */
export function lintPaths(paths: readonly string[], options: LintOptions): LintResult {
  const files = collectYamlFiles(paths, options.cwd);
  const repoRoot = options.repoRoot ?? findRepoRoot(options.cwd);
  const texts = new Map(files.map((f) => [f, readFileSync(f, 'utf8')]));
  const problems = lintTexts(texts, { cwd: options.cwd, repoRoot });
  if (repoRoot) problems.push(...checkGenerated(repoRoot, paths, options.cwd, files));
  problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return { files, problems };
}

/** Lints in-memory files (absolute path → text). */
export function lintTexts(texts: ReadonlyMap<string, string>, options: LintOptions): Problem[] {
  const repoRoot = options.repoRoot;
  const policy = repoRoot ? imagePolicy(repoRoot) : undefined;
  const problems: Problem[] = [];
  const parsed: Array<[string, ParsedFile]> = [];
  for (const [file, text] of texts) {
    const display = relative(options.cwd, file) || file;
    const p = parseYamlFile(display, text);
    problems.push(...p.problems);
    parsed.push([display, p]);
  }
  const registry = new Map<string, Record<string, unknown>>();
  for (const [, p] of parsed) {
    for (const d of p.documents) {
      const o = asObj(d.value);
      const name = asObj(o?.metadata)?.name;
      const spec = asObj(o?.spec);
      if (o?.kind === 'WorkflowTemplate' && typeof name === 'string' && spec) registry.set(name, spec);
    }
  }
  for (const [, p] of parsed) {
    for (const d of p.documents) {
      for (const f of lintDocument(d, registry, policy)) {
        problems.push({ file: d.file, line: d.lineOf(f.path), message: f.message });
      }
    }
  }
  return problems;
}

function imagePolicy(repoRoot: string): ImagePolicy | undefined {
  if (!existsSync(join(repoRoot, 'images', 'images.json'))) return undefined;
  const manifest = loadImagesManifest(repoRoot);
  const bins = new Map(
    manifest.images.map((image) => [imageRef(image, manifest), image.bin ?? null] as const),
  );
  return { registry: manifest.registry, refs: imageRefs(manifest), bins };
}

function lintDocument(
  d: SourceDocument,
  registry: ReadonlyMap<string, Record<string, unknown>>,
  policy: ImagePolicy | undefined,
): Finding[] {
  const doc = asObj(d.value);
  if (!doc) return [{ path: [], message: 'document is not a mapping' }];
  if (typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string') {
    return [{ path: [], message: 'document has no apiVersion/kind' }];
  }
  const removed = removedApiFinding(doc.apiVersion, doc.kind);
  if (removed) return [removed];
  const findings = validateAgainstSchema(doc);
  const spec = asObj(doc.spec);
  if (!spec) return findings;
  switch (doc.kind) {
    case 'Workflow':
    case 'WorkflowTemplate':
    case 'ClusterWorkflowTemplate':
      findings.push(...checkWorkflowSpec(spec, ['spec'], registry, policy));
      break;
    case 'CronWorkflow': {
      if (spec.schedule !== undefined) {
        findings.push({
          path: ['spec', 'schedule'],
          message: 'CronWorkflow spec.schedule was removed in Argo v4; use schedules: [...]',
        });
      }
      const wfSpec = asObj(spec.workflowSpec);
      if (wfSpec) findings.push(...checkWorkflowSpec(wfSpec, ['spec', 'workflowSpec'], registry, policy));
      break;
    }
    case 'CronJob': {
      const pod = asObj(asObj(asObj(asObj(spec.jobTemplate)?.spec)?.template)?.spec);
      if (pod)
        findings.push(...checkPodSpec(pod, ['spec', 'jobTemplate', 'spec', 'template', 'spec'], policy));
      break;
    }
    case 'Job': {
      const pod = asObj(asObj(spec.template)?.spec);
      if (pod) findings.push(...checkPodSpec(pod, ['spec', 'template', 'spec'], policy));
      break;
    }
  }
  return findings;
}

/** Generated files inside the linted paths must equal what their source generates now. */
export function checkGenerated(
  repoRoot: string,
  paths: readonly string[],
  cwd: string,
  files: readonly string[],
): Problem[] {
  const problems: Problem[] = [];
  const linted = new Set(files);
  const roots = paths.map((p) => resolve(cwd, p));
  let generated: ReturnType<typeof generatedFiles>;
  try {
    generated = generatedFiles(repoRoot);
  } catch {
    return problems; // no daily workflow in this tree: nothing to generate
  }
  for (const g of generated) {
    const abs = join(repoRoot, g.path);
    const covered = linted.has(abs) || roots.some((r) => abs.startsWith(`${r}/`));
    if (!covered) continue;
    const display = relative(cwd, abs) || abs;
    if (!existsSync(abs)) {
      problems.push({
        file: display,
        line: 1,
        message: `missing generated file (from ${g.source}); run dp lint --update-generated`,
      });
    } else if (readFileSync(abs, 'utf8') !== g.content) {
      problems.push({
        file: display,
        line: 1,
        message: `stale generated file (from ${g.source}); run dp lint --update-generated`,
      });
    }
  }
  return problems;
}

/** Writes every generated file; returns the repo-relative paths that changed. */
export function updateGenerated(repoRoot: string): string[] {
  const changed: string[] = [];
  for (const g of generatedFiles(repoRoot)) {
    const abs = join(repoRoot, g.path);
    if (existsSync(abs) && readFileSync(abs, 'utf8') === g.content) continue;
    writeFileSync(abs, g.content);
    changed.push(g.path);
  }
  return changed;
}
