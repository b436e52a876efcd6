import {
  type DuckDBBlobValue,
  type DuckDBDecimalType,
  type DuckDBIntervalValue,
  type DuckDBListType,
  type DuckDBStructType,
  type DuckDBType,
  DuckDBTypeId,
  type DuckDBValue,
} from '@duckdb/node-api';
import { invalid } from './errors.js';
import { checkFieldName } from './ids.js';
import { SCHEMA_TYPE_OF } from './sql/type-names.js';

/** BigQuery's TableFieldSchema (REST form). Types are kept in the legacy spelling the REST API returns. */
export interface FieldSchema {
  name: string;
  type: string;
  mode?: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
  fields?: FieldSchema[];
  description?: string;
}

const TYPE_ALIASES = SCHEMA_TYPE_OF;

const DUCK_OF: Record<string, string> = {
  INTEGER: 'BIGINT',
  FLOAT: 'DOUBLE',
  NUMERIC: 'DECIMAL(38,9)',
  BIGNUMERIC: 'DECIMAL(38,18)',
  BOOLEAN: 'BOOLEAN',
  STRING: 'VARCHAR',
  BYTES: 'BLOB',
  DATE: 'DATE',
  DATETIME: 'TIMESTAMP',
  TIME: 'TIME',
  TIMESTAMP: 'TIMESTAMPTZ',
  JSON: 'JSON',
  GEOGRAPHY: 'VARCHAR',
  INTERVAL: 'INTERVAL',
};

/** Validates a REST schema and returns it in canonical form (legacy type names, explicit modes). */
export function normalizeSchema(fields: unknown, path = ''): FieldSchema[] {
  if (!Array.isArray(fields))
    throw invalid(`Invalid schema${path ? ` for field ${path}` : ''}: fields must be a list.`);
  const seen = new Set<string>();
  return fields.map((raw) => {
    if (typeof raw !== 'object' || raw === null)
      throw invalid('Invalid schema: every field must be an object.');
    const f = raw as Record<string, unknown>;
    if (typeof f.name !== 'string') throw invalid('Invalid schema: a field has no name.');
    const name = checkFieldName(f.name);
    const full = path ? `${path}.${name}` : name;
    if (seen.has(name.toLowerCase())) throw invalid(`Field ${full} already exists in schema`);
    seen.add(name.toLowerCase());
    const type = TYPE_ALIASES[String(f.type ?? '').toUpperCase()];
    if (!type) throw invalid(`Invalid field type "${String(f.type).slice(0, 40)}" for field ${full}.`);
    const mode = String(f.mode ?? 'NULLABLE').toUpperCase();
    if (mode !== 'NULLABLE' && mode !== 'REQUIRED' && mode !== 'REPEATED') {
      throw invalid(`Invalid mode "${mode.slice(0, 20)}" for field ${full}.`);
    }
    const out: FieldSchema = { name, type, mode };
    if (typeof f.description === 'string') out.description = f.description;
    if (type === 'RECORD') {
      const sub = normalizeSchema(f.fields, full);
      if (sub.length === 0) throw invalid(`Field ${full} is type RECORD but has no schema`);
      out.fields = sub;
    }
    return out;
  });
}

/** DuckDB column type of a BigQuery field. Field names were validated, so quoting is safe. */
export function duckTypeOf(field: FieldSchema, bytesAsText = false): string {
  const base =
    field.type === 'RECORD'
      ? `STRUCT(${(field.fields ?? []).map((f) => `"${f.name}" ${duckTypeOf(f, bytesAsText)}`).join(', ')})`
      : bytesAsText && field.type === 'BYTES'
        ? 'VARCHAR'
        : (DUCK_OF[field.type] ?? 'VARCHAR');
  return field.mode === 'REPEATED' ? `${base}[]` : base;
}

export function duckColumnsDdl(fields: readonly FieldSchema[]): string[] {
  return fields.map((f) => `"${f.name}" ${duckTypeOf(f)}`);
}

const hasBytes = (f: FieldSchema): boolean => f.type === 'BYTES' || (f.fields ?? []).some(hasBytes);

/**
 * How JSON rows become table rows: `INSERT ... SELECT <select> FROM (SELECT unnest(CAST(?::JSON AS <struct>)) AS r)`.
 * BYTES travel as `\xNN` text (JSON has no bytes) and are cast to BLOB, which decodes the escapes.
 */
