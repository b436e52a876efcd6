/**
 * Just enough of Python's naive `datetime` for Airflow 1.8.2 templates: `str()` / `isoformat()` / `strftime()` /
 * `strptime()` with the C locale, and whole-day arithmetic. Values are naive: the UTC fields of a JS Date are used.
 */

const DAY_MS = 86_400_000;
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** Python's ValueError raised by strptime/ds_add (rendered as a template error). */
export class PyValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValueError';
  }
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** Epoch ms of a UTC calendar date (years below 100 included, unlike Date.UTC). */
function utc(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

function daysInMonth(year: number, month: number): number {
  return new Date(utc(year, month + 1, 0)).getUTCDate();
}

export class PyDatetime {
  /** Microseconds since the epoch of the naive wall-clock time, read as UTC. */
  readonly #us: number;

  constructor(epochMs: number, extraMicroseconds = 0) {
    if (!Number.isFinite(epochMs) || !Number.isFinite(extraMicroseconds))
      throw new PyValueError('invalid datetime');
    this.#us = Math.round(epochMs * 1000) + Math.round(extraMicroseconds);
    if (this.year < 1 || this.year > 9999) throw new PyValueError('date value out of range');
  }

  static fromDate(d: Date): PyDatetime {
    return new PyDatetime(d.getTime());
  }

  static of(
    year: number,
    month: number,
    day: number,
    hour = 0,
    minute = 0,
    second = 0,
    microsecond = 0,
  ): PyDatetime {
    for (const [v, name] of [
      [year, 'year'],
      [month, 'month'],
      [day, 'day'],
    ] as const) {
      if (!Number.isInteger(v)) throw new PyValueError(`${name} must be an integer`);
    }
    if (year < 1 || year > 9999) throw new PyValueError(`year ${year} is out of range`);
    if (month < 1 || month > 12) throw new PyValueError('month must be in 1..12');
    if (day < 1 || day > daysInMonth(year, month)) throw new PyValueError('day is out of range for month');
    if (hour < 0 || hour > 23) throw new PyValueError('hour must be in 0..23');
    if (minute < 0 || minute > 59) throw new PyValueError('minute must be in 0..59');
    if (second < 0 || second > 59) throw new PyValueError('second must be in 0..59');
    if (microsecond < 0 || microsecond > 999_999) throw new PyValueError('microsecond must be in 0..999999');
    const d = new Date(0);
    d.setUTCFullYear(year, month - 1, day);
    d.setUTCHours(hour, minute, second, 0);
    return new PyDatetime(d.getTime(), microsecond);
  }

  /** 0..999999, like Python. */
  get microsecond(): number {
    return ((this.#us % 1_000_000) + 1_000_000) % 1_000_000;
  }
  get #ms(): number {
    return Math.floor(this.#us / 1000);
  }
  get #d(): Date {
    return new Date(this.#ms);
  }
  get year(): number {
    return this.#d.getUTCFullYear();
  }
  get month(): number {
    return this.#d.getUTCMonth() + 1;
  }
  get day(): number {
    return this.#d.getUTCDate();
  }
  get hour(): number {
    return this.#d.getUTCHours();
  }
  get minute(): number {
    return this.#d.getUTCMinutes();
  }
  get second(): number {
    return this.#d.getUTCSeconds();
  }
  /** Monday = 0, like Python. */
  weekday(): number {
    return (this.#d.getUTCDay() + 6) % 7;
  }
  isoweekday(): number {
    return this.weekday() + 1;
  }
  /** Day of the year, 1-based. */
  yday(): number {
    return Math.floor((this.#ms - utc(this.year, 1, 1)) / DAY_MS) + 1;
  }
  epochMs(): number {
    return this.#ms;
  }
  /** Whole/fractional days added like `datetime + timedelta(days)` (rounded to microseconds). */
  addDays(days: number): PyDatetime {
    return new PyDatetime(0, this.#us + Math.round(days * DAY_MS * 1000));
  }
  /** `datetime + timedelta` (and `-` with a negated one). */
  plus(delta: PyTimedelta): PyDatetime {
    return new PyDatetime(0, this.#us + delta.totalMicroseconds);
  }
  /** `datetime - datetime` → timedelta. */
  since(other: PyDatetime): PyTimedelta {
    return new PyTimedelta(this.#us - other.#us);
  }
  /** Microseconds since the epoch (for comparisons and arithmetic). */
  epochMicroseconds(): number {
    return this.#us;
  }
  /** `datetime.replace(year=…, month=…, day=…, hour=…, minute=…, second=…, microsecond=…)`, keywords only. */
  replace(...args: unknown[]): PyDatetime {
    const kw = keywordsOnly(args, 'replace');
    const field = (name: string, current: number): number => {
      const v = kw[name];
      if (v === undefined) return current;
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw new PyTypeError(`'${name}' must be an integer, not ${pyTypeName(v)}`);
      }
      return v;
    };
    for (const name of Object.keys(kw)) {
      if (!['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond'].includes(name)) {
        throw new PyTypeError(`'${name}' is an invalid keyword argument for replace()`);
      }
    }
    return PyDatetime.of(
      field('year', this.year),
      field('month', this.month),
      field('day', this.day),
      field('hour', this.hour),
      field('minute', this.minute),
      field('second', this.second),
      field('microsecond', this.microsecond),
    );
  }
  date(): PyDate {
    return new PyDate(this);
  }
  isoformat(sep = 'T'): string {
    const base = `${pad(this.year, 4)}-${pad(this.month)}-${pad(this.day)}${sep}${pad(this.hour)}:${pad(this.minute)}:${pad(this.second)}`;
    return this.microsecond ? `${base}.${pad(this.microsecond, 6)}` : base;
  }
  strftime(format: string): string {
    return strftime(this, format);
  }
  /** `str(datetime)`: `2026-11-23 00:00:00`. */
  toString(): string {
    return this.isoformat(' ');
  }
  toJSON(): string {
    return this.isoformat();
  }
}

/** Python's TypeError (wrong operand or argument types). */
export class PyTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TypeError';
  }
}

export function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  if (v instanceof PyDatetime) return 'datetime.datetime';
  if (v instanceof PyTimedelta) return 'datetime.timedelta';
  if (v instanceof PyRelativedelta) return 'relativedelta';
  if (typeof v === 'function') return 'function';
  return 'dict';
}

/** nunjucks passes keyword arguments as a trailing object flagged `__keywords`. */
function keywordsOnly(args: unknown[], fn: string): Record<string, unknown> {
  const last = args[args.length - 1] as { __keywords?: true; [k: string]: unknown } | undefined;
  const hasKw = last !== null && typeof last === 'object' && last.__keywords === true;
  if (args.length > (hasKw ? 1 : 0)) {
    throw new PyTypeError(`${fn}() takes keyword arguments only here`);
  }
  if (!hasKw) return {};
  const { __keywords: _, ...kw } = last;
  return kw;
}

/** Keyword or positional arguments in `names` order (a trailing `__keywords` object holds the keywords). */
function namedArgs(args: unknown[], names: readonly string[], fn: string): Record<string, unknown> {
  const last = args[args.length - 1] as { __keywords?: true; [k: string]: unknown } | undefined;
  const hasKw = last !== null && typeof last === 'object' && last.__keywords === true;
  const positional = hasKw ? args.slice(0, -1) : args;
  if (positional.length > names.length) {
    throw new PyTypeError(`${fn}() takes at most ${names.length} positional arguments`);
  }
  const out: Record<string, unknown> = {};
  positional.forEach((v, i) => {
    out[names[i] as string] = v;
  });
  if (hasKw) {
    for (const [k, v] of Object.entries(last)) {
      if (k === '__keywords') continue;
      if (!names.includes(k)) throw new PyTypeError(`'${k}' is an invalid keyword argument for ${fn}()`);
      out[k] = v;
    }
  }
  return out;
}

const TIMEDELTA_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['days', 86_400_000_000],
  ['seconds', 1_000_000],
  ['microseconds', 1],
  ['milliseconds', 1000],
  ['minutes', 60_000_000],
  ['hours', 3_600_000_000],
  ['weeks', 7 * 86_400_000_000],
];

/** Python's `datetime.timedelta`, held as whole microseconds (Python rounds fractions the same way, half to even aside). */
export class PyTimedelta {
  constructor(readonly totalMicroseconds: number) {
    if (!Number.isFinite(totalMicroseconds) || Math.abs(totalMicroseconds) >= 999_999_999 * 86_400_000_000) {
      throw new PyValueError('timedelta out of range');
    }
  }

  /** `timedelta(days=0, seconds=0, microseconds=0, milliseconds=0, minutes=0, hours=0, weeks=0)` */
  static create(...args: unknown[]): PyTimedelta {
    const kw = namedArgs(
      args,
      TIMEDELTA_UNITS.map(([n]) => n),
      'timedelta',
    );
    let us = 0;
    for (const [name, factor] of TIMEDELTA_UNITS) {
      const v = kw[name];
      if (v === undefined) continue;
      if (typeof v !== 'number' && typeof v !== 'boolean') {
        throw new PyTypeError(`unsupported type for timedelta ${name} component: ${pyTypeName(v)}`);
      }
      us += Number(v) * factor;
    }
    return new PyTimedelta(Math.round(us));
  }

  get days(): number {
    return Math.floor(this.totalMicroseconds / 86_400_000_000);
  }
  get seconds(): number {
    return Math.floor((this.totalMicroseconds - this.days * 86_400_000_000) / 1_000_000);
  }
  get microseconds(): number {
    return this.totalMicroseconds - this.days * 86_400_000_000 - this.seconds * 1_000_000;
  }
  total_seconds(): number {
    return this.totalMicroseconds / 1_000_000;
  }
  /** `str(timedelta)`: `1 day, 0:00:00`, `-1 day, 23:59:59`, `0:00:00.500000`. */
  toString(): string {
    const s = this.seconds;
    const clock = `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
    const frac = this.microseconds ? `.${pad(this.microseconds, 6)}` : '';
    const d = this.days;
    return `${d ? `${d} day${Math.abs(d) === 1 ? '' : 's'}, ` : ''}${clock}${frac}`;
  }
}

const RELATIVE_FIELDS = ['years', 'months', 'days', 'hours', 'minutes', 'seconds', 'microseconds'] as const;
const ABSOLUTE_FIELDS = ['year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond'] as const;

/**
 * `dateutil.relativedelta.relativedelta` with keyword arguments (relative `years`…`microseconds`, absolute
 * `year`…`microsecond`), integers only, added to or subtracted from a datetime as dateutil does. `weekday`,
 * `leapdays`, `yearday` and the two-datetime form are refused (TypeError), never approximated.
 */
export class PyRelativedelta {
  readonly rel: Readonly<Record<(typeof RELATIVE_FIELDS)[number], number>>;
  readonly abs: Readonly<Partial<Record<(typeof ABSOLUTE_FIELDS)[number], number>>>;

  constructor(
    rel: Record<(typeof RELATIVE_FIELDS)[number], number>,
    abs: Partial<Record<(typeof ABSOLUTE_FIELDS)[number], number>>,
  ) {
    // dateutil's _fix: each relative field beyond its range rolls into the next larger one, sign kept.
    const r = { ...rel };
    const roll = (
      from: (typeof RELATIVE_FIELDS)[number],
      into: (typeof RELATIVE_FIELDS)[number],
      size: number,
    ) => {
      if (Math.abs(r[from]) < size) return;
      const sign = Math.sign(r[from]);
      r[into] += sign * Math.floor(Math.abs(r[from]) / size);
      r[from] = sign * (Math.abs(r[from]) % size);
    };
    roll('microseconds', 'seconds', 1_000_000);
    roll('seconds', 'minutes', 60);
    roll('minutes', 'hours', 60);
    roll('hours', 'days', 24);
    roll('months', 'years', 12);
    this.rel = r;
    this.abs = abs;
  }

  static create(...args: unknown[]): PyRelativedelta {
    const kw = keywordsOnly(args, 'relativedelta');
    const rel = Object.fromEntries(RELATIVE_FIELDS.map((f) => [f, 0])) as Record<
      (typeof RELATIVE_FIELDS)[number],
      number
    >;
    const abs: Partial<Record<(typeof ABSOLUTE_FIELDS)[number], number>> = {};
    for (const [k, v] of Object.entries(kw)) {
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw new PyTypeError(`relativedelta ${k} must be an integer here, not ${pyTypeName(v)}`);
      }
      if (k === 'weeks') rel.days += 7 * v;
      else if ((RELATIVE_FIELDS as readonly string[]).includes(k))
        rel[k as (typeof RELATIVE_FIELDS)[number]] = v;
      else if ((ABSOLUTE_FIELDS as readonly string[]).includes(k))
        abs[k as (typeof ABSOLUTE_FIELDS)[number]] = v;
      else throw new PyTypeError(`relativedelta ${k}= is not supported by the native engine`);
    }
    return new PyRelativedelta(rel, abs);
  }

  negate(): PyRelativedelta {
    const rel = Object.fromEntries(RELATIVE_FIELDS.map((f) => [f, -this.rel[f]])) as Record<
      (typeof RELATIVE_FIELDS)[number],
      number
    >;
    return new PyRelativedelta(rel, this.abs);
  }

  /** `datetime + relativedelta` as dateutil computes it. */
  applyTo(dt: PyDatetime): PyDatetime {
    let year = (this.abs.year ?? dt.year) + this.rel.years;
    let month = this.abs.month ?? dt.month;
    if (this.rel.months) {
      month += this.rel.months;
      if (month > 12) {
        year += 1;
        month -= 12;
      } else if (month < 1) {
        year -= 1;
        month += 12;
      }
    }
    const day = Math.min(daysInMonth(year, month), this.abs.day ?? dt.day);
    const base = PyDatetime.of(
      year,
      month,
      day,
      this.abs.hour ?? dt.hour,
      this.abs.minute ?? dt.minute,
      this.abs.second ?? dt.second,
      this.abs.microsecond ?? dt.microsecond,
    );
    const r = this.rel;
    return base.plus(
      new PyTimedelta(
        r.days * 86_400_000_000 +
          r.hours * 3_600_000_000 +
          r.minutes * 60_000_000 +
          r.seconds * 1_000_000 +
          r.microseconds,
      ),
    );
  }

  toString(): string {
    const parts: string[] = [];
    for (const f of RELATIVE_FIELDS) {
      const v = this.rel[f];
      if (v) parts.push(`${f}=${v > 0 ? '+' : ''}${v}`);
    }
    for (const f of ABSOLUTE_FIELDS) if (this.abs[f] !== undefined) parts.push(`${f}=${this.abs[f]}`);
    return `relativedelta(${parts.join(', ')})`;
  }
}

export class PyDate {
  constructor(readonly dt: PyDatetime) {}
  get year(): number {
    return this.dt.year;
  }
  get month(): number {
    return this.dt.month;
  }
  get day(): number {
    return this.dt.day;
  }
  isoformat(): string {
    return this.dt.isoformat().slice(0, 10);
  }
  strftime(format: string): string {
    return strftime(this.dt, format);
  }
  toString(): string {
    return this.isoformat();
  }
}

function weekOfYear(dt: PyDatetime, firstWeekday: number): number {
  // %U (Sunday first) / %W (Monday first): weeks before the first such weekday are week 0.
  const yday = dt.yday() - 1;
  const wday = (dt.weekday() + 7 - firstWeekday) % 7;
  return Math.floor((yday + 7 - wday) / 7);
}

function isoWeek(dt: PyDatetime): { year: number; week: number } {
  const d = new Date(utc(dt.year, dt.month, dt.day));
  const dayNum = dt.isoweekday();
  d.setUTCDate(d.getUTCDate() + 4 - dayNum);
  const yearStart = utc(d.getUTCFullYear(), 1, 1);
  return { year: d.getUTCFullYear(), week: Math.ceil(((d.getTime() - yearStart) / DAY_MS + 1) / 7) };
}

/** C-locale strftime (glibc directives, as CPython on Linux passes them through). */
export function strftime(dt: PyDatetime, format: string): string {
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const ch = format[i];
    if (ch !== '%' || i === format.length - 1) {
      out += ch;
      continue;
    }
    const dir = format[++i] as string;
    const h12 = dt.hour % 12 === 0 ? 12 : dt.hour % 12;
    const monthName = MONTHS[dt.month - 1] as string;
    const dayName = WEEKDAYS[dt.weekday()] as string;
    switch (dir) {
      case 'Y':
        out += String(dt.year);
        break;
      case 'y':
        out += pad(dt.year % 100);
        break;
      case 'C':
        out += pad(Math.floor(dt.year / 100));
        break;
      case 'm':
        out += pad(dt.month);
        break;
      case 'd':
        out += pad(dt.day);
        break;
      case 'e':
        out += String(dt.day).padStart(2, ' ');
        break;
      case 'H':
        out += pad(dt.hour);
        break;
      case 'k':
        out += String(dt.hour).padStart(2, ' ');
        break;
      case 'I':
        out += pad(h12);
        break;
      case 'l':
        out += String(h12).padStart(2, ' ');
        break;
      case 'M':
        out += pad(dt.minute);
        break;
      case 'S':
        out += pad(dt.second);
        break;
      case 'f':
        out += pad(dt.microsecond, 6);
        break;
      case 'p':
        out += dt.hour < 12 ? 'AM' : 'PM';
        break;
      case 'P':
        out += dt.hour < 12 ? 'am' : 'pm';
        break;
      case 'b':
      case 'h':
        out += monthName.slice(0, 3);
        break;
      case 'B':
        out += monthName;
        break;
      case 'a':
        out += dayName.slice(0, 3);
        break;
      case 'A':
        out += dayName;
        break;
      case 'j':
        out += pad(dt.yday(), 3);
        break;
      case 'w':
        out += String((dt.weekday() + 1) % 7);
        break;
      case 'u':
        out += String(dt.isoweekday());
        break;
      case 'U':
        out += pad(weekOfYear(dt, 6));
        break;
      case 'W':
        out += pad(weekOfYear(dt, 0));
        break;
      case 'V':
        out += pad(isoWeek(dt).week);
        break;
      case 'G':
        out += String(isoWeek(dt).year);
        break;
      case 'g':
        out += pad(isoWeek(dt).year % 100);
        break;
      case 'D':
        out += strftime(dt, '%m/%d/%y');
        break;
      case 'F':
        out += strftime(dt, '%Y-%m-%d');
        break;
      case 'T':
        out += strftime(dt, '%H:%M:%S');
        break;
      case 'R':
        out += strftime(dt, '%H:%M');
        break;
      case 'r':
        out += strftime(dt, '%I:%M:%S %p');
        break;
      case 'c':
        out += strftime(dt, '%a %b %e %H:%M:%S %Y');
        break;
      case 'x':
        out += strftime(dt, '%m/%d/%y');
        break;
      case 'X':
        out += strftime(dt, '%H:%M:%S');
        break;
      case 's':
        out += String(Math.floor(dt.epochMs() / 1000));
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'z':
      case 'Z':
        break; // naive datetime: empty
      case '%':
        out += '%';
        break;
      default:
        out += `%${dir}`;
    }
  }
  return out;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const STRPTIME: Record<string, [string, string | null]> = {
  d: ['3[01]|[12]\\d|0[1-9]|[1-9]| [1-9]', 'd'],
  f: ['[0-9]{1,6}', 'f'],
  H: ['2[0-3]|[0-1]\\d|\\d', 'H'],
  I: ['1[0-2]|0[1-9]|[1-9]', 'I'],
  j: ['36[0-6]|3[0-5]\\d|[12]\\d\\d|0[1-9]\\d|00[1-9]|[1-9]\\d|0[1-9]|[1-9]', 'j'],
  m: ['1[0-2]|0[1-9]|[1-9]', 'm'],
  M: ['[0-5]\\d|\\d', 'M'],
  S: ['6[0-1]|[0-5]\\d|\\d', 'S'],
  y: ['\\d\\d', 'y'],
  Y: ['\\d\\d\\d\\d', 'Y'],
  p: ['am|pm', 'p'],
  b: [MONTHS.map((m) => m.slice(0, 3).toLowerCase()).join('|'), 'b'],
  B: [MONTHS.map((m) => m.toLowerCase()).join('|'), 'B'],
  a: [WEEKDAYS.map((m) => m.slice(0, 3).toLowerCase()).join('|'), null],
  A: [WEEKDAYS.map((m) => m.toLowerCase()).join('|'), null],
  w: ['[0-6]', null],
  '%': ['%', null],
};

/** Python's `datetime.strptime` for the common directives (C locale); errors carry CPython's messages. */
export function strptime(text: string, format: string): PyDatetime {
  if (typeof text !== 'string')
    throw new PyValueError(`strptime() argument 1 must be str, not ${typeof text}`);
  let pattern = '';
  const groups: (string | null)[] = [];
  for (let i = 0; i < format.length; i++) {
    const ch = format[i] as string;
    if (ch === '%') {
      const dir = format[++i];
      const spec = dir === undefined ? undefined : STRPTIME[dir];
      if (!spec) {
        if (dir === undefined) throw new PyValueError(`stray % in format '${format}'`);
        throw new PyValueError(`'${dir}' is a bad directive in format '%${dir}'`);
      }
      pattern += `(${spec[0]})`;
      groups.push(spec[1]);
    } else if (/\s/.test(ch)) {
      pattern += '\\s+';
      while (i + 1 < format.length && /\s/.test(format[i + 1] as string)) i++;
    } else {
      pattern += escapeRe(ch);
    }
  }
  const m = new RegExp(`^(?:${pattern})`, 'i').exec(text);
  if (!m) throw new PyValueError(`time data '${text}' does not match format '${format}'`);
  if (m[0].length !== text.length)
    throw new PyValueError(`unconverted data remains: ${text.slice(m[0].length)}`);
  let year = 1900;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let micro = 0;
  let pm: boolean | undefined;
  let hour12: number | undefined;
  let yday: number | undefined;
  groups.forEach((g, idx) => {
    const v = (m[idx + 1] as string).trim();
    switch (g) {
      case 'Y':
        year = Number(v);
        break;
      case 'y': {
        const n = Number(v);
        year = n <= 68 ? 2000 + n : 1900 + n;
        break;
      }
      case 'm':
        month = Number(v);
        break;
      case 'b':
        month = MONTHS.findIndex((x) => x.slice(0, 3).toLowerCase() === v.toLowerCase()) + 1;
        break;
      case 'B':
        month = MONTHS.findIndex((x) => x.toLowerCase() === v.toLowerCase()) + 1;
        break;
      case 'd':
        day = Number(v);
        break;
      case 'H':
        hour = Number(v);
        break;
      case 'I':
        hour12 = Number(v);
        break;
      case 'p':
        pm = v.toLowerCase() === 'pm';
        break;
      case 'M':
        minute = Number(v);
        break;
      case 'S':
        second = Math.min(Number(v), 59);
        break;
      case 'f':
        micro = Number(v.padEnd(6, '0'));
        break;
      case 'j':
        yday = Number(v);
        break;
    }
  });
  if (hour12 !== undefined) hour = (hour12 % 12) + (pm ? 12 : 0);
  if (yday !== undefined) {
    const start = PyDatetime.of(year, 1, 1);
    const d = start.addDays(yday - 1);
    month = d.month;
    day = d.day;
  }
  return PyDatetime.of(year, month, day, hour, minute, second, micro);
}
