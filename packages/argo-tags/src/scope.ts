import { ancestors, dagDependencies } from './dag.js';
import type { PathStep } from './refs.js';
import { checkVariables, type Scope, type VariableFinding } from './variables.js';

type Obj = Record<string, unknown>;

const asObj = (v: unknown): Obj | undefined =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : undefined;
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const names = (list: unknown): string[] =>
  asArray(list)
    .map((p) => asObj(p)?.name)
    .filter((n): n is string => typeof n === 'string');

const hasItems = (node: Obj) =>
  node.withItems !== undefined || node.withParam !== undefined || node.withSequence !== undefined;

/** The keys every item has when `withItems` lists only maps (`{{item.key}}` must name one); otherwise undefined. */
function itemKeys(node: Obj): ReadonlySet<string> | undefined {
  if (!Array.isArray(node.withItems) || node.withItems.length === 0) return undefined;
  const maps = node.withItems.map(asObj);
  if (maps.some((m) => m === undefined)) return undefined;
  const [first, ...rest] = maps as Obj[];
  return new Set(Object.keys(first ?? {}).filter((k) => rest.every((m) => Object.hasOwn(m, k))));
}

/** workflow_types.go HasExitHook: a `hooks.exit`, or the older `onExit` of a step/task. */
const hasExitHook = (node: Obj) =>
  asObj(asObj(node.hooks)?.exit) !== undefined || typeof node.onExit === 'string';

/**
 * Every `{{…}}` of a workflow spec checked against the variables in scope where it stands, per template kind
 * (validate.go resolveAllVariables of v4.1.2): workflow-level fields see workflow variables; a leaf template its inputs
 * and own outputs; a DAG task the outputs of its dependencies (and its own, in an exit hook); a step those of earlier
 * step groups; `item` only under withItems/withParam/withSequence, where Argo also resolves every tag strictly.
 * `library`: the spec is a WorkflowTemplate's, whose `workflow.parameters.*` the caller may supply.
 */
export function checkSpecVariables(spec: Obj, base: PathStep[], library: boolean): VariableFinding[] {
  const findings: VariableFinding[] = [];
  const workflowParams = new Set(names(asObj(spec.arguments)?.parameters));
  const templates = asArray(spec.templates);
  const byName = new Map<string, Obj>();
  for (const t of templates) {
    const o = asObj(t);
    if (o && typeof o.name === 'string' && !byName.has(o.name)) byName.set(o.name, o);
  }
  const outputsOf = (templateName: unknown): ReadonlySet<string> | undefined => {
    const t = typeof templateName === 'string' ? byName.get(templateName) : undefined;
    return t ? new Set(names(asObj(t.outputs)?.parameters)) : undefined;
  };

  // Workflow-level fields (arguments, volumes, metadata...) see only workflow variables.
  const globalScope: Scope = { workflowParams, library, item: false, strict: false };
  for (const key of Object.keys(spec)) {
    if (key === 'templates') continue;
    findings.push(...checkVariables(spec[key], [...base, key], globalScope));
  }

  templates.forEach((t, i) => {
    const tmpl = asObj(t);
    if (!tmpl) return;
    const tPath = [...base, 'templates', i];
    const inputs = new Set(names(asObj(tmpl.inputs)?.parameters));
    const own: Scope = { workflowParams, library, inputs, item: false, strict: false };
    const dag = asObj(tmpl.dag);
    if (dag) {
      const dagPath = [...tPath, 'dag'];
      findings.push(
        ...checkVariables(
          Object.fromEntries(Object.entries(dag).filter(([k]) => k !== 'tasks')),
          dagPath,
          own,
        ),
      );
      const tasks = asArray(dag.tasks)
        .map((task, j) => ({ task: asObj(task), j }))
        .filter((x): x is { task: Obj; j: number } => x.task !== undefined);
      const deps = dagDependencies(tasks.map(({ task }) => task));
      const outputsByTask = new Map<string, ReadonlySet<string> | undefined>();
      for (const { task } of tasks) outputsByTask.set(String(task.name), outputsOf(task.template));
      for (const { task, j } of tasks) {
        const upstream = ancestors(String(task.name), deps);
        // An exit hook runs after its own task: its arguments may read that task's outputs (validate.go HasExitHook).
        if (hasExitHook(task)) upstream.add(String(task.name));
        const scope: Scope = {
          ...own,
          nodes: { kind: 'tasks', byName: outputsByTask, upstream },
          item: hasItems(task),
          itemKeys: itemKeys(task),
          strict: hasItems(task),
        };
        findings.push(...checkVariables(task, [...dagPath, 'tasks', j], scope));
      }
    } else if (Array.isArray(tmpl.steps)) {
      const seen = new Map<string, ReadonlySet<string> | undefined>();
      tmpl.steps.forEach((group, g) => {
        const earlier = new Set(seen.keys());
        const inGroup: Array<[Obj, number]> = [];
        asArray(group).forEach((s, k) => {
          const step = asObj(s);
          if (step) inGroup.push([step, k]);
        });
        for (const [step, k] of inGroup) {
          let visible: ReadonlyMap<string, ReadonlySet<string> | undefined> = seen;
          let upstream: ReadonlySet<string> = earlier;
          if (hasExitHook(step)) {
            // An exit hook runs after its own step: its arguments may read that step's outputs.
            const self = String(step.name);
            visible = new Map([...seen, [self, outputsOf(step.template)]]);
            upstream = new Set([...earlier, self]);
          }
          const scope: Scope = {
            ...own,
            nodes: { kind: 'steps', byName: visible, upstream },
            item: hasItems(step),
            itemKeys: itemKeys(step),
            strict: hasItems(step),
          };
          findings.push(...checkVariables(step, [...tPath, 'steps', g, k], scope));
        }
        for (const [step] of inGroup) seen.set(String(step.name), outputsOf(step.template));
      });
    } else {
      // A leaf template: its own fields see inputs, workflow parameters and its own outputs.
      findings.push(...checkVariables(tmpl, tPath, own));
    }
  });
  return findings;
}
