import type { Command } from 'commander';
import type { LintFlags } from '../commands/lint.js';
import { type CommandContext, usageExit } from '../io.js';

export function registerLint(program: Command, ctx: CommandContext): void {
  const command = program
    .command('lint')
    .description('validate workflow, CronJob and RBAC YAML offline (default: workflows/ cronjobs/ deploy/)')
    .argument('[paths...]', 'YAML files or directories (walked recursively)')
    .option('--update-generated', 'rewrite the generated files (WorkflowTemplate, workflow ConfigMap) first')
    .option(
      '--policy',
      "apply this project's policy rules to every file (default: the paths .dp-lint.json names)",
    )
    .option('--cwd <dir>', 'resolve paths against this directory instead of the current one');
  usageExit(command);
  command.action(async (paths: string[], flags: LintFlags) => {
    const { lintCommand } = await import('../commands/lint.js');
    ctx.exit(lintCommand(paths, flags, ctx.io));
  });
}
