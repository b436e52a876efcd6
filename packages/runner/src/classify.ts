import type { ExitClass } from './exit-codes.js';

/** What is known about one Airflow command when it ended. Lines are already redacted. */
export interface FailureEvidence {
  readonly phase: 'initdb' | 'backfill';
  readonly exitCode: number | undefined;
  /** Lines of the command's stdout+stderr that matched NOTABLE_PATTERN, plus its last lines. */
  readonly output: readonly string[];
  /** The harvested task log (backfill only). */
  readonly taskLog: readonly string[];
  /** Whether a task log file existed at all. */
  readonly taskLogFound: boolean;
  /** Operator-specific verdict from `definition.classifyLog`, consulted before the shared table. */
  readonly operatorVerdict?: ExitClass | undefined;
}

export interface Classification {
  readonly exitClass: ExitClass;
  /** One line, for stderr and the logs. */
  readonly reason: string;
}

type Source = 'output' | 'taskLog' | 'both';

interface Rule {
  readonly id: string;
  readonly exitClass: ExitClass;
  readonly source: Source;
  readonly pattern: RegExp;
  readonly reason: string;
  /** Extra condition on the evidence. */
  readonly when?: (ev: FailureEvidence) => boolean;
  /** Show the matching line after the reason. */
  readonly quote?: boolean;
  /** The line to show after the reason (instead of `quote` or the task log's last error line). */
  readonly detail?: (ev: FailureEvidence) => string | undefined;
}

const DEADLOCK_CONFIG = /depends_on_past|is in the future|end_date/;

const EXCEPTION_LINE = /^\S*(?:Error|Exception): /;

/** The exception line of the DagBag's `Failed to import:` traceback (e.g. `ModuleNotFoundError: No module named 'x'`). */
function importError(ev: FailureEvidence): string | undefined {
  const start = ev.output.findIndex((l) => l.includes('Failed to import:'));
  return start < 0 ? undefined : ev.output.slice(start + 1).find((l) => EXCEPTION_LINE.test(l));
}

/**
 * THE failure table (first match wins), consulted only when success could not be verified. The order encodes
 * precedence: "Airflow could not even start the task" causes first, then the task log's specific causes
 * (permission, transient, invalid input), then the generic task failure.
 */
