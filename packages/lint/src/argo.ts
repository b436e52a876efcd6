import { checkSpecVariables, dagProblems } from '@data-pipeline/argo-tags';
import {
  asArray,
  asObj,
  checkCommand,
  checkContainer,
  checkImage,
  checkSecretVolumes,
  type ImagePolicy,
} from './pods.js';
import { checkJinja, checkOutputsDir, checkPlaceholders, checkRetry } from './policy.js';
import { checkRecursionDepth } from './recursion.js';
import type { Finding, PathStep } from './source.js';

type Obj = Record<string, unknown>;

/** Workflow specs found in the linted files, for resolving `workflowTemplateRef` and `templateRef`. */
export interface TemplateRegistry {
  /** WorkflowTemplates by name. */
  readonly namespaced: ReadonlyMap<string, Obj>;
  /** ClusterWorkflowTemplates by name (refs with `clusterScope: true`). */
  readonly cluster: ReadonlyMap<string, Obj>;
}

/** What kind of object holds the spec: a WorkflowTemplate/ClusterWorkflowTemplate is validated as a library. */
export type SpecHolder = 'workflow' | 'template';

const names = (list: unknown): string[] =>
  asArray(list)
    .map((p) => asObj(p)?.name)
    .filter((n): n is string => typeof n === 'string');

/** `{{workflow.parameters.x}}` as the whole of a value: the parameter's name. */
const WHOLE_PARAM_TAG = /^\{\{\s*workflow\.parameters\.([A-Za-z0-9_.-]+)\s*\}\}$/;

