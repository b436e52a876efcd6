/**
 * Support for running BigQuery conformance cases (the zetasqlite-derived fixture under ../shared) against DuckDB through
 * the translator: value normalisation to the client's JSON shapes and the comparison rules of the fixture's README.
 * Pure functions; the DuckDB connection is passed in.
 */
import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  type DuckDBConnection,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBIntervalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTimeValue,
} from '@duckdb/node-api';
import { SqlError } from '../../src/sql/errors.js';
import type { QueryParameter, QueryParameterType, QueryParameterValue } from '../../src/sql/params.js';
import { translateQuery } from '../../src/sql/translate.js';

export interface ConformanceCase {
  id: string;
  name: string;
  category: string;
  sql: string;
  params?: { name?: string; type: string; value: unknown }[];
  expected: unknown[][];
  expectError?: boolean;
  ordered?: boolean;
}

export interface CaseOutcome {
  id: string;
  pass: boolean;
  detail?: string;
}

/** Converts the fixture's client-form parameters ({name?, type, value}) to the REST form the translator takes. */
export function restParams(params: ConformanceCase['params']): QueryParameter[] {
  return (params ?? []).map((p) => {
    const parameterType: QueryParameterType = { type: p.type };
    const parameterValue: QueryParameterValue = { value: p.value === null ? null : String(p.value) };
    const q: QueryParameter = { parameterType, parameterValue };
    if (p.name !== undefined) q.name = p.name;
    return q;
  });
}

