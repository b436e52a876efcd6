/**
 * Naive datetimes as Airflow 1.8.2 uses them: a wall-clock value without zone, stored here as milliseconds of a
 * UTC-based epoch so that arithmetic never meets daylight-saving jumps.
 */
export type Naive = number;

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

export function naive(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): Naive {
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const back = new Date(t);
  if (
    y < 1 ||
    y > 9999 ||
    back.getUTCFullYear() !== y ||
    back.getUTCMonth() !== mo - 1 ||
    back.getUTCDate() !== d
  ) {
    return Number.NaN;
  }
  if (h > 23 || mi > 59 || s > 59) return Number.NaN;
  return t;
}

function parts(t: Naive) {
  const d = new Date(t);
  return {
    y: d.getUTCFullYear(),
    mo: d.getUTCMonth() + 1,
    d: d.getUTCDate(),
    h: d.getUTCHours(),
    mi: d.getUTCMinutes(),
    s: d.getUTCSeconds(),
    ms: d.getUTCMilliseconds(),
  };
}

/** `datetime.isoformat()`: 2018-01-10T00:00:00 (microseconds only when non-zero). */
export function isoformat(t: Naive): string {
  const p = parts(t);
  const frac = p.ms ? `.${pad(p.ms * 1000, 6)}` : '';
  return `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)}T${pad(p.h)}:${pad(p.mi)}:${pad(p.s)}${frac}`;
}

/** `str(datetime)`: 2018-01-10 00:00:00. */
export function pyStr(t: Naive): string {
  return isoformat(t).replace('T', ' ');
}

/** `repr(datetime)`: datetime.datetime(2018, 1, 10, 0, 0) — trailing zero seconds/microseconds omitted. */
export function pyRepr(t: Naive): string {
  const p = parts(t);
  const fields = [p.y, p.mo, p.d, p.h, p.mi];
  if (p.s || p.ms) fields.push(p.s);
  if (p.ms) fields.push(p.ms * 1000);
  return `datetime.datetime(${fields.join(', ')})`;
}

export function ymd(t: Naive): string {
  return isoformat(t).slice(0, 10);
}

/** The wall clock of this machine as a naive value (Airflow 1.8.2 compares against local `datetime.now()`). */
export function nowNaive(now: Date = new Date()): Naive {
  return now.getTime() - now.getTimezoneOffset() * 60_000;
}

/** `[%(asctime)s]` of Python logging: local time, `2018-01-10 12:00:00,123`. */
export function logTimestamp(now: Date = new Date()): string {
  const t = nowNaive(now);
  const p = parts(t);
  return `${pad(p.y, 4)}-${pad(p.mo)}-${pad(p.d)} ${pad(p.h)}:${pad(p.mi)}:${pad(p.s)},${pad(p.ms, 3)}`;
}

export interface ParsedDate {
  readonly value: Naive;
  /** A zone was given (`Z`, `+02:00`): 1.8.2 then compares aware with naive datetimes and fails. */
  readonly aware: boolean;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/**
 * The subset of `dateutil.parser.parse` that shows up on command lines: YYYY-MM-DD, YYYYMMDD, YYYY/MM/DD,
 * `T` or space + HH:MM[:SS[.ffffff]], compact YYYYMMDDTHHMMSS, an optional zone, and `10 Jan 2018` / `Jan 10 2018`.
 * Returns undefined where dateutil would raise (ValueError → argparse's "invalid parse value").
 */
export function parseLenientDate(input: string): ParsedDate | undefined {
  const s = input.trim();
  let m =
    /^(\d{4})[-/.]?(\d{2})[-/.]?(\d{2})(?:[T ](\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d{1,6}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(
      s,
    );
  if (m) {
    const sep1 = s.charAt(4);
    // YYYY-MM-DD must use the same separator twice; YYYYMMDD none.
    if (/[-/.]/.test(sep1) !== /[-/.]/.test(s.charAt(7))) return undefined;
    const [, y, mo, d, h, mi, sec, frac, zone] = m;
    const ms = frac ? Math.floor(Number(frac.padEnd(6, '0')) / 1000) : 0;
    const value = naive(
      Number(y),
      Number(mo),
      Number(d),
      Number(h ?? 0),
      Number(mi ?? 0),
      Number(sec ?? 0),
      ms,
    );
    if (Number.isNaN(value)) return undefined;
    return { value, aware: zone !== undefined };
  }
  m = /^(\d{1,2})\s+([a-z]{3})[a-z]*\.?,?\s+(\d{4})$/i.exec(s) ?? null;
  if (m) {
    const mo = MONTHS.indexOf(m[2]!.toLowerCase()) + 1;
    const value = mo ? naive(Number(m[3]), mo, Number(m[1])) : Number.NaN;
    return Number.isNaN(value) ? undefined : { value, aware: false };
  }
  m = /^([a-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})$/i.exec(s) ?? null;
  if (m) {
    const mo = MONTHS.indexOf(m[1]!.toLowerCase()) + 1;
    const value = mo ? naive(Number(m[3]), mo, Number(m[2])) : Number.NaN;
    return Number.isNaN(value) ? undefined : { value, aware: false };
  }
  return undefined;
}
