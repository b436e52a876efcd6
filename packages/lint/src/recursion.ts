/**
 * Recursion depth (rule `validity/recursion-depth`, a warning). Argo's controller counts one template level per nested
 * call — the entrypoint is 1, every DAG task or step that calls a template adds one — and stops the workflow when a
 * node reaches 100 (v4.1.2 `controller.go` maxAllowedStackDepth, `operator.go` ErrMaxDepthExceeded). A template that
 * calls itself, directly or through other templates, under a `when` that reads workflow or input parameters recurses
 * as deep as those parameters say: fine for small values, "Maximum recursion depth exceeded" for large ones, which no
 * check before the run can rule out. Recursion decided by a step's output (Argo's coin-flip example) is not reported.
 */
import { asArray, asObj } from './pods.js';
import type { Finding, PathStep } from './source.js';

type Obj = Record<string, unknown>;

interface Call {
  readonly target: string;
  readonly name: string;
  readonly when: unknown;
  readonly path: PathStep[];
}

/** The calls (DAG tasks, steps) of one dag/steps template, with their paths. */
function callsOf(tmpl: Obj, tPath: PathStep[]): Call[] {
  const calls: Call[] = [];
  const add = (node: unknown, path: PathStep[]) => {
    const o = asObj(node);
    if (o && typeof o.template === 'string')
      calls.push({ target: o.template, name: String(o.name ?? ''), when: o.when, path });
  };
  for (const [j, t] of asArray(asObj(tmpl.dag)?.tasks).entries()) add(t, [...tPath, 'dag', 'tasks', j]);
  for (const [g, group] of asArray(tmpl.steps).entries())
    for (const [k, s] of asArray(group).entries()) add(s, [...tPath, 'steps', g, k]);
  return calls;
}

const PARAMETER_REF = /\b(workflow\.parameters|inputs\.parameters)\b/;

export function checkRecursionDepth(templates: readonly unknown[], base: readonly PathStep[]): Finding[] {
  const calls = new Map<string, Call[]>();
  templates.forEach((t, i) => {
    const tmpl = asObj(t);
    if (tmpl && typeof tmpl.name === 'string') calls.set(tmpl.name, callsOf(tmpl, [...base, 'templates', i]));
  });
  const reaches = (from: string, to: string): boolean => {
    const seen = new Set<string>();
    const stack = [from];
    while (stack.length > 0) {
      const name = stack.pop()!;
      if (name === to) return true;
      if (seen.has(name)) continue;
      seen.add(name);
      for (const c of calls.get(name) ?? []) stack.push(c.target);
    }
    return false;
  };
  const findings: Finding[] = [];
  for (const [name, own] of calls) {
    for (const call of own) {
      if (typeof call.when !== 'string' || !PARAMETER_REF.test(call.when)) continue;
      if (!reaches(call.target, name)) continue;
      findings.push({
        path: [...call.path, 'when'],
        rule: 'validity/recursion-depth',
        severity: 'warning',
        message: `template "${name}" recurses through "${call.name}" as deep as its parameters say (when: ${call.when.trim()}); Argo stops a workflow at a template depth of 100 (maxAllowedStackDepth), so large values fail on a cluster — loop with withSequence/withParam bounded by parallelism instead`,
      });
    }
  }
  return findings;
}
