/**
 * Argo's `{{...}}` substitution (util/template in argo-workflows):
 * - a simple tag `{{ name }}` is looked up (trimmed) in a flat scope (`inputs.parameters.x`, `tasks.t.outputs.parameters.y`, `item`, ...);
 * - an expression tag `{{=expr}}` is evaluated with expr-lang over the scope expanded into nested maps plus the function map;
 * - a tag that is not an Argo variable (neither `item` nor starting with item., steps., inputs., outputs., pod., workflow.,
 *   tasks. — Argo's `checkValidWorkflowVariablePrefix`) is left exactly as written, so Jinja such as `{{ ds_nodash }}`
 *   reaches the operator;
 * - an Argo variable that cannot be resolved is an error (Argo rejects it at submit time).
 * The tag grammar itself (where a tag starts and ends, `=`, the Argo variable roots) is `@data-pipeline/argo-tags`.
 */
import { asWritten, looksLikeArgoVariable, replaceTags } from '@data-pipeline/argo-tags';
import { ExprError, evaluateExpr, formatValue, type Value } from './expr.js';
import { builtinFunctions, type Clock } from './functions.js';

export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

export type Scope = Readonly<Record<string, string>>;

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
  return replaceTags(text, (tag) => {
    if (tag.kind === 'expression') {
      const value = evaluateExpression(tag.raw.slice(1), scope, opts.clock, opts.where);
      if (value === null) throw new TemplateError(`${opts.where}: {{${tag.raw}}} evaluated to nil`);
      return formatValue(value);
    }
    const value = scope[tag.text];
    if (value !== undefined) return value;
    if (looksLikeArgoVariable(tag.text))
      throw new TemplateError(`${opts.where}: failed to resolve {{${tag.raw}}}`);
    return asWritten(tag);
  });
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
