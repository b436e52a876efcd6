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

type Env = Readonly<Record<string, string | undefined>>;

function nonNegativeInt(env: Env, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^\d+$/.test(v)) throw new DoubleError(`${name} must be a non-negative integer, got '${v}'`);
  return Number(v);
}

/** The double's own knobs (AIRFLOW_DOUBLE_*), parsed once at the edge. */
export interface DoubleOptions {
  readonly outcome: Outcome;
  readonly floodBytes: number;
  readonly heartbeatMs: number;
  readonly argvLog: string | undefined;
  readonly failMessage: string | undefined;
  readonly python: string;
}

/**
 * Parses the AIRFLOW_DOUBLE_* variables once at the edge. Hand-written rather than zod: importing zod costs 60–250 ms
 * per start, and tests spawn the double many times.
 */
export function parseDoubleOptions(env: Env): DoubleOptions {
  const outcome = env.AIRFLOW_DOUBLE_OUTCOME || 'success';
  if (!(OUTCOMES as readonly string[]).includes(outcome)) {
    throw new DoubleError(`AIRFLOW_DOUBLE_OUTCOME must be one of ${OUTCOMES.join('|')}, got '${outcome}'`);
  }
  return {
    outcome: outcome as Outcome,
    floodBytes: nonNegativeInt(env, 'AIRFLOW_DOUBLE_FLOOD_BYTES', 10 * 1024 * 1024),
    heartbeatMs: nonNegativeInt(env, 'AIRFLOW_DOUBLE_HEARTBEAT_MS', 50),
    argvLog: env.AIRFLOW_DOUBLE_ARGV_LOG || undefined,
    failMessage: env.AIRFLOW_DOUBLE_FAIL_MESSAGE || undefined,
    python: env.AIRFLOW_DOUBLE_PYTHON || 'python3',
  };
}
