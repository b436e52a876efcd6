import { templateContext } from '@data-pipeline/airflow-templates';
import { EXIT_CLASSES } from '@data-pipeline/runner';
import {
  asArray,
  asObj,
  checkCommand,
  checkContainer,
  checkImage,
  checkSecretVolumes,
  type ImagePolicy,
} from './pods.js';
import type { Finding, PathStep, RuleId } from './source.js';
import { expressionRefs, findTags, jinjaNames, looksLikeArgoVariable, stringsIn } from './tags.js';

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

interface Scope {
  readonly workflowParams: ReadonlySet<string>;
  /**
   * Validating a WorkflowTemplate on its own: its `workflow.parameters.*` may come from the Workflow that uses it
   * (validate.go resolveAllVariables, `workflowTemplateValidation`), so they are not checked.
   */
  readonly library: boolean;
  readonly inputs?: ReadonlySet<string>;
  /** tasks/steps visible from here: name → output parameter names, and whether it is an upstream dependency. */
  readonly nodes?: {
    kind: 'tasks' | 'steps';
    byName: ReadonlyMap<string, ReadonlySet<string> | undefined>;
    upstream: ReadonlySet<string>;
  };
  readonly item: boolean;
  /** Argo resolves tags strictly here (withItems/withParam/withSequence expansion): unknown tags fail at run time. */
  readonly strict: boolean;
}

const names = (list: unknown): string[] =>
  asArray(list)
    .map((p) => asObj(p)?.name)
    .filter((n): n is string => typeof n === 'string');

const hasItems = (node: Obj) =>
  node.withItems !== undefined || node.withParam !== undefined || node.withSequence !== undefined;

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
  const podSecurity = asObj(spec.securityContext);
  const entrypoint = spec.entrypoint;

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

  // Workflow-level fields (arguments, volumes, metadata...) see only workflow variables.
  const globalScope: Scope = { workflowParams: params, library, item: false, strict: false };
  for (const key of Object.keys(spec)) {
    if (key === 'templates') continue;
    findings.push(...checkVariables(spec[key], [...base, key], globalScope));
  }

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
        ...checkDag(dag, [...tPath, 'dag'], { byName, inputs, params, library, registry, outputsOf }),
      );
    } else if (steps) {
      findings.push(
        ...checkSteps(steps, [...tPath, 'steps'], { byName, inputs, params, library, registry, outputsOf }),
      );
    } else {
      // A leaf template: its own fields see inputs, workflow parameters and its own outputs.
      const scope: Scope = {
        workflowParams: params,
        library,
        inputs,
        item: false,
        strict: false,
      };
      findings.push(...checkVariables(tmpl, tPath, scope));
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
  const taskNames = new Map<string, number>();
  for (const { task, i } of tasks) {
    if (typeof task.name !== 'string') continue;
    if (taskNames.has(task.name))
      findings.push({
        path: [...path, 'tasks', i, 'name'],
        rule: 'validity/reference',
        message: `duplicate task "${task.name}"`,
      });
    taskNames.set(task.name, i);
  }
  const deps = new Map<string, string[]>();
  for (const { task, i } of tasks) {
    const tName = String(task.name);
    const list: string[] = [];
    asArray(task.dependencies).forEach((d, j) => {
      if (typeof d !== 'string' || !taskNames.has(d)) {
        findings.push({
          path: [...path, 'tasks', i, 'dependencies', j],
          rule: 'validity/reference',
          message: `task "${tName}" depends on unknown task "${String(d)}"`,
        });
      } else list.push(d);
    });
    if (typeof task.depends === 'string') {
      for (const d of dependsNames(task.depends)) {
        if (!taskNames.has(d)) {
          findings.push({
            path: [...path, 'tasks', i, 'depends'],
            rule: 'validity/reference',
            message: `task "${tName}" depends on unknown task "${d}"`,
          });
        } else list.push(d);
      }
    }
    deps.set(tName, list);
  }
  const cycle = findCycle(deps);
  if (cycle) {
    const first = taskNames.get(cycle[0] ?? '') ?? 0;
    findings.push({
      path: [...path, 'tasks', first],
      rule: 'validity/dependency-cycle',
      message: `dependency cycle: ${cycle.join(' -> ')}`,
    });
  }
  if (typeof dag.target === 'string' && !dag.target.includes('{{')) {
    for (const t of dag.target.split(' ').filter(Boolean)) {
      if (!taskNames.has(t))
        findings.push({
          path: [...path, 'target'],
          rule: 'validity/reference',
          message: `target "${t}" is not a task of this DAG`,
        });
    }
  }
  findings.push(
    ...checkVariables(Object.fromEntries(Object.entries(dag).filter(([k]) => k !== 'tasks')), path, {
      workflowParams: ctx.params,
      library: ctx.library,
      inputs: ctx.inputs,
      item: false,
      strict: false,
    }),
  );
  const outputsByTask = new Map<string, ReadonlySet<string> | undefined>();
  for (const { task } of tasks) outputsByTask.set(String(task.name), ctx.outputsOf(task.template));
  for (const { task, i } of tasks) {
    const tPath = [...path, 'tasks', i];
    findings.push(...checkCall(task, tPath, ctx));
    const upstream = ancestors(String(task.name), deps);
    // An exit hook runs after its own task: its arguments may read that task's outputs (validate.go HasExitHook).
    if (hasExitHook(task)) upstream.add(String(task.name));
    const scope: Scope = {
      workflowParams: ctx.params,
      library: ctx.library,
      inputs: ctx.inputs,
      nodes: { kind: 'tasks', byName: outputsByTask, upstream },
      item: hasItems(task),
      strict: hasItems(task),
    };
    findings.push(...checkVariables(task, tPath, scope));
  }
  return findings;
}

