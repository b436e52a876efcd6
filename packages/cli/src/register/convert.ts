import type { Command } from 'commander';
import type { ConvertFlags } from '../commands/convert.js';
import { exitCodeHelp } from '../exit-help.js';
import { type CommandContext, usageErrors } from '../io.js';

export function registerConvert(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('convert')
    .description(
      'turn an Airflow 1.8.2 DAG file into an Argo Workflow that runs its tasks unchanged, one step each',
    )
    .argument('<dag-file>', 'the Airflow DAG file (loaded with the airflow on PATH)')
    .option('--dag-id <id>', 'which DAG of the file (required when it defines several)')
    .option('-o, --output <file>', 'write the YAML here (atomically) instead of stdout')
    .option(
      '--schedule <none|cronworkflow|cronjob>',
      "also emit a CronWorkflow or a CronJob from the DAG's schedule_interval",
      'none',
    )
    .option('--image <ref>', 'image of the steps (default: the airflow-operator image of images/images.json)')
    .option('--explain', 'print how each Airflow task was mapped')
    .action(async (file: string, flags: ConvertFlags) => {
      const { convertCommand } = await import('../commands/convert.js');
      ctx.exit(await convertCommand(file, flags, ctx.io));
    });
  cmd.addHelpText(
    'after',
    '\nDAG files that fail to load: syntax error, no such DAG id, a raising file or a cycle → 65; a missing\n' +
      'module or no airflow on PATH → 78; several DAGs without --dag-id → 64. Nothing is written then.\n' +
      exitCodeHelp(),
  );
  usageErrors(cmd);
}
