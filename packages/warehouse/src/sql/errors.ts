/** BigQuery error reasons the translator can raise (a subset of BigQuery's `errors[].reason`). */
export type SqlErrorReason = 'invalidQuery' | 'notFound' | 'invalid' | 'accessDenied';

/** A translation failure carrying the BigQuery reason; `message` is one line and never contains parameter values. */
export class SqlError extends Error {
  readonly reason: SqlErrorReason;
  constructor(reason: SqlErrorReason, message: string) {
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'SqlError';
    this.reason = reason;
  }
}

/** Formats "Syntax error: ... at [line:col]" like BigQuery does. */
export function syntaxError(message: string, sql?: string, offset?: number): SqlError {
  if (sql === undefined || offset === undefined)
    return new SqlError('invalidQuery', `Syntax error: ${message}`);
  const before = sql.slice(0, offset);
  const line = before.split('\n').length;
  const col = offset - before.lastIndexOf('\n');
  return new SqlError('invalidQuery', `Syntax error: ${message} at [${line}:${col}]`);
}
