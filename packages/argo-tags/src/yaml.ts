import { type Document, LineCounter, parseAllDocuments } from 'yaml';

// YAML as go-yaml (Kubernetes, the argo CLI) reads it, where the `yaml` package reads it differently.

/**
 * YAML 1.1 as go-yaml resolves it: a plain scalar is a float only when it is a number (`.5`, `1.`, `1.5e3`), so a bare
 * `.` (a directory argument) stays the string it is; the `yaml` package's 1.1 float pattern also matches `.`.
 */
const GO_FLOAT = /^[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)$/;

export function parseGoLike(text: string, lineCounter: LineCounter) {
  return parseAllDocuments(text, {
    lineCounter,
    prettyErrors: false,
    version: '1.1',
    customTags: (tags) =>
      tags.map((t) =>
        typeof t === 'object' &&
        'test' in t &&
        t.tag === 'tag:yaml.org,2002:float' &&
        t.format === undefined &&
        t.test?.test('.')
          ? { ...t, test: GO_FLOAT }
          : t,
      ),
  });
}

/**
 * Indents the continuation lines of multi-line flow collections (`[ … ]`, `{ … }`) and quoted scalars that stand at or
 * left of the line that opened them, so that the `yaml` package reads them the way go-yaml does. Block scalars (`|`,
 * `>`) and comments are skipped; quotes open a scalar only where a scalar can start.
 */
export function indentFlowContinuations(text: string): string {
  const lines = text.split('\n');
  let depth = 0;
  let quote: '"' | "'" | undefined;
  let base = -1; // indentation of the line that opened the open construct
  let blockIndent = -1; // inside a block scalar: the indentation of its parent line
  const indentOf = (line: string) => line.length - line.trimStart().length;
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n] as string;
    const open = depth > 0 || quote !== undefined;
    if (!open && blockIndent >= 0) {
      if (line.trim() === '' || indentOf(line) > blockIndent) continue;
      blockIndent = -1;
    }
    if (open && line.trim() !== '' && indentOf(line) <= base) {
      line = ' '.repeat(base - indentOf(line) + 2) + line;
      lines[n] = line;
    }
    if (!open) base = indentOf(line);
    let canStart = true; // a quoted scalar or flow collection may start here
    for (let i = open ? 0 : indentOf(line); i < line.length; i++) {
      const c = line[i] as string;
      if (quote === '"') {
        if (c === '\\') i++;
        else if (c === '"') quote = undefined;
        continue;
      }
      if (quote === "'") {
        if (c === "'" && line[i + 1] === "'") i++;
        else if (c === "'") quote = undefined;
        continue;
      }
      if (c === ' ' || c === '\t') continue;
      if (c === '#' && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) break;
      if ((c === '"' || c === "'") && canStart) {
        quote = c;
        continue;
      }
      if ((c === '[' || c === '{') && (canStart || depth > 0)) {
        depth++;
        canStart = true;
        continue;
      }
      if ((c === ']' || c === '}') && depth > 0) {
        depth--;
        canStart = false;
        continue;
      }
      if (c === ',' && depth > 0) {
        canStart = true;
        continue;
      }
      if ((c === '-' || c === '?' || c === ':') && /[\s]/.test(line[i + 1] ?? ' ')) {
        canStart = true;
        continue;
      }
      if (c === ':' && depth > 0) {
        canStart = true;
        continue;
      }
      if (
        depth === 0 &&
        (c === '|' || c === '>') &&
        canStart &&
        /^[|>][-+0-9]*\s*(#.*)?$/.test(line.slice(i))
      ) {
        blockIndent = base;
        break;
      }
      // a plain scalar: runs to `: `, ` #`, or (in flow) to `,]}`
      canStart = false;
      while (i + 1 < line.length) {
        const d = line[i + 1] as string;
        if (depth > 0 && (d === ',' || d === ']' || d === '}')) break;
        if (d === ':' && /\s/.test(line[i + 2] ?? ' ')) break;
        if (d === ' ' && line[i + 2] === '#') break;
        i++;
      }
    }
  }
  return lines.join('\n');
}

/** A YAML stream read as go-yaml reads it, with positions: every document, and the line of any source offset. */
export interface YamlStream {
  readonly documents: ReturnType<typeof parseGoLike>;
  readonly lineAt: (offset: number) => number;
}

/**
 * Reads every document of a YAML stream as YAML 1.1, as Kubernetes and the argo CLI read manifests (go-yaml):
 * `0400` is octal 256, `yes`/`no` are booleans, a bare `.` is a string. go-yaml accepts flow collections and quoted
 * scalars whose continuation lines are not indented past their parent (Argo's own examples write `args: ["` … `"]`
 * that way); the `yaml` package does not, so a stream with syntax errors is read again with those continuation lines
 * indented (`indentFlowContinuations`: no value and no line number changes), used only when it then parses cleanly —
 * real syntax errors are reported as written. Documents keep their errors; values are read with `toYamlValue`.
 */
export function readYamlStream(text: string): YamlStream {
  let lineCounter = new LineCounter();
  let documents = parseGoLike(text, lineCounter);
  if (documents.some((d) => d.errors.length > 0)) {
    const repaired = indentFlowContinuations(text);
    if (repaired !== text) {
      const retryCounter = new LineCounter();
      const retry = parseGoLike(repaired, retryCounter);
      if (retry.every((d) => d.errors.length === 0)) {
        documents = retry;
        lineCounter = retryCounter;
      }
    }
  }
  const counter = lineCounter;
  return { documents, lineAt: (offset) => counter.linePos(offset).line };
}

/**
 * Aliases a document may expand before it is refused: go-yaml refuses "excessive aliasing" (an alias bomb) too, and
 * a real manifest uses a handful.
 */
export const MAX_ALIAS_COUNT = 1000;

/** A document's plain value; throws (the `yaml` package's error) on an alias bomb. */
export function toYamlValue(document: Document.Parsed): unknown {
  return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
}