/** Semantic checks of an Argo workflow spec at `base` (spec of Workflow/WorkflowTemplate, spec.workflowSpec of CronWorkflow). */
export function checkWorkflowSpec(
  spec: Obj,
  base: PathStep[],
  registry: TemplateRegistry,
  policy: ImagePolicy | undefined,
  holder: SpecHolder = 'workflow',
): Finding[] {
  const findings: Finding[] = [];
  const ownParams = asArray(asObj(spec.arguments)?.parameters);
  const templates = asArray(spec.templates);
  const params = new Set(names(ownParams));
  const paramValues = new Map<string, string>();
  for (const p of ownParams) {
    const o = asObj(p);
    if (typeof o?.name === 'string' && typeof o.value === 'string') paramValues.set(o.name, o.value);
  }
  const podSecurity = asObj(spec.securityContext);
  const entrypoint = spec.entrypoint;

  findings.push(...checkPlaceholders(spec, base));
  const ref = asObj(spec.workflowTemplateRef);
  if (ref) {
    // The Workflow's arguments are merged over the template's (validate.go: util.MergeParameters): a parameter the
    // template does not declare is simply one more workflow parameter, so only the template's unset ones are checked.
    const refName = String(ref.name ?? '');
    const cluster = ref.clusterScope === true;
    const refKind = cluster ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate';
    const target = (cluster ? registry.cluster : registry.namespaced).get(refName);
    if (!target) {
      findings.push({
        path: [...base, 'workflowTemplateRef', 'name'],
        rule: 'validity/reference',
        message: `workflowTemplateRef "${refName}" is not a ${refKind} in the linted files`,
      });
      return findings;
    }
    const targetParams = asArray(asObj(target.arguments)?.parameters);
    for (const p of targetParams) {
      const o = asObj(p);
      if (
        o &&
        typeof o.name === 'string' &&
        o.value === undefined &&
        o.valueFrom === undefined &&
        !params.has(o.name)
      ) {
        findings.push({
          path: [...base, 'arguments'],
          rule: 'validity/reference',
          message: `required parameter "${o.name}" of ${refKind} ${refName} is not set`,
        });
      }
    }
    return findings;
  }

  if (templates.length === 0) {
    findings.push({ path: base, rule: 'validity/reference', message: 'workflow spec has no templates' });
    return findings;
  }

  const byName = new Map<string, Obj>();
  templates.forEach((t, i) => {
    const o = asObj(t);
    if (!o || typeof o.name !== 'string') return;
    if (byName.has(o.name))
      findings.push({
        path: [...base, 'templates', i, 'name'],
        rule: 'validity/reference',
        message: `duplicate template "${o.name}"`,
      });
    byName.set(o.name, o);
  });

  // A Workflow needs an entrypoint; a WorkflowTemplate may be a library of templates without one
  // (validate.go: IgnoreEntrypoint when a WorkflowTemplate's or ClusterWorkflowTemplate's entrypoint is empty).
  const library = holder === 'template';
  if (entrypoint === undefined && !library) {
    findings.push({ path: base, rule: 'validity/reference', message: 'spec.entrypoint is required' });
  } else if (entrypoint !== undefined && (typeof entrypoint !== 'string' || !byName.has(entrypoint))) {
    findings.push({
      path: [...base, 'entrypoint'],
      rule: 'validity/reference',
      message: `entrypoint "${String(entrypoint)}" is not a template`,
    });
  }
  if (typeof spec.onExit === 'string' && !byName.has(spec.onExit)) {
    findings.push({
      path: [...base, 'onExit'],
      rule: 'validity/reference',
      message: `onExit template "${spec.onExit}" does not exist`,
    });
  }

  // Every tag against the variables in scope where it stands (shared with dp run).
  findings.push(...checkSpecVariables(spec, base, library));

  const outputsOf = (templateName: unknown): ReadonlySet<string> | undefined => {
    if (typeof templateName !== 'string') return undefined;
    const t = byName.get(templateName);
    return t ? new Set(names(asObj(t.outputs)?.parameters)) : undefined;
  };

  // Secret volumes (workflow-level or template-level) and every container's mounts of them.
  const containerMounts: Array<{ mounts: unknown; path: PathStep[] }> = [];
  templates.forEach((t, i) => {
    const tmpl = asObj(t);
    for (const field of ['container', 'script'] as const) {
      const c = asObj(tmpl?.[field]);
      if (c)
        containerMounts.push({
          mounts: c.volumeMounts,
          path: [...base, 'templates', i, field, 'volumeMounts'],
        });
    }
  });
  findings.push(...checkSecretVolumes(spec.volumes, [...base, 'volumes'], containerMounts));
  templates.forEach((t, i) => {
    const tmpl = asObj(t);
    if (tmpl?.volumes !== undefined) {
      findings.push(
        ...checkSecretVolumes(tmpl.volumes, [...base, 'templates', i, 'volumes'], containerMounts),
      );
    }
  });

  findings.push(...checkRecursionDepth(templates, base));
  templates.forEach((t, i) => {
    const tmpl = asObj(t);
    if (!tmpl) return;
    const tPath = [...base, 'templates', i];
    const inputs = new Set(names(asObj(tmpl.inputs)?.parameters));
    const tmplPodSecurity = { ...podSecurity, ...asObj(tmpl.securityContext) };
    const dag = asObj(tmpl.dag);
    const steps = Array.isArray(tmpl.steps) ? tmpl.steps : undefined;

    if (dag || steps) {
      if (tmpl.retryStrategy !== undefined) {
        findings.push({
          path: [...tPath, 'retryStrategy'],
          rule: 'policy/retry',
          message:
            'retryStrategy on a dag/steps template is not honoured for exit codes; put it on the container template',
        });
      }
    }

    if (dag) {
      findings.push(
        ...checkDag(dag, [...tPath, 'dag'], {
          byName,
          inputs,
          params,
          paramValues,
          library,
          registry,
          outputsOf,
        }),
      );
    } else if (steps) {
      findings.push(
        ...checkSteps(steps, [...tPath, 'steps'], {
          byName,
          inputs,
          params,
          paramValues,
          library,
          registry,
          outputsOf,
        }),
      );
    } else {
      const container = asObj(tmpl.container) ?? asObj(tmpl.script);
      if (container) {
        const field = tmpl.container ? 'container' : 'script';
        findings.push(...checkImage(container.image, [...tPath, field, 'image'], policy));
        findings.push(...checkCommand(container, [...tPath, field], policy));
        findings.push(...checkContainer(container, [...tPath, field], tmplPodSecurity));
        findings.push(...checkRetry(tmpl.retryStrategy, tPath));
        findings.push(...checkOutputsDir(tmpl, container, tPath, field));
        if (typeof container.image === 'string' && policy?.bins.get(container.image)) {
          findings.push(...checkJinja(container, [...tPath, field]));
        }
      }
      for (const field of ['initContainers', 'sidecars'] as const) {
        asArray(tmpl[field]).forEach((c, j) => {
          const o = asObj(c);
          if (!o) return;
          findings.push(...checkImage(o.image, [...tPath, field, j, 'image'], policy));
          findings.push(...checkContainer(o, [...tPath, field, j], tmplPodSecurity));
        });
      }
    }
  });
  return findings;
}

interface Ctx {
  byName: ReadonlyMap<string, Obj>;
  inputs: ReadonlySet<string>;
  params: ReadonlySet<string>;
  /** Workflow parameters with a literal default value. */
  paramValues: ReadonlyMap<string, string>;
  library: boolean;
  registry: TemplateRegistry;
  outputsOf(templateName: unknown): ReadonlySet<string> | undefined;
}

/**
 * The template a task/step calls: a `template` of this spec, or a `templateRef` into a WorkflowTemplate
 * (`clusterScope: true`: a ClusterWorkflowTemplate) of the linted files. A templateRef to a template not among the
 * linted files is not checked (it may live in the cluster); `inline` templates carry their own inputs.
 */
