import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { findRepoRoot } from '@data-pipeline/argo-tags';
import { imageRef, imageRefs, loadImagesManifest } from '@data-pipeline/images-check';
import { checkWorkflowSpec, type TemplateRegistry } from './argo.js';
import { type LintConfig, loadLintConfig, policyApplies } from './config.js';
import { checkControllerSettings } from './controller.js';
import { checkCrossReferences } from './crossref.js';
import { checkExpressions } from './expressions.js';
import { generatedFiles } from './generate.js';
import { asObj, checkPodSpec, type ImagePolicy } from './pods.js';
import { removedApiFinding, validateAgainstSchema } from './schema.js';
import {
  type Finding,
  type ParsedFile,
  type Problem,
  parseYamlFile,
  ruleKind,
  type SourceDocument,
} from './source.js';
import { checkArgoValues, checkCronJobSchedule, checkCronWorkflowSchedule } from './values.js';

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
  /**
   * Apply this project's policy rules (`policy/...`) to every file (`dp lint --policy`). Without it they apply only
   * to the paths `.dp-lint.json` at the repository root names; validity rules apply everywhere.
   */
  readonly policy?: boolean | undefined;
  /** The repository's `.dp-lint.json`; read from repoRoot when omitted. */
  readonly config?: LintConfig | undefined;
}

export interface LintResult {
  readonly files: string[];
  readonly problems: Problem[];
}

export { findRepoRoot };

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
  const config = options.config ?? loadLintConfig(repoRoot);
  const problems = lintTexts(texts, { ...options, repoRoot, config });
  if (repoRoot) {
    const wantsPolicy = (p: Problem) =>
      options.policy === true || policyApplies(resolve(options.cwd, p.file), config, repoRoot);
    problems.push(...checkGenerated(repoRoot, paths, options.cwd, files).filter(wantsPolicy));
  }
  problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return { files, problems };
}

/** Lints in-memory files (absolute path → text). */
export function lintTexts(texts: ReadonlyMap<string, string>, options: LintOptions): Problem[] {
  const repoRoot = options.repoRoot;
  const config = options.config ?? loadLintConfig(repoRoot);
  const images = repoRoot ? imagePolicy(repoRoot) : undefined;
  const problems: Problem[] = [];
  const parsed: Array<[string, ParsedFile, boolean]> = [];
  for (const [file, text] of texts) {
    const display = relative(options.cwd, file) || file;
    const p = parseYamlFile(display, text);
    problems.push(...p.problems);
    parsed.push([display, p, options.policy === true || policyApplies(file, config, repoRoot)]);
  }
  const registry = { namespaced: new Map(), cluster: new Map() } satisfies TemplateRegistry;
  for (const [, p] of parsed) {
    for (const d of p.documents) {
      const o = asObj(d.value);
      const name = asObj(o?.metadata)?.name;
      const spec = asObj(o?.spec);
      if (typeof name !== 'string' || !spec) continue;
      if (o?.kind === 'WorkflowTemplate') registry.namespaced.set(name, spec);
      if (o?.kind === 'ClusterWorkflowTemplate') registry.cluster.set(name, spec);
    }
  }
  for (const [, p, policy] of parsed) {
    for (const d of p.documents) {
      for (const f of lintDocument(d, registry, images)) {
        // Policy findings only where policy was asked for; they are computed alongside so each rule keeps one home.
        if (ruleKind(f.rule) === 'policy' && !policy) continue;
        problems.push({
          file: d.file,
          line: d.lineOf(f.path),
          rule: f.rule,
          message: f.message,
          ...(f.severity ? { severity: f.severity } : {}),
        });
      }
    }
  }
  const policyFor = new Map(parsed.map(([display, , policy]) => [display, policy]));
  const allDocuments = parsed.flatMap(([, f]) => f.documents);
  for (const p of [...checkCrossReferences(allDocuments), ...checkControllerSettings(allDocuments)]) {
    if (ruleKind(p.rule) === 'policy' && !policyFor.get(p.file)) continue;
    problems.push(p);
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
  registry: TemplateRegistry,
  policy: ImagePolicy | undefined,
): Finding[] {
  const doc = asObj(d.value);
  if (!doc) return [{ path: [], rule: 'validity/schema', message: 'document is not a mapping' }];
  if (typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string') {
    return [{ path: [], rule: 'validity/schema', message: 'document has no apiVersion/kind' }];
  }
  const removed = removedApiFinding(doc.apiVersion, doc.kind);
  if (removed) return [removed];
  const findings = validateAgainstSchema(doc);
  const spec = asObj(doc.spec);
  if (!spec) return findings;
  if (/^argoproj\.io\//.test(doc.apiVersion) && doc.kind !== 'WorkflowEventBinding') {
    findings.push(...checkArgoValues(spec, ['spec']), ...checkExpressions(spec, ['spec']));
  }
  switch (doc.kind) {
    case 'Workflow':
      findings.push(...checkWorkflowSpec(spec, ['spec'], registry, policy, 'workflow'));
      break;
    case 'WorkflowTemplate':
    case 'ClusterWorkflowTemplate':
      findings.push(...checkWorkflowSpec(spec, ['spec'], registry, policy, 'template'));
      break;
    case 'CronWorkflow': {
      if (spec.schedule !== undefined) {
        findings.push({
          path: ['spec', 'schedule'],
          rule: 'validity/removed-api',
          message: 'CronWorkflow spec.schedule was removed in Argo v4; use schedules: [...]',
        });
      }
      findings.push(...checkCronWorkflowSchedule(spec, ['spec']));
      const wfSpec = asObj(spec.workflowSpec);
      if (wfSpec)
        findings.push(...checkWorkflowSpec(wfSpec, ['spec', 'workflowSpec'], registry, policy, 'workflow'));
      break;
    }
    case 'CronJob': {
      findings.push(...checkCronJobSchedule(spec, ['spec']));
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
        rule: 'policy/generated',
        message: `missing generated file (from ${g.source}); run dp lint --update-generated`,
      });
    } else if (readFileSync(abs, 'utf8') !== g.content) {
      problems.push({
        file: display,
        line: 1,
        rule: 'policy/generated',
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
