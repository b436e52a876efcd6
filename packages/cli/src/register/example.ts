import { DEFAULT_HISTORY_DAYS, MAX_HISTORY_DAYS } from '@data-pipeline/local/defaults';
import type { Command } from 'commander';
import type { ExampleFlags } from '../commands/example.js';
import { exitCodeHelp } from '../exit-help.js';
import { type CommandContext, usageErrors } from '../io.js';

export function registerExample(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('example')
    .description(
      'run the whole example locally: init + daily workflow on the embedded warehouse, then the HTML report',
    )
    .option('--data-dir <dir>', 'data directory of the embedded warehouse', '.data')
    .option('--report <file>', 'where to write the report', 'report/index.html')
    .option(
      '--run-date <date>',
      'run date of the daily workflow (default: today, UTC; the data day is the day before)',
    )
    .option(
      '--days <n>',
      `data days of history: the daily workflow runs for each of the last n (1..${MAX_HISTORY_DAYS}; days already in the data dir are not rerun) and the report shows them`,
      String(DEFAULT_HISTORY_DAYS),
    )
    .option('--engine <native|airflow>', 'operator engine', 'native')
    .option(
      '--force-init',
      'run the init workflow even if the data dir is already initialised for the run date',
    )
    .action(async (flags: ExampleFlags) => {
      const { exampleCommand } = await import('../commands/example.js');
      ctx.exit(await exampleCommand(flags, ctx.io));
    });
  cmd.addHelpText('after', exitCodeHelp());
  usageErrors(cmd);
}
