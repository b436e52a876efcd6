import { oneLine as sharedOneLine } from '@data-pipeline/runner/one-line';
import { bigQueryMessage } from './sql/errors.js';

/** BigQuery error reasons the server answers with, and their HTTP status. */
export const REASON_STATUS = {
  notFound: 404,
  duplicate: 409,
  invalid: 400,
  invalidQuery: 400,
  badRequest: 400,
  badContent: 400,
  authError: 401,
  required: 400,
  stopped: 200,
  accessDenied: 403,
  rateLimitExceeded: 429,
  quotaExceeded: 403,
  backendError: 500,
  jobInternalError: 500,
  internalError: 500,
  payloadTooLarge: 413,
  responseTooLarge: 403,
  resourcesExceeded: 400,
  resourceInUse: 400,
} as const;

export type Reason = keyof typeof REASON_STATUS;

const STATUS_TEXT: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ALREADY_EXISTS',
  413: 'INVALID_ARGUMENT',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
};

/** An error with a BigQuery `reason`; everything the server rejects travels as one of these. */
export class BigQueryError extends Error {
  readonly reason: Reason;
  /** The HTTP status: the reason's usual one unless given (injected faults may choose another). */
  readonly code: number;
  constructor(reason: Reason, message: string, status: number = REASON_STATUS[reason]) {
    super(message);
    this.name = 'BigQueryError';
    this.reason = reason;
    this.code = status;
  }
}

export const notFound = (what: string) => new BigQueryError('notFound', `Not found: ${what}`);
export const duplicate = (what: string) => new BigQueryError('duplicate', `Already Exists: ${what}`);
export const invalid = (message: string) => new BigQueryError('invalid', message);
export const invalidQuery = (message: string) => new BigQueryError('invalidQuery', message);

/**
 * Any thrown value → a BigQueryError (errors with a known `reason` property keep it; others, i.e. DuckDB's, are
 * invalidQuery with BigQuery's wording where there is one: "division by zero: 1 / 0", "Bad int64 value: abc").
 */
export function toBigQueryError(error: unknown): BigQueryError {
  if (error instanceof BigQueryError) return error;
  if (error instanceof Error) {
    const reason = (error as { reason?: unknown }).reason;
    if (typeof reason === 'string' && reason in REASON_STATUS) {
      return new BigQueryError(reason as Reason, oneLine(error.message));
    }
    return new BigQueryError('invalidQuery', oneLine(bigQueryMessage(oneLine(error.message))));
  }
  return new BigQueryError('internalError', 'internal error');
}

/** The first non-empty line of a DuckDB or internal message (the runner's `oneLine`): never a stack. */
export function oneLine(message: string): string {
  return sharedOneLine(message, { max: 501 });
}

/** BigQuery's REST error envelope. */
export function errorEnvelope(error: BigQueryError) {
  return {
    error: {
      code: error.code,
      message: error.message,
      errors: [{ message: error.message, domain: 'global', reason: error.reason }],
      status: STATUS_TEXT[error.code] ?? 'UNKNOWN',
    },
  };
}

/** The errorResult / errors entry of a job resource. */
export function errorProto(error: BigQueryError) {
  return { reason: error.reason, message: error.message };
}
