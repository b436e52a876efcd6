import { resolve } from 'node:path';
import { EXIT_CODES, findRepoRoot, formatSummary, ProgressReporter, runExample } from '@data-pipeline/local';
import type { Command } from 'commander';
import { processIo, reportError, stepBaseEnv, UsageError, usageExit } from './run.js';

interface ExampleFlags {
  dataDir: string;
  report: string;
  runDate?: string;
  engine: string;
  forceInit?: boolean;
}

export function registerExample(program: Command): void {
  const cmd = program
    .command('example')
    .description(
      'run the whole example locally: init + daily workflow on the embedded warehouse, then the HTML report',
    )
    .option('--data-dir <dir>', 'data directory of the embedded warehouse', '.data')
    .option('--report <file>', 'where to write the report', 'report/index.html')
    .option(
      '--run-date <YYYYMMDD>',
      'run date of the daily workflow (default: today, UTC; the data day is the day before)',
    )
    .option('--engine <native|airflow>', 'operator engine', 'native')
    .option(
      '--force-init',
      'run the init workflow even if the data dir is already initialised for the run date',
    )
    .action(async (flags: ExampleFlags) => {
      const io = processIo();
      try {
        if (flags.runDate !== undefined && !/^\d{8}$/.test(flags.runDate))
          throw new UsageError(`--run-date must be YYYYMMDD, got ${JSON.stringify(flags.runDate)}`);
        if (flags.engine !== 'native' && flags.engine !== 'airflow')
          throw new UsageError(`--engine must be native or airflow, got ${JSON.stringify(flags.engine)}`);
        const repoRoot = findRepoRoot(io.cwd) ?? findRepoRoot(import.meta.dirname);
        if (!repoRoot)
          throw new UsageError('run it inside the data-pipeline repository (workflows/ not found)');
        const reporters: ProgressReporter[] = [];
        const result = await runExample({
          repoRoot,
          dataDir: resolve(io.cwd, flags.dataDir),
          reportPath: resolve(io.cwd, flags.report),
          ...(flags.runDate ? { runDate: flags.runDate } : {}),
          engine: flags.engine,
          ...(flags.forceInit ? { forceInit: true } : {}),
          baseEnv: stepBaseEnv(io.env),
          out: io.out,
          log: (l) => io.err(`${l}\n`),
          reporter: () => {
            reporters.at(-1)?.finish();
            const r = new ProgressReporter({ write: io.err, isTTY: io.stderrIsTTY, columns: io.columns });
            reporters.push(r);
            return r;
          },
          onRunFinished: (run) => {
            reporters.at(-1)?.finish();
            io.err(formatSummary(run, Date.now(), run.workflow.name));
          },
          signal: io.signal,
        });
        const sig = io.signalExitCode();
        if (sig !== undefined) io.setExitCode(sig);
        else if (!result.ok) io.setExitCode(EXIT_CODES['task-failed']);
      } catch (e) {
        reportError(io, 'dp example', e);
      } finally {
        io.dispose();
      }
    });
  usageExit(cmd);
}
