import { PythonException } from './errors.js';
import type { Naive } from './naive-date.js';

/** A DAG's schedule_interval as 1.8.2's BackfillJob walks it (DAG.normalize_schedule / following_schedule). */
export type Schedule =
  | { readonly kind: 'cron'; readonly expr: string; readonly cron: Cron }
  | { readonly kind: 'delta'; readonly ms: number }
  | { readonly kind: 'once' }
  | { readonly kind: 'none' };

const PRESETS: Record<string, string> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
};

export interface Cron {
  readonly minute: ReadonlySet<number>;
  readonly hour: ReadonlySet<number>;
  readonly dom: ReadonlySet<number>;
  readonly month: ReadonlySet<number>;
  readonly dow: ReadonlySet<number>;
  readonly domStar: boolean;
  readonly dowStar: boolean;
}

const NAMES: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
  sun: 0,
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
};

function field(text: string, lo: number, hi: number, expr: string): Set<number> {
  const out = new Set<number>();
  const bad = () => new PythonException('ValueError', `[${expr}] is not acceptable`);
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw bad();
    const num = (s: string): number => {
      const v = /^\d+$/.test(s) ? Number(s) : NAMES[s.toLowerCase()];
      if (v === undefined || v < lo || v > hi) throw bad();
      return v;
    };
    let a: number;
    let b: number;
    if (range === '*') {
      a = lo;
      b = hi;
    } else if (range.includes('-')) {
      const [x = '', y = ''] = range.split('-');
      a = num(x);
      b = num(y);
    } else {
      a = num(range);
      b = stepText === undefined ? a : hi;
    }
    if (a > b) throw bad();
    for (let v = a; v <= b; v += step) out.add(v);
  }
  return out;
}

export function parseCron(expr: string): Cron {
  const cols = expr.trim().split(/\s+/);
  if (cols.length !== 5) {
    throw new PythonException(
      'croniter.croniter.CroniterBadCronError',
      'Exactly 5 or 6 columns has to be specified for iteratorexpression.',
    );
  }
  const [mi = '', h = '', dom = '', mo = '', dow = ''] = cols;
  const dowSet = field(dow, 0, 7, expr);
  if (dowSet.has(7)) dowSet.add(0);
  return {
    minute: field(mi, 0, 59, expr),
    hour: field(h, 0, 23, expr),
    dom: field(dom, 1, 31, expr),
    month: field(mo, 1, 12, expr),
    dow: dowSet,
    domStar: dom === '*' || dom === '?',
    dowStar: dow === '*' || dow === '?',
  };
}

function dayMatches(c: Cron, d: Date): boolean {
  const dom = c.dom.has(d.getUTCDate());
  const dow = c.dow.has(d.getUTCDay());
  if (c.domStar || c.dowStar) return dom && dow;
  return dom || dow;
}

const MINUTE = 60_000;
const LIMIT = 2_000_000;

export function cronNext(c: Cron, from: Naive): Naive {
  let t = Math.floor(from / MINUTE) * MINUTE + MINUTE;
  for (let i = 0; i < LIMIT; i++) {
    const d = new Date(t);
    const [y, m, day, h] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours()];
    if (!c.month.has(m + 1)) t = Date.UTC(y, m + 1, 1);
    else if (!dayMatches(c, d)) t = Date.UTC(y, m, day + 1);
    else if (!c.hour.has(h)) t = Date.UTC(y, m, day, h + 1);
    else if (!c.minute.has(d.getUTCMinutes())) t += MINUTE;
    else return t;
  }
  throw new PythonException('croniter.croniter.CroniterBadDateError', 'failed to find next date');
}

export function cronPrev(c: Cron, before: Naive): Naive {
  let t = Math.floor((before - 1) / MINUTE) * MINUTE;
  for (let i = 0; i < LIMIT; i++) {
    const d = new Date(t);
    const [y, m, day, h] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours()];
    if (!c.month.has(m + 1)) t = Date.UTC(y, m, 1) - MINUTE;
    else if (!dayMatches(c, d)) t = Date.UTC(y, m, day) - MINUTE;
    else if (!c.hour.has(h)) t = Date.UTC(y, m, day, h) - MINUTE;
    else if (!c.minute.has(d.getUTCMinutes())) t -= MINUTE;
    else return t;
  }
  throw new PythonException('croniter.croniter.CroniterBadDateError', 'failed to find prev date');
}

export function isCronTick(c: Cron, t: Naive): boolean {
  return t % MINUTE === 0 && cronNext(c, t - MINUTE) === t;
}

/** The JSON the Python DagBag filler reports for `dag.schedule_interval`. */
export type ScheduleJson =
  | { type: 'none' }
  | { type: 'timedelta'; seconds: number }
  | { type: 'string'; value: string }
  | { type: 'unsupported'; repr: string };

export function scheduleFromJson(s: ScheduleJson): Schedule {
  switch (s.type) {
    case 'none':
      return { kind: 'none' };
    case 'timedelta':
      return { kind: 'delta', ms: Math.round(s.seconds * 1000) };
    case 'string': {
      if (s.value === '@once') return { kind: 'once' };
      if (s.value === '') return { kind: 'none' };
      const expr = PRESETS[s.value] ?? s.value;
      return { kind: 'cron', expr, cron: parseCron(expr) };
    }
    default:
      throw new PythonException(
        'TypeError',
        `unsupported schedule_interval for the airflow double: ${s.repr}`,
      );
  }
}

/** schedule_interval is truthy (the max_active_runs guard applies only then). */
export function isScheduled(s: Schedule): boolean {
  return s.kind !== 'none' && !(s.kind === 'delta' && s.ms === 0);
}

export function normalizeSchedule(s: Schedule, t: Naive): Naive {
  if (s.kind === 'cron') return isCronTick(s.cron, t) ? t : cronNext(s.cron, t);
  return t;
}

export function followingSchedule(s: Schedule, t: Naive): Naive | undefined {
  if (s.kind === 'cron') return cronNext(s.cron, t);
  if (s.kind === 'delta') return t + s.ms;
  return undefined;
}

export function previousSchedule(s: Schedule, t: Naive): Naive | undefined {
  if (s.kind === 'cron') return cronPrev(s.cron, t);
  if (s.kind === 'delta') return t - s.ms;
  return undefined;
}

/** BackfillJob's date loop: `while d and d <= end: run(d); d = following(d)`. */
export function backfillDates(s: Schedule, start: Naive, end: Naive, limit = 100_000): Naive[] {
  const out: Naive[] = [];
  let d: Naive | undefined = normalizeSchedule(s, start);
  while (d !== undefined && d <= end && out.length < limit) {
    out.push(d);
    d = followingSchedule(s, d);
  }
  return out;
}
