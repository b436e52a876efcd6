import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ensureDataDir } from './data-dir.js';
import { DEFAULT_HISTORY_DAYS, MAX_HISTORY_DAYS } from './defaults.js';
import type { Reporter } from './engine.js';
import { checkEngineAvailable } from './engine-preflight.js';
import type { ProcessHost } from './executor.js';
import { formatRows } from './format.js';
import {
  addDays,
  DEFAULT_PROJECT,
  dashed,
  type LocalRunResult,
  runLocal,
  seedRange,
  ymd,
} from './local-run.js';
import { collectReportData, renderReport } from './report.js';
import { queryWarehouse, startEmbeddedWarehouse } from './warehouse.js';

export interface ExampleOptions {
  readonly repoRoot: string;
  readonly dataDir: string;
  readonly reportPath: string;
  /** Run date R of the daily run (YYYYMMDD); default today (UTC), so the data day is yesterday. */
  readonly runDate?: string;
  readonly engine: 'native' | 'airflow';
  readonly baseEnv: Readonly<Record<string, string>>;
  /** Starts and signals the step processes (the CLI passes `process.execPath` and `process.kill`). */
  readonly host: ProcessHost;
  readonly clock?: () => number;
  readonly out: (text: string) => void;
  readonly log: (line: string) => void;
  readonly reporter?: (workflow: string) => Reporter | undefined;
  readonly signal?: AbortSignal;
  /** Called when a workflow run ends (the CLI prints its summary there, before the top rows and the report path). */
  readonly onRunFinished?: (result: LocalRunResult) => void;
  /** Run the init workflow even when the data dir is already initialised for the run date. */
  readonly forceInit?: boolean;
  /** Data days of history (1..MAX_HISTORY_DAYS, default DEFAULT_HISTORY_DAYS): the daily workflow runs for each. */
  readonly days?: number;
}

export { DEFAULT_HISTORY_DAYS, MAX_HISTORY_DAYS };

/** Earlier days' daily runs at once (two use both cores of a small machine; more only queue on the warehouse). */
const HISTORY_PARALLEL = 2;

export interface ExampleResult {
  readonly runs: readonly LocalRunResult[];
  readonly reportPath?: string;
  readonly ok: boolean;
  readonly timings: {
    readonly totalMs: number;
    readonly warehouseMs: number;
    readonly workflowsMs: number;
    readonly reportMs: number;
  };
}

/** The repository root (the folder with images/images.json) from a folder inside it: argo-tags' one implementation. */
export { findRepoRoot } from '@data-pipeline/argo-tags';

const TABLES = ['github_agg', 'github_daily_metrics', 'hackernews_agg', 'hackernews_github_agg'];

/** Whether the init workflow's work is already there: the four tables and github_daily_metrics for R-40 .. R-1. */
export async function initialisedFor(url: string, project: string, runDate: string): Promise<boolean> {
  try {
    const tables = await queryWarehouse(url, `SELECT table_id FROM \`${project}.github_trends.__TABLES__\``, {
      projectId: project,
      useLegacySql: false,
    });
    const have = new Set(tables.rows.map((r) => String(r.table_id)));
    if (!TABLES.every((t) => have.has(t))) return false;
    const parts = await queryWarehouse(
      url,
      `#legacySQL\nSELECT partition_id FROM [${project}:github_trends.github_daily_metrics$__PARTITIONS_SUMMARY__]`,
      { projectId: project, useLegacySql: true },
    );
    const ids = new Set(parts.rows.map((r) => String(r.partition_id)));
    return Array.from({ length: 40 }, (_, i) => addDays(runDate, -1 - i)).every((d) => ids.has(d));
  } catch {
    return false; // no dataset or table yet
  }
}

/** Data days (YYYYMMDD) that already have a partition of hackernews_github_agg. */
async function processedDays(url: string, project: string): Promise<Set<string>> {
  try {
    const parts = await queryWarehouse(
      url,
      `#legacySQL\nSELECT partition_id FROM [${project}:github_trends.hackernews_github_agg$__PARTITIONS_SUMMARY__]`,
      { projectId: project, useLegacySql: true },
    );
    return new Set(parts.rows.map((r) => String(r.partition_id)));
  } catch {
    return new Set(); // no table yet
  }
}

/**
 * `fn` over `items`, at most `width` at a time; the promises come back in item order. After `stop()`, items not started
 * yet are never started (their promises reject).
 */
function inOrderPool<T, R>(
  items: readonly T[],
  width: number,
  fn: (item: T) => Promise<R>,
): { results: Promise<R>[]; stop: () => void } {
  const slots = items.map(() => {
    let settle!: { resolve: (r: R) => void; reject: (e: unknown) => void };
    const promise = new Promise<R>((resolve, reject) => {
      settle = { resolve, reject };
    });
    return { promise, settle };
  });
  let next = 0;
  let stopped = false;
  const launch = (): void => {
    const i = next++;
    if (i >= items.length) return;
    if (stopped) {
      slots[i]!.settle.reject(new Error('not started'));
      launch();
      return;
    }
    fn(items[i]!).then(slots[i]!.settle.resolve, slots[i]!.settle.reject).finally(launch);
  };
  // Lanes start a quarter second apart, so no two runs start in the same millisecond (their log dirs are named by it).
  for (let k = 0; k < width; k++) setTimeout(launch, 250 * k);
  return {
    results: slots.map((s) => s.promise),
    stop: () => {
      stopped = true;
    },
  };
}