export const FAILURE_RULES: readonly Rule[] = [
  {
    // The traceback of the DAG file's import passes through the line that instantiates the operator: its
    // constructor rejected the kwargs (1.8.2's `Argument [...] is required`, an invalid trigger_rule, a TypeError).
    id: 'kwargs-rejected',
    exitClass: 'invalid-input',
    source: 'output',
    pattern: /^\s*\w+ = _operator_class\(/,
    when: (ev) => ev.output.some((l) => l.includes('Failed to import:')),
    reason: 'Airflow rejected the operator kwargs',
    detail: importError,
  },
  {
    id: 'dag-import-failed',
    exitClass: 'configuration',
    source: 'output',
    pattern: /Failed to import:/,
    reason: 'the DAG file failed to import',
    detail: importError,
  },
  {
    id: 'dag-not-found',
    exitClass: 'configuration',
    source: 'output',
    pattern: /dag_id could not be found/,
    reason: 'the DAG failed to parse or was not found',
    quote: true,
  },
  {
    id: 'db-not-initialised',
    exitClass: 'configuration',
    source: 'both',
    pattern: /no such table/,
    reason: 'the Airflow database is not initialised',
    quote: true,
  },
  {
    id: 'no-dates',
    exitClass: 'configuration',
    source: 'output',
    pattern: /Provide a start_date and\/or end_date/,
    reason: 'backfill got no dates',
  },
  {
    id: 'deadlock-config',
    exitClass: 'configuration',
    source: 'output',
    pattern: /BackfillJob is deadlocked/,
    when: (ev) => [...ev.output, ...ev.taskLog].some((l) => DEADLOCK_CONFIG.test(l)),
    reason:
      'backfill deadlocked: the date is in the future, past the end_date, or blocked by depends_on_past',
  },
  {
    id: 'deadlock',
    exitClass: 'task-failed',
    source: 'output',
    pattern: /BackfillJob is deadlocked/,
    reason: 'backfill deadlocked: the task never became runnable',
  },
  {
    id: 'permission-denied',
    exitClass: 'permission-denied',
    source: 'both',
    pattern:
      /HttpError 40[13]\b|returned "Access Denied|accessDenied|PERMISSION_DENIED|invalid_grant|Invalid JWT|403 Forbidden|401 Unauthorized|invalid authentication credentials/,
    reason: 'permission denied',
    quote: true,
  },
  {
    id: 'transient',
    exitClass: 'transient',
    source: 'both',
    pattern:
      /HttpError (?:429|5\d\d)\b|rateLimitExceeded|backendError|database is locked|\btimed out\b|TimeoutError|socket\.timeout|Connection reset|ConnectionResetError|ECONNRESET|Temporary failure in name resolution|503 Service Unavailable|RemoteDisconnected|BrokenPipeError/,
    reason: 'transient failure (worth retrying)',
    quote: true,
  },
  {
    id: 'invalid-input',
    exitClass: 'invalid-input',
    source: 'taskLog',
    pattern: /HttpError 400\b|invalidQuery|"reason": "invalid"|Syntax error:/,
    reason: 'invalid input',
    quote: true,
  },
  {
    id: 'connection-config',
    exitClass: 'configuration',
    source: 'taskLog',
    pattern:
      /isn't defined|Scope should be defined|Unrecognised extension for key file|No default project is specified|Legacy P12 key file/,
    reason: 'connection configuration problem',
    quote: true,
  },
  {
    id: 'max-active-runs',
    exitClass: 'configuration',
    source: 'output',
    pattern: /has reached maximum amount of/,
    reason: 'backfill ran nothing: the DAG has reached max_active_runs',
  },
  {
    id: 'task-failed',
    exitClass: 'task-failed',
    source: 'both',
    pattern: /Some task instances failed|Marking task as FAILED|Traceback \(most recent call last\)/,
    reason: 'the task failed',
  },
];

/** Markers used to verify success; kept by the output watcher wherever they occur. */
const SUCCESS_MARKERS = /\[backfill progress\]|Backfill done\. Exiting\.|Task exited with return code/;

/** Every line worth keeping from a long stream (rules + success markers + Python exception lines). */
export const NOTABLE_PATTERN = new RegExp(
  [...FAILURE_RULES.map((r) => r.pattern.source), SUCCESS_MARKERS.source, EXCEPTION_LINE.source].join('|'),
);

/**
 * A cheap superset of NOTABLE_PATTERN made of plain literals only (V8 scans those several times faster than the
 * full pattern); output blocks that miss it are not split into lines at all. A test checks it admits every
 * notable line.
 */
export const NOTABLE_PREFILTER =
  /rror|xception|_operator_class|could not be found|Failed to import|no such table|Provide a start|deadlocked|Denied|PERMISSION_DENIED|invalid|Invalid|Forbidden|Unauthorized|rateLimitExceeded|backendError|database is locked|timed out|imeout|reset|ECONNRESET|name resolution|Unavailable|Disconnected|isn't defined|Scope should|Unrecognised extension|No default project|P12|maximum amount|Traceback|FAILED|instances failed|backfill progress|Backfill done|Task exited/;

function linesOf(ev: FailureEvidence, source: Source): readonly string[] {
  if (source === 'output') return ev.output;
  if (source === 'taskLog') return ev.taskLog;
  return [...ev.taskLog, ...ev.output];
}

function clip(line: string): string {
  const t = line.trim().replace(/\s+/g, ' ');
  return t.length > 300 ? `${t.slice(0, 297)}...` : t;
}

/** The most informative error line of a Python traceback (the last `XxxError: ...` line), if any. */
function lastErrorLine(lines: readonly string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i] as string;
    const payload = l.replace(/^.*?Subtask: /, '');
    if (/^\S*(?:Error|Exception): /.test(payload)) return payload;
  }
  return undefined;
}

