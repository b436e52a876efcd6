/**
 * Every BigQuery type name a request or a query may spell, with its two canonical names: the REST schema's (what
 * tables.get answers: INTEGER, FLOAT, BOOLEAN, RECORD) and GoogleSQL's (INT64, FLOAT64, BOOL). The one table behind
 * schema checks (../types.ts) and query parameter types (./params.ts).
 */
const TYPE_NAMES: ReadonlyArray<
  readonly [names: readonly string[], schema: string, googleSql: string | null]
> = [
  [['INT64', 'INTEGER'], 'INTEGER', 'INT64'],
  [['FLOAT64', 'FLOAT'], 'FLOAT', 'FLOAT64'],
  [['NUMERIC', 'DECIMAL'], 'NUMERIC', 'NUMERIC'],
  [['BIGNUMERIC', 'BIGDECIMAL'], 'BIGNUMERIC', 'BIGNUMERIC'],
  [['BOOL', 'BOOLEAN'], 'BOOLEAN', 'BOOL'],
  [['STRING'], 'STRING', 'STRING'],
  [['BYTES'], 'BYTES', 'BYTES'],
  [['DATE'], 'DATE', 'DATE'],
  [['DATETIME'], 'DATETIME', 'DATETIME'],
  [['TIME'], 'TIME', 'TIME'],
  [['TIMESTAMP'], 'TIMESTAMP', 'TIMESTAMP'],
  [['JSON'], 'JSON', 'JSON'],
  [['GEOGRAPHY'], 'GEOGRAPHY', 'GEOGRAPHY'],
  [['INTERVAL'], 'INTERVAL', 'INTERVAL'],
  // Structs are spelled out field by field in GoogleSQL (STRUCT<…>), never looked up as a scalar.
  [['RECORD', 'STRUCT'], 'RECORD', null],
];

/** Upper-case type name or alias → the REST schema's canonical name. */
export const SCHEMA_TYPE_OF: Readonly<Record<string, string>> = Object.fromEntries(
  TYPE_NAMES.flatMap(([names, schema]) => names.map((n) => [n, schema])),
);

/** Upper-case scalar type name or alias → GoogleSQL's canonical name. */
export const GOOGLE_SQL_TYPE_OF: Readonly<Record<string, string>> = Object.fromEntries(
  TYPE_NAMES.flatMap(([names, , googleSql]) => (googleSql === null ? [] : names.map((n) => [n, googleSql]))),
);

/**
 * The top-level items of a type list such as the inside of `STRUCT<a INT64, b ARRAY<STRUCT<c STRING>>>` or
 * `NUMERIC(10, 2)`: split at commas outside `<>` and `()`, empty items dropped.
 */
export function splitTypeList(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '<' || c === '(') depth++;
    else if (c === '>' || c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out.filter((x) => x.trim() !== '');
}
