import type { Schedule } from './dag-json.js';

/** Airflow 1.8.2's cron presets (airflow/models.py `cron_presets`). */
export const CRON_PRESETS: Readonly<Record<string, string>> = {
  '@hourly': '0 * * * *',
  '@daily': '0 0 * * *',
  '@weekly': '0 0 * * 0',
  '@monthly': '0 0 1 * *',
  '@yearly': '0 0 1 1 *',
};

export type Period = 'day' | 'week' | 'month' | 'year';

/** How far back from the tick that starts a run its period began: AddDate(years, months, days). */
const PERIOD_BACK: Record<Period, readonly [number, number, number]> = {
  day: [0, 0, -1],
  week: [0, 0, -7],
  month: [0, -1, 0],
  year: [-1, 0, 0],
};

export type ScheduleMapping =
  | { readonly kind: 'none'; readonly note: string }
  | {
      readonly kind: 'periodic';
      readonly cron: string;
      readonly period: Period;
      /** The tick is not at 00:00: the execution date keeps its day, not its time (run-date is a day). */
      readonly timeOfDay: boolean;
    }
  | { readonly kind: 'unmappable'; readonly reason: string };

const NUM = /^\d+$/;

/** The period of a 5-field cron whose runs are exactly one day/week/month/year apart, else undefined. */
export function cronPeriod(cron: string): { period: Period; timeOfDay: boolean } | undefined {
  const f = cron.trim().split(/\s+/);
  if (f.length !== 5) return undefined;
  const [min, hour, dom, month, dow] = f as [string, string, string, string, string];
  if (!NUM.test(min) || !NUM.test(hour)) return undefined;
  const timeOfDay = Number(min) !== 0 || Number(hour) !== 0;
  if (dom === '*' && month === '*' && dow === '*') return { period: 'day', timeOfDay };
  if (dom === '*' && month === '*' && NUM.test(dow)) return { period: 'week', timeOfDay };
  if (NUM.test(dom) && month === '*' && dow === '*') return { period: 'month', timeOfDay };
  if (NUM.test(dom) && NUM.test(month) && dow === '*') return { period: 'year', timeOfDay };
  return undefined;
}

/**
 * Maps `schedule_interval` to a cron schedule whose tick starts the run of the period that just ended (Airflow: the
 * run for a period starts at its end; its execution date is the period's start). `run-date` is a day, so only
 * periods of whole days, weeks, months and years are mappable; a timedelta needs the DAG's start_date for its phase.
 */
export function mapSchedule(schedule: Schedule, startDate: string | null): ScheduleMapping {
  switch (schedule.kind) {
    case 'none':
      return { kind: 'none', note: 'schedule_interval None: only run by hand (dp run / argo submit)' };
    case 'other':
      return {
        kind: 'unmappable',
        reason: `schedule_interval ${schedule.repr} is neither a cron string nor a timedelta`,
      };
    case 'cron': {
      if (schedule.expression === '@once')
        return { kind: 'none', note: 'schedule_interval @once: run it once by hand (dp run / argo submit)' };
      const cron = CRON_PRESETS[schedule.expression] ?? schedule.expression;
      const p = cronPeriod(cron);
      if (!p)
        return {
          kind: 'unmappable',
          reason: `schedule_interval ${JSON.stringify(schedule.expression)}: runs are not whole days, weeks, months or years apart (run-date is a day)`,
        };
      return { kind: 'periodic', cron, ...p };
    }
    case 'timedelta': {
      const days = schedule.seconds / 86400;
      if (days !== 1 && days !== 7)
        return {
          kind: 'unmappable',
          reason: `schedule_interval timedelta of ${schedule.seconds} s: only 1 day or 7 days map to a cron schedule (run-date is a day)`,
        };
      const start = startDate ? new Date(`${startDate}Z`) : new Date(Date.UTC(1970, 0, 1));
      const m = start.getUTCMinutes();
      const h = start.getUTCHours();
      const cron = days === 1 ? `${m} ${h} * * *` : `${m} ${h} * * ${start.getUTCDay()}`;
      return { kind: 'periodic', cron, period: days === 1 ? 'day' : 'week', timeOfDay: m !== 0 || h !== 0 };
    }
  }
}

/**
 * The Argo expression (inside `{{=…}}`) giving the run-date of a scheduled run: the start of the period that ended at
 * the tick that created the workflow (creation time minus one period, as a YYYYMMDD day).
 */
export function periodStartExpression(period: Period): string {
  const [y, m, d] = PERIOD_BACK[period];
  return `date(workflow.creationTimestamp.RFC3339).AddDate(${y}, ${m}, ${d}).Format('20060102')`;
}
