import type { ExitClass } from './exit-codes.js';

// BigQuery's error `reason`s, one table for both engines: the native engine's client errors
// (@data-pipeline/bigquery-client's classifyBigQueryError) and what Airflow 1.8.2's BigQuery hook logs on the
// Airflow engine (classifyAirflowBigQueryLog below).
const TRANSIENT_REASONS = new Set([
  'backendError',
  'internalError',
  'rateLimitExceeded',
  'quotaExceeded',
  'jobBackendError',
  'jobInternalError',
  'timeout',
]);
const PERMISSION_REASONS = new Set([
  'accessDenied',
  'billingNotEnabled',
  'authError',
  'forbidden',
  'unauthorized',
]);
const INVALID_REASONS = new Set([
  'invalid',
  'invalidQuery',
  'badRequest',
  'duplicate',
  'notFound',
  'responseTooLarge',
  'resourcesExceeded',
  'resourceInUse',
  'tableUnavailable',
]);

/** Reason → class for a job's `errorResult` (and for `reason`s in HTTP errors). */
export function classifyBigQueryReason(reason: string, message = ''): ExitClass {
  if (TRANSIENT_REASONS.has(reason)) return 'transient';
  if (PERMISSION_REASONS.has(reason)) return 'permission-denied';
  if (reason === 'notFound') {
    return /Not found: (Project|Job)\b/i.test(message) ? 'configuration' : 'invalid-input';
  }
  if (INVALID_REASONS.has(reason)) return 'invalid-input';
  if (reason === 'stopped') return 'task-failed';
  return 'task-failed';
}

/**
 * For the Airflow engine (an operator's `classifyLog`): classifies what 1.8.2's BigQuery hook wrote into the task log
 * (`BigQuery job failed. Final error was: {'reason': 'invalidQuery', ...}`). HTTP errors (`<HttpError 403 ...>`)
 * are left to the shared table (classify.ts).
 */
export function classifyAirflowBigQueryLog(taskLog: readonly string[]): ExitClass | undefined {
  for (let i = taskLog.length - 1; i >= 0; i--) {
    const line = taskLog[i] as string;
    const m = /BigQuery job failed\. Final error was: (\{.*?\})/.exec(line);
    if (m) {
      const reason = /'reason':\s*u?'([A-Za-z]+)'/.exec(m[1] as string)?.[1];
      const message = /'message':\s*u?'([^']*)'/.exec(m[1] as string)?.[1] ?? '';
      return reason ? classifyBigQueryReason(reason, message) : 'task-failed';
    }
  }
  return undefined;
}
