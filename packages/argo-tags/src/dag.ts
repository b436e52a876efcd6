import { dependsNames, invalidTaskResults } from './depends.js';

/** What a DAG's tasks must satisfy before anything runs (validate.go validateDAG of Argo v4.1.2). */
export interface DagTaskLike {
  readonly name?: unknown;
  readonly dependencies?: unknown;
  readonly depends?: unknown;
}

/** One problem of a DAG's task list, tied to the task (its index) and the field it is in. */
export type DagProblem =
  | { readonly kind: 'duplicate'; readonly index: number; readonly task: string }
  | {
      readonly kind: 'unknown-dependency';
      readonly index: number;
      readonly task: string;
      readonly field: 'dependencies' | 'depends';
      /** Index in `dependencies`, when the field is `dependencies`. */
      readonly at?: number;
      readonly dependency: string;
    }
  | {
      readonly kind: 'invalid-result';
      readonly index: number;
      readonly task: string;
      readonly message: string;
    }
  | { readonly kind: 'cycle'; readonly index: number; readonly cycle: readonly string[] };

/** The dependencies of each task by name (unknown names left out), from `dependencies` and `depends`. */
export function dagDependencies(tasks: readonly DagTaskLike[]): Map<string, string[]> {
  const names = new Set(tasks.map((t) => String(t.name)));
  const deps = new Map<string, string[]>();
  for (const t of tasks) {
    const list = [
      ...(Array.isArray(t.dependencies) ? t.dependencies.map(String) : []),
      ...(typeof t.depends === 'string' ? dependsNames(t.depends) : []),
    ].filter((d) => names.has(d));
    deps.set(String(t.name), list);
  }
  return deps;
}

/**
 * Every problem of a DAG's tasks: duplicate names, dependencies naming no task, `depends` results Argo does not know,
 * and a dependency cycle. With a duplicate name the graph is ambiguous (a task "depending" on its namesake is no
 * cycle), so the duplicate is reported and no cycle.
 */
export function dagProblems(tasks: readonly DagTaskLike[]): DagProblem[] {
  const problems: DagProblem[] = [];
  const index = new Map<string, number>();
  tasks.forEach((t, i) => {
    if (typeof t.name !== 'string') return;
    if (index.has(t.name)) problems.push({ kind: 'duplicate', index: i, task: t.name });
    else index.set(t.name, i);
  });
  tasks.forEach((t, i) => {
    const task = String(t.name);
    if (Array.isArray(t.dependencies))
      t.dependencies.forEach((d, at) => {
        if (typeof d !== 'string' || !index.has(d))
          problems.push({
            kind: 'unknown-dependency',
            index: i,
            task,
            field: 'dependencies',
            at,
            dependency: String(d),
          });
      });
    if (typeof t.depends === 'string') {
      for (const message of invalidTaskResults(t.depends))
        problems.push({ kind: 'invalid-result', index: i, task, message });
      for (const d of dependsNames(t.depends))
        if (!index.has(d))
          problems.push({ kind: 'unknown-dependency', index: i, task, field: 'depends', dependency: d });
    }
  });
  if (problems.some((p) => p.kind === 'duplicate')) return problems;
  const cycle = findCycle(dagDependencies(tasks));
  if (cycle) problems.push({ kind: 'cycle', index: index.get(cycle[0] ?? '') ?? 0, cycle });
  return problems;
}

/** A cycle in the dependency graph as a list of names (first repeated at the end), or undefined. */
export function findCycle(deps: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    const s = state.get(n);
    if (s === 'done') return undefined;
    if (s === 'visiting') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'visiting');
    stack.push(n);
    for (const d of deps.get(n) ?? []) {
      const c = visit(d);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of deps.keys()) {
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}

/** The tasks a task depends on, transitively. */
export function ancestors(task: string, deps: ReadonlyMap<string, readonly string[]>): Set<string> {
  const out = new Set<string>();
  const stack = [...(deps.get(task) ?? [])];
  while (stack.length > 0) {
    const d = stack.pop() as string;
    if (out.has(d)) continue;
    out.add(d);
    stack.push(...(deps.get(d) ?? []));
  }
  return out;
}
