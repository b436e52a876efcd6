import { z } from 'zod';
import { DoubleError } from './errors.js';

export const OUTCOMES = [
  'success',
  'task-failed',
  'dag-missing',
  'deadlock',
  'ran-nothing',
  'http-403',
  'http-429',
  'http-500',
  'hang',
  'flood',
  'initdb-fail',
  'db-locked',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

const positiveInt = (name: string, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return fallback;
      if (!/^\d+$/.test(v)) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a non-negative integer, got '${v}'` });
        return z.NEVER;
      }
      return Number(v);
    });

const schema = z.object({
  AIRFLOW_DOUBLE_OUTCOME: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const value = v === undefined || v === '' ? 'success' : v;
      if (!(OUTCOMES as readonly string[]).includes(value)) {
        ctx.addIssue({
          code: 'custom',
          message: `AIRFLOW_DOUBLE_OUTCOME must be one of ${OUTCOMES.join('|')}, got '${value}'`,
        });
        return z.NEVER;
      }
      return value as Outcome;
    }),
  AIRFLOW_DOUBLE_FLOOD_BYTES: positiveInt('AIRFLOW_DOUBLE_FLOOD_BYTES', 10 * 1024 * 1024),
  AIRFLOW_DOUBLE_HEARTBEAT_MS: positiveInt('AIRFLOW_DOUBLE_HEARTBEAT_MS', 50),
  AIRFLOW_DOUBLE_ARGV_LOG: z.string().optional(),
  AIRFLOW_DOUBLE_FAIL_MESSAGE: z.string().optional(),
  AIRFLOW_DOUBLE_PYTHON: z.string().optional(),
});

/** The double's own knobs (AIRFLOW_DOUBLE_*), parsed once at the edge. */
export interface DoubleOptions {
  readonly outcome: Outcome;
  readonly floodBytes: number;
  readonly heartbeatMs: number;
  readonly argvLog: string | undefined;
  readonly failMessage: string | undefined;
  readonly python: string;
}

export function parseDoubleOptions(env: Readonly<Record<string, string | undefined>>): DoubleOptions {
  const r = schema.safeParse(env);
  if (!r.success) throw new DoubleError(r.error.issues[0]?.message ?? 'invalid AIRFLOW_DOUBLE_* variable');
  return {
    outcome: r.data.AIRFLOW_DOUBLE_OUTCOME,
    floodBytes: r.data.AIRFLOW_DOUBLE_FLOOD_BYTES,
    heartbeatMs: r.data.AIRFLOW_DOUBLE_HEARTBEAT_MS,
    argvLog: r.data.AIRFLOW_DOUBLE_ARGV_LOG || undefined,
    failMessage: r.data.AIRFLOW_DOUBLE_FAIL_MESSAGE || undefined,
    python: r.data.AIRFLOW_DOUBLE_PYTHON || 'python3',
  };
}
