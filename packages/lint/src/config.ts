import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { z } from 'zod';

/** The file at the repository root that says where this project's policy rules apply by default. */
export const CONFIG_FILE = '.dp-lint.json';

const ConfigSchema = z
  .object({
    /**
     * Repository-relative files or directories whose YAML is this project's own: policy rules (`policy/...`) apply
     * there without `--policy`. Everything else gets validity rules only.
     */
    policy: z
      .array(
        z
          .string()
          .min(1)
          .refine((p) => !isAbsolute(p) && !normalize(p).startsWith('..'), {
            message: 'must be a path inside the repository',
          }),
      )
      .default([]),
  })
  .strict();

export type LintConfig = z.infer<typeof ConfigSchema>;

/** `.dp-lint.json` is unreadable or invalid: the CLI answers with one line and exit 78 (configuration). */
export class LintConfigError extends Error {
  override readonly name = 'LintConfigError';
}

/** The repository's lint configuration; no file means no default policy paths. */
export function loadLintConfig(repoRoot: string | undefined): LintConfig {
  if (!repoRoot) return { policy: [] };
  const file = join(repoRoot, CONFIG_FILE);
  if (!existsSync(file)) return { policy: [] };
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new LintConfigError(`${CONFIG_FILE}: not JSON (${(error as Error).message.split('\n')[0]})`);
  }
  const parsed = ConfigSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new LintConfigError(`${CONFIG_FILE}: ${where}${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Whether policy rules apply to the absolute path `file`: it lies in one of the config's policy paths. */
export function policyApplies(file: string, config: LintConfig, repoRoot: string | undefined): boolean {
  if (!repoRoot) return false;
  const rel = relative(repoRoot, file);
  if (rel.startsWith('..') || isAbsolute(rel)) return false;
  return config.policy.some((p) => {
    const root = normalize(p).replace(/[\\/]+$/, '');
    return rel === root || rel.startsWith(`${root}${sep}`);
  });
}
