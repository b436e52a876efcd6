/**
 * Prefix of the messages our macros raise (see bq_raise in ./functions.ts): DuckDB reports them as
 * "Could not convert string '<marker>message' to BOOL", which bigQueryMessage unwraps.
 */
export const RAISE_MARKER = '§bq§';

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

const DUCK_ERROR_CLASS = /^(?:Conversion|Out of Range|Invalid Input) Error: /;

/** [DuckDB execution error (class prefix removed), BigQuery's message for it] */
const DUCK_TO_BIGQUERY: [RegExp, (m: RegExpExecArray) => string][] = [
  [new RegExp(`^Could not convert string '${RAISE_MARKER}([\\s\\S]*)' to BOOL`), (m) => m[1] as string],
  // an error of a JavaScript function (native.ts), reported as an Invalid Input Error
  [new RegExp(`^${RAISE_MARKER}([\\s\\S]*)$`), (m) => m[1] as string],
  [
    /^Overflow in (?:addition|subtraction|multiplication) of INT64 \((.*)\)!?$/,
    (m) => `int64 overflow: ${m[1]}`,
  ],
  [/^Overflow in negation of numeric value/, () => 'int64 overflow: --9223372036854775808'],
  [/^Overflow on abs\((-?\d+)\)/, (m) => `int64 overflow: ABS(${m[1]})`],
  [/^Overflow in division of (-?\d+) \/ (-?\d+)/, (m) => `int64 overflow: DIV(${m[1]}, ${m[2]})`],
  [/^Could not convert string '([\s\S]*)' to INT(?:64|32|16|8|128)\b/, (m) => `Bad int64 value: ${m[1]}`],
  [/^Could not convert string '([\s\S]*)' to (?:DOUBLE|FLOAT)\b/, (m) => `Bad double value: ${m[1]}`],
  [/^Could not convert string '([\s\S]*)' to BOOL\b/, (m) => `Bad bool value: ${m[1]}`],
  [/^Could not convert string "([\s\S]*)" to DECIMAL\(38,\s*9\)/, (m) => `Invalid NUMERIC value: ${m[1]}`],
  [/^Could not convert string "([\s\S]*)" to DECIMAL/, (m) => `Invalid BIGNUMERIC value: ${m[1]}`],
  [/^Could not cast value (\S+) to DECIMAL\(38,\s*9\)/, (m) => `numeric out of range: ${m[1]}`],
  [
    /^Type (?:DOUBLE|FLOAT) with value (-?(?:nan|inf)) can't be cast/i,
    (m) => `Illegal conversion of non-finite floating point number to an integer: ${m[1]}`,
  ],
  [/^Type (?:DOUBLE|FLOAT) with value (\S+) can't be cast .* INT64/, (m) => `int64 out of range: ${m[1]}`],
  [/^Type INT128 with value (\S+) can't be cast .* INT64/, (m) => `int64 overflow: ${m[1]}`],
  [/^(?:invalid date field format|date field value out of range): "(.*)"/, (m) => `Invalid date: '${m[1]}'`],
  [
    /^(?:invalid timestamp field format|timestamp field value out of range): "(.*)"/,
    (m) => `Invalid timestamp: '${m[1]}'`,
  ],
  [/^cannot take square root of a negative number/, () => 'Argument to SQRT cannot be negative'],
  [/^cannot take logarithm of (?:a negative number|zero)/, () => 'Floating point error in function: LN'],
  [/^(\w+) is undefined outside \[-1,1\]/, (m) => `Floating point error in function: ${m[1]}`],
];

/**
 * The message BigQuery gives for a failure DuckDB reports while executing translated SQL (division by zero raised by
 * our macros, integer overflow, invalid casts); other messages come back unchanged.
 */
export function bigQueryMessage(duckMessage: string): string {
  const binder = BINDER_ERROR_CLASS.exec(duckMessage);
  if (binder) return binderMessage(duckMessage.slice(binder[0].length));
  const cls = DUCK_ERROR_CLASS.exec(duckMessage);
  if (!cls) return duckMessage;
  const rest = duckMessage.slice(cls[0].length);
  for (const [re, to] of DUCK_TO_BIGQUERY) {
    const m = re.exec(rest);
    if (m) return to(m);
  }
  return duckMessage;
}

const BINDER_ERROR_CLASS =
  /^(?:Binder Error: |Catalog Error: (?=(?:Scalar|Aggregate|Table) Function with name))/;

/** A DuckDB name for one of our macros, in BigQuery's spelling (`bq_net_host` → `NET.HOST`, `bq_sha1` → `SHA1`). */
function bigQueryName(duckName: string): string {
  return duckName
    .replace(/^bq_net_/i, 'NET.')
    .replace(/^bq_/i, '')
    .toUpperCase();
}

/** [DuckDB binder/catalog message, BigQuery's message] — the names a query uses, never DuckDB's own wording. */
const BINDER_TO_BIGQUERY: [RegExp, (m: RegExpExecArray) => string][] = [
  [/^Referenced column "([^"]*)" not found/, (m) => `Unrecognized name: ${m[1]}`],
  [/^Referenced table "([^"]*)" not found/, (m) => `Unrecognized name: ${m[1]}`],
  [
    /^Values list "([^"]*)" does not have a column named "([^"]*)"/,
    (m) => `Name ${m[2]} not found inside ${m[1]}`,
  ],
  [
    /^column "([^"]*)" must appear in the GROUP BY clause or must be part of an aggregate function/,
    (m) => `SELECT list expression references column ${m[1]} which is neither grouped nor aggregated`,
  ],
  [
    /^(?:Scalar|Aggregate|Table) Function with name "?(\w+)"? does not exist/,
    (m) => `Function not found: ${bigQueryName(m[1] as string)}`,
  ],
  [
    /^No function matches the given name and argument types '(\w+)\(([^)]*)\)'/,
    (m) => `No matching signature for function ${bigQueryName(m[1] as string)} for argument types: ${m[2]}`,
  ],
  [
    /^Macro (\w+)\(\) does not support the supplied arguments/,
    (m) => `No matching signature for function ${bigQueryName(m[1] as string)}`,
  ],
  [/^Ambiguous reference to column name "([^"]*)"/, (m) => `Column name ${m[1]} is ambiguous`],
];

/**
 * DuckDB's binder and catalog errors (a name it cannot find, a function or signature it does not have) in BigQuery's
 * words; anything else it refuses is reported as a query the local warehouse does not support, without DuckDB's
 * error class.
 */
function binderMessage(rest: string): string {
  const first = rest.split('\n')[0] ?? rest;
  for (const [re, to] of BINDER_TO_BIGQUERY) {
    const m = re.exec(first);
    if (m) return to(m);
  }
  return `Query not supported by the local warehouse: ${first.replace(/!$/, '')}`;
}
