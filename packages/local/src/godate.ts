/**
 * Go's time formatting as sprig and expr-lang expose it: reference-date layouts (`20060102`, `2006-01-02T15:04:05Z07:00`),
 * `time.ParseDuration` strings (`-24h`, `1h30m`) and the few `time.Time` methods expressions call.
 */
import type { Value } from './expr.js';

export class ExprError extends Error {
  override readonly name = 'ExprError';
}

/** A Go `time.Time`: an instant (ms since epoch) shown in a fixed UTC offset (minutes). */
export class GoTime {
  constructor(
    readonly ms: number,
    readonly offsetMinutes = 0,
  ) {}
}

const LAYOUT_TOKEN =
  /January|Jan|Monday|Mon|MST|2006|Z07:00|Z0700|Z07|-07:00|-0700|-07|002|01|02|_2|03|04|05|06|15|PM|pm|\.0+|\.9+|1|2|3|4|5/g;

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
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

function pad(n: number, width: number, ch = '0'): string {
  return String(n).padStart(width, ch);
}

function offsetText(minutes: number, colon: boolean, zulu: boolean, hoursOnly = false): string {
  if (zulu && minutes === 0) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const a = Math.abs(minutes);
  const h = pad(Math.floor(a / 60), 2);
  if (hoursOnly) return `${sign}${h}`;
  return `${sign}${h}${colon ? ':' : ''}${pad(a % 60, 2)}`;
}

/** Zone-offset layouts: `Z…` writes Z for UTC, `…:00` puts a colon between hours and minutes, `07` is hours only. */
const OFFSET_LAYOUTS: Record<string, { zulu: boolean; colon: boolean; hoursOnly: boolean }> = {
  'Z07:00': { zulu: true, colon: true, hoursOnly: false },
  Z0700: { zulu: true, colon: false, hoursOnly: false },
  Z07: { zulu: true, colon: false, hoursOnly: true },
  '-07:00': { zulu: false, colon: true, hoursOnly: false },
  '-0700': { zulu: false, colon: false, hoursOnly: false },
  '-07': { zulu: false, colon: false, hoursOnly: true },
};

/** `time.Format(layout)`. */
export function formatGo(t: GoTime, layout: string): string {
  const d = new Date(t.ms + t.offsetMinutes * 60_000);
  const Y = d.getUTCFullYear();
  const M = d.getUTCMonth();
  const D = d.getUTCDate();
  const h = d.getUTCHours();
  const m = d.getUTCMinutes();
  const s = d.getUTCSeconds();
  const ms = d.getUTCMilliseconds();
  const yday = Math.floor((Date.UTC(Y, M, D) - Date.UTC(Y, 0, 1)) / 86_400_000) + 1;
  return layout.replace(LAYOUT_TOKEN, (tok) => {
    const zone = OFFSET_LAYOUTS[tok];
    if (zone) return offsetText(t.offsetMinutes, zone.colon, zone.zulu, zone.hoursOnly);
    switch (tok) {
      case 'January':
        return MONTHS[M]!;
      case 'Jan':
        return MONTHS[M]!.slice(0, 3);
      case 'Monday':
        return DAYS[d.getUTCDay()]!;
      case 'Mon':
        return DAYS[d.getUTCDay()]!.slice(0, 3);
      case 'MST':
        return t.offsetMinutes === 0 ? 'UTC' : offsetText(t.offsetMinutes, false, false);
      case '2006':
        return pad(Y, 4);
      case '06':
        return pad(Y % 100, 2);
      case '01':
        return pad(M + 1, 2);
      case '1':
        return String(M + 1);
      case '02':
        return pad(D, 2);
      case '_2':
        return pad(D, 2, ' ');
      case '2':
        return String(D);
      case '002':
        return pad(yday, 3);
      case '15':
        return pad(h, 2);
      case '03':
        return pad(h % 12 === 0 ? 12 : h % 12, 2);
      case '3':
        return String(h % 12 === 0 ? 12 : h % 12);
      case '04':
        return pad(m, 2);
      case '4':
        return String(m);
      case '05':
        return pad(s, 2);
      case '5':
        return String(s);
      case 'PM':
        return h >= 12 ? 'PM' : 'AM';
      case 'pm':
        return h >= 12 ? 'pm' : 'am';
      default: {
        // .000 / .999 fractional seconds (ms precision here)
        const digits = tok.length - 1;
        const frac = pad(ms, 3).padEnd(9, '0').slice(0, digits);
        if (tok[1] === '9') {
          const trimmed = frac.replace(/0+$/, '');
          return trimmed ? `.${trimmed}` : '';
        }
        return `.${frac}`;
      }
    }
  });
}

