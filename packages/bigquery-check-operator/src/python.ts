/** Python 3 semantics the 1.8.2 check operators rely on: `_bq_cast`, truthiness, `repr`, `str`, `float()`. */

export type PyValue = string | number | boolean | null | PyValue[] | { [k: string]: PyValue } | PyInt;

/** Python int (INTEGER/TIMESTAMP columns) kept apart from float so that repr/str print `5`, not `5.0`. */
export class PyInt {
  constructor(readonly value: bigint) {}
  toString(): string {
    return this.value.toString();
  }
  toJSON(): string {
    return this.value.toString();
  }
}

/** Airflow 1.8.2 `_bq_cast`: INTEGER/TIMESTAMP → int, FLOAT → float, BOOLEAN → bool, else the string. */
export function bqCast(raw: unknown, type: string): PyValue {
  if (raw === null || raw === undefined) return null;
  if (typeof raw !== 'string') return raw as PyValue; // RECORD / REPEATED: left as decoded JSON
  switch (type.toUpperCase()) {
    case 'INTEGER':
    case 'INT64':
      return new PyInt(BigInt(raw));
    case 'TIMESTAMP': {
      // 1.8.2 does int(value) on BigQuery's float-seconds text ('1.5E9'), which raises; we take the number (README).
      const n = Number(raw);
      return Number.isInteger(n) ? new PyInt(BigInt(n)) : n;
    }
    case 'FLOAT':
    case 'FLOAT64':
      return Number(raw);
    case 'BOOLEAN':
    case 'BOOL':
      return raw === 'true';
    default:
      return raw;
  }
}

export function truthy(v: PyValue): boolean {
  if (v === null) return false;
  if (v instanceof PyInt) return v.value !== 0n;
  if (typeof v === 'number') return v !== 0; // NaN is truthy in Python too
  if (typeof v === 'string') return v.length > 0;
  if (typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.length > 0;
  return Object.keys(v).length > 0;
}

/** Python float repr: `1.0`, `1.5`, `1e+16`, `1e-05`, `inf`, `nan`. */
export function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    const [mant, exp] = n.toExponential().split('e') as [string, string];
    const sign = exp.startsWith('-') ? '-' : '+';
    const digits = exp.replace(/^[+-]/, '').padStart(2, '0');
    return `${mant}e${sign}${digits}`;
  }
  const s = String(n);
  return Number.isInteger(n) ? `${s}.0` : s;
}

export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    const cp = ch.codePointAt(0) as number;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${quote}${out}${quote}`;
}

export function pyRepr(v: PyValue): string {
  if (v === null) return 'None';
  if (v instanceof PyInt) return v.toString();
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return floatRepr(v);
  if (typeof v === 'string') return strRepr(v);
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${strRepr(k)}: ${pyRepr(x)}`)
    .join(', ')}}`;
}

/** `str(v)`: like repr except strings print bare. */
export function pyStr(v: PyValue): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

/** `_convert_to_float_if_possible`: float when Python's float() accepts it, else unchanged. */
export function toFloatIfPossible(v: string | number | undefined): string | number | undefined {
  if (v === undefined || typeof v === 'number') return v;
  const f = pyFloat(v);
  return f === undefined ? v : f;
}

/** Python `float(x)`; undefined where Python raises ValueError/TypeError. */
export function pyFloat(v: PyValue | undefined): number | undefined {
  if (v === null || v === undefined) return undefined;
  if (v instanceof PyInt) return Number(v.value);
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const t = v.trim().replaceAll('_', '');
    if (/^[+-]?(inf|infinity)$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
    if (/^[+-]?nan$/i.test(t)) return Number.NaN;
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return Number(t);
    return undefined;
  }
  return undefined;
}
