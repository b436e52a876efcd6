import { asWritten, replaceTags } from '@data-pipeline/argo-tags';

// The tag grammar (where a tag starts and ends, `{{=`, Argo's variable roots) has one home: @data-pipeline/argo-tags.
export {
  ARGO_VARIABLE_PREFIXES,
  type ExpressionRef,
  expressionRefs,
  findTags,
  looksLikeArgoVariable,
  stringsIn,
  type Tag,
} from '@data-pipeline/argo-tags';

/**
 * Argo's non-strict simple-tag substitution (util/template/simple_template.go): a tag whose trimmed text is in `values`
 * is replaced; any other tag, expression tags included, is written back byte for byte.
 */
export function substituteSimpleTags(s: string, values: Readonly<Record<string, string>>): string {
  return replaceTags(s, (tag) => (tag.kind === 'simple' ? values[tag.text] : undefined) ?? asWritten(tag));
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