export interface SuccessCheck {
  readonly ok: boolean;
  /** Why success could not be verified (when !ok). */
  readonly missing?: string;
}

/**
 * Positive verification of an `airflow backfill` success: exit 0 is not enough (1.8.2 exits 0 having run nothing).
 * Requires `Backfill done`, a progress line with `succeeded: N` (N ≥ 1), a task log ending the task with return
 * code 0, and no `Marking task as FAILED`.
 */
export function verifySuccess(ev: FailureEvidence): SuccessCheck {
  if (ev.exitCode !== 0) return { ok: false, missing: `exit status ${ev.exitCode ?? 'unknown'}` };
  if (!ev.output.some((l) => l.includes('Backfill done. Exiting.')))
    return { ok: false, missing: 'no "Backfill done"' };
  let succeeded = 0;
  for (const l of ev.output) {
    const m = /\[backfill progress\].*?succeeded: (\d+)/.exec(l);
    if (m) succeeded = Math.max(succeeded, Number(m[1]));
  }
  if (succeeded < 1)
    return { ok: false, missing: 'no task succeeded (no [backfill progress] line with succeeded ≥ 1)' };
  if (!ev.taskLogFound) return { ok: false, missing: 'no task log was written' };
  if (ev.taskLog.some((l) => l.includes('Marking task as FAILED')))
    return { ok: false, missing: 'task marked FAILED' };
  if (!ev.taskLog.some((l) => /Task exited with return code 0\b/.test(l))) {
    return { ok: false, missing: 'the task log does not show "Task exited with return code 0"' };
  }
  return { ok: true };
}

/**
 * The one classifier: exit status + Airflow output + harvested task log → exit class and a one-line reason.
 * Signals are handled by the caller (they are known without looking at any text).
 */
export function classifyFailure(ev: FailureEvidence): Classification {
  if (ev.phase === 'initdb') {
    if (ev.exitCode === 0) return { exitClass: 'success', reason: 'initdb done' };
    const locked = ev.output.find((l) => /database is locked/.test(l));
    if (locked) return { exitClass: 'transient', reason: `airflow initdb failed: ${clip(locked)}` };
    const detail = lastErrorLine(ev.output) ?? ev.output.filter((l) => l.trim() !== '').at(-1);
    return {
      exitClass: 'configuration',
      reason: `airflow initdb failed (exit ${ev.exitCode ?? 'unknown'})${detail ? `: ${clip(detail)}` : ''}`,
    };
  }

  const check = verifySuccess(ev);
  if (check.ok) return { exitClass: 'success', reason: 'the task ran and succeeded' };

  if (ev.operatorVerdict && ev.operatorVerdict !== 'success') {
    const detail = lastErrorLine(ev.taskLog);
    return {
      exitClass: ev.operatorVerdict,
      reason: `operator reported ${ev.operatorVerdict}${detail ? `: ${clip(detail)}` : ''}`,
    };
  }

  for (const rule of FAILURE_RULES) {
    const hit = linesOf(ev, rule.source).find((l) => rule.pattern.test(l));
    if (hit === undefined || (rule.when && !rule.when(ev))) continue;
    const detail = rule.detail
      ? rule.detail(ev)
      : rule.quote
        ? clip(hit.replace(/^.*?Subtask: /, ''))
        : lastErrorLine(ev.taskLog);
    return { exitClass: rule.exitClass, reason: detail ? `${rule.reason}: ${clip(detail)}` : rule.reason };
  }

  if (ev.exitCode === 0) {
    // Exit 0 without a verified success: Airflow ran nothing (or we cannot tell that it ran). Never success.
    return {
      exitClass: 'configuration',
      reason: `airflow backfill exited 0 but ran nothing: ${check.missing ?? 'unverified'}`,
    };
  }
  const detail = lastErrorLine(ev.taskLog) ?? lastErrorLine(ev.output);
  return {
    exitClass: 'task-failed',
    reason: `airflow backfill failed (exit ${ev.exitCode ?? 'unknown'})${detail ? `: ${clip(detail)}` : ''}`,
  };
}
