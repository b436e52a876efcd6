/**
 * Argo Workflows' `{{…}}` tags, as its template engine (valyala/fasttemplate under argo-workflows `util/template`) sees
 * them: a tag runs from a `{{` to the NEXT `}}`; nothing nests, nothing is escaped, an unterminated `{{` is plain text.
 * The one scanner of the repo: `@data-pipeline/local` substitutes with it, `@data-pipeline/lint` checks with it.
 */

/** Where a tag stands in a text. */
export interface TagSpan {
  /** Index of its opening `{{`. */
  readonly start: number;
  /** Index just after its closing `}}`. */
  readonly end: number;
  /** The text between the braces, untrimmed (Argo writes an unresolved tag back byte for byte). */
  readonly raw: string;
}

/** A tag read: `{{=…}}` is an expression (expr-lang), anything else a simple tag (a variable name, or Jinja). */
export interface Tag {
  /** The text between the braces, untrimmed. */
  readonly raw: string;
  /** `expression` when the raw text starts with `=` (no space before it), else `simple`. */
  readonly kind: 'simple' | 'expression';
  /** Trimmed name (simple) or the expression source without `=`, trimmed (expression). */
  readonly text: string;
}

/** Every tag of `text`, left to right. */
export function* tagSpans(text: string): Generator<TagSpan> {
  let from = 0;
  for (;;) {
    const start = text.indexOf('{{', from);
    if (start < 0) return;
    const close = text.indexOf('}}', start + 2);
    if (close < 0) return;
    yield { start, end: close + 2, raw: text.slice(start + 2, close) };
    from = close + 2;
  }
}

export function parseTag(raw: string): Tag {
  return raw.startsWith('=')
    ? { raw, kind: 'expression', text: raw.slice(1).trim() }
    : { raw, kind: 'simple', text: raw.trim() };
}

export function findTags(text: string): Tag[] {
  return Array.from(tagSpans(text), (span) => parseTag(span.raw));
}

/** `text` with every tag replaced by `replace(tag)`; return `` `{{${tag.raw}}}` `` to keep a tag as written. */
export function replaceTags(text: string, replace: (tag: Tag) => string): string {
  let out = '';
  let from = 0;
  for (const { start, end, raw } of tagSpans(text)) {
    out += text.slice(from, start) + replace(parseTag(raw));
    from = end;
  }
  return out + text.slice(from);
}

/** The tag written back exactly as it stood. */
export function asWritten(tag: Tag): string {
  return `{{${tag.raw}}}`;
}

/** Roots Argo's validator treats as its own variables (workflow/common GlobalVarValidWorkflowVariablePrefix). */
export const ARGO_VARIABLE_PREFIXES = [
  'item.',
  'steps.',
  'inputs.',
  'outputs.',
  'pod.',
  'workflow.',
  'tasks.',
] as const;

/**
 * Whether a simple tag's trimmed text names an Argo variable (`item` itself, or one of the prefixes). Argo rejects such a
 * tag when it cannot resolve it; any other tag (Airflow Jinja such as `{{ ds_nodash }}`) it leaves as written.
 */
export function looksLikeArgoVariable(text: string): boolean {
  return text === 'item' || ARGO_VARIABLE_PREFIXES.some((p) => text.startsWith(p));
}