/** `time.Parse(layout, value)` in UTC (or the offset found in the value). */
export function parseGo(layout: string, value: string): GoTime {
  let re = '';
  const fields: string[] = [];
  let last = 0;
  for (const match of layout.matchAll(LAYOUT_TOKEN)) {
    re += escapeRe(layout.slice(last, match.index));
    const tok = match[0];
    fields.push(tok);
    re += tokenPattern(tok);
    last = match.index + tok.length;
  }
  re += escapeRe(layout.slice(last));
  const m = new RegExp(`^${re}$`).exec(value);
  if (!m) throw new ExprError(`parsing time "${value}" as "${layout}": cannot parse`);
  let Y = 1;
  let M = 1;
  let D = 1;
  let h = 0;
  let min = 0;
  let s = 0;
  let ms = 0;
  let pm: boolean | undefined;
  let offset = 0;
  fields.forEach((tok, i) => {
    const v = m[i + 1]!;
    if (OFFSET_LAYOUTS[tok]) {
      if (v === 'Z') return;
      const om = /^([+-])(\d\d):?(\d\d)?$/.exec(v)!;
      offset = (om[1] === '-' ? -1 : 1) * (Number(om[2]) * 60 + Number(om[3] ?? 0));
      return;
    }
    switch (tok) {
      case '2006':
        Y = Number(v);
        break;
      case '06':
        Y = 2000 + Number(v) - (Number(v) >= 69 ? 100 : 0);
        break;
      case '01':
      case '1':
        M = Number(v);
        break;
      case 'January':
      case 'Jan':
        M = MONTHS.findIndex((x) => x.startsWith(v)) + 1;
        break;
      case '02':
      case '_2':
      case '2':
        D = Number(v.trim());
        break;
      case '15':
      case '03':
      case '3':
        h = Number(v);
        break;
      case '04':
      case '4':
        min = Number(v);
        break;
      case '05':
      case '5':
        s = Number(v);
        break;
      case 'PM':
      case 'pm':
        pm = v.toUpperCase() === 'PM';
        break;
      default:
        if (tok.startsWith('.')) ms = Math.round(Number(`0${v}`) * 1000);
    }
  });
  if (pm !== undefined) h = (h % 12) + (pm ? 12 : 0);
  if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || min > 59 || s > 59)
    throw new ExprError(`parsing time "${value}": value out of range`);
  const utc = Date.UTC(Y, M - 1, D, h, min, s, ms) - offset * 60_000;
  const check = new Date(utc + offset * 60_000);
  if (check.getUTCDate() !== D) throw new ExprError(`parsing time "${value}": day out of range`);
  return new GoTime(utc, offset);
}

