import * as z from 'zod/mini';

/**
 * The JSON that python/dump_dag.py prints for one DAG (parsed once, here, at the edge). Seconds are floats; dates are
 * ISO strings without zone (Airflow 1.8.2 is naive UTC).
 */
const seconds = z.nullable(z.number());

export const taskSchema = z.object({
  task_id: z.string(),
  class: z.string(),
  module: z.string(),
  mro: z.array(z.string()),
  upstream: z.array(z.string()),
  downstream: z.array(z.string()),
  trigger_rule: z.string(),
  retries: z.number(),
  retry_delay: seconds,
  retry_exponential_backoff: z.boolean(),
  max_retry_delay: seconds,
  execution_timeout: seconds,
  pool: z.nullable(z.string()),
  queue: z.nullable(z.string()),
  priority_weight: z.number(),
  depends_on_past: z.boolean(),
  wait_for_downstream: z.boolean(),
  sla: seconds,
  start_date: z.nullable(z.string()),
  end_date: z.nullable(z.string()),
  line: z.nullable(z.number()),
  subdag: z.optional(z.string()),
  subdag_tasks: z.optional(z.array(z.string())),
  trigger_dag_id: z.optional(z.nullable(z.string())),
});

export const scheduleSchema = z.union([
  z.object({ kind: z.literal('none') }),
  z.object({ kind: z.literal('timedelta'), seconds: z.number() }),
  z.object({ kind: z.literal('cron'), expression: z.string() }),
  z.object({ kind: z.literal('other'), repr: z.string() }),
]);

export const dagSchema = z.object({
  dag_id: z.string(),
  fileloc: z.string(),
  line: z.nullable(z.number()),
  schedule_interval: scheduleSchema,
  start_date: z.nullable(z.string()),
  end_date: z.nullable(z.string()),
  concurrency: z.number(),
  max_active_runs: z.number(),
  description: z.nullable(z.string()),
  subdags: z.array(z.string()),
  tasks: z.array(taskSchema),
});

export const loadErrorKinds = ['syntax', 'import', 'load', 'no-dag', 'dag-id', 'several'] as const;

export const dumpSchema = z.union([
  z.object({ dag: dagSchema }),
  z.object({
    error: z.object({ kind: z.enum(loadErrorKinds), message: z.string(), line: z.nullable(z.number()) }),
  }),
]);

export type DagTask = z.infer<typeof taskSchema>;
export type DagDump = z.infer<typeof dagSchema>;
export type Schedule = z.infer<typeof scheduleSchema>;
export type LoadErrorKind = (typeof loadErrorKinds)[number];
