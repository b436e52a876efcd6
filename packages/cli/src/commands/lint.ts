import { resolve } from 'node:path';
// EXIT_CODES is @data-pipeline/runner's table, re-exported by the lint package (the cli depends on lint, not runner).
import {
  DEFAULT_LINT_PATHS,
  EXIT_CODES,
  findRepoRoot,
  LintUsageError,
  lintPaths,
  updateGenerated,
} from '@data-pipeline/lint';
import type { Command } from 'commander';

interface LintCommandOptions {
  updateGenerated?: boolean;
  cwd?: string;
}

/**
 * `dp lint [paths...]`: offline validation of workflows/, cronjobs/ and deploy/ (schemas, Argo semantics, pod security,
 * images, generated files). Problems go to stdout as `file:line: message`; exit 1 when there is any, 64 on bad usage.
 */
export function registerLint(program: Command): void {
  const command = program
    .command('lint')
    .description('validate workflow, CronJob and RBAC YAML offline (default: workflows/ cronjobs/ deploy/)')
    .argument('[paths...]', 'YAML files or directories (walked recursively)')
    .option('--update-generated', 'rewrite the generated files (WorkflowTemplate, workflow ConfigMap) first')
    .option('--cwd <dir>', 'resolve paths against this directory instead of the current one');
  // Commander's own usage errors (unknown option...) default to exit 1; ours is 64.
  const reportError = command.error.bind(command);
  command.error = (message, options) =>
    reportError(message, { ...options, exitCode: options?.exitCode ?? EXIT_CODES.usage });

  command.action((paths: string[], options: LintCommandOptions, cmd: Command) => {
    const cwd = resolve(options.cwd ?? '.');
    const repoRoot = findRepoRoot(cwd);
    // Without paths: the repository's cluster YAML, wherever in the repository dp lint runs.
    const targets =
      paths.length > 0 ? paths : DEFAULT_LINT_PATHS.map((p) => (repoRoot ? resolve(repoRoot, p) : p));
    const { writeOut } = cmd.configureOutput();
    const out = (line: string) => writeOut?.(`${line}\n`);
    try {
      if (options.updateGenerated) {
        if (!repoRoot)
          cmd.error('dp lint: --update-generated needs the repository (images/images.json not found)');
        for (const file of updateGenerated(repoRoot as string)) out(`updated ${file}`);
      }
      const { files, problems } = lintPaths(targets, { cwd, repoRoot });
      for (const p of problems) out(`${p.file}:${p.line}: ${p.message}`);
      if (problems.length > 0) {
        cmd.error(`dp lint: ${problems.length} problem(s) in ${files.length} file(s)`, {
          exitCode: EXIT_CODES['task-failed'],
          code: 'dp.lint.problems',
        });
      }
    } catch (error) {
      if (error instanceof LintUsageError) cmd.error(`dp lint: ${error.message}`, { code: 'dp.lint.usage' });
      throw error;
    }
  });
}
