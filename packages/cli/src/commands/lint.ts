import { resolve } from 'node:path';
import {
  DEFAULT_LINT_PATHS,
  findRepoRoot,
  formatProblem,
  LintConfigError,
  LintUsageError,
  lintPaths,
  updateGenerated,
} from '@data-pipeline/lint';
import { EXIT_CODES } from '@data-pipeline/runner/exit-codes';
import type { CliIo } from '../io.js';

export interface LintFlags {
  updateGenerated?: boolean;
  policy?: boolean;
  cwd?: string;
}

/**
 * `dp lint [paths...]`: offline validation of workflows/, cronjobs/ and deploy/ (schemas, Argo semantics, pod security,
 * images, generated files). Problems go to stdout as `file:line: error [rule] message`; returns 1 when there is any, 64 on
 * bad usage, 78 when the repository's `.dp-lint.json` is invalid. Policy rules apply to the paths `.dp-lint.json`
 * names, or everywhere with `--policy`.
 */
export function lintCommand(paths: readonly string[], flags: LintFlags, io: CliIo): number {
  const out = (line: string) => io.stdout(`${line}\n`);
  const fail = (message: string, code: number) => {
    io.stderr(`${message}\n`);
    return code;
  };
  const cwd = resolve(io.cwd, flags.cwd ?? '.');
  const repoRoot = findRepoRoot(cwd);
  // Without paths: the repository's cluster YAML, wherever in the repository dp lint runs.
  const targets =
    paths.length > 0 ? [...paths] : DEFAULT_LINT_PATHS.map((p) => (repoRoot ? resolve(repoRoot, p) : p));
  try {
    if (flags.updateGenerated) {
      if (!repoRoot)
        return fail(
          'dp lint: --update-generated needs the repository (images/images.json not found)',
          EXIT_CODES.usage,
        );
      for (const file of updateGenerated(repoRoot)) out(`updated ${file}`);
    }
    const { files, problems } = lintPaths(targets, { cwd, repoRoot, policy: flags.policy === true });
    for (const p of problems) out(formatProblem(p));
    // Warnings are printed but do not fail the run; any error does.
    if (problems.some((p) => p.severity !== 'warning'))
      return fail(
        `dp lint: ${problems.length} problem(s) in ${files.length} file(s)`,
        EXIT_CODES['task-failed'],
      );
    return EXIT_CODES.success;
  } catch (error) {
    if (error instanceof LintUsageError) return fail(`dp lint: ${error.message}`, EXIT_CODES.usage);
    if (error instanceof LintConfigError) return fail(`dp lint: ${error.message}`, EXIT_CODES.configuration);
    throw error;
  }
}