function checkSteps(groups: unknown[], path: PathStep[], ctx: Ctx): Finding[] {
  const findings: Finding[] = [];
  const seen = new Map<string, ReadonlySet<string> | undefined>();
  groups.forEach((group, g) => {
    const earlier = new Set(seen.keys());
    const inGroup: Array<[Obj, number]> = [];
    asArray(group).forEach((s, j) => {
      const step = asObj(s);
      if (step) inGroup.push([step, j]);
    });
    for (const [step, j] of inGroup) {
      const sPath = [...path, g, j];
      findings.push(...checkCall(step, sPath, ctx));
      let visible: ReadonlyMap<string, ReadonlySet<string> | undefined> = seen;
      let upstream: ReadonlySet<string> = earlier;
      if (hasExitHook(step)) {
        // An exit hook runs after its own step: its arguments may read that step's outputs.
        const self = String(step.name);
        visible = new Map([...seen, [self, ctx.outputsOf(step.template)]]);
        upstream = new Set([...earlier, self]);
      }
      const scope: Scope = {
        workflowParams: ctx.params,
        library: ctx.library,
        inputs: ctx.inputs,
        nodes: { kind: 'steps', byName: visible, upstream },
        item: hasItems(step),
        strict: hasItems(step),
      };
      findings.push(...checkVariables(step, sPath, scope));
    }
    for (const [step] of inGroup) seen.set(String(step.name), ctx.outputsOf(step.template));
  });
  return findings;
}

/** workflow_types.go HasExitHook: a `hooks.exit`, or the older `onExit` of a step/task. */
const hasExitHook = (node: Obj) =>
  asObj(asObj(node.hooks)?.exit) !== undefined || typeof node.onExit === 'string';

/** Task names in a `depends` expression such as `(a.Succeeded || b) && !c.Failed`. */
export function dependsNames(expression: string): string[] {
  return expression
    .replace(/[()!]/g, ' ')
    .split(/&&|\|\|/)
    .map((s) =>
      s.trim().replace(/\.(Succeeded|Failed|Errored|Skipped|Omitted|Daemoned|AnySucceeded|AllFailed)$/, ''),
    )
    .filter(Boolean);
}

function ancestors(task: string, deps: ReadonlyMap<string, string[]>): Set<string> {
  const out = new Set<string>();
  const stack = [...(deps.get(task) ?? [])];
  while (stack.length > 0) {
    const d = stack.pop() as string;
    if (out.has(d)) continue;
    out.add(d);
    stack.push(...(deps.get(d) ?? []));
  }
  return out;
}

