import { Command } from 'commander';
import { registerExample } from './commands/example.js';
import { registerLint } from './commands/lint.js';
import { registerQuery } from './commands/query.js';
import { registerRun } from './commands/run.js';
import { registerWarehouse } from './commands/warehouse.js';

/** Builds the `dp` command tree. Each subcommand lives in its own module under commands/. */
export function buildProgram(version: string): Command {
  const program = new Command('dp')
    .description('data-pipeline: Airflow 1.8.2 operators as Argo steps')
    .version(version);
  registerWarehouse(program);
  registerLint(program);
  registerRun(program);
  registerQuery(program);
  registerExample(program);
  return program;
}
