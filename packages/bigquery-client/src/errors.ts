import {
  classifyBigQueryReason as classifyReason,
  type ExitClass,
  OperatorError,
} from '@data-pipeline/runner';
import { oneLine as sharedOneLine } from '@data-pipeline/runner/one-line';

/** What a BigQuery failure looks like after the client library wrapped it. */
interface ApiErrorLike {
  code?: number | string;
  message?: string;
  errors?: { reason?: string; message?: string; location?: string }[];
  name?: string;
  cause?: unknown;
  response?: { statusCode?: number };
}

/** A job that finished with `status.errorResult`. */
export class BigQueryJobError extends Error {
  override name = 'BigQueryJobError';
  constructor(
    readonly reason: string,
    readonly detail: string,
    readonly jobName: string,
  ) {
    super(`BigQuery job failed. Final error was: ${reason}: ${detail} (job ${jobName})`);
  }
}

const TRANSIENT_NET = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNREFUSED',
  'EPIPE',
  'EAI_AGAIN',
  'ESOCKETTIMEDOUT',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
]);

function reasonsOf(e: ApiErrorLike): string[] {
  return (e.errors ?? []).map((x) => x.reason ?? '').filter(Boolean);
}

function networkCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur && typeof cur === 'object'; i++) {
    const c = (cur as { code?: unknown }).code;
    if (typeof c === 'string' && /^E[A-Z_]+$|^UND_ERR/.test(c)) return c;
    cur = (cur as { cause?: unknown }).cause;
  }
  const msg = err instanceof Error ? err.message : String(err);
  return /\b(ECONNRESET|ETIMEDOUT|ECONNREFUSED|EPIPE|EAI_AGAIN|ENOTFOUND|ESOCKETTIMEDOUT)\b/.exec(msg)?.[1];
}

/**
 * Maps a BigQuery/client failure to the runner's exit class:
 * - 400/409/other 4xx and reasons invalid/invalidQuery/… → `invalid-input` (65)
 * - 401, invalid credentials, 403 accessDenied/billingNotEnabled → `permission-denied` (77)
 *   (403 with reason rateLimitExceeded/quotaExceeded is BigQuery's rate limiting → `transient`)
 * - 404: a missing table or dataset named by the request/query (`Not found: Table|Dataset …`) → `invalid-input` (65);
 *   a missing project or job, or a 404 without a BigQuery error body (wrong endpoint/path) → `configuration` (78)
 * - 408, 429, 5xx, reasons backendError/internalError/rateLimitExceeded, ECONNRESET/ETIMEDOUT/ECONNREFUSED/… → `transient` (75)
 * - no credentials found (ADC), a key file that is no usable service-account key → `configuration` (78)
 * - anything else → `task-failed` (1)
 */
export function classifyBigQueryError(err: unknown): ExitClass {
  if (err instanceof OperatorError) return err.exitClass;
  if (err instanceof BigQueryJobError) return classifyReason(err.reason, err.detail);
  const e = (err ?? {}) as ApiErrorLike;
  const msg = typeof e.message === 'string' ? e.message : String(err);
  if (/Could not load the default credentials|Unable to detect a Project Id/i.test(msg))
    return 'configuration';
  if (
    /invalid_grant|invalid_client|unauthorized_client|Invalid JWT|error:1E08010C|DECODER routines/i.test(msg)
  ) {
    return 'permission-denied';
  }
  if (/ENOENT.*(key|credentials|\.json)|The file at .* does not exist/i.test(msg)) return 'configuration';
  // A key file the auth library cannot use (fields missing, not a service-account key): the Secret is wrong.
  if (
    /MISSING_CREDENTIALS|private_key and client_email are required|does not contain a client_email/i.test(msg)
  )
    return 'configuration';
  const status = typeof e.code === 'number' ? e.code : e.response?.statusCode;
  const reasons = reasonsOf(e);
  if (typeof status === 'number') {
    if (status === 401) return 'permission-denied';
    if (status === 403) {
      if (reasons.some((r) => classifyReason(r) === 'transient')) return 'transient';
      if (reasons.includes('responseTooLarge')) return 'invalid-input';
      return 'permission-denied';
    }
    if (status === 404) {
      if (/Not found: (Table|Dataset)\b/i.test(msg) && !/Not found: (Project|Job)\b/i.test(msg))
        return 'invalid-input';
      return 'configuration';
    }
    if (status === 408 || status === 429 || status >= 500) return 'transient';
    if (reasons.some((r) => classifyReason(r) === 'transient')) return 'transient';
    if (status >= 400) return 'invalid-input';
  }
  const net = networkCode(err);
  if (net === 'ENOTFOUND') return 'configuration';
  if (net && TRANSIENT_NET.has(net)) return 'transient';
  if (e.name === 'AbortError' || /timeout|timed out/i.test(msg)) return 'transient';
  for (const r of reasons) {
    const c = classifyReason(r, msg);
    if (c !== 'task-failed') return c;
  }
  return 'task-failed';
}

/**
 * One line, bounded, no control characters (the runner's `oneLine`, flattened: a BigQuery message's later lines are
 * part of it). BigQuery messages carry no credentials; key contents never reach here.
 */
export function oneLine(text: string, max = 600): string {
  return sharedOneLine(text, { keep: 'flatten', max });
}

/** Human-readable one-line description of a BigQuery failure. */
export function describeBigQueryError(err: unknown, what = 'BigQuery request'): string {
  if (err instanceof BigQueryJobError || err instanceof OperatorError) return oneLine(err.message);
  const e = (err ?? {}) as ApiErrorLike;
  const status = typeof e.code === 'number' ? `HTTP ${e.code}` : typeof e.code === 'string' ? e.code : '';
  const reasons = reasonsOf(e);
  const msg = typeof e.message === 'string' && e.message ? e.message : String(err);
  return oneLine(
    `${what} failed: ${[status, reasons.join(',')].filter(Boolean).join(' ')}${status || reasons.length ? ': ' : ''}${msg}`,
  );
}

/** The OperatorError a native implementation throws for a BigQuery failure. */
export function toOperatorError(err: unknown, what?: string): OperatorError {
  if (err instanceof OperatorError) return err;
  return new OperatorError(classifyBigQueryError(err), describeBigQueryError(err, what));
}

/**
 * Runs a native operator's BigQuery work: a failure becomes `toOperatorError(err, what)`, except once the step's
 * signal has aborted, when the error goes on unchanged (the runner reports the signal, not the BigQuery error).
 */
export async function withBigQueryErrors<T>(
  signal: AbortSignal,
  what: string,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (signal.aborted) throw err;
    throw toOperatorError(err, what);
  }
}