/** A cycle in the dependency graph as a list of names (first repeated at the end), or undefined. */
export function findCycle(deps: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    const s = state.get(n);
    if (s === 'done') return undefined;
    if (s === 'visiting') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'visiting');
    stack.push(n);
    for (const d of deps.get(n) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of deps.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

const WORKFLOW_BUILTINS =
  /^workflow\.(name|namespace|uid|serviceAccountName|mainEntrypoint|status|failures|priority|labels(\..+)?|annotations(\..+)?|outputs\..+)$/;

/**
 * Tags Argo's validator lets through whatever follows (validate.go resolveAllVariables): an `outputs.` self reference,
 * the creation/scheduled time and duration, and the node names `tasks.name`, `steps.name`, `node.name`.
 */
const ALWAYS_RESOLVABLE =
  /^(outputs\.|workflow\.(creationTimestamp|scheduledTime|duration)|(tasks|steps|node)\.name)/;

/** Every `{{...}}` in `value` must resolve in `scope` (Argo variables), and nothing unknown may sit where Argo is strict. */
function checkVariables(value: unknown, path: PathStep[], scope: Scope): Finding[] {
  const findings: Finding[] = [];
  for (const [s, p] of stringsIn(value, path)) {
    for (const tag of findTags(s)) {
      const problem =
        tag.kind === 'expression' ? checkExpression(tag.text, scope) : checkSimple(tag.text, tag.raw, scope);
      if (problem) findings.push({ path: p, ...problem });
    }
  }
  return findings;
}

type VariableProblem = { rule: RuleId; message: string };

function checkSimple(text: string, raw: string, scope: Scope): VariableProblem | undefined {
  if (!looksLikeArgoVariable(text) && text !== 'retries') {
    return scope.strict
      ? {
          rule: 'validity/unresolved-tag',
          message: `{{${raw}}} is not an Argo variable: in a task/step with withItems/withParam/withSequence Argo resolves every tag strictly and fails at run time (keep Jinja in container templates)`,
        }
      : undefined;
  }
  const message = simpleVariableProblem(text, scope);
  return message === undefined ? undefined : { rule: 'validity/unknown-variable', message };
}

function simpleVariableProblem(text: string, scope: Scope): string | undefined {
  if (ALWAYS_RESOLVABLE.test(text)) return undefined;
  if (text === 'workflow.parameters' || text === 'workflow.parameters.json') {
    return scope.library || scope.workflowParams.size > 0
      ? undefined
      : `{{${text}}}: workflow has no parameters`;
  }
  if (text === 'item' || text.startsWith('item.')) {
    return scope.item ? undefined : `{{${text}}} used outside withItems/withParam/withSequence`;
  }
  if (text.startsWith('workflow.parameters.')) {
    const name = text.slice('workflow.parameters.'.length);
    return scope.library || scope.workflowParams.has(name)
      ? undefined
      : `{{${text}}}: workflow has no parameter "${name}"`;
  }
  if (text.startsWith('workflow.')) {
    return WORKFLOW_BUILTINS.test(text) ? undefined : `{{${text}}}: unknown workflow variable`;
  }
  if (text.startsWith('inputs.parameters.')) {
    const name = text.slice('inputs.parameters.'.length);
    return scope.inputs?.has(name) ? undefined : `{{${text}}}: template has no input parameter "${name}"`;
  }
  if (text.startsWith('inputs.'))
    return text === 'inputs.parameters' || text.startsWith('inputs.artifacts.')
      ? undefined
      : `{{${text}}}: unknown variable`;
  if (text.startsWith('tasks.') || text.startsWith('steps.')) {
    const [kind, name, ...rest] = text.split('.');
    return checkNodeRef(kind as 'tasks' | 'steps', name ?? '', rest.join('.'), scope, text);
  }
  if (text === 'pod.name' || text === 'retries') return undefined;
  return `{{${text}}}: unknown variable`;
}

function checkNodeRef(
  kind: 'tasks' | 'steps',
  name: string,
  rest: string,
  scope: Scope,
  text: string,
): string | undefined {
  if (!scope.nodes || scope.nodes.kind !== kind) return `{{${text}}}: no ${kind} in scope here`;
  if (!scope.nodes.byName.has(name))
    return `{{${text}}}: unknown ${kind === 'tasks' ? 'task' : 'step'} "${name}"`;
  if (!scope.nodes.upstream.has(name)) {
    return `{{${text}}}: "${name}" is not ${kind === 'tasks' ? 'a dependency' : 'an earlier step'}, its outputs may not exist yet`;
  }
  const m = /^outputs\.parameters\.(.+)$/.exec(rest);
  if (m) {
    const outputs = scope.nodes.byName.get(name);
    if (outputs && !outputs.has(m[1] ?? ''))
      return `{{${text}}}: template of "${name}" has no output parameter "${m[1]}"`;
  }
  return undefined;
}

function checkExpression(expression: string, scope: Scope): VariableProblem | undefined {
  const message = expressionProblem(expression, scope);
  return message === undefined ? undefined : { rule: 'validity/unknown-variable', message };
}

function expressionProblem(expression: string, scope: Scope): string | undefined {
  for (const ref of expressionRefs(expression)) {
    switch (ref.root) {
      case 'workflow.parameters':
        // `workflow.parameters.json` is the whole map as JSON (set whenever the workflow has parameters)
        if (ref.name === 'json' && (scope.workflowParams.size > 0 || scope.library)) break;
        if (!scope.library && !scope.workflowParams.has(ref.name))
          return `{{=...}}: workflow has no parameter "${ref.name}"`;
        break;
      case 'inputs.parameters':
        if (!scope.inputs?.has(ref.name)) return `{{=...}}: template has no input parameter "${ref.name}"`;
        if (scope.strict) {
          return `{{=...}} refers to inputs.parameters.${ref.name} in a task/step with withItems/withParam/withSequence; Argo evaluates it strictly without template inputs — use {{inputs.parameters.${ref.name}}} or workflow variables`;
        }
        break;
      case 'item':
        if (!scope.item) return '{{=...}} uses item outside withItems/withParam/withSequence';
        break;
      default: {
        if (ref.name === 'name' && ref.rest === '') break; // tasks.name / steps.name: the node's own name
        const problem = checkNodeRef(ref.root, ref.name, ref.rest ?? '', scope, `${ref.root}.${ref.name}`);
        if (problem) return problem;
      }
    }
  }
  return undefined;
}

/**
 * The only retry expressions whose meaning the rule can vouch for: equalities of the exit code with a literal, joined
 * by `||`. In Argo `lastRetry.exitCode` is a string (`"-1"` when unknown; workflow/controller/operator.go
 * buildRetryStrategyLocalScope), so it is compared with a quoted code or converted with asInt/int (expr-lang's int()).
 * `lastRetry.exitCode == 75` (string vs int) is never true in expr-lang and is rejected too.
 */
const EXIT_CODE_EQUALITY =
  /^\(?\s*(?:(?:asInt|int)\(\s*lastRetry\.exitCode\s*\)\s*==\s*\d+|\d+\s*==\s*(?:asInt|int)\(\s*lastRetry\.exitCode\s*\)|lastRetry\.exitCode\s*==\s*(?:'\d+'|"\d+")|(?:'\d+'|"\d+")\s*==\s*lastRetry\.exitCode)\s*\)?$/;

function retryDisjuncts(expression: string): string[] {
  return expression.split('||').map((d) => d.trim());
}

/** Retry only what the exit-code table calls retryable; the expression must name documented codes only. */
export function checkRetry(retry: unknown, tPath: PathStep[]): Finding[] {
  const r = asObj(retry);
  const path = [...tPath, 'retryStrategy'];
  if (!r)
    return [
      {
        path: tPath,
        rule: 'policy/retry',
        message: 'container template has no retryStrategy (retry exit 75 only, with backoff)',
      },
    ];
  const findings: Finding[] = [];
  if (typeof r.expression !== 'string') {
    findings.push({
      path,
      rule: 'policy/retry',
      message: 'retryStrategy has no expression: without one Argo retries every failure; retry exit 75 only',
    });
    return findings;
  }
  if (!/lastRetry\.exitCode/.test(r.expression)) {
    findings.push({
      path: [...path, 'expression'],
      rule: 'policy/retry',
      message: 'retry expression must decide on lastRetry.exitCode',
    });
  } else {
    const odd = retryDisjuncts(r.expression).find((d) => !EXIT_CODE_EQUALITY.test(d));
    if (odd !== undefined) {
      findings.push({
        path: [...path, 'expression'],
        rule: 'policy/retry',
        message:
          `retry expression part "${odd}" is not an exit-code equality: write asInt(lastRetry.exitCode) == 75 ` +
          `(or lastRetry.exitCode == '75'), joined by ||; lastRetry.exitCode is a string, and ranges or negations ` +
          'retry codes the exit-code table does not mark retryable',
      });
    }
  }
  const codes = [...r.expression.matchAll(/(?<![\w.])['"]?(\d+)['"]?(?![\w.])/g)].map((m) => Number(m[1]));
  for (const code of codes) {
    const cls = EXIT_CLASSES.find((c) => c.code === code);
    if (!cls) {
      findings.push({
        path: [...path, 'expression'],
        rule: 'policy/retry',
        message: `retry expression names exit code ${code}, which is not in the exit-code table (${EXIT_CLASSES.map((c) => c.code).join(', ')})`,
      });
    } else if (!cls.retry) {
      findings.push({
        path: [...path, 'expression'],
        rule: 'policy/retry',
        message: `retry expression names exit code ${code} (${cls.name}), which the exit-code table marks as not retryable`,
      });
    }
  }
  if (r.backoff === undefined)
    findings.push({ path, rule: 'policy/retry', message: 'retryStrategy has no backoff' });
  return findings;
}

/**
 * Output parameters are files the runner writes into `--outputs-dir`: every `valueFrom.path` must lie in that
 * directory, and with a read-only root filesystem the directory must be a mounted volume.
 */
function checkOutputsDir(tmpl: Obj, container: Obj, tPath: PathStep[], field: string): Finding[] {
  const args = asArray(container.args).filter((a): a is string => typeof a === 'string');
  const i = args.findIndex((a) => a === '--outputs-dir' || a.startsWith('--outputs-dir='));
  if (i < 0) return [];
  const dir =
    (args[i]?.startsWith('--outputs-dir=') ? args[i]?.slice('--outputs-dir='.length) : args[i + 1]) ?? '';
  const findings: Finding[] = [];
  const argPath = [...tPath, field, 'args', i];
  const mounted = asArray(container.volumeMounts).some((m) => {
    const mountPath = asObj(m)?.mountPath;
    return (
      typeof mountPath === 'string' &&
      (dir === mountPath || dir.startsWith(`${mountPath.replace(/\/$/, '')}/`))
    );
  });
  if (!mounted)
    findings.push({
      path: argPath,
      rule: 'policy/outputs-dir',
      message: `--outputs-dir ${dir} is not on a mounted volume (the root filesystem is read-only)`,
    });
  asArray(asObj(tmpl.outputs)?.parameters).forEach((p, j) => {
    const path = asObj(asObj(p)?.valueFrom)?.path;
    if (typeof path === 'string' && !path.startsWith(`${dir.replace(/\/$/, '')}/`)) {
      findings.push({
        path: [...tPath, 'outputs', 'parameters', j, 'valueFrom', 'path'],
        rule: 'policy/outputs-dir',
        message: `output parameter file ${path} is not in --outputs-dir ${dir}`,
      });
    }
  });
  return findings;
}

/** The names Airflow 1.8.2 puts in a task's template context (from @data-pipeline/airflow-templates). */
const AIRFLOW_CONTEXT_NAMES: ReadonlySet<string> = new Set(
  Object.keys(templateContext(new Date(Date.UTC(2020, 0, 1)), { dagId: 'lint', taskId: 'lint' })),
);

/**
 * Jinja in an operator container (the Airflow template fields) may only read names of Airflow 1.8.2's template
 * context: Jinja renders an unknown name as an empty string, so `{{ yesterday_ds_nodsh }}` would silently query the
 * wrong table.
 */
function checkJinja(container: Obj, path: PathStep[]): Finding[] {
  const findings: Finding[] = [];
  for (const [s, p] of stringsIn(container, path)) {
    for (const tag of findTags(s)) {
      if (tag.kind !== 'simple' || looksLikeArgoVariable(tag.text) || tag.text === 'retries') continue;
      for (const name of jinjaNames(tag.text)) {
        if (!AIRFLOW_CONTEXT_NAMES.has(name)) {
          findings.push({
            path: p,
            rule: 'policy/jinja-name',
            message: `Jinja name "${name}" in {{${tag.raw}}} is not in Airflow 1.8.2's template context (it would render as an empty string)`,
          });
        }
      }
    }
  }
  return findings;
}
