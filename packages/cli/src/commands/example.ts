import { resolve } from 'node:path';
import {
  DEFAULT_HISTORY_DAYS,
  EXIT_CODES,
  findRepoRoot,
  formatSummary,
  MAX_HISTORY_DAYS,
  ProgressReporter,
  parseDay,
  runExample,
} from '@data-pipeline/local';
import { type CliIo, signalExitCode } from '../io.js';
import { reportError, stepBaseEnv, UsageError } from './run.js';

export interface ExampleFlags {
  dataDir: string;
  report: string;
  runDate?: string;
  engine: string;
  forceInit?: boolean;
  days?: string;
}

/** `dp example` (`npm start`): init + daily on the embedded warehouse, top rows, the report; returns the exit code. */
export async function exampleCommand(flags: ExampleFlags, io: CliIo): Promise<number> {
  try {
    const runDate = flags.runDate === undefined ? undefined : parseDay(flags.runDate)?.compact;
    if (flags.runDate !== undefined && !runDate)
      throw new UsageError(
        /^\d{4}-?\d{2}-?\d{2}$/.test(flags.runDate)
          ? `--run-date ${flags.runDate} is not a calendar date`
          : `--run-date must be YYYYMMDD or YYYY-MM-DD, got ${JSON.stringify(flags.runDate)}`,
      );
    const daysText = flags.days ?? String(DEFAULT_HISTORY_DAYS);
    const days = Number(daysText);
    if (!/^\d+$/.test(daysText) || days < 1 || days > MAX_HISTORY_DAYS)
      throw new UsageError(
        `--days must be a whole number from 1 to ${MAX_HISTORY_DAYS} (the init's 40 days hold the 28-day windows of at most ${MAX_HISTORY_DAYS} data days), got ${JSON.stringify(daysText)}`,
      );
    if (flags.engine !== 'native' && flags.engine !== 'airflow')
      throw new UsageError(`--engine must be native or airflow, got ${JSON.stringify(flags.engine)}`);
    const repoRoot = findRepoRoot(io.cwd) ?? findRepoRoot(import.meta.dirname);
    if (!repoRoot) throw new UsageError('run it inside the data-pipeline repository (workflows/ not found)');
    const reporters: ProgressReporter[] = [];
    const result = await runExample({
      repoRoot,
      dataDir: resolve(io.cwd, flags.dataDir),
      reportPath: resolve(io.cwd, flags.report),
      ...(runDate ? { runDate } : {}),
      engine: flags.engine,
      ...(flags.forceInit ? { forceInit: true } : {}),
      days,
      baseEnv: stepBaseEnv(io.env),
      host: io.host,
      out: io.stdout,
      // Above the live table of the workflow running now (plain when none is drawn).
      log: (l) => {
        const current = reporters.at(-1);
        if (current) current.println(l);
        else io.stderr(`${l}\n`);
      },
      reporter: () => {
        reporters.at(-1)?.finish();
        const r = new ProgressReporter({
          write: io.stderr,
          isTTY: io.isTTY,
          columns: io.columns,
          rows: io.rows,
        });
        reporters.push(r);
        return r;
      },
      onRunFinished: (run) => {
        reporters.at(-1)?.finish();
        io.stderr(formatSummary(run, Date.now(), run.workflow.name));
      },
      signal: io.signal,
    });
    return signalExitCode(io.signal) ?? (result.ok ? EXIT_CODES.success : EXIT_CODES['task-failed']);
  } catch (e) {
    return reportError(io, 'dp example', e);
  }
}
