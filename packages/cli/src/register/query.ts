import { DEFAULT_PROJECT } from '@data-pipeline/local/defaults';
import type { Command } from 'commander';
import type { QueryFlags } from '../commands/query.js';
import { exitCodeHelp } from '../exit-help.js';
import { type CommandContext, usageErrors } from '../io.js';

export function registerQuery(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('query')
    .description(
      'run one SQL query against the embedded warehouse in --data-dir (or at --url) and print the rows',
    )
    .argument('<sql>', 'GoogleSQL (or legacy SQL with #legacySQL / --legacy-sql)')
    .option('--data-dir <dir>', 'data directory of the embedded warehouse', '.data')
    .option(
      '--url <url>',
      'query a running `dp warehouse serve` (e.g. http://127.0.0.1:9050) instead of --data-dir',
    )
    .option('--format <table|json|csv>', 'output format (json: an array of row objects)', 'table')
    .option('--project <id>', 'default project for unqualified table names', DEFAULT_PROJECT)
    .option('--legacy-sql', 'use legacy SQL')
    .option('--create', 'start an empty warehouse when --data-dir holds none (default: exit 78)')
    .action(async (sql: string, flags: QueryFlags) => {
      const { queryCommand } = await import('../commands/query.js');
      ctx.exit(await queryCommand(sql, flags, ctx.io));
    });
  cmd.addHelpText('after', exitCodeHelp());
  usageErrors(cmd);
}