export async function runExample(opts: ExampleOptions): Promise<ExampleResult> {
  const clock = opts.clock ?? Date.now;
  const t0 = clock();
  const runDate = opts.runDate ?? ymd(clock());
  const project = DEFAULT_PROJECT;
  const parameters = { 'gcp-project': project, 'run-date': runDate };
  checkEngineAvailable(opts.engine, opts.baseEnv.PATH);
  await ensureDataDir(opts.dataDir);
  let warehouseMs = 0;
  let t = clock();
  const wh = await startEmbeddedWarehouse({ dataDir: opts.dataDir, projectId: project });
  const runs: LocalRunResult[] = [];
  try {
    await wh.seed(seedRange(runDate, parameters));
    warehouseMs += clock() - t;
    opts.log(
      `embedded warehouse at ${wh.url}, data in ${opts.dataDir}; run date ${runDate} (data day ${addDays(runDate, -1)})`,
    );
    const workflowsStart = clock();
    const days = Math.min(MAX_HISTORY_DAYS, Math.max(1, opts.days ?? DEFAULT_HISTORY_DAYS));
    const init = opts.forceInit || !(await initialisedFor(wh.url, project, runDate));
    if (!init)
      opts.log(
        `init skipped: ${opts.dataDir} already holds the 4 tables and the 40 days before ${runDate} (--force-init reruns it)`,
      );
    // The history: the daily workflow for the run dates before R whose data day is not processed yet (oldest first),
    // each reported in one line; then the init (when needed) has run before them, and R's daily run comes last.
    const done = init ? new Set<string>() : await processedDays(wh.url, project);
    const history = Array.from({ length: days - 1 }, (_, i) => addDays(runDate, i - days + 1)).filter(
      (r) => !done.has(addDays(r, -1)),
    );
    if (days > 1 && history.length < days - 1)
      opts.log(
        `history: ${days - 1 - history.length} of the ${days - 1} earlier data days already processed`,
      );
    const run = (file: string, date: string, reporter?: Reporter) =>
      runLocal({
        workflowFile: join(opts.repoRoot, 'workflows', file),
        parameters: { ...parameters, 'run-date': date },
        warehouse: 'embedded',
        warehouseUrl: wh.url,
        seed: false,
        dataDir: opts.dataDir,
        engine: opts.engine,
        secrets: new Map(),
        imagesManifest: join(opts.repoRoot, 'images', 'images.json'),
        baseEnv: opts.baseEnv,
        host: opts.host,
        clock,
        ...(reporter ? { reporter } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
    const failed = (): ExampleResult => ({
      runs,
      ok: false,
      timings: { totalMs: clock() - t0, warehouseMs, workflowsMs: clock() - workflowsStart, reportMs: 0 },
    });
    if (init) {
      opts.log('dp run workflows/bigquery_step_init_workflow.yaml');
      const result = await run(
        'bigquery_step_init_workflow.yaml',
        runDate,
        opts.reporter?.('bigquery_step_init_workflow.yaml'),
      );
      runs.push(result);
      opts.onRunFinished?.(result);
      if (result.phase !== 'Succeeded') return failed();
    }
    // The earlier days, HISTORY_PARALLEL at a time (each run writes only its own day's partitions); one line each, in
    // day order; a failure gets the full summary.
    const started = new Map<string, number>();
    const pool = inOrderPool(history, HISTORY_PARALLEL, (date) => {
      started.set(date, clock());
      return run('bigquery_step_workflow.yaml', date);
    });
    try {
      for (const [i, date] of history.entries()) {
        const result = await pool.results[i]!;
        runs.push(result);
        if (result.phase !== 'Succeeded') {
          opts.onRunFinished?.(result);
          return failed();
        }
        opts.log(
          `history: daily workflow for data day ${dashed(addDays(date, -1))} ${result.phase} (${result.tasks.length} tasks, ${((clock() - started.get(date)!) / 1000).toFixed(1)} s)`,
        );
      }
    } finally {
      pool.stop();
      await Promise.allSettled(pool.results); // none is left running when we stop the warehouse, whatever happened
    }
    opts.log('dp run workflows/bigquery_step_workflow.yaml');
    const daily = await run(
      'bigquery_step_workflow.yaml',
      runDate,
      opts.reporter?.('bigquery_step_workflow.yaml'),
    );
    runs.push(daily);
    opts.onRunFinished?.(daily);
    if (daily.phase !== 'Succeeded') return failed();
    const workflowsMs = clock() - workflowsStart;
    t = clock();
    const top = await queryWarehouse(
      wh.url,
      `SELECT github_url, hn_score, stars_last_1_day, stars_last_7_days, stars_last_28_days
       FROM \`${project}.github_trends.hackernews_github_agg\`
       WHERE _PARTITIONTIME = TIMESTAMP('${addDays(runDate, -1).replace(/(\d{4})(\d{2})(\d{2})/, '$1-$2-$3')}')
       ORDER BY hn_score DESC LIMIT 10`,
      { projectId: project, useLegacySql: false },
    );
    opts.out(`\nTop rows of github_trends.hackernews_github_agg for ${addDays(runDate, -1)}:\n`);
    opts.out(formatRows(top, 'table'));
    const data = await collectReportData(wh.url, {
      projectId: project,
      dataset: 'github_trends',
      runDate,
      days,
    });
    await ensureDataDir(dirname(opts.reportPath), '--report');
    await writeFile(opts.reportPath, renderReport(data, new Date(clock())));
    const reportMs = clock() - t;
    opts.out(`\nReport: ${opts.reportPath}\n`);
    return {
      runs,
      reportPath: opts.reportPath,
      ok: true,
      timings: { totalMs: clock() - t0, warehouseMs, workflowsMs, reportMs },
    };
  } finally {
    await wh.stop();
  }
}
