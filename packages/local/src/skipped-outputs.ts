import type { Template } from './spec.js';

/**
 * The output parameters a DAG task that never ran (Skipped by `when`, Omitted by `depends`) exposes to later tasks,
 * as Argo v4.1.2 does (workflow/controller/scope.go, addSkippedNodeOutputsToScope): each output parameter its
 * template declares with a `valueFrom.default` resolves to that default. One without a default stays absent, so a
 * reference to it fails to resolve (Argo: an absent optional, a terminal error unless the consuming input has a
 * default — not interpreted here).
 */
export function skippedOutputDefaults(template: Template | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of template?.outputs?.parameters ?? [])
    if (p.valueFrom?.default !== undefined) out[p.name] = String(p.valueFrom.default);
  return out;
}
