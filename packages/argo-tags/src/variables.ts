import { expressionRefs, type PathStep, stringsIn } from './refs.js';
import { findTags, looksLikeArgoVariable } from './tags.js';

/** The rule a variable problem breaks: an Argo variable that does not resolve, or a non-Argo tag where Argo is strict. */
export type VariableRule = 'validity/unknown-variable' | 'validity/unresolved-tag';

/** A tag that would not resolve, at the path of the string holding it. */
export interface VariableFinding {
  readonly path: PathStep[];
  readonly rule: VariableRule;
  readonly message: string;
}

/**
 * Which Argo variables resolve where (workflow/validate/validate.go of v4.1.2): the scope of a template, task or step,
 * and the check of every `{{…}}` / `{{=…}}` in a value against it.
 */
export interface Scope {
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
  /** When withItems lists only maps: the keys all of them have (`{{item.x}}` must name one). */
  readonly itemKeys?: ReadonlySet<string> | undefined;
  /** Argo resolves tags strictly here (withItems/withParam/withSequence expansion): unknown tags fail at run time. */
  readonly strict: boolean;
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
export function checkVariables(value: unknown, path: PathStep[], scope: Scope): VariableFinding[] {
  const findings: VariableFinding[] = [];
  for (const [s, p] of stringsIn(value, path)) {
    for (const tag of findTags(s)) {
      const problem =
        tag.kind === 'expression' ? checkExpression(tag.text, scope) : checkSimple(tag.text, tag.raw, scope);
      if (problem) findings.push({ path: p, ...problem });
    }
  }
  return findings;
}

type VariableProblem = { rule: VariableRule; message: string };

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
    if (!scope.item) return `{{${text}}} used outside withItems/withParam/withSequence`;
    const key = text.split('.')[1];
    if (key !== undefined && scope.itemKeys && !scope.itemKeys.has(key))
      return `{{${text}}}: the withItems maps have no key "${key}" (they have ${[...scope.itemKeys].join(', ') || 'no common key'})`;
    return undefined;
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
