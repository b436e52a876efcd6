import {
  PyDatetime,
  PyRelativedelta,
  PyTimedelta,
  PyTypeError,
  PyValueError,
  pyTypeName,
} from './pydatetime.js';

/**
 * Python's operators and `str()`/`repr()` for the values a template sees, so that `+ - * / // % ~`, slicing and
 * printing behave as in Jinja2 on Python, or raise as Python raises — never JavaScript's coercions (`"%s" % ds`
 * was `NaN`, `'a' - 1` was `NaN`, `None ~ 'x'` was `nullx`).
 */

/** Something the native renderer cannot reproduce: rendering it fails instead of printing something else. */
export class UnsupportedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotSupportedByNativeEngine';
  }
}

/** Python's KeyError (`var.value.x` when there is no such Variable). Its str() is the repr of the key/message. */
export class PyKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyError';
  }
}

export class PyIndexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IndexError';
  }
}

export class PyZeroDivisionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZeroDivisionError';
  }
}

/** Values with their own Python `str()` (PyDatetime, PyTimedelta, stand-ins): a toString other than Object's. */
function hasOwnStr(v: object): boolean {
  return !Array.isArray(v) && (v as { toString?: unknown }).toString !== Object.prototype.toString;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** `repr(str)`: single quotes unless the text holds a single quote and no double quote. */
function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)
      out += `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + quote;
}

function pyNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER) return String(n);
  // A non-integer float prints the same shortest repr in both languages away from the exponent ranges.
  if (Number.isFinite(n) && Math.abs(n) >= 1e-4 && Math.abs(n) < 1e16) return String(n);
  throw new UnsupportedError(`printing the number ${n} as Python would`);
}

const TUPLE = Symbol('tuple');

/** Marks an array as a Python tuple (`(a, b)` in a template): printed `(a, b)`, `(a,)`. */
export function pyTuple(items: unknown[]): unknown[] {
  Object.defineProperty(items, TUPLE, { value: true });
  return items;
}

/** Python `repr()` of a template value. */
export function pyRepr(v: unknown): string {
  if (typeof v === 'string') return reprString(v);
  if (Array.isArray(v) && Object.hasOwn(v, TUPLE)) {
    return v.length === 1 ? `(${pyRepr(v[0])},)` : `(${v.map(pyRepr).join(', ')})`;
  }
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (isPlainObject(v) && !Object.hasOwn(v, 'toString')) {
    return `{${Object.entries(v)
      .map(([k, x]) => `${reprString(k)}: ${pyRepr(x)}`)
      .join(', ')}}`;
  }
  if (v instanceof PyDatetime) {
    const fields = [v.year, v.month, v.day, v.hour, v.minute];
    if (v.second || v.microsecond) fields.push(v.second);
    if (v.microsecond) fields.push(v.microsecond);
    return `datetime.datetime(${fields.join(', ')})`;
  }
  if (v instanceof PyTimedelta) {
    const parts: string[] = [];
    if (v.days) parts.push(`days=${v.days}`);
    if (v.seconds) parts.push(`seconds=${v.seconds}`);
    if (v.microseconds) parts.push(`microseconds=${v.microseconds}`);
    return `datetime.timedelta(${parts.join(', ')})`;
  }
  return pyStr(v);
}

/** Python `str()` of a template value; what `{{ }}` prints. */
export function pyStr(v: unknown): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return pyNumber(v);
  if (v === undefined) return '';
  if (Array.isArray(v)) return pyRepr(v);
  if (typeof v === 'object') {
    if (hasOwnStr(v)) return String(v);
    if (isPlainObject(v)) return pyRepr(v);
  }
  if (typeof v === 'function' && Object.hasOwn(v, 'toString')) return String(v);
  throw new UnsupportedError(`printing a ${pyTypeName(v)} value as Python would`);
}

function isInt(v: unknown): v is number | boolean {
  return typeof v === 'boolean' || (typeof v === 'number' && Number.isInteger(v));
}
function isNum(v: unknown): v is number | boolean {
  return typeof v === 'boolean' || typeof v === 'number';
}

function unsupportedOperands(op: string, a: unknown, b: unknown): PyTypeError {
  return new PyTypeError(`unsupported operand type(s) for ${op}: '${pyTypeName(a)}' and '${pyTypeName(b)}'`);
}

/**
 * A float result Python would print with `.0` (`4 / 2` → `2.0`, `2.5 * 2` → `5.0`): refused rather than printed as
 * `2`. (A float literal with an integer value, `2.0`, is already an integer once nunjucks has lexed it.)
 */
function floatResult(n: number): number {
  if (Number.isInteger(n)) {
    throw new UnsupportedError('a division whose float result Python prints with .0 (use // for integers)');
  }
  return n;
}

/** `a op b` on numbers: a float operand makes a float result (refused when Python would print it with `.0`). */
function numeric(a: number | boolean, b: number | boolean, result: number): number {
  return isInt(a) && isInt(b) ? result : floatResult(result);
}

/** Python's binary operators on template values. */
export function pyBinOp(op: string, a: unknown, b: unknown): unknown {
  switch (op) {
    case '+':
      if (isNum(a) && isNum(b)) return numeric(a, b, Number(a) + Number(b));
      if (typeof a === 'string' && typeof b === 'string') return a + b;
      if (Array.isArray(a) && Array.isArray(b)) return [...a, ...b];
      if (a instanceof PyDatetime && b instanceof PyTimedelta) return a.plus(b);
      if (a instanceof PyTimedelta && b instanceof PyDatetime) return b.plus(a);
      if (a instanceof PyTimedelta && b instanceof PyTimedelta)
        return new PyTimedelta(a.totalMicroseconds + b.totalMicroseconds);
      if (a instanceof PyDatetime && b instanceof PyRelativedelta) return b.applyTo(a);
      if (a instanceof PyRelativedelta && b instanceof PyDatetime) return a.applyTo(b);
      if (typeof a === 'string')
        throw new PyTypeError(`can only concatenate str (not "${pyTypeName(b)}") to str`);
      throw unsupportedOperands('+', a, b);
    case '-':
      if (isNum(a) && isNum(b)) return numeric(a, b, Number(a) - Number(b));
      if (a instanceof PyDatetime && b instanceof PyTimedelta)
        return a.plus(new PyTimedelta(-b.totalMicroseconds));
      if (a instanceof PyDatetime && b instanceof PyDatetime) return a.since(b);
      if (a instanceof PyTimedelta && b instanceof PyTimedelta)
        return new PyTimedelta(a.totalMicroseconds - b.totalMicroseconds);
      if (a instanceof PyDatetime && b instanceof PyRelativedelta) return b.negate().applyTo(a);
      throw unsupportedOperands('-', a, b);
    case '*':
      if (isNum(a) && isNum(b)) return numeric(a, b, Number(a) * Number(b));
      if ((typeof a === 'string' || Array.isArray(a)) && isInt(b)) return repeat(a, Number(b));
      if (isInt(a) && (typeof b === 'string' || Array.isArray(b))) return repeat(b, Number(a));
      if (a instanceof PyTimedelta && isInt(b)) return new PyTimedelta(a.totalMicroseconds * Number(b));
      if (isInt(a) && b instanceof PyTimedelta) return new PyTimedelta(b.totalMicroseconds * Number(a));
      throw unsupportedOperands('*', a, b);
    case '/':
      if (isNum(a) && isNum(b)) {
        if (Number(b) === 0) throw new PyZeroDivisionError('division by zero');
        return floatResult(Number(a) / Number(b));
      }
      throw unsupportedOperands('/', a, b);
    case '//':
      if (isNum(a) && isNum(b)) {
        if (Number(b) === 0) throw new PyZeroDivisionError('integer division or modulo by zero');
        return numeric(a, b, Math.floor(Number(a) / Number(b)));
      }
      throw unsupportedOperands('//', a, b);
    case '%':
      if (typeof a === 'string') return printf(a, b);
      if (isNum(a) && isNum(b)) {
        if (Number(b) === 0) throw new PyZeroDivisionError('integer division or modulo by zero');
        return numeric(a, b, Number(a) - Number(b) * Math.floor(Number(a) / Number(b)));
      }
      throw unsupportedOperands('%', a, b);
    default:
      throw new UnsupportedError(`the operator ${op}`);
  }
}

function repeat<T extends string | unknown[]>(v: T, n: number): T {
  if (typeof v === 'string') return (n > 0 ? v.repeat(n) : '') as T;
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) out.push(...(v as unknown[]));
  return out as T;
}

/** Jinja's `~`: both sides through `str()`. */
export function pyConcat(a: unknown, b: unknown): string {
  return pyStr(a) + pyStr(b);
}

function sliceIndex(v: unknown, what: string): number | null {
  if (v === null || v === undefined) return null;
  if (!isInt(v)) {
    throw new PyTypeError(`slice indices must be integers or None, not ${pyTypeName(v)} (${what})`);
  }
  return Number(v);
}

/** Python's `seq[start:stop:step]` on a str (by code point) or a list. */
export function pySlice(seq: unknown, start: unknown, stop: unknown, step: unknown): unknown {
  const items: unknown[] =
    typeof seq === 'string' ? Array.from(seq) : Array.isArray(seq) ? seq : (undefined as never);
  if (items === undefined) {
    if (seq === undefined) throw new UndefinedLookup('cannot slice an undefined value');
    throw new PyTypeError(`'${pyTypeName(seq)}' object is not subscriptable`);
  }
  const n = items.length;
  const st = sliceIndex(step, 'step') ?? 1;
  if (st === 0) throw new PyValueError('slice step cannot be zero');
  const clamp = (i: number | null, dflt: number, lo: number, hi: number): number => {
    if (i === null) return dflt;
    const j = i < 0 ? i + n : i;
    return Math.min(Math.max(j, lo), hi);
  };
  const out: unknown[] = [];
  if (st > 0) {
    const a = clamp(sliceIndex(start, 'start'), 0, 0, n);
    const b = clamp(sliceIndex(stop, 'stop'), n, 0, n);
    for (let i = a; i < b; i += st) out.push(items[i]);
  } else {
    const a = clamp(sliceIndex(start, 'start'), n - 1, -1, n - 1);
    const b = clamp(sliceIndex(stop, 'stop'), -1, -1, n - 1);
    for (let i = a; i > b; i += st) out.push(items[i]);
  }
  return typeof seq === 'string' ? out.join('') : out;
}

/**
 * Python's `seq[i]` for an integer index on a str or list, negative from the end. Out of range is Jinja's Undefined
 * (its getitem turns the IndexError into Undefined), which prints as ''.
 */
export function pyIndex(seq: string | unknown[], index: number): unknown {
  const items: unknown[] = typeof seq === 'string' ? Array.from(seq) : seq;
  const i = index < 0 ? index + items.length : index;
  return i < 0 || i >= items.length ? undefined : items[i];
}

/** An attribute or slice of an undefined value (Jinja2's UndefinedError). */
export class UndefinedLookup extends Error {
  override name = 'UndefinedError';
}

const PRINTF_RE = /%(?:\(([^)]*)\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])?/g;

/** Python's `str % args` (printf-style): `%s %r %d %i %f %x %o %c %%` with flags, width and precision. */
export function printf(format: string, args: unknown): string {
  // A JavaScript array stands for Jinja's tuple `(a, b)`; a dict feeds `%(key)s` (or is itself the one argument).
  const items = Array.isArray(args) ? args : [args];
  const mapping = !Array.isArray(args) && isPlainObject(args) ? args : undefined;
  let next = 0;
  const out = format.replace(
    PRINTF_RE,
    (whole, key: string | undefined, flags: string, width?: string, prec?: string, conv?: string) => {
      if (conv === undefined) throw new PyValueError('incomplete format');
      if (whole === '%%') return '%';
      if (conv === '%') throw new UnsupportedError(`the conversion ${whole}`);
      if (width === '*' || prec === '*') throw new UnsupportedError("'*' width or precision in % formatting");
      let value: unknown;
      if (key !== undefined) {
        if (!mapping) throw new PyTypeError('format requires a mapping');
        if (!Object.hasOwn(mapping, key)) throw new PyKeyError(reprString(key));
        value = mapping[key];
      } else {
        if (next >= items.length) throw new PyTypeError('not enough arguments for format string');
        value = items[next++];
      }
      return pad(convert(conv, value, flags, prec), flags, width);
    },
  );
  if (mapping === undefined && next < items.length) {
    throw new PyTypeError('not all arguments converted during string formatting');
  }
  return out;
}

function pad(text: string, flags: string, width: string | undefined): string {
  const w = width ? Number(width) : 0;
  if (text.length >= w) return text;
  if (flags.includes('-')) return text.padEnd(w, ' ');
  if (flags.includes('0') && /^[-+ ]?[0-9]/.test(text)) {
    const sign = /^[-+ ]/.test(text) ? (text[0] as string) : '';
    return sign + text.slice(sign.length).padStart(w - sign.length, '0');
  }
  return text.padStart(w, ' ');
}

function signed(n: number, text: string, flags: string): string {
  if (n < 0 || Object.is(n, -0)) return text;
  if (flags.includes('+')) return `+${text}`;
  if (flags.includes(' ')) return ` ${text}`;
  return text;
}

function convert(conv: string, value: unknown, flags: string, prec: string | undefined): string {
  switch (conv) {
    case 's':
      return prec === undefined ? pyStr(value) : pyStr(value).slice(0, Number(prec));
    case 'r':
    case 'a':
      return prec === undefined ? pyRepr(value) : pyRepr(value).slice(0, Number(prec));
    case 'd':
    case 'i':
    case 'u': {
      if (!isNum(value))
        throw new PyTypeError(`%${conv} format: a number is required, not ${pyTypeName(value)}`);
      const n = Math.trunc(Number(value));
      return signed(n, String(n), flags);
    }
    case 'x':
    case 'X':
    case 'o': {
      if (!isInt(value))
        throw new PyTypeError(`%${conv} format: an integer is required, not ${pyTypeName(value)}`);
      const n = Number(value);
      let digits = Math.abs(n).toString(conv === 'o' ? 8 : 16);
      if (conv === 'X') digits = digits.toUpperCase();
      if (flags.includes('#')) digits = (conv === 'o' ? '0o' : conv === 'x' ? '0x' : '0X') + digits;
      return signed(n, n < 0 ? `-${digits}` : digits, flags);
    }
    case 'f':
    case 'F': {
      if (!isNum(value)) throw new PyTypeError(`must be real number, not ${pyTypeName(value)}`);
      const n = Number(value);
      return signed(n, n.toFixed(prec === undefined ? 6 : Number(prec)), flags);
    }
    case 'c':
      if (typeof value === 'string' && Array.from(value).length === 1) return value;
      if (isInt(value)) return String.fromCodePoint(Number(value));
      throw new PyTypeError('%c requires int or char');
    default:
      throw new UnsupportedError(`the %${conv} conversion`);
  }
}

/**
 * A stand-in for a Python object with a fixed set of attributes (`task`, `ti`, `dag`, `conf`, `var.value`): any
 * other attribute raises `missing(name)` (NotSupportedByNativeEngine, or KeyError for Variables) instead of
 * rendering as an empty Undefined, because the real object may well have it.
 */
export class StrictObject {
  readonly #fields: Readonly<Record<string, unknown>>;
  readonly #missing: (name: string) => Error;
  readonly #str: () => string;

  constructor(
    fields: Readonly<Record<string, unknown>>,
    missing: (name: string) => Error,
    str: () => string,
  ) {
    this.#fields = fields;
    this.#missing = missing;
    this.#str = str;
  }

  lookup(name: unknown): unknown {
    const key = String(name);
    if (Object.hasOwn(this.#fields, key)) return this.#fields[key];
    throw this.#missing(key);
  }

  toString(): string {
    return this.#str();
  }
}
