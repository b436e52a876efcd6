import { formatPath, type PathStep, readYamlStream, toYamlValue } from '@data-pipeline/argo-tags';
import { type Document, isAlias, isMap, isScalar, isSeq, type Node } from 'yaml';

export { formatPath, type PathStep };
export type YamlPath = readonly PathStep[];

/**
 * What a rule checks: `validity/...` is what Argo v4.1.2 or Kubernetes itself would refuse (at submit or at run time);
 * `policy/...` is this project's own house rules (restricted security, resources, retry on 75, pinned images...), which
 * apply only where they are asked for (`--policy`, or the paths `.dp-lint.json` names).
 */
export type RuleId = `validity/${string}` | `policy/${string}`;
export type RuleKind = 'validity' | 'policy';

export const ruleKind = (rule: RuleId): RuleKind => (rule.startsWith('policy/') ? 'policy' : 'validity');

/** An error fails `dp lint` (exit 1); a warning is printed and does not (a risk that depends on run-time values). */
export type Severity = 'error' | 'warning';

/** A problem found by a rule, before it is tied to a file. */
export interface Finding {
  readonly path: YamlPath;
  readonly rule: RuleId;
  readonly message: string;
  /** Absent = error. */
  readonly severity?: Severity;
}

/** A lint problem as printed by `formatProblem`: `file:line: error [rule] message`. */
export interface Problem {
  readonly file: string;
  readonly line: number;
  readonly rule: RuleId;
  readonly message: string;
  readonly severity?: Severity;
}

/** The one printed form of a problem: `file:line:` first, then the severity, the rule id and the message. */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}: ${p.severity ?? 'error'} [${p.rule}] ${p.message}`;
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
  const { documents: docs, lineAt } = readYamlStream(text);
  const problems: Problem[] = [];
  const documents: SourceDocument[] = [];
  docs.forEach((doc, index) => {
    for (const error of doc.errors) {
      problems.push({
        file,
        line: lineAt(error.pos[0]),
        rule: 'validity/yaml',
        message: `YAML syntax: ${firstLine(error.message)}`,
      });
    }
    if (doc.errors.length > 0 || doc.contents === null) return;
    let value: unknown;
    try {
      value = toYamlValue(doc);
    } catch (error) {
      problems.push({
        file,
        line: lineAt(doc.range[0]),
        rule: 'validity/yaml',
        message: `YAML: ${firstLine(String(error))}`,
      });
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
