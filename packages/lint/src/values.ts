import { parseGoDuration } from '@data-pipeline/local/expr';
import { CronExpressionParser } from 'cron-parser';
import type { Finding, PathStep } from './source.js';

/**
 * Field values Argo or Kubernetes parse at submit or run time, parsed here the same way: cron schedules,
 * IANA time zones, Go durations, integers written as strings. A value holding a `{{tag}}` is resolved later and is
 * not checked.
 */

const TEMPLATED = /\{\{/;

/** robfig/cron v3's descriptors (`cron.ParseStandard`, used by Kubernetes' CronJob controller and Argo's CronWorkflow). */
const DESCRIPTORS = new Set([
  '@yearly',
  '@annually',
  '@monthly',
  '@weekly',
  '@daily',
  '@midnight',
  '@hourly',
]);

/** Field bounds of a standard 5-field schedule (robfig/cron: day of week 0–6, no 7). */
const FIELDS = [
  { name: 'minute', max: 59 },
  { name: 'hour', max: 23 },
  { name: 'day of month', max: 31 },
  { name: 'month', max: 12 },
  { name: 'day of week', max: 6 },
] as const;

/**
 * A schedule as `cron.ParseStandard` reads it: an optional `CRON_TZ=`/`TZ=` prefix, a descriptor or `@every <duration>`,
 * or exactly five fields of `*`, `?`, numbers and month/day names with ranges, steps and lists. Returns the problem.
 */
export function cronProblem(schedule: string, options: { allowTzPrefix: boolean }): string | undefined {
  let spec = schedule.trim();
  const tz = /^(?:CRON_TZ|TZ)=(\S*)\s+/.exec(spec);
  if (tz) {
    if (!options.allowTzPrefix) return 'CRON_TZ/TZ in the schedule is refused; use spec.timeZone';
    const zone = timeZoneProblem(tz[1] ?? '');
    if (zone) return zone;
    spec = spec.slice(tz[0].length);
  }
  if (spec.startsWith('@')) {
    if (DESCRIPTORS.has(spec)) return undefined;
    const every = /^@every\s+(\S+)$/.exec(spec);
    if (every) return durationProblem(every[1] ?? '', { bareSeconds: false });
    return `unknown descriptor "${spec}"`;
  }
  const fields = spec.split(/\s+/).filter(Boolean);
  if (fields.length !== 5)
    return `expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  for (const [i, field] of fields.entries()) {
    const f = FIELDS[i]!;
    // cron-parser also knows Quartz's L, W and #, which robfig/cron refuses.
    if (!/^[0-9A-Za-z*?,/-]+$/.test(field) || /[LW#]/.test(field.replace(/[A-Za-z]{3}/g, '')))
      return `${f.name} "${field}": not a cron field`;
    if (i === 4 && /(^|[,-])7($|[,/-])/.test(field)) return `day of week "${field}": 7 is out of range 0-6`;
  }
  try {
    CronExpressionParser.parse(fields.join(' '), { tz: 'UTC' });
  } catch (e) {
    return describeCronError(e instanceof Error ? e.message : String(e), fields);
  }
  return undefined;
}

function describeCronError(message: string, fields: string[]): string {
  const m = /got value (\S+) expected range (\d+)-(\d+)/.exec(message);
  if (m) {
    const i = FIELDS.findIndex((f) => f.max === Number(m[3]));
    const f = FIELDS[i];
    if (f) return `${f.name} "${fields[i]}": ${m[1]} is out of range ${m[2]}-${m[3]}`;
  }
  return message.replace(/\.$/, '');
}

/** Go's `time.LoadLocation` on a tzdata name: an IANA zone as written (case-sensitive), `UTC` or `Local`. */
export function timeZoneProblem(zone: string): string | undefined {
  if (zone === 'UTC' || zone === 'Local') return undefined;
  if (!/^[A-Za-z]/.test(zone)) return `unknown time zone "${zone}"`;
  let canonical: string;
  try {
    canonical = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return `unknown time zone "${zone}"`;
  }
  // Intl ignores case; tzdata file names do not.
  if (canonical.toLowerCase() === zone.toLowerCase() && canonical !== zone)
    return `unknown time zone "${zone}" (did you mean "${canonical}"?)`;
  return undefined;
}

/**
 * A Go duration (`30s`, `1h30m`, `500ms`); with `bareSeconds`, also a plain integer of seconds, as Argo reads
 * `backoff.duration` and `suspend.duration`.
 */
export function durationProblem(text: string, options: { bareSeconds: boolean }): string | undefined {
  if (options.bareSeconds && /^\d+$/.test(text)) return undefined;
  try {
    parseGoDuration(text);
    return undefined;
  } catch {
    return `"${text}" is not a duration (Go syntax: 30s, 5m, 1h30m${options.bareSeconds ? ', or whole seconds' : ''})`;
  }
}

/** Integer fields Argo types as int-or-string (or string) and converts with strconv.Atoi at run time. */
function intProblem(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? undefined : `${value} is not an integer`;
  if (typeof value !== 'string' || TEMPLATED.test(value)) return undefined;
  return /^[-+]?\d+$/.test(value.trim()) ? undefined : `"${value}" is not an integer`;
}

/** The field checks of an Argo spec (Workflow, WorkflowTemplate, CronWorkflow's workflowSpec): walked recursively. */
export function checkArgoValues(value: unknown, path: PathStep[]): Finding[] {
  const findings: Finding[] = [];
  const at = (p: PathStep[], message: string) => findings.push({ path: p, rule: 'validity/value', message });
  const walk = (v: unknown, p: PathStep[]): void => {
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) walk(x, [...p, i]);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    for (const [key, child] of Object.entries(o)) {
      const cp = [...p, key];
      if (key === 'retryStrategy' && isObj(child)) checkRetryStrategy(child, cp, at);
      else if (key === 'withSequence' && isObj(child)) {
        for (const f of ['count', 'start', 'end'] as const) {
          const problem = child[f] === undefined ? undefined : intProblem(child[f]);
          if (problem) at([...cp, f], `withSequence.${f}: ${problem}`);
        }
      } else if (key === 'suspend' && isObj(child) && typeof child.duration === 'string') {
        const problem = TEMPLATED.test(child.duration)
          ? undefined
          : durationProblem(child.duration, { bareSeconds: true });
        if (problem) at([...cp, 'duration'], `suspend.duration: ${problem}`);
      } else if (key === 'activeDeadlineSeconds' || key === 'parallelism') {
        const problem = intProblem(child);
        if (problem) at(cp, `${key}: ${problem}`);
      }
      walk(child, cp);
    }
  };
  walk(value, path);
  return findings;
}

function checkRetryStrategy(
  retry: Record<string, unknown>,
  path: PathStep[],
  at: (p: PathStep[], message: string) => void,
): void {
  if (retry.limit !== undefined) {
    const problem = intProblem(retry.limit);
    if (problem) at([...path, 'limit'], `retryStrategy.limit: ${problem}`);
  }
  const backoff = retry.backoff;
  if (!isObj(backoff)) return;
  for (const f of ['duration', 'cap', 'maxDuration'] as const) {
    const v = backoff[f];
    if (typeof v !== 'string' || TEMPLATED.test(v)) continue;
    const problem = durationProblem(v, { bareSeconds: true });
    if (problem) at([...path, 'backoff', f], `backoff.${f}: ${problem}`);
  }
  if (backoff.factor !== undefined) {
    const problem = intProblem(backoff.factor);
    if (problem) at([...path, 'backoff', 'factor'], `backoff.factor: ${problem}`);
  }
}

/** CronWorkflow `schedules` and `timezone` (Argo v4.1: each schedule is prefixed with `CRON_TZ=<timezone>`). */
export function checkCronWorkflowSchedule(spec: Record<string, unknown>, path: PathStep[]): Finding[] {
  const findings: Finding[] = [];
  if (typeof spec.timezone === 'string' && spec.timezone !== '') {
    const problem = timeZoneProblem(spec.timezone);
    if (problem) findings.push({ path: [...path, 'timezone'], rule: 'validity/value', message: problem });
  }
  if (Array.isArray(spec.schedules)) {
    spec.schedules.forEach((s, i) => {
      if (typeof s !== 'string') return;
      const problem = cronProblem(s, { allowTzPrefix: true });
      if (problem)
        findings.push({
          path: [...path, 'schedules', i],
          rule: 'validity/value',
          message: `schedule "${s}": ${problem}`,
        });
    });
  }
  return findings;
}

/** A batch/v1 CronJob's `schedule` and `timeZone` (the CronJob controller parses with robfig/cron's ParseStandard). */
export function checkCronJobSchedule(spec: Record<string, unknown>, path: PathStep[]): Finding[] {
  const findings: Finding[] = [];
  if (typeof spec.schedule === 'string') {
    const problem = cronProblem(spec.schedule, { allowTzPrefix: false });
    if (problem)
      findings.push({
        path: [...path, 'schedule'],
        rule: 'validity/value',
        message: `schedule "${spec.schedule}": ${problem}`,
      });
  }
  if (typeof spec.timeZone === 'string') {
    const problem = timeZoneProblem(spec.timeZone);
    if (problem) findings.push({ path: [...path, 'timeZone'], rule: 'validity/value', message: problem });
  }
  return findings;
}

const isObj = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