export function jsonInsertPlan(fields: readonly FieldSchema[]): { struct: string; select: string[] } {
  return {
    struct: `STRUCT(${fields.map((f) => `"${f.name}" ${duckTypeOf(f, true)}`).join(', ')})[]`,
    select: fields.map((f) => (hasBytes(f) ? `CAST(r."${f.name}" AS ${duckTypeOf(f)})` : `r."${f.name}"`)),
  };
}

/** BigQuery field of a DuckDB result column. */
export function fieldOfDuckType(name: string, type: DuckDBType): FieldSchema {
  if (type.typeId === DuckDBTypeId.LIST || type.typeId === DuckDBTypeId.ARRAY) {
    const inner = fieldOfDuckType(name, (type as DuckDBListType).valueType);
    return { ...inner, mode: 'REPEATED' };
  }
  if (type.typeId === DuckDBTypeId.STRUCT) {
    const st = type as DuckDBStructType;
    return {
      name,
      type: 'RECORD',
      mode: 'NULLABLE',
      fields: st.entryNames.map((n, i) => fieldOfDuckType(n, st.entryTypes[i]!)),
    };
  }
  return { name, type: scalarTypeOf(type), mode: 'NULLABLE' };
}

function scalarTypeOf(type: DuckDBType): string {
  if (type.alias === 'JSON') return 'JSON';
  switch (type.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return 'BOOLEAN';
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return 'INTEGER';
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return 'FLOAT';
    case DuckDBTypeId.DECIMAL:
      return (type as DuckDBDecimalType).scale > 9 ? 'BIGNUMERIC' : 'NUMERIC';
    case DuckDBTypeId.BLOB:
      return 'BYTES';
    case DuckDBTypeId.DATE:
      return 'DATE';
    case DuckDBTypeId.TIME:
      return 'TIME';
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return 'DATETIME';
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'TIMESTAMP';
    case DuckDBTypeId.INTERVAL:
      return 'INTERVAL';
    default:
      return 'STRING';
  }
}

export type TimestampFormat = 'int64' | 'float' | 'iso';

/** Cell value of BigQuery's f/v row encoding. */
export type Cell = string | null | { f: { v: Cell }[] } | { v: Cell }[];

export function encodeRow(
  fields: readonly FieldSchema[],
  values: readonly DuckDBValue[],
  ts: TimestampFormat,
) {
  return { f: fields.map((field, i) => ({ v: encodeValue(field, values[i] ?? null, ts) })) };
}

export function encodeValue(field: FieldSchema, value: DuckDBValue, ts: TimestampFormat): Cell {
  if (value === null || value === undefined) return field.mode === 'REPEATED' ? [] : null;
  if (field.mode === 'REPEATED') {
    const items = (value as { items?: readonly DuckDBValue[] }).items ?? [];
    const scalar: FieldSchema = { ...field, mode: 'NULLABLE' };
    return items.map((item) => ({ v: encodeValue(scalar, item, ts) }));
  }
  if (field.type === 'RECORD') {
    const entries = (value as { entries?: Readonly<Record<string, DuckDBValue>> }).entries ?? {};
    return { f: (field.fields ?? []).map((f) => ({ v: encodeValue(f, entries[f.name] ?? null, ts) })) };
  }
  return encodeScalar(field.type, value, ts);
}

function encodeScalar(type: string, value: DuckDBValue, ts: TimestampFormat): string {
  switch (type) {
    case 'BOOLEAN':
      return value ? 'true' : 'false';
    case 'FLOAT':
      return encodeFloat(Number(value));
    case 'NUMERIC':
    case 'BIGNUMERIC':
      return trimDecimal(String(value));
    case 'BYTES':
      return Buffer.from((value as DuckDBBlobValue).bytes).toString('base64');
    case 'TIMESTAMP':
      return encodeTimestamp((value as { micros: bigint }).micros, ts);
    case 'DATETIME':
      return encodeDatetime(String(value));
    case 'INTERVAL':
      return encodeInterval(value as DuckDBIntervalValue);
    default:
      return typeof value === 'string' ? value : String(value);
  }
}

function encodeFloat(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Number.POSITIVE_INFINITY) return 'Infinity';
  if (n === Number.NEGATIVE_INFINITY) return '-Infinity';
  return String(n);
}