function tokenPattern(tok: string): string {
  const zone = OFFSET_LAYOUTS[tok];
  if (zone) return zone.zulu ? '(Z|[+-]\\d\\d(?::?\\d\\d)?)' : '([+-]\\d\\d(?::?\\d\\d)?)';
  switch (tok) {
    case 'January':
      return `(${MONTHS.join('|')})`;
    case 'Jan':
      return `(${MONTHS.map((x) => x.slice(0, 3)).join('|')})`;
    case 'Monday':
      return `(?:${DAYS.join('|')})`;
    case 'Mon':
      return `(?:${DAYS.map((x) => x.slice(0, 3)).join('|')})`;
    case 'MST':
      return '(?:[A-Z]{3,4})';
    case '2006':
      return '(\\d{4})';
    case '_2':
      return '( \\d|\\d\\d)';
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
      return '(\\d\\d?)';
    case '002':
      return '(\\d{3})';
    case 'PM':
    case 'pm':
      return '(AM|PM|am|pm)';
    default:
      if (tok.startsWith('.')) return '(\\.\\d+)';
      return '(\\d\\d)';
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's `time.ParseDuration`, in milliseconds. */
export function parseGoDuration(text: string): number {
  const m = /^([-+]?)((?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+|0)$/.exec(text.trim());
  if (!m) throw new ExprError(`time: invalid duration "${text}"`);
  let ns = 0;
  for (const part of m[2]!.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g))
    ns += Number(part[1]) * UNIT_NS[part[2]!]!;
  return ((m[1] === '-' ? -1 : 1) * ns) / 1e6;
}

/** Offset in minutes of an IANA zone (or UTC/Local) at an instant. Local means UTC here (the controller's zone). */
export function zoneOffsetMinutes(zone: string, ms: number): number {
  if (zone === '' || zone === 'UTC' || zone === 'Local' || zone === 'Etc/UTC') return 0;
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    throw new ExprError(`unknown time zone ${zone}`);
  }
  const parts = Object.fromEntries(fmt.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

export function inZone(t: GoTime, zone: string): GoTime {
  return new GoTime(t.ms, zoneOffsetMinutes(zone, t.ms));
}

/** `t.AddDate(years, months, days)` with Go's normalisation (Jan 31 + 1 month = Mar 3). */
export function addDate(t: GoTime, years: number, months: number, days: number): GoTime {
  const local = new Date(t.ms + t.offsetMinutes * 60_000);
  const shifted = Date.UTC(
    local.getUTCFullYear() + years,
    local.getUTCMonth() + months,
    local.getUTCDate() + days,
    local.getUTCHours(),
    local.getUTCMinutes(),
    local.getUTCSeconds(),
    local.getUTCMilliseconds(),
  );
  return new GoTime(shifted - t.offsetMinutes * 60_000, t.offsetMinutes);
}

function toInt(v: Value, what: string): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  throw new ExprError(`${what}: expected int`);
}

/** The `time.Time` methods available to expressions. */
export function timeMethod(t: GoTime, name: string): Value {
  const local = () => new Date(t.ms + t.offsetMinutes * 60_000);
  switch (name) {
    case 'Unix':
      return () => BigInt(Math.floor(t.ms / 1000));
    case 'UnixMilli':
      return () => BigInt(Math.floor(t.ms));
    case 'Format':
      return (layout) => {
        if (typeof layout !== 'string') throw new ExprError('Format: layout must be a string');
        return formatGo(t, layout);
      };
    case 'AddDate':
      return (y, m, d) =>
        addDate(t, toInt(y ?? null, 'AddDate'), toInt(m ?? null, 'AddDate'), toInt(d ?? null, 'AddDate'));
    case 'Add':
      // Go durations are int64 nanoseconds.
      return (d) => new GoTime(t.ms + toInt(d ?? null, 'Add') / 1e6, t.offsetMinutes);
    case 'UTC':
      return () => new GoTime(t.ms, 0);
    case 'In':
      return (zone) => inZone(t, String(zone));
    case 'Year':
      return () => BigInt(local().getUTCFullYear());
    case 'Month':
      return () => BigInt(local().getUTCMonth() + 1);
    case 'Day':
      return () => BigInt(local().getUTCDate());
    case 'Hour':
      return () => BigInt(local().getUTCHours());
    case 'Weekday':
      return () => BigInt(local().getUTCDay());
    default:
      throw new ExprError(`unknown time.Time method ${name}`);
  }
}
