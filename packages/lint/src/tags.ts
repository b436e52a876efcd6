/** A `{{...}}` tag as Argo's fasttemplate sees it: text between `{{` and the next `}}`. */
export interface Tag {
  /** Text between the braces, untrimmed (Argo writes unresolved tags back byte for byte). */
  readonly raw: string;
  /** `expression` for `{{=...}}`, else `simple`. */
  readonly kind: 'simple' | 'expression';
  /** Trimmed text (simple) or the expression source without `=` (expression). */
  readonly text: string;
}

/** Where each tag stands: `{{` at `start`, the text `raw`, and the first index after its `}}` at `next`. */
function* tagSpans(s: string): Generator<{ start: number; raw: string; next: number }> {
  let from = 0;
  for (;;) {
    const start = s.indexOf('{{', from);
    if (start < 0) return;
    const end = s.indexOf('}}', start + 2);
    if (end < 0) return;
    yield { start, raw: s.slice(start + 2, end), next: end + 2 };
    from = end + 2;
  }
}

export function findTags(s: string): Tag[] {
  const tags: Tag[] = [];
  for (const { raw } of tagSpans(s)) {
    if (raw.startsWith('=')) tags.push({ raw, kind: 'expression', text: raw.slice(1).trim() });
    else tags.push({ raw, kind: 'simple', text: raw.trim() });
  }
  return tags;
}

/** Root names Argo's validator treats as its own variables (workflow/common/common.go GlobalVarValidWorkflowVariablePrefix). */
export const ARGO_VARIABLE_PREFIXES = [
  'item.',
  'steps.',
  'inputs.',
  'outputs.',
  'pod.',
  'workflow.',
  'tasks.',
] as const;

export function looksLikeArgoVariable(text: string): boolean {
  return text === 'item' || ARGO_VARIABLE_PREFIXES.some((p) => text.startsWith(p));
}

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
export function* stringsIn(
  value: unknown,
  path: (string | number)[] = [],
): Generator<[string, (string | number)[]]> {
  if (typeof value === 'string') {
    yield [value, path];
  } else if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) yield* stringsIn(value[i], [...path, i]);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) yield* stringsIn(v, [...path, k]);
  }
}

/**
 * Argo's non-strict simple-tag substitution (util/template/simple_template.go): a tag whose trimmed text is in `values`
 * is replaced; any other tag, expression tags included, is written back byte for byte.
 */
export function substituteSimpleTags(s: string, values: Readonly<Record<string, string>>): string {
  let out = '';
  let from = 0;
  for (const { start, raw, next } of tagSpans(s)) {
    const value = raw.startsWith('=') ? undefined : values[raw.trim()];
    out += s.slice(from, start) + (value ?? `{{${raw}}}`);
    from = next;
  }
  return out + s.slice(from);
}

const JINJA_WORDS = new Set([
  'and',
  'or',
  'not',
  'in',
  'is',
  'if',
  'else',
  'true',
  'false',
  'none',
  'True',
  'False',
  'None',
]);

/** Top-level names a Jinja expression reads (`macros.ds_add(ds, -7)` → macros, ds); filters and literals excluded. */
export function jinjaNames(expression: string): string[] {
  const code = expression.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "''").split('|')[0] ?? '';
  const names = new Set<string>();
  for (const m of code.matchAll(/(?<![\w.])([A-Za-z_]\w*)/g)) {
    const name = m[1] as string;
    if (!JINJA_WORDS.has(name)) names.add(name);
  }
  return [...names];
}
