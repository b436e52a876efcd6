import { BigQueryError, type Reason } from './errors.js';

/**
 * Fault injection for tests of clients' failure paths (off unless faults are given): the next N requests of a REST
 * method answer a chosen BigQuery error — exactly the envelope and HTTP status BigQuery sends — instead of running.
 * A client that cannot set headers (Airflow 1.8.2's hook) is steered from the server side:
 *
 *   jobs.insert=rateLimitExceeded:2     the next 2 jobs.insert requests answer 429 rateLimitExceeded
 *   jobs.get=backendError               the next one answers 500 backendError
 *   *=accessDenied:*                    every request of every method answers 403 accessDenied
 *   jobs.insert=rateLimitExceeded/403   the status can be set (BigQuery also sends rateLimitExceeded as 403)
 *
 * Methods are the discovery document's ids without `bigquery.` (the router's route ids).
 */

/** The errors a fault can answer: BigQuery's reason, its usual HTTP status and message. */
export const FAULT_ERRORS = {
  accessDenied: {
    status: 403,
    message: (project: string) =>
      `Access Denied: Project ${project}: User does not have permission to perform this request in project ${project}.`,
  },
  backendError: {
    status: 500,
    message: () => 'Error encountered during execution. Retrying may solve the problem.',
  },
  internalError: {
    status: 500,
    message: () => 'An internal error occurred and the request could not be completed.',
  },
  rateLimitExceeded: {
    status: 429,
    message: () =>
      'Exceeded rate limits: too many api requests per user per method for this user_method. For more information, see https://cloud.google.com/bigquery/docs/troubleshoot-quotas',
  },
  quotaExceeded: {
    status: 403,
    message: () => 'Quota exceeded: Your project exceeded quota for concurrent queries.',
  },
} as const satisfies Record<string, { status: number; message: (project: string) => string }>;

export type FaultReason = keyof typeof FAULT_ERRORS & Reason;

export interface FaultRule {
  /** A route id (`jobs.insert`) or `*` for every method. */
  readonly method: string;
  readonly reason: FaultReason;
  readonly status: number;
  /** Requests still to fail; Infinity for `:*`. */
  remaining: number;
}

const SPEC = /^([A-Za-z*][A-Za-z.*]*)=([A-Za-z]+)(?:\/(\d{3}))?(?::(\d{1,6}|\*))?$/;

/**
 * Parses `method=reason[/status][:count]` (count default 1, `*` = always). `methods` are the ids that exist; an unknown
 * method, reason, status or count throws one line saying what is accepted.
 */
export function parseFault(spec: string, methods: readonly string[]): FaultRule {
  const m = SPEC.exec(spec.trim());
  const shown = spec.length > 80 ? `${spec.slice(0, 80)}…` : spec;
  if (!m) {
    throw new Error(
      `fault "${shown}" is not method=reason[/status][:count], e.g. jobs.insert=rateLimitExceeded:2`,
    );
  }
  const [, method, reason, status, count] = m as unknown as [string, string, string, string?, string?];
  if (method !== '*' && !methods.includes(method)) {
    throw new Error(`fault "${shown}": unknown method ${method} (one of ${methods.join(', ')}, or *)`);
  }
  if (!(reason in FAULT_ERRORS)) {
    throw new Error(
      `fault "${shown}": unknown reason ${reason} (one of ${Object.keys(FAULT_ERRORS).join(', ')})`,
    );
  }
  const httpStatus = status === undefined ? FAULT_ERRORS[reason as FaultReason].status : Number(status);
  if (httpStatus < 400 || httpStatus > 599) throw new Error(`fault "${shown}": the status must be 400-599`);
  const remaining = count === undefined ? 1 : count === '*' ? Number.POSITIVE_INFINITY : Number(count);
  if (remaining < 1) throw new Error(`fault "${shown}": the count must be at least 1`);
  return { method, reason: reason as FaultReason, status: httpStatus, remaining };
}

/** The armed faults of one server; `take` is called once per routed request, before its handler runs. */
export class FaultInjector {
  private readonly rules: FaultRule[] = [];

  constructor(
    private readonly methods: readonly string[],
    specs: readonly string[] = [],
  ) {
    for (const spec of specs) this.arm(spec);
  }

  /** Adds a fault (after the ones already armed: the first rule that matches a request answers it). */
  arm(spec: string): FaultRule {
    const rule = parseFault(spec, this.methods);
    this.rules.push(rule);
    return rule;
  }

  /** Faults still armed, e.g. for a test to check that all were used. */
  pending(): readonly FaultRule[] {
    return this.rules.filter((r) => r.remaining > 0);
  }

  /** The error a request of `method` in `project` must answer, if a fault is armed for it (and counts it down). */
  take(method: string, project: string): BigQueryError | undefined {
    const rule = this.rules.find((r) => r.remaining > 0 && (r.method === '*' || r.method === method));
    if (!rule) return undefined;
    rule.remaining -= 1;
    return new BigQueryError(rule.reason, FAULT_ERRORS[rule.reason].message(project), rule.status);
  }
}
