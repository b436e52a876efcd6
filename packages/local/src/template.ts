/**
 * Argo's `{{...}}` substitution (util/template in argo-workflows):
 * - a simple tag `{{ name }}` is looked up (trimmed) in a flat scope (`inputs.parameters.x`, `tasks.t.outputs.parameters.y`, `item`, ...);
 * - an expression tag `{{=expr}}` is evaluated with expr-lang over the scope expanded into nested maps plus the function map;
 * - a tag that is not an Argo variable (not starting with item, steps., inputs., outputs., pod., workflow., tasks. — Argo's
 *   `checkValidWorkflowVariablePrefix`) is left exactly as written, so Jinja such as `{{ ds_nodash }}` reaches the operator;
 * - an Argo variable that cannot be resolved is an error (Argo rejects it at submit time).
 */
import { ExprError, evaluateExpr, formatValue, type Value } from './expr.js';
import { builtinFunctions, type Clock } from './functions.js';

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

export type Scope = Readonly<Record<string, string>>;

const ARGO_PREFIXES = ['item', 'steps.', 'inputs.', 'outputs.', 'pod.', 'workflow.', 'tasks.'];

export function isArgoVariable(tag: string): boolean {
  return ARGO_PREFIXES.some((p) => tag.startsWith(p));
}

/** Expands `a.b.c` keys into nested maps (the expression environment). A key that is both a leaf and a prefix keeps the map. */
export function expandScope(scope: Scope): Record<string, Value> {
  const root: Record<string, Value> = {};
  const keys = Object.keys(scope).sort((a, b) => a.split('.').length - b.split('.').length);
  for (const key of keys) {
    const parts = key.split('.');
    let node: Record<string, Value> = root;
    let ok = true;
    for (const part of parts.slice(0, -1)) {
      const next = node[part];
      if (next === undefined || typeof next === 'string') {
        const child: Record<string, Value> = {};
        node[part] = child;
        node = child;
      } else if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
        node = next as Record<string, Value>;
      } else {
        ok = false;
        break;
      }
    }
    const leaf = parts.at(-1)!;
    if (ok && node[leaf] === undefined) node[leaf] = scope[key]!;
  }
  return root;
}

export interface SubstituteOptions {
  readonly clock: Clock;
  /** Where the text comes from, for error messages (a YAML path). */
  readonly where: string;
}

/** Finds `{{ ... }}` tags like fasttemplate: from `{{` to the next `}}`. */
function* tags(text: string): Generator<{ start: number; end: number; tag: string }> {
  let i = 0;
  for (;;) {
    const start = text.indexOf('{{', i);
    if (start < 0) return;
    const end = text.indexOf('}}', start + 2);
    if (end < 0) return;
    yield { start, end: end + 2, tag: text.slice(start + 2, end) };
    i = end + 2;
  }
}

export function hasTags(text: string): boolean {
  return !tags(text).next().done;
}

export function evaluateExpression(expression: string, scope: Scope, clock: Clock, where: string): Value {
  const env = { ...expandScope(scope), ...builtinFunctions(clock) };
  try {
    return evaluateExpr(expression, env);
  } catch (e) {
    if (e instanceof ExprError)
      throw new TemplateError(`${where}: cannot evaluate {{=${expression}}}: ${e.message}`);
    throw e;
  }
}

export function substitute(text: string, scope: Scope, opts: SubstituteOptions): string {
  let out = '';
  let last = 0;
  for (const { start, end, tag } of tags(text)) {
    out += text.slice(last, start);
    last = end;
    if (tag.startsWith('=')) {
      const value = evaluateExpression(tag.slice(1), scope, opts.clock, opts.where);
      if (value === null) throw new TemplateError(`${opts.where}: {{${tag}}} evaluated to nil`);
      out += formatValue(value);
      continue;
    }
    const name = tag.trim();
    const value = scope[name];
    if (value !== undefined) {
      out += value;
    } else if (isArgoVariable(name)) {
      throw new TemplateError(`${opts.where}: failed to resolve {{${tag}}}`);
    } else {
      out += `{{${tag}}}`;
    }
  }
  return out + text.slice(last);
}

/** Substitutes every string inside a JSON-like value (keys stay as they are). */
export function substituteDeep<T>(value: T, scope: Scope, opts: SubstituteOptions): T {
  const walk = (v: unknown, where: string): unknown => {
    if (typeof v === 'string') return substitute(v, scope, { ...opts, where });
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${where}[${i}]`));
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, `${where}.${k}`)]));
    return v;
  };
  return walk(value, opts.where) as T;
}
