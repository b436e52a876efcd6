/**
 * A DAG task's `depends` expression as Argo v4.1.2 reads it (workflow/common/ancestry.go): operands are `task` or
 * `task.Result`, joined by `&&`, `||`, `!` and parentheses. The one parser of the repo: `dp lint` checks with it,
 * `dp run` decides when a task runs with it.
 */

/** The task results an operand may name (ancestry.go ValidateTaskResults); any other is refused at submit. */
export const TASK_RESULTS: ReadonlySet<string> = new Set([
  'Succeeded',
  'Failed',
  'Errored',
  'Skipped',
  'Omitted',
  'Daemoned',
  'AnySucceeded',
  'AllFailed',
]);

export interface DependsOperand {
  readonly task: string;
  /** The `.Result` after the name (a capitalised word, as Argo's taskResultRegex matches it), if any. */
  readonly result?: string;
}

/** Argo's taskNameRegex: `name.Result` first, else a bare name (`_` kept: dp run's own tests name tasks with it). */
const OPERAND = /([a-zA-Z0-9][-a-zA-Z0-9_]*?)\.([A-Z][a-zA-Z]+)|([a-zA-Z0-9][-a-zA-Z0-9_]*)/g;

export function dependsOperands(expression: string): DependsOperand[] {
  return Array.from(expression.matchAll(OPERAND), (m) =>
    m[3] !== undefined ? { task: m[3] } : { task: m[1] as string, result: m[2] as string },
  );
}

/** Task names in a `depends` expression such as `(a.Succeeded || b) && !c.Failed`, in order of appearance. */
export function dependsNames(expression: string): string[] {
  return dependsOperands(expression).map((o) => o.task);
}

/** Each operand naming a result Argo does not know, as Argo words it: `task result 'X' for task 'a' is invalid`. */
export function invalidTaskResults(expression: string): string[] {
  return dependsOperands(expression)
    .filter((o) => o.result !== undefined && !TASK_RESULTS.has(o.result))
    .map((o) => `task result '${o.result}' for task '${o.task}' is invalid`);
}

/** A node phase as the interpreter tracks it (Argo's NodePhase, plus Pending/Running before a node finished). */
export type NodePhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Skipped' | 'Omitted';

export class DependsError extends Error {
  override readonly name = 'DependsError';
}

const TOKEN = /&&|\|\||!|\(|\)|[A-Za-z0-9_][A-Za-z0-9_\-.]*/g;

/**
 * Evaluates `depends` against the phases of the tasks it names: undefined while any of them is Pending or Running,
 * else whether the task runs. A bare `a` is `a.Succeeded || a.Skipped` (Argo adds `.Daemoned`; nothing is a daemon
 * here). Throws DependsError on a malformed expression.
 */
export function evaluateDepends(
  expression: string,
  phaseOf: (task: string) => NodePhase,
): boolean | undefined {
  const tokens = expression.match(TOKEN) ?? [];
  const rest = expression.replace(TOKEN, '').replace(/\s+/g, '');
  if (rest) throw new DependsError(`depends: unexpected "${rest}" in ${JSON.stringify(expression)}`);
  let i = 0;
  let pending = false;
  const atom = (): boolean => {
    const t = tokens[i++];
    if (t === '!') return !atom();
    if (t === '(') {
      const v = or();
      if (tokens[i++] !== ')')
        throw new DependsError(`depends: missing ')' in ${JSON.stringify(expression)}`);
      return v;
    }
    if (!t || t === ')' || t === '&&' || t === '||')
      throw new DependsError(`depends: unexpected end in ${JSON.stringify(expression)}`);
    const operand = dependsOperands(t)[0];
    if (!operand || (operand.result === undefined ? operand.task : `${operand.task}.${operand.result}`) !== t)
      throw new DependsError(`depends: cannot parse ${JSON.stringify(t)} in ${JSON.stringify(expression)}`);
    const phase = phaseOf(operand.task);
    if (phase === 'Pending' || phase === 'Running') {
      pending = true;
      return false;
    }
    switch (operand.result) {
      case undefined:
        return phase === 'Succeeded' || phase === 'Skipped';
      case 'Succeeded':
      case 'AnySucceeded':
        return phase === 'Succeeded';
      case 'Failed':
      case 'AllFailed':
        return phase === 'Failed';
      case 'Errored':
        return phase === 'Error';
      case 'Skipped':
        return phase === 'Skipped';
      case 'Omitted':
        return phase === 'Omitted';
      default:
        return false;
    }
  };
  // `operand (op operand)*`, every operand evaluated (so every Pending one is seen), then combined left to right.
  const chain =
    (op: '&&' | '||', operand: () => boolean, combine: (a: boolean, b: boolean) => boolean) =>
    (): boolean => {
      let v = operand();
      while (tokens[i] === op) {
        i++;
        v = combine(v, operand());
      }
      return v;
    };
  const and = chain('&&', atom, (a, b) => a && b);
  const or = chain('||', and, (a, b) => a || b);
  const value = or();
  if (i !== tokens.length) throw new DependsError(`depends: cannot parse ${JSON.stringify(expression)}`);
  return pending ? undefined : value;
}
