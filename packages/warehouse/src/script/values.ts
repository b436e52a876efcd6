import { invalidQuery } from '../errors.js';
import type { EncodedRow } from '../jobs/result-store.js';
import type { QueryParameterType, QueryParameterValue } from '../sql/params.js';
import { GOOGLE_SQL_TYPE_OF, splitTypeList } from '../sql/type-names.js';
import type { FieldSchema } from '../types.js';

/**
 * Script variables are held as BigQuery query-parameter values (type + value, the REST form): an expression's
 * result comes back as a REST row and becomes one, and a reference to the variable in a later statement becomes the
 * parameter's typed literal (../sql/params.ts `parameterSql`), so no value is ever pasted into SQL unescaped.
 */
export interface Variable {
  name: string;
  type: QueryParameterType;
  value: QueryParameterValue;
}

/** A GoogleSQL type as written in DECLARE (`INT64`, `ARRAY<STRING>`, `STRUCT<a INT64>`, `STRING(10)`). */
export function typeFromText(text: string): QueryParameterType {
  const t = text.trim();
  const generic = /^(ARRAY|STRUCT)\s*<([\s\S]*)>$/i.exec(t);
  if (generic) {
    if ((generic[1] as string).toUpperCase() === 'ARRAY')
      return { type: 'ARRAY', arrayType: typeFromText(generic[2] as string) };
    return {
      type: 'STRUCT',
      structTypes: splitTypeList(generic[2] as string).map((f) => {
        const m = /^`?([A-Za-z_][A-Za-z0-9_]*)`?\s+([\s\S]+)$/.exec(f.trim());
        if (!m) throw invalidQuery(`Unsupported variable type ${t.slice(0, 60)}: STRUCT fields need names`);
        return { name: m[1] as string, type: typeFromText(m[2] as string) };
      }),
    };
  }
  const scalar = GOOGLE_SQL_TYPE_OF[t.replace(/\s*\(.*\)$/, '').toUpperCase()];
  if (!scalar) throw invalidQuery(`Unsupported variable type ${t.slice(0, 60)}`);
  return { type: scalar };
}

/** GoogleSQL text of a type (for messages). */
export function typeText(t: QueryParameterType): string {
  if (t.type === 'ARRAY') return `ARRAY<${typeText(t.arrayType as QueryParameterType)}>`;
  if (t.type === 'STRUCT')
    return `STRUCT<${(t.structTypes ?? []).map((f) => `${f.name ?? ''} ${typeText(f.type)}`.trim()).join(', ')}>`;
  return t.type;
}

/** The type of a result column. */
export function typeOfField(f: FieldSchema): QueryParameterType {
  const scalar: QueryParameterType =
    f.type === 'RECORD' || f.type === 'STRUCT'
      ? {
          type: 'STRUCT',
          structTypes: (f.fields ?? []).map((x) => ({ name: x.name, type: typeOfField(x) })),
        }
      : { type: GOOGLE_SQL_TYPE_OF[f.type] ?? f.type };
  return f.mode === 'REPEATED' ? { type: 'ARRAY', arrayType: scalar } : scalar;
}

type Cell = { v: unknown };

/** A REST cell (int64 timestamps, as results are stored) → a parameter value of `type`. */
export function valueOfCell(type: QueryParameterType, v: unknown): QueryParameterValue {
  if (v === null || v === undefined) return { value: null };
  if (type.type === 'ARRAY') {
    return { arrayValues: (v as Cell[]).map((c) => valueOfCell(type.arrayType as QueryParameterType, c.v)) };
  }
  if (type.type === 'STRUCT') {
    const cells = (v as { f: Cell[] }).f;
    return {
      structValues: Object.fromEntries(
        (type.structTypes ?? []).map((f, i) => [f.name ?? String(i), valueOfCell(f.type, cells[i]?.v)]),
      ),
    };
  }
  if (type.type === 'TIMESTAMP') return { value: timestampText(String(v)) };
  return { value: String(v) };
}

function timestampText(micros: string): string {
  if (!/^-?\d+$/.test(micros)) return micros; // already text
  const us = BigInt(micros);
  const ms = us / 1000n - (us % 1000n < 0n ? 1n : 0n);
  const frac = ((us % 1_000_000n) + 1_000_000n) % 1_000_000n;
  const iso = new Date(Number(ms)).toISOString().slice(0, 19);
  return `${iso}.${String(frac).padStart(6, '0')}Z`;
}

/** The values of the first row of a result, one per column (an empty result: NULLs). */
export function firstRow(schema: FieldSchema[], rows: EncodedRow[] | undefined): Variable[] {
  const row = rows?.[0];
  return schema.map((f, i) => {
    const type = typeOfField(f);
    return { name: f.name, type, value: valueOfCell(type, row ? row.f[i]?.v : null) };
  });
}

const NUMERIC_WIDENING: Record<string, string[]> = {
  INT64: ['NUMERIC', 'BIGNUMERIC', 'FLOAT64'],
  NUMERIC: ['BIGNUMERIC', 'FLOAT64'],
  BIGNUMERIC: ['FLOAT64'],
};

/** Can a value of type `from` be assigned to a variable of type `to` (GoogleSQL's implicit coercions)? */
export function coercible(from: QueryParameterType, to: QueryParameterType): boolean {
  if (from.type !== to.type) return (NUMERIC_WIDENING[from.type] ?? []).includes(to.type);
  if (from.type === 'ARRAY')
    return coercible(from.arrayType as QueryParameterType, to.arrayType as QueryParameterType);
  if (from.type === 'STRUCT') {
    const a = from.structTypes ?? [];
    const b = to.structTypes ?? [];
    return (
      a.length === b.length &&
      a.every((f, i) => coercible(f.type, (b[i] as { type: QueryParameterType }).type))
    );
  }
  return true;
}

/** A NULL value (what DECLARE without DEFAULT holds). */
export const nullValue = (): QueryParameterValue => ({ value: null });

export const isNull = (v: QueryParameterValue): boolean =>
  v.value === null && v.arrayValues === undefined && v.structValues === undefined;
