import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_LINT_PATHS, generatedFiles, lintPaths, updateGenerated } from '@data-pipeline/lint';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtures, repoRoot } from './helpers.js';

const run = promisify(execFile);
const dp = join(repoRoot, 'packages', 'cli', 'bin', 'dp.js');

async function dpLint(args: string[], cwd = repoRoot) {
  try {
    const { stdout, stderr } = await run(process.execPath, [dp, 'lint', ...args], { cwd });
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

describe('the repository', () => {
  it('lints clean: workflows/, cronjobs/, deploy/', () => {
    const { files, problems } = lintPaths([...DEFAULT_LINT_PATHS], { cwd: repoRoot });
    expect(problems).toEqual([]);
    expect(files.length).toBeGreaterThanOrEqual(8);
  });

  it('has its generated files up to date', () => {
    for (const g of generatedFiles(repoRoot)) {
      expect(
        readFileSync(join(repoRoot, g.path), 'utf8'),
        `${g.path} is stale: run dp lint --update-generated`,
      ).toBe(g.content);
    }
  });

  it('keeps the CronWorkflow out of cronjobs/ (kubectl apply -f cronjobs/ must not schedule twice)', () => {
    const kinds = lintPaths(['cronjobs'], { cwd: repoRoot }).files.map((f) => readFileSync(f, 'utf8'));
    expect(kinds.some((text) => /^kind: CronWorkflow/m.test(text))).toBe(false);
    expect(kinds.filter((text) => /^kind: CronJob/m.test(text))).toHaveLength(1);
  });
});

describe('generated files', () => {
  it('are reported stale when the workflow changes, and rewritten by updateGenerated', () => {
    const root = mkdtempSync(join(tmpdir(), 'dp-lint-'));
    temps.push(root);
    for (const dir of ['images', 'workflows', 'cronjobs', 'deploy', '.dp-lint.json'])
      cpSync(join(repoRoot, dir), join(root, dir), { recursive: true });
    const wf = join(root, 'workflows', 'bigquery_step_workflow.yaml');
    writeFileSync(
      wf,
      readFileSync(wf, 'utf8').replace('activeDeadlineSeconds: 21600', 'activeDeadlineSeconds: 21601'),
    );
    const stale = lintPaths(['cronjobs', 'deploy'], { cwd: root, repoRoot: root }).problems;
    expect(stale.map((p) => `${p.file}:${p.line}: [${p.rule}] ${p.message}`).sort()).toEqual([
      'cronjobs/bigquery-step-workflow-configmap.yaml:1: [policy/generated] stale generated file (from workflows/bigquery_step_workflow.yaml); run dp lint --update-generated',
      'deploy/cronworkflow/bigquery-step-workflowtemplate.yaml:1: [policy/generated] stale generated file (from workflows/bigquery_step_workflow.yaml); run dp lint --update-generated',
    ]);
    expect(updateGenerated(root).sort()).toEqual([
      'cronjobs/bigquery-step-workflow-configmap.yaml',
      'deploy/cronworkflow/bigquery-step-workflowtemplate.yaml',
    ]);
    expect(lintPaths(['cronjobs', 'deploy'], { cwd: root, repoRoot: root }).problems).toEqual([]);
  });
});

describe('dp lint (subprocess)', () => {
  it('exits 0 and prints nothing on the repository', async () => {
    const r = await dpLint([]);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('prints file:line: error [kind/rule] message and exits 1 on problems; policy rules only with --policy', async () => {
    const files = ['bad/dependency-cycle.yaml', 'bad/image-latest.yaml'];
    // both runs at once: the file stays well inside the timeout on a loaded machine
    const [r, withPolicy] = await Promise.all([
      dpLint(files, fixtures),
      dpLint(['--policy', ...files], fixtures),
    ]);
    expect(r.code).toBe(1);
    // outside the paths .dp-lint.json names, only what Argo itself refuses
    expect(r.stdout).toBe(
      'bad/dependency-cycle.yaml:19: error [validity/dependency-cycle] dependency cycle: a -> b -> a\n',
    );
    expect(r.stderr).toBe('dp lint: 1 problem(s) in 2 file(s)\n');
    expect(withPolicy.code).toBe(1);
    const lines = withPolicy.stdout.trim().split('\n');
    expect(lines).toContain(
      'bad/dependency-cycle.yaml:19: error [validity/dependency-cycle] dependency cycle: a -> b -> a',
    );
    expect(lines).toContain(
      'bad/image-latest.yaml:40: error [policy/image-pinned] image "docker.io/library/busybox:latest" uses :latest; pin a version',
    );
    // Errors, and the one warning that the init/wait containers' securityContext is the controller's (not linted here).
    expect(
      lines.every((l) =>
        /^bad\/[\w-]+\.yaml:\d+: (error \[(validity|policy)|warning \[policy\/controller-security)\/?[a-z-]*\] \S/.test(
          l,
        ),
      ),
    ).toBe(true);
    expect(withPolicy.stderr).toMatch(/^dp lint: \d+ problem\(s\) in 2 file\(s\)\n$/);
  });

  it('reports every bad fixture as one file:line: error [kind/rule] line per problem, no stack trace', async () => {
    const r = await dpLint(['--policy', 'bad'], fixtures);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    for (const line of lines)
      expect(line).toMatch(
        /^bad\/[\w-]+\.yaml:\d+: (error \[(validity|policy)\/[a-z-]+|warning \[policy\/controller-security)\] [^\n]+$/,
      );
    const reported = new Set(lines.map((l) => l.split(':')[0]));
    expect([...reported].sort()).toEqual(
      readdirSync(join(fixtures, 'bad'))
        .map((f) => `bad/${f}`)
        .sort(),
    );
    expect(r.stderr).toBe(`dp lint: ${lines.length} problem(s) in ${reported.size} file(s)\n`);
  });

  it('answers bad usage with one line and exit 64', async () => {
    const missing = await dpLint(['no-such-dir']);
    expect(missing).toEqual({
      code: 64,
      stdout: '',
      stderr: 'dp lint: no such file or directory: no-such-dir\n',
    });
    const empty = mkdtempSync(join(tmpdir(), 'dp-lint-empty-'));
    temps.push(empty);
    expect(await dpLint([empty])).toEqual({
      code: 64,
      stdout: '',
      stderr: `dp lint: no .yaml/.yml files under ${empty}\n`,
    });
    const unknown = await dpLint(['--frobnicate']);
    expect(unknown.code).toBe(64);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--update-generated rewrites stale generated files in a copy of the repo', async () => {
    const root = mkdtempSync(join(tmpdir(), 'dp-lint-cli-'));
    temps.push(root);
    for (const dir of ['images', 'workflows', 'cronjobs', 'deploy', '.dp-lint.json'])
      cpSync(join(repoRoot, dir), join(root, dir), { recursive: true });
    mkdirSync(join(root, 'extra'));
    writeFileSync(join(root, 'cronjobs', 'bigquery-step-workflow-configmap.yaml'), 'stale\n');
    const before = await dpLint(['--cwd', root]);
    expect(before.code).toBe(1);
    const after = await dpLint(['--cwd', root, '--update-generated']);
    expect(after).toEqual({
      code: 0,
      stdout: 'updated cronjobs/bigquery-step-workflow-configmap.yaml\n',
      stderr: '',
    });
  });
});
