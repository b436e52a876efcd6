import { Command } from 'commander';
import { type CommandContext, usageErrors } from './io.js';
import { registerConvert } from './register/convert.js';

/**
 * `dp convert …` alone: the same command as in buildProgram, without loading the other commands' packages (lint,
 * local, warehouse: most of dp's start-up), so a conversion costs little more than Airflow's own import of the file
 * (packages/convert/README.md, Bench). src/cli.ts picks it when the first argument is `convert`.
 */
export function buildConvertProgram(version: string, ctx: CommandContext): Command {
  const program = new Command('dp').version(version);
  registerConvert(program, ctx);
  usageErrors(program);
  return program;
}
