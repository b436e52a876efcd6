import { SqlError } from './errors.js';
import { GOOGLE_SQL_TYPE_OF } from './type-names.js';

/** BigQuery REST `QueryParameterType`. */
export interface QueryParameterType {
  type: string;
  arrayType?: QueryParameterType;
  structTypes?: { name?: string; type: QueryParameterType; description?: string }[];
}

/** BigQuery REST `QueryParameterValue`. */
export interface QueryParameterValue {
  value?: string | number | boolean | null;
  arrayValues?: QueryParameterValue[];
  structValues?: Record<string, QueryParameterValue>;
  rangeValue?: unknown;
}

/** BigQuery REST `QueryParameter` (`queryParameters[]` of a query job). */
export interface QueryParameter {
  name?: string;
  parameterType: QueryParameterType;
  parameterValue?: QueryParameterValue;
}

/** GoogleSQL names of parameter scalar types; GEOGRAPHY is stored as WKT text (no spatial extension offline). */
const SCALAR_ALIASES: Readonly<Record<string, string>> = { ...GOOGLE_SQL_TYPE_OF, GEOGRAPHY: 'STRING' };

function bad(name: string, what: string): SqlError {
  return new SqlError('invalidQuery', `Invalid value for query parameter ${name}: ${what}`);
}

/** GoogleSQL type text for a parameter type, e.g. ARRAY<STRUCT<a INT64>>. */
export function typeSql(t: QueryParameterType, name: string): string {
  const upper = String(t.type ?? '').toUpperCase();
  if (upper === 'ARRAY') {
    if (!t.arrayType) throw bad(name, 'ARRAY without arrayType');
    return `ARRAY<${typeSql(t.arrayType, name)}>`;
  }
  if (upper === 'STRUCT' || upper === 'RECORD') {
    const fields = (t.structTypes ?? []).map((f) => {
      if (f.name !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(f.name))
        throw bad(name, 'invalid struct field name');
      return f.name ? `${f.name} ${typeSql(f.type, name)}` : typeSql(f.type, name);
    });
    return `STRUCT<${fields.join(', ')}>`;
  }
  const scalar = SCALAR_ALIASES[upper];
  if (!scalar) throw bad(name, `unsupported type ${JSON.stringify(String(t.type)).slice(0, 40)}`);
  return scalar;
}

/** A GoogleSQL string literal (single quotes, backslash escapes) holding `s` exactly. */
export function stringLiteral(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r')}'`;
}

const CHECKS: Record<string, RegExp> = {
  INT64: /^[-+]?\d+$/,
  FLOAT64: /^([-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|[-+]?inf(inity)?|nan)$/i,
  NUMERIC: /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/,
  BIGNUMERIC: /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/,
  BOOL: /^(true|false)$/i,
  DATE: /^\d{1,4}-\d{1,2}-\d{1,2}$/,
  DATETIME: /^\d{1,4}-\d{1,2}-\d{1,2}([T ]\d{1,2}:\d{1,2}(:\d{1,2}(\.\d{1,9})?)?)?$/,
  TIME: /^\d{1,2}:\d{1,2}(:\d{1,2}(\.\d{1,9})?)?$/,
  TIMESTAMP:
    /^\d{1,4}-\d{1,2}-\d{1,2}([T ]\d{1,2}:\d{1,2}(:\d{1,2}(\.\d{1,9})?)?)?\s*(Z|UTC|[-+]\d{1,2}(:?\d{2})?)?$/i,
  BYTES: /^[A-Za-z0-9+/=_-]*$/,
};

/** The parameter's value as a typed GoogleSQL expression (values are validated or escaped, never pasted raw). */
export function parameterSql(p: QueryParameter, name: string): string {
  return valueSql(p.parameterType, p.parameterValue, name);
}

/**
 * The transpiler maps a GoogleSQL TIMESTAMP *type* to DuckDB's zone-less TIMESTAMP (it maps TIMESTAMP literals right);
 * type positions therefore carry a marker that the post-pass turns into TIMESTAMPTZ.
 */
export const TIMESTAMP_TYPE_MARKER = 'dp_tstz';

function sqlType(ty: string): string {
  return ty.replace(/\bTIMESTAMP\b/g, TIMESTAMP_TYPE_MARKER);
}

function valueSql(t: QueryParameterType, v: QueryParameterValue | undefined, name: string): string {
  const ty = sqlType(typeSql(t, name));
  const upper = String(t.type).toUpperCase();
  if (upper === 'ARRAY') {
    if (!v || v.arrayValues === undefined || v.arrayValues === null) {
      if (v && v.value === undefined) return `CAST([] AS ${ty})`;
      return `CAST(NULL AS ${ty})`;
    }
    const items = v.arrayValues.map((x) => valueSql(t.arrayType as QueryParameterType, x, name));
    return `${ty}[${items.join(', ')}]`;
  }
  if (upper === 'STRUCT' || upper === 'RECORD') {
    if (!v?.structValues) return `CAST(NULL AS ${ty})`;
    const sv = v.structValues;
    const items = (t.structTypes ?? []).map((f, i) => valueSql(f.type, sv[f.name ?? String(i)], name));
    return `${ty}(${items.join(', ')})`;
  }
  const raw = v?.value;
  if (raw === undefined || raw === null) return `CAST(NULL AS ${ty})`;
  const s = String(raw).trim();
  const scalar = typeSql(t, name);
  const check = CHECKS[scalar];
  if (check && !check.test(s)) throw bad(name, `not a valid ${scalar}`);
  switch (scalar) {
    case 'INT64':
      return `CAST(${stringLiteral(s)} AS INT64)`;
    case 'BOOL':
      return s.toUpperCase();
    case 'BYTES':
      return `FROM_BASE64(${stringLiteral(s)})`;
    case 'STRING':
      return stringLiteral(String(raw));
    case 'TIMESTAMP':
      return `TIMESTAMP ${stringLiteral(s)}`;
    case 'DATE':
    case 'DATETIME':
    case 'TIME':
    case 'JSON':
      return `${scalar} ${stringLiteral(s)}`;
    default:
      return `CAST(${stringLiteral(s)} AS ${ty})`;
  }
}