function trimFraction(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

function pad(n: number | bigint, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Microseconds since the epoch → canonical text ("YYYY-MM-DDTHH:MM:SS[.ffffff]") without zone. */
function microsToText(micros: bigint): string {
  const ms = micros / 1000n;
  const rem = ((micros % 1000000n) + 1000000n) % 1000000n;
  const secs = (micros - rem) / 1000000n;
  const d = new Date(Number(secs) * 1000);
  void ms;
  const y = d.getUTCFullYear();
  const base = `${pad(y, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return rem === 0n ? base : trimFraction(`${base}.${pad(rem, 6)}`);
}

/** A DuckDB value as the JSON the BigQuery client would hand back (for comparison with the fixture). */
export function normalizeValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (v === Number.POSITIVE_INFINITY) return 'Infinity';
    if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
    return v;
  }
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof DuckDBDecimalValue) return trimFraction(v.toString());
  if (v instanceof DuckDBTimestampTZValue) return `${microsToText(v.micros)}Z`;
  if (v instanceof DuckDBTimestampValue) return microsToText(v.micros);
  if (v instanceof DuckDBDateValue) return v.toString();
  if (v instanceof DuckDBTimeValue) return trimFraction(v.toString());
  if (v instanceof DuckDBBlobValue) return Buffer.from(v.bytes).toString('base64');
  if (v instanceof DuckDBListValue || v instanceof DuckDBArrayValue) return v.items.map(normalizeValue);
  if (v instanceof DuckDBStructValue) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v.entries)) o[k] = normalizeValue(x);
    return o;
  }
  if (v instanceof DuckDBMapValue) return v.toString();
  if (v instanceof DuckDBIntervalValue) return intervalText(v);
  return String(v);
}

/** BigQuery's canonical INTERVAL text: "Y-M D H:M:S[.F]". */
export function intervalText(v: { months: number; days: number; micros: bigint }): string {
  const y = Math.trunc(v.months / 12);
  const m = v.months % 12;
  const neg = v.micros < 0n;
  const abs = neg ? -v.micros : v.micros;
  const h = abs / 3600000000n;
  const mi = (abs / 60000000n) % 60n;
  const s = (abs / 1000000n) % 60n;
  const f = abs % 1000000n;
  const sec = f === 0n ? `${s}` : trimFraction(`${s}.${pad(f, 6)}`);
  const ym = v.months < 0 ? `-${Math.abs(y)}-${Math.abs(m)}` : `${y}-${m}`;
  return `${ym} ${v.days} ${neg ? '-' : ''}${h}:${mi}:${sec}`;
}

const TS = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}(?::?\d{2})?)$/;

function tsMicros(s: string): number | null {
  const m = TS.exec(s);
  if (!m) return null;
  const zone = m[3] === 'Z' ? 'Z' : (m[3] as string).length === 3 ? `${m[3]}:00` : (m[3] as string);
  const ms = Date.parse(`${m[1]}T${(m[2] as string).slice(0, 8)}${zone}`);
  if (Number.isNaN(ms)) return null;
  const frac = (m[2] as string).split('.')[1] ?? '';
  return ms * 1000 + Number(frac.padEnd(6, '0').slice(0, 6));
}

function numEqual(a: number, b: number): boolean {
  if (a === b) return true;
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

function tryJson(s: string): { ok: boolean; v?: unknown } {
  try {
    return { ok: true, v: JSON.parse(s) };
  } catch {
    return { ok: false };
  }
}

/** One value against the fixture's expectation, per the fixture README's rules. */
export function valuesMatch(expected: unknown, actual: unknown): boolean {
  if (expected === null) return actual === null || (Array.isArray(actual) && actual.length === 0);
  if (actual === null) return false;
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return false;
    return expected.every((e, i) => valuesMatch(e, actual[i]));
  }
  if (typeof expected === 'object') {
    if (typeof actual !== 'object' || Array.isArray(actual)) return false;
    const ev = Object.values(expected as object);
    const av = Object.values(actual as object);
    return ev.length === av.length && ev.every((e, i) => valuesMatch(e, av[i]));
  }
  if (typeof expected === 'boolean') return actual === expected;
  if (typeof expected === 'number') {
    if (typeof actual === 'number') return numEqual(expected, actual);
    if (typeof actual === 'string' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(actual))
      return numEqual(expected, Number(actual));
    return false;
  }
  const es = String(expected);
  if (typeof actual === 'number') {
    if (es === 'NaN' || es === 'Infinity' || es === '-Infinity') return String(actual) === es;
    return /^-?[\d.]+([eE][-+]?\d+)?$/.test(es) && numEqual(Number(es), actual);
  }
  if (typeof actual !== 'string') return false;
  if (es === actual) return true;
  if (/^-?\d+(\.\d+)?$/.test(es) && /^-?\d+(\.\d+)?$/.test(actual))
    return trimFraction(es) === trimFraction(actual);
  const et = tsMicros(es);
  if (et !== null) {
    const at = tsMicros(actual);
    return at !== null && at === et;
  }
  const ej = tryJson(es);
  if (ej.ok && typeof ej.v === 'object' && ej.v !== null) {
    const aj = tryJson(actual);
    return aj.ok && JSON.stringify(ej.v) === JSON.stringify(aj.v);
  }
  return false;
}

function rowsMatch(expected: unknown[][], actual: unknown[][], ordered: boolean): boolean {
  if (expected.length !== actual.length) return false;
  const rowEq = (e: unknown[], a: unknown[]) =>
    e.length === a.length && e.every((x, i) => valuesMatch(x, a[i]));
  if (ordered) return expected.every((e, i) => rowEq(e, actual[i] as unknown[]));
  const used = new Set<number>();
  for (const e of expected) {
    const k = actual.findIndex((a, i) => !used.has(i) && rowEq(e, a));
    if (k < 0) return false;
    used.add(k);
  }
  return true;
}

/** Translates and runs one case on `conn` (which must have DUCKDB_MACROS installed and TimeZone UTC). */
export async function runCase(conn: DuckDBConnection, c: ConformanceCase): Promise<CaseOutcome> {
  let sql: string;
  try {
    sql = translateQuery(c.sql, {
      dialect: 'standard',
      defaultProject: 'conformance',
      params: restParams(c.params),
      resolveTable: (ref) => {
        throw new SqlError(
          'notFound',
          `Not found: Table ${ref.project ?? 'conformance'}:${ref.dataset}.${ref.table}`,
        );
      },
    }).sql;
  } catch (e) {
    if (c.expectError) return { id: c.id, pass: true };
    return { id: c.id, pass: false, detail: `translate: ${(e as Error).message}` };
  }
  let rows: unknown[][];
  try {
    const reader = await conn.runAndReadAll(sql);
    // BigQuery returns NULL arrays as empty arrays
    const isArray = reader.columnTypes().map((t) => String(t).endsWith(']'));
    rows = reader.getRows().map((r) => r.map((v, i) => (v === null && isArray[i] ? [] : normalizeValue(v))));
  } catch (e) {
    if (c.expectError) return { id: c.id, pass: true };
    return {
      id: c.id,
      pass: false,
      detail: `duckdb: ${String((e as Error).message).split('\n')[0]} | ${sql}`,
    };
  }
  if (c.expectError)
    return { id: c.id, pass: false, detail: `expected an error, got ${JSON.stringify(rows).slice(0, 200)}` };
  if (rowsMatch(c.expected, rows, c.ordered === true)) return { id: c.id, pass: true };
  return {
    id: c.id,
    pass: false,
    detail: `mismatch: expected ${JSON.stringify(c.expected).slice(0, 300)} got ${JSON.stringify(rows).slice(0, 300)} | ${sql}`,
  };
}
