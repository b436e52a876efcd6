import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
} from 'yaml';

/** One path step into a parsed YAML value: a map key or a sequence index. */
export type PathStep = string | number;
export type YamlPath = readonly PathStep[];

/** A problem found by a rule, before it is tied to a file. */
export interface Finding {
  readonly path: YamlPath;
  readonly message: string;
}

/** A lint problem as printed: `file:line: message`. */
export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** One YAML document of a file, as plain data plus a way to find the line of any value in it. */
export interface SourceDocument {
  readonly file: string;
  readonly index: number;
  readonly value: unknown;
  /** Line (1-based) of the node at `path`, or of its nearest existing ancestor. */
  lineOf(path: YamlPath): number;
}

export interface ParsedFile {
  readonly documents: SourceDocument[];
  readonly problems: Problem[];
}

/**
 * Parses every document of a YAML stream, keeping enough to report `file:line` for any path (aliases included).
 * YAML 1.1, as Kubernetes and the argo CLI read manifests (go-yaml): `0400` is octal 256, `yes`/`no` are booleans.
 */
export function parseYamlFile(file: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, version: '1.1' });
  const problems: Problem[] = [];
  const documents: SourceDocument[] = [];
  if (!Array.isArray(docs)) {
    return { documents, problems };
  }
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  docs.forEach((doc, index) => {
    for (const error of doc.errors) {
      problems.push({
        file,
        line: lineAt(error.pos[0]),
        message: `YAML syntax: ${firstLine(error.message)}`,
      });
    }
    if (doc.errors.length > 0 || doc.contents === null) return;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 1000 });
    } catch (error) {
      problems.push({ file, line: lineAt(doc.range[0]), message: `YAML: ${firstLine(String(error))}` });
      return;
    }
    if (value === null || value === undefined) return;
    const root = doc.contents as Node;
    documents.push({
      file,
      index,
      value,
      lineOf(path) {
        let node: Node | null | undefined = root;
        let best = node.range?.[0] ?? 0;
        for (const step of path) {
          node = resolveAlias(node, doc);
          if (!node) break;
          let next: unknown;
          if (isMap(node)) {
            const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step));
            if (pair && isScalar(pair.key) && pair.key.range) best = pair.key.range[0];
            next = pair?.value;
          } else if (isSeq(node) && typeof step === 'number') {
            next = node.items[step];
          } else {
            break;
          }
          if (!next || typeof next !== 'object') break;
          node = next as Node;
          if (typeof step === 'number' && node.range) best = node.range[0];
        }
        return lineAt(best);
      },
    });
  });
  return { documents, problems };
}

function resolveAlias(node: Node, doc: Document.Parsed): Node | undefined {
  if (isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? undefined;
  return node;
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** `a.b[0].c` style rendering of a path, for messages. */
export function formatPath(path: YamlPath): string {
  let out = '';
  for (const step of path) {
    if (typeof step === 'number') out += `[${step}]`;
    else out += out === '' ? step : `.${step}`;
  }
  return out;
}
