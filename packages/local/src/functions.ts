/**
 * The functions an Argo expression can call: expr-lang builtins, Argo's additions (`asInt`, `asFloat`, `toJson`,
 * `jsonpath` subset) and the `sprig` map (the generic sprig functions our workflows use, with Go semantics).
 */
import { ExprError, formatValue, fromJson, toJsonCompatible, typeName, type Value } from './expr.js';
import { addDate, formatGo, GoTime, inZone, parseGo, parseGoDuration } from './godate.js';

export type Clock = () => number;

function str(v: Value, fn: string): string {
  if (typeof v !== 'string') throw new ExprError(`${fn}: expected string, got ${typeName(v)}`);
  return v;
}

/** expr-lang's `int()`: strings are parsed, floats truncated. */
function toInt(v: Value): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  if (typeof v === 'string') {
    const t = v.trim();
    if (!/^[-+]?\d+$/.test(t)) throw new ExprError(`invalid operation: int(${JSON.stringify(v)})`);
    return BigInt(t);
  }
  throw new ExprError(`invalid operation: int(${typeName(v)})`);
}

function toFloat(v: Value): number {
  if (typeof v === 'bigint' || typeof v === 'number') return Number(v);
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  throw new ExprError(`invalid operation: float(${typeName(v)})`);
}

/** sprig's `toTime`-style conversion: time.Time, or int epoch seconds; anything else is `time.Now()` (as in sprig). */
function sprigTime(v: Value, clock: Clock): GoTime {
  if (v instanceof GoTime) return v;
  if (typeof v === 'bigint') return new GoTime(Number(v) * 1000);
  return new GoTime(clock());
}

/** sprig's lenient int conversion (`cast.ToInt`): bad input is 0. */
function sprigInt(v: Value): bigint {
  try {
    if (typeof v === 'string') return BigInt(Number.parseInt(v, 10) || 0);
    return toInt(v);
  } catch {
    return 0n;
  }
}

export function builtinFunctions(clock: Clock): Record<string, Value> {
  const fns: Record<string, Value> = {
    int: (v = null) => toInt(v),
    asInt: (v = null) => toInt(v),
    float: (v = null) => toFloat(v),
    asFloat: (v = null) => toFloat(v),
    len: (v = null) => {
      if (typeof v === 'string') return BigInt([...v].length);
      if (Array.isArray(v)) return BigInt(v.length);
      if (v && typeof v === 'object' && !(v instanceof GoTime) && typeof v !== 'function')
        return BigInt(Object.keys(v).length);
      throw new ExprError(`invalid argument for len (type ${typeName(v)})`);
    },
    upper: (v = null) => str(v, 'upper').toUpperCase(),
    lower: (v = null) => str(v, 'lower').toLowerCase(),
    trim: (v = null, cut = null) =>
      cut === null ? str(v, 'trim').trim() : trimChars(str(v, 'trim'), str(cut, 'trim'), true, true),
    trimPrefix: (v = null, p = null) => {
      const s = str(v, 'trimPrefix');
      const x = str(p, 'trimPrefix');
      return s.startsWith(x) ? s.slice(x.length) : s;
    },
    trimSuffix: (v = null, p = null) => {
      const s = str(v, 'trimSuffix');
      const x = str(p, 'trimSuffix');
      return x && s.endsWith(x) ? s.slice(0, -x.length) : s;
    },
    split: (v = null, sep = null) => str(v, 'split').split(str(sep, 'split')),
    join: (v = null, sep = '') => {
      if (!Array.isArray(v)) throw new ExprError('join: expected array');
      return v.map((x) => formatValue(x)).join(str(sep, 'join'));
    },
    replace: (v = null, a = null, b = null) =>
      str(v, 'replace').split(str(a, 'replace')).join(str(b, 'replace')),
    indexOf: (v = null, x = null) => BigInt(str(v, 'indexOf').indexOf(str(x, 'indexOf'))),
    hasPrefix: (v = null, x = null) => str(v, 'hasPrefix').startsWith(str(x, 'hasPrefix')),
    hasSuffix: (v = null, x = null) => str(v, 'hasSuffix').endsWith(str(x, 'hasSuffix')),
    toJSON: (v = null) => JSON.stringify(toJsonCompatible(v), null, 2),
    toJson: (v = null) => JSON.stringify(toJsonCompatible(v)),
    fromJSON: (v = null) => {
      try {
        return fromJson(JSON.parse(str(v, 'fromJSON')));
      } catch (e) {
        if (e instanceof ExprError) throw e;
        throw new ExprError(`fromJSON: invalid JSON`);
      }
    },
    now: () => new GoTime(clock()),
    date: (v = null, layout = null, zone = null) => {
      const s = str(v, 'date');
      const t = layout === null ? parseGo('2006-01-02T15:04:05Z07:00', s) : parseGo(str(layout, 'date'), s);
      return zone === null ? t : inZone(t, str(zone, 'date'));
    },
    duration: (v = null) => BigInt(Math.round(parseGoDuration(str(v, 'duration')) * 1e6)),
    abs: (v = null) => {
      if (typeof v === 'bigint') return v < 0n ? -v : v;
      if (typeof v === 'number') return Math.abs(v);
      throw new ExprError('abs: expected a number');
    },
    max: (...vs: Value[]) => vs.reduce((a, b) => (Number(b) > Number(a) ? b : a)),
    min: (...vs: Value[]) => vs.reduce((a, b) => (Number(b) < Number(a) ? b : a)),
    sprig: sprigFunctions(clock),
  };
  fns.string = (v = null) => formatValue(v);
  return fns;
}

