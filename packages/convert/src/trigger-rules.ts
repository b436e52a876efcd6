/**
 * Airflow 1.8.2 trigger rules as Argo `depends` + `when` (airflow/ti_deps/deps/trigger_rule_dep.py, backfill with
 * flag_upstream_failed). An upstream task's Airflow state is read from its Argo phase and its `state` output:
 *   success          = Succeeded and state is not `skipped`
 *   skipped          = Skipped (a `when` was false), or Succeeded with state `skipped` (it raised AirflowSkipException)
 *   failed           = Failed or Error
 *   upstream_failed  = Omitted (its `depends` was false)
 * `depends` decides upstream_failed (Argo marks the task Omitted); `when`, evaluated once `depends` holds, decides
 * skipped (Argo marks the task Skipped). Only all_success ever yields upstream_failed in 1.8.2; the other rules wait
 * for every upstream to finish in any state.
 */
export const TRIGGER_RULES = [
  'all_success',
  'all_failed',
  'all_done',
  'one_success',
  'one_failed',
  'dummy',
] as const;
export type TriggerRule = (typeof TRIGGER_RULES)[number];

export function isTriggerRule(rule: string): rule is TriggerRule {
  return (TRIGGER_RULES as readonly string[]).includes(rule);
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const task = (name: string) => `tasks[${quote(name)}]`;

export const isSkipped = (u: string) =>
  `(${task(u)}.status == 'Skipped' || ${task(u)}.outputs.parameters.state == 'skipped')`;
export const isSuccess = (u: string) =>
  `(${task(u)}.status == 'Succeeded' && ${task(u)}.outputs.parameters.state != 'skipped')`;
export const isFailed = (u: string) => `(${task(u)}.status in ['Failed', 'Error', 'Omitted'])`;
/** True when skipper `b` listed Airflow task `taskId` in its `skipped` output (a branch not taken). */
export const skippedBy = (b: string, taskId: string) =>
  `${quote(taskId)} in fromJSON(${task(b)}.outputs.parameters.skipped)`;

export interface RuleMapping {
  /** Argo `depends` (undefined: no upstream). */
  readonly depends: string | undefined;
  /** The expr-lang condition of `when` (undefined: always). */
  readonly condition: string | undefined;
}

/** `upstream` and `skippers` are Argo task names; `taskId` is the Airflow id the skippers report. */
export function mapTriggerRule(
  rule: TriggerRule,
  upstream: readonly string[],
  skippers: readonly string[],
  taskId: string,
): RuleMapping {
  // dummy: "dependencies are just for show, trigger at will" — no edge at all (so no upstream XComs either).
  if (rule === 'dummy') return { depends: undefined, condition: undefined };
  const parts: string[] = [];
  const notBranched = skippers.map((b) => `!(${skippedBy(b, taskId)})`);
  if (upstream.length === 0) return { depends: undefined, condition: join(notBranched) };
  const allDone = upstream.map((u) => `(${u} || ${u}.Failed || ${u}.Errored || ${u}.Omitted)`).join(' && ');
  let depends = allDone;
  switch (rule) {
    case 'all_success':
      depends = upstream.join(' && ');
      parts.push(`!(${upstream.map(isSkipped).join(' || ')})`);
      break;
    case 'all_failed':
      parts.push(upstream.map(isFailed).join(' && '));
      break;
    case 'one_success':
      parts.push(`(${upstream.map(isSuccess).join(' || ')})`);
      break;
    case 'one_failed':
      parts.push(`(${upstream.map(isFailed).join(' || ')})`);
      break;
    case 'all_done':
      break;
  }
  return { depends, condition: join([...notBranched, ...parts]) };
}

function join(parts: readonly string[]): string | undefined {
  return parts.length === 0 ? undefined : parts.join(' && ');
}
