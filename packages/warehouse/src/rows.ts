import type { FieldSchema } from './types.js';

/** One problem with one input row, in BigQuery's insertErrors form. */
export interface RowError {
  reason: 'invalid' | 'stopped';
  location: string;
  message: string;
}

const INT_RE = /^[-+]?\d+$/;
const DEC_RE = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const DATE_RE = /^\d{4}-\d{1,2}-\d{1,2}$/;
const TIME_RE = /^\d{1,2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;
const DATETIME_RE = /^(\d{4}-\d{1,2}-\d{1,2})(?:[ T](\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?$/;
const TS_RE =
  /^(\d{4}-\d{1,2}-\d{1,2})(?:[ T](\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?\s*(Z|z|UTC|[+-]\d{1,2}(?::?\d{2})?)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

class RowProblem extends Error {
  constructor(
    readonly location: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Checks a JSON row against a table schema and converts it into the shape DuckDB's JSON → STRUCT cast accepts
 * (every column present, timestamps with an explicit UTC offset, bytes as \x escapes, JSON columns as values).
 */
export function normalizeRow(
  fields: readonly FieldSchema[],
  row: unknown,
  ignoreUnknownValues: boolean,
): { ok: true; value: Record<string, unknown> } | { ok: false; error: RowError } {
  try {
    return { ok: true, value: normalizeRecord(fields, row, '', ignoreUnknownValues) };
  } catch (e) {
    if (e instanceof RowProblem)
      return { ok: false, error: { reason: 'invalid', location: e.location, message: e.message } };
    throw e;
  }
}

function normalizeRecord(
  fields: readonly FieldSchema[],
  row: unknown,
  path: string,
  ignoreUnknown: boolean,
): Record<string, unknown> {
  if (typeof row !== 'object' || row === null || Array.isArray(row)) {
    throw new RowProblem(path, `Cannot convert value to a record${path ? ` for field ${path}` : ''}.`);
  }
  const input = row as Record<string, unknown>;
  const byLower = new Map(fields.map((f) => [f.name.toLowerCase(), f]));
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f.name] = f.mode === 'REPEATED' ? [] : null;
  for (const [key, value] of Object.entries(input)) {
    const field = byLower.get(key.toLowerCase());
    const location = path ? `${path}.${key}` : key;
    if (!field) {
      if (ignoreUnknown) continue;
      throw new RowProblem(location.slice(0, 300), `no such field: ${location.slice(0, 300)}.`);
    }
    out[field.name] = normalizeField(field, value, location, ignoreUnknown);
  }
  for (const f of fields) {
    if (f.mode === 'REQUIRED' && out[f.name] === null) {
      const location = path ? `${path}.${f.name}` : f.name;
      throw new RowProblem(location, `Missing required field: ${location}.`);
    }
  }
  return out;
}

function normalizeField(
  field: FieldSchema,
  value: unknown,
  location: string,
  ignoreUnknown: boolean,
): unknown {
  if (value === null || value === undefined) return field.mode === 'REPEATED' ? [] : null;
  if (field.mode === 'REPEATED') {
    if (!Array.isArray(value))
      throw new RowProblem(location, `Array specified for non-repeated field: ${location}.`);
    const scalar: FieldSchema = { ...field, mode: 'NULLABLE' };
    return value.map((v, i) => {
      if (v === null || v === undefined) {
        throw new RowProblem(
          location,
          `Array element ${i} of ${location} is null; NULL elements are not allowed.`,
        );
      }
      return normalizeField(scalar, v, location, ignoreUnknown);
    });
  }
  if (Array.isArray(value))
    throw new RowProblem(location, `Array specified for non-repeated field: ${location}.`);
  if (field.type === 'RECORD') return normalizeRecord(field.fields ?? [], value, location, ignoreUnknown);
  return normalizeScalar(field.type, value, location);
}

function bad(location: string, type: string, value: unknown): RowProblem {
  const shown =
    typeof value === 'string' ? value.slice(0, 60) : typeof value === 'object' ? 'object' : String(value);
  return new RowProblem(
    location,
    `Cannot convert value to ${type.toLowerCase()}: ${shown} (field ${location}).`,
  );
}

export function normalizeScalar(type: string, value: unknown, location: string): unknown {
  switch (type) {
    case 'INTEGER': {
      const text = typeof value === 'number' && Number.isInteger(value) ? String(value) : value;
      if (typeof text !== 'string' || !INT_RE.test(text.trim())) throw bad(location, 'integer', value);
      const n = BigInt(text.trim());
      if (n < INT64_MIN || n > INT64_MAX) throw bad(location, 'integer', value);
      return n.toString();
    }
    case 'FLOAT': {
      if (typeof value === 'number') return value;
      if (typeof value === 'string') {
        const t = value.trim();
        if (t === 'NaN' || t === 'Infinity' || t === '-Infinity' || t === '+Infinity')
          return t.replace('+', '');
        if (DEC_RE.test(t)) return Number(t);
      }
      throw bad(location, 'double', value);
    }
    case 'NUMERIC':
    case 'BIGNUMERIC': {
      const text = typeof value === 'number' ? String(value) : value;
      if (typeof text !== 'string' || !DEC_RE.test(text.trim())) throw bad(location, 'numeric', value);
      return text.trim();
    }
    case 'BOOLEAN': {
      if (typeof value === 'boolean') return value;
      if (value === 'true' || value === 'TRUE' || value === '1' || value === 1) return true;
      if (value === 'false' || value === 'FALSE' || value === '0' || value === 0) return false;
      throw bad(location, 'boolean', value);
    }
    case 'STRING':
    case 'GEOGRAPHY':
      if (typeof value === 'string') return value;
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      throw bad(location, 'string', value);
    case 'BYTES': {
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value))
        throw bad(location, 'bytes', value);
      const bytes = Buffer.from(value, 'base64');
      let hex = '';
      for (const b of bytes) hex += `\\x${b.toString(16).padStart(2, '0')}`;
      return hex;
    }
    case 'DATE':
      if (typeof value === 'string' && DATE_RE.test(value.trim()) && validDate(value.trim()))
        return value.trim();
      throw bad(location, 'date', value);
    case 'TIME':
      if (typeof value === 'string' && TIME_RE.test(value.trim())) return value.trim();
      throw bad(location, 'time', value);
    case 'DATETIME': {
      const m = typeof value === 'string' ? DATETIME_RE.exec(value.trim()) : null;
      if (!m || !validDate(m[1]!)) throw bad(location, 'datetime', value);
      return `${m[1]} ${m[2] ?? '00:00:00'}`;
    }
    case 'TIMESTAMP':
      return normalizeTimestamp(value, location);
    case 'JSON': {
      if (typeof value === 'string') {
        try {
          return JSON.parse(value);
        } catch {
          throw bad(location, 'json', value);
        }
      }
      return value;
    }
    case 'INTERVAL':
      if (typeof value === 'string') return value;
      throw bad(location, 'interval', value);
    default:
      throw bad(location, type, value);
  }
}

/** Timestamps as BigQuery accepts them: text with optional zone, or seconds since the epoch. Output is UTC text. */
export function normalizeTimestamp(value: unknown, location: string): string {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const micros = BigInt(Math.round(value * 1e6));
    const ms = Number(micros / 1000n);
    const sub = Number(((micros % 1000n) + 1000n) % 1000n);
    const d = new Date(ms);
    if (Number.isNaN(d.getTime())) throw bad(location, 'timestamp', value);
    return `${d.toISOString().slice(0, 23)}${String(sub).padStart(3, '0')}+00`;
  }
  const m = typeof value === 'string' ? TS_RE.exec(value.trim()) : null;
  if (!m || !validDate(m[1]!)) throw bad(location, 'timestamp', value);
  let zone = m[3] ?? '+00';
  if (zone === 'Z' || zone === 'z' || zone === 'UTC') zone = '+00';
  return `${m[1]} ${m[2] ?? '00:00:00'}${zone}`;
}

function validDate(text: string): boolean {
  const [y, mo, d] = text.split('-').map(Number) as [number, number, number];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d;
}
