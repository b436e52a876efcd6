import { readFileSync } from 'node:fs';
import * as z from 'zod/mini';
import { classifyFailure, type FailureEvidence } from './classify.js';
import type { XcomRow } from './dag-file-source.js';
import type { ExitClass } from './exit-codes.js';
import { OperatorError } from './operator.js';

/**
 * DAG-file mode (`--dag-file`): what goes in (`--xcom-in` rows) and what comes out (`state`, `skipped`, `xcom`
 * output files and the exit class) around one `airflow run` of one task of the user's DAG file.
 */

/** The output files of a DAG-file step, besides `exit-class`/`exit-code`. */
export const DAG_FILE_OUTPUTS = ['state', 'skipped', 'xcom', 'triggered'] as const;

/** Their values when nothing is known (also written on usage errors): no state, nothing skipped, no XCom. */
export const DAG_FILE_OUTPUT_DEFAULTS: Readonly<Record<(typeof DAG_FILE_OUTPUTS)[number], string>> = {
  state: 'none',
  skipped: '[]',
  xcom: '[]',
  triggered: '[]',
};

/** Argo's limit for an output parameter's value (`xcom` must fit). */
export const XCOM_OUTPUT_LIMIT_BYTES = 256 * 1024;

const xcomRowSchema = z.object({
  dag_id: z.optional(z.string()),
  task_id: z.string().check(z.minLength(1)),
  key: z.string(),
  value: z.optional(z.unknown()),
  pickle: z.string().check(z.regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64')),
  timestamp: z.optional(z.string()),
});
const xcomInSchema = z.array(xcomRowSchema);

/**
 * Parses the `--xcom-in` values (each the `xcom` output of an upstream step; empty = nothing) into one list, one row
 * per (dag_id, task_id, key) as Airflow keeps it (XCom.set replaces): a later value wins. Bad text → 65.
 */
export function parseXcomIn(values: readonly string[]): XcomRow[] {
  const rows = new Map<string, XcomRow>();
  values.forEach((text, i) => {
    if (text.trim() === '') return;
    const where = `--xcom-in #${i + 1}`;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new OperatorError(
        'invalid-input',
        `${where}: not JSON (expected the xcom output of a DAG-file step)`,
      );
    }
    const result = z.safeParse(xcomInSchema, parsed);
    if (!result.success) {
      const issue = result.error.issues[0];
      const at = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
      throw new OperatorError(
        'invalid-input',
        `${where}: not the xcom output of a DAG-file step (${issue?.message ?? 'invalid'}${at})`,
      );
    }
    for (const row of result.data) {
      const key = JSON.stringify([row.dag_id ?? null, row.task_id, row.key]);
      rows.delete(key);
      rows.set(key, row as XcomRow);
    }
  });
  return [...rows.values()];
}

/** What the first Airflow process reported when it exited (`result.json`). */
export interface DagFileResult {
  /** task_id → state (null: none) of every task instance of the DAG run. */
  readonly states: Readonly<Record<string, string | null>>;
  readonly xcom: readonly XcomRow[];
  /** DagRuns the task created for other DAGs (TriggerDagRunOperator), with their conf's JSON view. */
  readonly triggered?: ReadonlyArray<{ dag_id: string; run_id: string; conf: unknown }>;
}

/** What the generated DAG file found wrong with the user's file (`problem.json`). */
export interface DagFileProblem {
  readonly kind: string;
  readonly message: string;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined;
  }
}

export function readDagFileResult(path: string): DagFileResult | undefined {
  const value = readJson(path) as Partial<DagFileResult> | undefined;
  if (!value || typeof value !== 'object' || typeof value.states !== 'object' || !Array.isArray(value.xcom)) {
    return undefined;
  }
  return value as DagFileResult;
}

export function readDagFileProblem(path: string): DagFileProblem | undefined {
  const value = readJson(path) as Partial<DagFileProblem> | undefined;
  return value && typeof value.message === 'string'
    ? { kind: String(value.kind), message: value.message }
    : undefined;
}

