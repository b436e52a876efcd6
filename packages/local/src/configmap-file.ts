import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { SpecError } from './spec.js';

/**
 * The ConfigMaps of `dp run --configmap FILE` (name → key → value): every `kind: ConfigMap` document of the file;
 * other documents are ignored, so the output of `dp convert` can be given as it is. A file without any ConfigMap,
 * unreadable or invalid YAML → SpecError (65).
 */
export function readConfigMapFile(file: string): Map<string, Record<string, string>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new SpecError(
      `--configmap ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
  const out = new Map<string, Record<string, string>>();
  for (const doc of parseAllDocuments(text, { version: '1.1' })) {
    if (doc.errors.length > 0)
      throw new SpecError(`--configmap ${file}: invalid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
    const value = doc.toJS() as { kind?: unknown; metadata?: { name?: unknown }; data?: unknown } | null;
    if (!value || typeof value !== 'object' || value.kind !== 'ConfigMap') continue;
    const name = value.metadata?.name;
    if (typeof name !== 'string' || name === '')
      throw new SpecError(`--configmap ${file}: a ConfigMap without metadata.name`);
    const data = value.data ?? {};
    if (typeof data !== 'object' || Array.isArray(data))
      throw new SpecError(`--configmap ${file}: ConfigMap ${name}: data must be a mapping`);
    out.set(name, Object.fromEntries(Object.entries(data).map(([k, v]) => [k, String(v)])));
  }
  if (out.size === 0) throw new SpecError(`--configmap ${file}: no ConfigMap in the file`);
  return out;
}

/** The workflow file's own ConfigMaps with those of the --configmap files over them (later files win). */
export function withConfigMapFiles(
  own: ReadonlyMap<string, Record<string, string>>,
  files: readonly string[],
): Map<string, Record<string, string>> {
  const merged = new Map(own);
  for (const f of files) for (const [k, v] of readConfigMapFile(f)) merged.set(k, v);
  return merged;
}
