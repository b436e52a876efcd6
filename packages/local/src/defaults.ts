// Constants `dp` shows in its help text (`@data-pipeline/local/defaults`): a module with no imports, so declaring the
// commands loads nothing of the interpreter (packages/cli/README.md, "Start-up").

/** The project of unqualified table names in the embedded warehouse. */
export const DEFAULT_PROJECT = 'local-project';

export const DEFAULT_HISTORY_DAYS = 7;
/** The init backfills github_daily_metrics for the 40 days before the run date; each data day's 28-day window must
 * lie inside them, so the earliest history day is at most 12 days back. */
export const MAX_HISTORY_DAYS = 12;