function trimDecimal(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

/** epoch microseconds → the client's requested form (BigQuery sends float seconds like `1.4815696E9` by default). */
export function encodeTimestamp(micros: bigint, ts: TimestampFormat): string {
  if (ts === 'int64') return micros.toString();
  if (ts === 'iso') return isoOfMicros(micros);
  return javaDouble(Number(micros) / 1e6);
}

export function isoOfMicros(micros: bigint): string {
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const rest = Number(micros - ms * 1000n);
  const iso = new Date(Number(ms)).toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `${iso.slice(0, 23)}${String(rest).padStart(3, '0')}Z`;
}

/** Java's Double.toString shape, which BigQuery uses for float-second timestamps. */
function javaDouble(x: number): string {
  if (x === 0) return '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(x);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [mant, exp] = x.toExponential().split('e') as [string, string];
  const m = mant.includes('.') ? mant : `${mant}.0`;
  return `${m}E${Number(exp)}`;
}

function encodeDatetime(text: string): string {
  // DuckDB: `2026-01-02 03:04:05[.ffffff]` → BigQuery: `2026-01-02T03:04:05[.ffffff]`
  return text.replace(' ', 'T');
}

function encodeInterval(v: DuckDBIntervalValue): string {
  const years = Math.trunc(v.months / 12);
  const months = v.months % 12;
  let micros = v.micros;
  const neg = micros < 0n;
  if (neg) micros = -micros;
  const h = micros / 3_600_000_000n;
  const m = (micros / 60_000_000n) % 60n;
  const s = (micros / 1_000_000n) % 60n;
  const frac = micros % 1_000_000n;
  const sec = frac === 0n ? `${s}` : `${s}.${frac.toString().padStart(6, '0').replace(/0+$/, '')}`;
  return `${years}-${Math.abs(months)} ${v.days} ${neg ? '-' : ''}${h}:${m}:${sec}`;
}

/** Row size estimate in bytes (BigQuery's logical sizes; strings counted at an average), used for numBytes. */
export function estimateRowBytes(fields: readonly FieldSchema[]): number {
  let total = 0;
  for (const f of fields) {
    let size: number;
    if (f.type === 'RECORD') size = estimateRowBytes(f.fields ?? []);
    else if (f.type === 'STRING' || f.type === 'BYTES' || f.type === 'JSON' || f.type === 'GEOGRAPHY')
      size = 24;
    else if (f.type === 'BOOLEAN') size = 1;
    else if (f.type === 'NUMERIC') size = 16;
    else if (f.type === 'BIGNUMERIC') size = 32;
    else if (f.type === 'INTERVAL') size = 16;
    else size = 8;
    total += f.mode === 'REPEATED' ? size * 2 : size;
  }
  return total;
}

/** Encodes a page given column-wise (DuckDB's fast path): one pass per column, then rows assembled. */
export function encodeColumns(
  fields: readonly FieldSchema[],
  columns: readonly (readonly DuckDBValue[])[],
  ts: TimestampFormat,
): { f: { v: Cell }[] }[] {
  const n = columns[0]?.length ?? 0;
  const rows: { f: { v: Cell }[] }[] = new Array(n);
  for (let r = 0; r < n; r++) rows[r] = { f: new Array(fields.length) };
  fields.forEach((field, c) => {
    const col = columns[c] ?? [];
    for (let r = 0; r < n; r++) rows[r]!.f[c] = { v: encodeValue(field, col[r] ?? null, ts) };
  });
  return rows;
}

const hasTimestamp = (f: FieldSchema): boolean =>
  f.type === 'TIMESTAMP' || (f.fields ?? []).some(hasTimestamp);

/** Rows encoded with int64 timestamps (how small results are stored) → the timestamp form the client asked for. */
export function reencodeTimestamps(
  fields: readonly FieldSchema[],
  rows: { f: { v: Cell }[] }[],
  ts: TimestampFormat,
): { f: { v: Cell }[] }[] {
  if (ts === 'int64' || !fields.some(hasTimestamp)) return rows;
  return rows.map((row) => ({
    f: fields.map((field, i) => ({ v: retime(field, row.f[i]?.v ?? null, ts) })),
  }));
}

function retime(field: FieldSchema, v: Cell, ts: TimestampFormat): Cell {
  if (v === null || !hasTimestamp(field)) return v;
  if (field.mode === 'REPEATED') {
    const scalar: FieldSchema = { ...field, mode: 'NULLABLE' };
    return (v as { v: Cell }[]).map((item) => ({ v: retime(scalar, item.v, ts) }));
  }
  if (field.type === 'RECORD') {
    const cells = (v as { f: { v: Cell }[] }).f;
    return { f: (field.fields ?? []).map((f, i) => ({ v: retime(f, cells[i]?.v ?? null, ts) })) };
  }
  return encodeTimestamp(BigInt(v as string), ts);
}