function checkCall(node: Obj, path: PathStep[], ctx: Ctx): Finding[] {
  const findings: Finding[] = [];
  if (node.inline !== undefined) return findings;
  let target: Obj | undefined;
  let name: unknown;
  const tref = asObj(node.templateRef);
  if (tref) {
    const holder = (tref.clusterScope === true ? ctx.registry.cluster : ctx.registry.namespaced).get(
      String(tref.name),
    );
    if (!holder) return findings;
    name = tref.template;
    target = asArray(holder.templates)
      .map(asObj)
      .find((t) => t?.name === name);
    if (!target) {
      findings.push({
        path: [...path, 'templateRef', 'template'],
        rule: 'validity/reference',
        message: `template "${String(name)}" does not exist in ${tref.clusterScope === true ? 'ClusterWorkflowTemplate' : 'WorkflowTemplate'} ${String(tref.name)}`,
      });
      return findings;
    }
  } else {
    name = node.template;
    target = typeof name === 'string' ? ctx.byName.get(name) : undefined;
    if (!target) {
      findings.push({
        path: [...path, 'template'],
        rule: 'validity/reference',
        message: `template "${String(name)}" does not exist`,
      });
      return findings;
    }
  }
  const passed = new Set(names(asObj(node.arguments)?.parameters));
  const declared = asArray(asObj(target.inputs)?.parameters);
  const declaredNames = new Set(names(declared));
  for (const p of declared) {
    const o = asObj(p);
    if (
      o &&
      typeof o.name === 'string' &&
      o.value === undefined &&
      o.default === undefined &&
      !passed.has(o.name)
    ) {
      findings.push({
        path,
        rule: 'validity/reference',
        message: `input parameter "${o.name}" of template "${String(name)}" is not passed`,
      });
    }
  }
  asArray(asObj(node.arguments)?.parameters).forEach((p, i) => {
    const n = asObj(p)?.name;
    if (typeof n === 'string' && !declaredNames.has(n)) {
      findings.push({
        path: [...path, 'arguments', 'parameters', i, 'name'],
        // Argo ignores an argument the template does not declare (only declared inputs are substituted), so this is
        // house style, not validity: here it is almost always a misspelt input name.
        rule: 'policy/undeclared-argument',
        message: `template "${String(name)}" has no input parameter "${n}"`,
      });
    }
  });
  return findings;
}

function checkDag(dag: Obj, path: PathStep[], ctx: Ctx): Finding[] {
  const findings: Finding[] = [];
  const tasks = asArray(dag.tasks)
    .map((t, i) => ({ task: asObj(t), i }))
    .filter((x): x is { task: Obj; i: number } => x.task !== undefined);
  const taskNames = new Set(tasks.map(({ task }) => task.name).filter((n) => typeof n === 'string'));
  const at = (index: number) => tasks[index]?.i ?? index;
  for (const p of dagProblems(tasks.map(({ task }) => task))) {
    const taskPath = [...path, 'tasks', at(p.index)];
    switch (p.kind) {
      case 'duplicate':
        findings.push({
          path: [...taskPath, 'name'],
          rule: 'validity/reference',
          message: `duplicate task "${p.task}"`,
        });
        break;
      case 'unknown-dependency':
        findings.push({
          path: p.at === undefined ? [...taskPath, p.field] : [...taskPath, p.field, p.at],
          rule: 'validity/reference',
          message: `task "${p.task}" depends on unknown task "${p.dependency}"`,
        });
        break;
      case 'invalid-result':
        findings.push({
          path: [...taskPath, 'depends'],
          rule: 'validity/reference',
          message: `task "${p.task}": ${p.message}`,
        });
        break;
      case 'cycle':
        findings.push({
          path: taskPath,
          rule: 'validity/dependency-cycle',
          message: `dependency cycle: ${p.cycle.join(' -> ')}`,
        });
        break;
    }
  }
  if (typeof dag.target === 'string') {
    // A literal target, or one that is a workflow parameter: its default must name tasks too.
    const param = WHOLE_PARAM_TAG.exec(dag.target)?.[1];
    const value = param === undefined ? dag.target : ctx.paramValues.get(param);
    const via = param === undefined ? '' : ` (default of workflow parameter "${param}")`;
    if (value !== undefined && !value.includes('{{')) {
      for (const t of value.split(' ').filter(Boolean)) {
        if (!taskNames.has(t))
          findings.push({
            path: [...path, 'target'],
            rule: 'validity/reference',
            message: `target "${t}"${via} is not a task of this DAG`,
          });
      }
    }
  }
  for (const { task, i } of tasks) findings.push(...checkCall(task, [...path, 'tasks', i], ctx));
  return findings;
}

function checkSteps(groups: unknown[], path: PathStep[], ctx: Ctx): Finding[] {
  const findings: Finding[] = [];
  groups.forEach((group, g) => {
    asArray(group).forEach((s, j) => {
      const step = asObj(s);
      if (step) findings.push(...checkCall(step, [...path, g, j], ctx));
    });
  });
  return findings;
}