export interface DagFileVerdict {
  readonly exitClass: ExitClass;
  /** One line; absent on success. */
  readonly message?: string;
  readonly outputs: Record<string, string>;
}

/** States in which the step succeeded: the task ran, or it decided not to (AirflowSkipException). */
const SUCCESS_STATES = new Set(['success', 'skipped']);

/** The line of the task log saying why `run` did not start the task (its dependencies were not met). */
function notRunReason(taskLog: readonly string[]): string | undefined {
  const line = taskLog.find((l) => /Dependencies not met|is in the future|FIXME: Rescheduling/.test(l));
  return line?.replace(/^.*? - /, '').trim();
}

function bareException(taskLog: readonly string[]): string | undefined {
  for (let i = taskLog.length - 1; i >= 0; i--) {
    const m = /Subtask: (\S*(?:Error|Exception))\s*$/.exec(taskLog[i] as string);
    if (m) return m[1];
  }
  return undefined;
}

/**
 * The verdict of one DAG-file step from the problem report, the result report, the `airflow run` exit and the task
 * log. Success is verified: the task instance's state in the private database is `success` or `skipped`.
 */
export function dagFileVerdict(input: {
  readonly taskId: string;
  readonly problem: DagFileProblem | undefined;
  readonly result: DagFileResult | undefined;
  readonly evidence: FailureEvidence;
}): DagFileVerdict {
  const { taskId, problem, result, evidence } = input;
  if (problem) {
    return { exitClass: 'configuration', message: problem.message, outputs: { ...DAG_FILE_OUTPUT_DEFAULTS } };
  }
  if (!result) {
    const verdict = classifyFailure({
      ...evidence,
      exitCode: evidence.exitCode === 0 ? 1 : evidence.exitCode,
    });
    return {
      exitClass: verdict.exitClass === 'success' ? 'task-failed' : verdict.exitClass,
      message: `the task's outcome is unknown (airflow run did not report it): ${verdict.reason}`,
      outputs: { ...DAG_FILE_OUTPUT_DEFAULTS },
    };
  }
  const state = result.states[taskId] ?? 'none';
  const skipped = Object.entries(result.states)
    .filter(([id, s]) => id !== taskId && s === 'skipped')
    .map(([id]) => id)
    .sort();
  const xcom = JSON.stringify(result.xcom);
  const outputs = {
    state,
    skipped: JSON.stringify(skipped),
    xcom,
    triggered: JSON.stringify(result.triggered ?? []),
  };
  if (Buffer.byteLength(xcom) > XCOM_OUTPUT_LIMIT_BYTES) {
    return {
      exitClass: 'invalid-input',
      message: `the XCom rows of this step are ${Buffer.byteLength(xcom)} bytes, over Argo's 256 KiB output parameter limit: push smaller values (e.g. a path or table name)`,
      outputs: { ...outputs, xcom: DAG_FILE_OUTPUT_DEFAULTS.xcom },
    };
  }
  if (SUCCESS_STATES.has(state)) return { exitClass: 'success', outputs };
  if (state === 'none') {
    const why = notRunReason(evidence.taskLog);
    const future = why !== undefined && /is in the future|after the task's end date/.test(why);
    return {
      exitClass: 'configuration',
      message: `the task did not run${future ? '' : ' (its dependencies were not met)'}${why ? `: ${why}` : ''}`,
      outputs,
    };
  }
  const verdict = classifyFailure({ ...evidence, exitCode: evidence.exitCode === 0 ? 1 : evidence.exitCode });
  const exitClass = verdict.exitClass === 'success' ? 'task-failed' : verdict.exitClass;
  // An exception without a message (`assert x`, `raise KeyError`) has no `Error: ` line for the table to quote.
  const bare = verdict.reason.includes(': ') ? undefined : bareException(evidence.taskLog);
  return { exitClass, message: `${verdict.reason}${bare ? `: ${bare}` : ''} (state ${state})`, outputs };
}