function trimChars(s: string, cut: string, left: boolean, right: boolean): string {
  let a = 0;
  let b = s.length;
  while (left && a < b && cut.includes(s[a]!)) a++;
  while (right && b > a && cut.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

function sprigFunctions(clock: Clock): Record<string, Value> {
  const date = (layout: Value = null, t: Value = null) =>
    formatGo(sprigTime(t, clock), str(layout, 'sprig.date'));
  const dateInZone = (layout: Value = null, t: Value = null, zone: Value = null) =>
    formatGo(inZone(sprigTime(t, clock), str(zone, 'sprig.dateInZone')), str(layout, 'sprig.dateInZone'));
  const dateModify = (mod: Value = null, t: Value = null) => {
    const base = sprigTime(t, clock);
    try {
      return new GoTime(base.ms + parseGoDuration(str(mod, 'sprig.dateModify')), base.offsetMinutes);
    } catch {
      return base; // sprig returns the date unchanged when the duration does not parse
    }
  };
  const toDate = (layout: Value = null, v: Value = null) => {
    try {
      return parseGo(str(layout, 'sprig.toDate'), str(v, 'sprig.toDate'));
    } catch {
      return new GoTime(-62135596800000); // Go's zero time, like sprig's toDate on a parse error
    }
  };
  const mustToDate = (layout: Value = null, v: Value = null) =>
    parseGo(str(layout, 'sprig.mustToDate'), str(v, 'sprig.mustToDate'));
  const num =
    (f: (a: bigint, b: bigint) => bigint) =>
    (a: Value = null, b: Value = null) =>
      f(sprigInt(a), sprigInt(b));
  return {
    date,
    dateInZone,
    date_in_zone: dateInZone,
    dateModify,
    date_modify: dateModify,
    mustDateModify: (mod: Value = null, t: Value = null) =>
      new GoTime(sprigTime(t, clock).ms + parseGoDuration(str(mod, 'sprig.mustDateModify'))),
    toDate,
    mustToDate,
    now: () => new GoTime(clock()),
    unixEpoch: (t: Value = null) => String(Math.floor(sprigTime(t, clock).ms / 1000)),
    htmlDate: (t: Value = null) => formatGo(sprigTime(t, clock), '2006-01-02'),
    htmlDateInZone: (t: Value = null, zone: Value = null) =>
      formatGo(inZone(sprigTime(t, clock), str(zone, 'sprig.htmlDateInZone')), '2006-01-02'),
    addDate: (t: Value = null, y: Value = 0n, m: Value = 0n, d: Value = 0n) =>
      addDate(sprigTime(t, clock), Number(sprigInt(y)), Number(sprigInt(m)), Number(sprigInt(d))),
    add: num((a, b) => a + b),
    sub: num((a, b) => a - b),
    mul: num((a, b) => a * b),
    div: num((a, b) => {
      if (b === 0n) throw new ExprError('sprig.div: division by zero');
      return a / b;
    }),
    mod: num((a, b) => {
      if (b === 0n) throw new ExprError('sprig.mod: division by zero');
      return a % b;
    }),
    add1: (a: Value = null) => sprigInt(a) + 1n,
    atoi: (a: Value = null) => sprigInt(a),
    int: (a: Value = null) => sprigInt(a),
    int64: (a: Value = null) => sprigInt(a),
    float64: (a: Value = null) => {
      const n = Number(typeof a === 'bigint' ? Number(a) : a);
      return Number.isNaN(n) ? 0 : n;
    },
    toString: (a: Value = null) => formatValue(a),
    trim: (s: Value = null) => str(s, 'sprig.trim').trim(),
    upper: (s: Value = null) => str(s, 'sprig.upper').toUpperCase(),
    lower: (s: Value = null) => str(s, 'sprig.lower').toLowerCase(),
    replace: (a: Value = null, b: Value = null, s: Value = null) =>
      str(s, 'sprig.replace').split(str(a, 'sprig.replace')).join(str(b, 'sprig.replace')),
    trimPrefix: (p: Value = null, s: Value = null) => {
      const x = str(s, 'sprig.trimPrefix');
      const q = str(p, 'sprig.trimPrefix');
      return x.startsWith(q) ? x.slice(q.length) : x;
    },
    trimSuffix: (p: Value = null, s: Value = null) => {
      const x = str(s, 'sprig.trimSuffix');
      const q = str(p, 'sprig.trimSuffix');
      return q && x.endsWith(q) ? x.slice(0, -q.length) : x;
    },
    contains: (sub: Value = null, s: Value = null) =>
      str(s, 'sprig.contains').includes(str(sub, 'sprig.contains')),
    hasPrefix: (p: Value = null, s: Value = null) =>
      str(s, 'sprig.hasPrefix').startsWith(str(p, 'sprig.hasPrefix')),
    default: (d: Value = null, v: Value = null) => (isEmpty(v) ? d : v),
    empty: (v: Value = null) => isEmpty(v),
    ternary: (a: Value = null, b: Value = null, c: Value = null) => (c === true ? a : b),
    list: (...xs: Value[]) => xs,
    splitList: (sep: Value = null, s: Value = null) =>
      str(s, 'sprig.splitList').split(str(sep, 'sprig.splitList')),
    join: (sep: Value = null, xs: Value = null) => {
      if (!Array.isArray(xs)) throw new ExprError('sprig.join: expected a list');
      return xs.map(formatValue).join(str(sep, 'sprig.join'));
    },
    until: (n: Value = null) => Array.from({ length: Number(sprigInt(n)) }, (_, i) => BigInt(i)),
    seq: (...xs: Value[]) => {
      const n = xs.map((x) => Number(sprigInt(x)));
      const [start, step, end] = n.length === 1 ? [1, 1, n[0]!] : n.length === 2 ? [n[0]!, 1, n[1]!] : n;
      const out: string[] = [];
      for (let i = start!; step! > 0 ? i <= end! : i >= end!; i += step!) out.push(String(i));
      return out.join(' ');
    },
    quote: (s: Value = null) => JSON.stringify(formatValue(s)),
    toJson: (v: Value = null) => JSON.stringify(toJsonCompatible(v)),
  };
}

function isEmpty(v: Value): boolean {
  if (v === null || v === false || v === '' || v === 0n || v === 0) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (v && typeof v === 'object' && !(v instanceof GoTime)) return Object.keys(v).length === 0;
  return false;
}
