/**
 * The one exit-code table shared by every runner, the workflows' retry rules, `dp run` and the docs.
 * ARCHITECTURE.md's table and the workflows' `retryStrategy.expression` are checked against this list by tests.
 */
export const EXIT_CLASSES = [
  {
    code: 0,
    name: 'success',
    retry: false,
    meaning: 'the task ran and succeeded (verified, never assumed); DAG-file mode: or it ended skipped',
  },
  {
    code: 1,
    name: 'task-failed',
    retry: false,
    meaning: 'the operator raised or a data check failed',
  },
  {
    code: 64,
    name: 'usage',
    retry: false,
    meaning: 'bad command line: unknown flag, missing or malformed value',
  },
  {
    code: 65,
    name: 'invalid-input',
    retry: false,
    meaning:
      'invalid kwargs or data: schema violation, invalid query, conflicting table schema, bad --xcom-in, XCom over 256 KiB',
  },
  {
    code: 75,
    name: 'transient',
    retry: true,
    meaning:
      'temporary failure worth retrying: HTTP 429/5xx, rateLimitExceeded, backendError, timeouts, resets, sqlite locked',
  },
  {
    code: 77,
    name: 'permission-denied',
    retry: false,
    meaning: 'HTTP 403, invalid or rejected credentials',
  },
  {
    code: 78,
    name: 'configuration',
    retry: false,
    meaning:
      'no credentials, airflow missing, initdb failed, DAG file missing or failed to import, DAG/task id not found, task not run (date in the future)',
  },
  { code: 130, name: 'interrupted', retry: false, meaning: 'stopped by SIGINT' },
  { code: 143, name: 'terminated', retry: false, meaning: 'stopped by SIGTERM' },
] as const;

export type ExitClass = (typeof EXIT_CLASSES)[number]['name'];
export type ExitCodeNumber = (typeof EXIT_CLASSES)[number]['code'];

export const EXIT_CODES: { readonly [K in ExitClass]: ExitCodeNumber } = Object.fromEntries(
  EXIT_CLASSES.map((c) => [c.name, c.code]),
) as { [K in ExitClass]: ExitCodeNumber };

/** Exit codes that Argo retries (with backoff). Everything else fails fast. */
export const RETRYABLE_EXIT_CODES: readonly number[] = EXIT_CLASSES.filter((c) => c.retry).map((c) => c.code);

export function exitClassOf(code: number): ExitClass | undefined {
  return EXIT_CLASSES.find((c) => c.code === code)?.name;
}
