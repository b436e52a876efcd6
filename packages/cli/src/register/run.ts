import { type Command, Option } from 'commander';
import type { RunFlags } from '../commands/run.js';
import { exitCodeHelp } from '../exit-help.js';
import { type CommandContext, usageErrors } from '../io.js';

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerRun(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('run')
    .description(
      'run an Argo Workflow YAML locally: containers become local processes, BigQuery the embedded warehouse',
    )
    .argument('<workflow.yaml>', 'the Argo Workflow file (the same file you submit to a cluster)')
    .option('-p, --param <name=value>', 'workflow parameter (repeatable)', collect, [])
    .option('--warehouse <embedded|bigquery>', 'embedded local warehouse or real BigQuery (ADC)', 'embedded')
    .option('--data-dir <dir>', 'data directory of the embedded warehouse (and step logs)', '.data')
    .option(
      '--url <url>',
      'use a running `dp warehouse serve` (e.g. http://127.0.0.1:9050) instead of --data-dir',
    )
    .option('--engine <native|airflow>', 'operator engine passed to every step as DP_ENGINE', 'native')
    .option('--entrypoint <template>', 'start at this template instead of spec.entrypoint')
    .option(
      '--secret <name=path>',
      'Kubernetes Secret as a local file or directory (repeatable)',
      collect,
      [],
    )
    .option(
      '--configmap <file>',
      "ConfigMaps for configMap volumes from this YAML file (repeatable; besides the workflow file's own)",
      collect,
      [],
    )
    .option('--images-manifest <file>', 'images manifest (default: images/images.json above the workflow)')
    .option('-v, --verbose', 'stream every step output line to stderr')
    .option(
      '--log-format <auto|pretty|json>',
      "how -v shows the steps' JSON log records: pretty on a terminal, json (as written) when piped",
      'auto',
    )
    .addOption(
      new Option(
        '--time-scale <factor>',
        'multiply retry backoffs and deadlines by this factor (0 < f <= 1; for tests)',
      ).hideHelp(),
    )
    .action(async (file: string, flags: RunFlags) => {
      const { runCommand } = await import('../commands/run.js');
      ctx.exit(await runCommand(file, flags, ctx.io));
    });
  cmd.addHelpText('after', exitCodeHelp());
  usageErrors(cmd);
}
