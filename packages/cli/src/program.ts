import { Command } from 'commander';
import { exitCodeHelp } from './exit-help.js';
import { type CommandContext, usageErrors } from './io.js';
import { registerConvert } from './register/convert.js';
import { registerExample } from './register/example.js';
import { registerLint } from './register/lint.js';
import { registerQuery } from './register/query.js';
import { registerRun } from './register/run.js';
import { registerWarehouse } from './register/warehouse.js';

/**
 * Builds the `dp` command tree. Each subcommand lives in its own module under commands/.
 * Every command gets `ctx` (io in, exit code out). Usage errors are thrown as CommanderError and become the exit
 * code in cli.ts (lint and warehouse keep commander's own codes for help without a subcommand, see usageExit).
 */
export function buildProgram(version: string, ctx: CommandContext): Command {
  const program = new Command('dp')
    .description('data-pipeline: Airflow 1.8.2 operators as Argo steps')
    .version(version);
  program.addHelpText('after', exitCodeHelp());
  registerWarehouse(program, ctx);
  registerLint(program, ctx);
  registerRun(program, ctx);
  registerQuery(program, ctx);
  registerExample(program, ctx);
  registerConvert(program, ctx);
  // After the registrations, so lint and warehouse keep their own exit handling (commander copies it at .command()).
  usageErrors(program); // `dp nosuch`, `dp` alone: 64
  return program;
}
