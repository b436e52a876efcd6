import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { stringify } from 'yaml';

/** The documents as one multi-document YAML file, with a header saying how it was made and how to run it. */
export function renderDocuments(
  documents: readonly Record<string, unknown>[],
  header: readonly string[],
): string {
  const body = documents.map((d) => stringify(d, { lineWidth: 0 })).join('---\n');
  return `${header.map((l) => `# ${l}`.trimEnd()).join('\n')}\n${body}`;
}

/** Writes `text` to `path` through a temp file in the same directory and a rename: never half a file. */
export function writeAtomically(path: string, text: string): void {
  const tmp = join(
    dirname(path),
    `.${basename(path)}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`,
  );
  try {
    writeFileSync(tmp, text, { flag: 'wx', mode: 0o644 });
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
