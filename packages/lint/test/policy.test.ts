import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CONFIG_FILE, LintConfigError, loadLintConfig, policyApplies } from '@data-pipeline/lint';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, repoRoot } from './helpers.js';

const run = promisify(execFile);
const dp = join(repoRoot, 'packages', 'cli', 'bin', 'dp.js');

async function dpLint(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [dp, 'lint', ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** A copy of the repository's cluster YAML, plus a workflow that breaks only policy rules (an image on :latest). */
function copyRepo(config: string | undefined): string {
  const root = mkdtempSync(join(tmpdir(), 'dp-lint-policy-'));
  temps.push(root);
  for (const dir of ['images', 'workflows', 'cronjobs', 'deploy'])
    cpSync(join(repoRoot, dir), join(root, dir), { recursive: true });
  cpSync(join(fixtures, 'bad', 'image-latest.yaml'), join(root, 'workflows', 'latest.yaml'));
  if (config !== undefined) writeFileSync(join(root, CONFIG_FILE), config);
  return root;
}

const LATEST =
  'workflows/latest.yaml:40: error [policy/image-pinned] image "docker.io/library/busybox:latest" uses :latest; pin a version\n';

describe('.dp-lint.json', () => {
  it('is the repository’s: policy on for workflows/, cronjobs/ and deploy/', () => {
    const config = loadLintConfig(repoRoot);
    expect(config.policy).toEqual(['workflows', 'cronjobs', 'deploy']);
    expect(policyApplies(join(repoRoot, 'workflows', 'x.yaml'), config, repoRoot)).toBe(true);
    expect(policyApplies(join(repoRoot, 'deploy', 'rbac', 'x.yaml'), config, repoRoot)).toBe(true);
    expect(policyApplies(join(repoRoot, 'workflows-old', 'x.yaml'), config, repoRoot)).toBe(false);
    expect(policyApplies(join(repoRoot, '..', 'shared', 'x.yaml'), config, repoRoot)).toBe(false);
  });

  it('is optional, and refused with one line naming the problem when invalid', () => {
    const none = mkdtempSync(join(tmpdir(), 'dp-lint-config-'));
    temps.push(none);
    expect(loadLintConfig(none)).toEqual({ policy: [] });
    const bad = (text: string) => {
      writeFileSync(join(none, CONFIG_FILE), text);
      try {
        loadLintConfig(none);
      } catch (error) {
        expect(error).toBeInstanceOf(LintConfigError);
        return (error as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad('{"policy": ')).toMatch(/^\.dp-lint\.json: not JSON \(.+\)$/);
    expect(bad('{"polcy": []}')).toMatch(/^\.dp-lint\.json: .*polcy/);
    expect(bad('{"policy": "workflows"}')).toMatch(/^\.dp-lint\.json: policy: /);
    expect(bad('{"policy": ["../elsewhere"]}')).toBe(
      '.dp-lint.json: policy.0: must be a path inside the repository',
    );
  });
});

describe.concurrent('dp lint and policy (subprocess)', () => {
  it('reports policy findings in the configured paths, exit 1', async () => {
    const root = copyRepo('{"policy": ["workflows"]}');
    const r = await dpLint(['--cwd', root]);
    expect(r).toEqual({
      code: 1,
      stdout: LATEST,
      stderr: expect.stringMatching(/^dp lint: 1 problem\(s\) in \d+ file\(s\)\n$/),
    });
  });

  it('reports none without a config (validity only), and all of them with --policy', async () => {
    const root = copyRepo(undefined);
    expect(await dpLint(['--cwd', root])).toEqual({ code: 0, stdout: '', stderr: '' });
    const forced = await dpLint(['--cwd', root, '--policy']);
    expect(forced.code).toBe(1);
    expect(forced.stdout).toBe(LATEST);
  });

  it('exits 78 (configuration) with one line and nothing else when .dp-lint.json is invalid', async () => {
    const root = copyRepo('{"policy": [1]}');
    const r = await dpLint(['--cwd', root]);
    expect(r.code).toBe(78);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^dp lint: \.dp-lint\.json: policy\.0: [^\n]+\n$/);
  });
});
