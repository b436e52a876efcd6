/** A path into a parsed YAML value: map keys and sequence indexes. */
export type PathStep = string | number;

/** A variable an expression tag refers to, e.g. `workflow.parameters['run-date']` → workflow.parameters.run-date. */
export interface ExpressionRef {
  readonly root: 'workflow.parameters' | 'inputs.parameters' | 'tasks' | 'steps' | 'item';
  readonly name: string;
  /** For tasks/steps: the rest after the name, e.g. `outputs.parameters.x`. */
  readonly rest?: string;
}

const PARAM_REF = /\b(workflow|inputs)\.parameters(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['"]([^'"]+)['"]\s*\])/g;
const NODE_REF =
  /\b(tasks|steps)(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['"]([^'"]+)['"]\s*\])((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\s*['"][^'"]+['"]\s*\])*)/g;

/** The Argo variables an expression mentions (string literals are not parsed as code, good enough for lint). */
export function expressionRefs(expression: string): ExpressionRef[] {
  const refs: ExpressionRef[] = [];
  for (const m of expression.matchAll(PARAM_REF)) {
    const name = m[2] ?? m[3] ?? '';
    refs.push({ root: m[1] === 'workflow' ? 'workflow.parameters' : 'inputs.parameters', name });
  }
  for (const m of expression.matchAll(NODE_REF)) {
    const name = m[2] ?? m[3] ?? '';
    const rest = (m[4] ?? '').replace(/\[\s*['"]([^'"]+)['"]\s*\]/g, '.$1').replace(/^\./, '');
    refs.push({ root: m[1] === 'tasks' ? 'tasks' : 'steps', name, rest });
  }
  if (/(^|[^.\w'"])item\b/.test(expression)) refs.push({ root: 'item', name: 'item' });
  return refs;
}

/** Every string inside a value, with its path. */
export function* stringsIn(value: unknown, path: PathStep[] = []): Generator<[string, PathStep[]]> {
  if (typeof value === 'string') {
    yield [value, path];
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* stringsIn(value[i], [...path, i]);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) yield* stringsIn(v, [...path, k]);
  }
}

/** `a.b[0].c`: a path as messages show it. */
export function formatPath(path: readonly PathStep[]): string {
  let out = '';
  for (const step of path) {
    if (typeof step === 'number') out += `[${step}]`;
    else out += out === '' ? step : `.${step}`;
  }
  return out;
}
