import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Issue 15 §3: `dp run` validates the whole workflow with Argo's rules (@data-pipeline/argo-tags, as `dp lint` does)
 * before it starts or seeds anything. Each bad workflow runs through the real bin with the default embedded warehouse
 * and the default `--data-dir .data` in an empty working directory, with TMPDIR empty too: afterwards both must still
 * be empty — no `.data/`, no run dir.
 */
const repo = join(import.meta.dirname, '..', '..', '..');
const DP = join(repo, 'packages', 'cli', 'bin', 'dp.js');
const MANIFEST = join(repo, 'packages', 'local', 'test', 'fixtures', 'images.json');
const root = mkdtempSync(join(tmpdir(), 'dp-run-validate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const IMAGE = 'example.test/fixtures/step:1.0.0';
const workflow = (templates: string, spec = '') => `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: v-}
spec:
  entrypoint: main
${spec}  templates:
${templates}
    - name: ok
      container: {image: ${IMAGE}, args: ["--exit=0"]}
`;
const dag = (tasks: string) => workflow(`    - name: main\n      dag:\n        tasks:\n${tasks}`);

const aliasBomb = () => {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++)
    lines.push(
      `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `${workflow('    - name: main\n      container: {image: example.test/fixtures/step:1.0.0}')}---
apiVersion: v1
kind: ConfigMap
metadata: {name: bomb}
data:
${lines.map((l) => `  ${l}`).join('\n')}
`;
};

const withParam = workflow(
  '    - name: main\n      container: {image: example.test/fixtures/step:1.0.0, args: ["{{workflow.parameters.day}}"]}',
  '  arguments:\n    parameters:\n      - name: day\n',
);

const cases: [name: string, text: string, args: string[], message: RegExp][] = [
  ['unknown -p', withParam, ['-p', 'day=1', '-p', 'nope=1'], /unknown parameter nope \(declared: day\)/],
  ['missing parameter', withParam, [], /spec.arguments.parameters.day has no value: pass -p day=VALUE/],
  [
    'dependency cycle',
    dag(
      '          - {name: a, template: ok, dependencies: [b]}\n          - {name: b, template: ok, dependencies: [a]}',
    ),
    [],
    /main: dependency cycle a -> b -> a/,
  ],
  [
    'duplicate task name (not a cycle)',
    dag('          - {name: a, template: ok}\n          - {name: a, template: ok, dependencies: [a]}'),
    [],
    /main: duplicate task a$/m,
  ],
  [
    'a task result Argo does not know',
    dag('          - {name: a, template: ok}\n          - {name: b, template: ok, depends: a.Completed}'),
    [],
    /main.b: task result 'Completed' for task 'a' is invalid/,
  ],
  [
    'unknown template',
    dag('          - {name: a, template: nope}'),
    [],
    /main.a references unknown template nope/,
  ],
  [
    'bad --entrypoint',
    dag('          - {name: a, template: ok}'),
    ['--entrypoint', 'nope'],
    /entrypoint template nope does not exist \(templates: main, ok\)/,
  ],
  [
    'undeclared workflow parameter',
    workflow(
      '    - name: main\n      container: {image: example.test/fixtures/step:1.0.0, args: ["{{workflow.parameters.missing}}"]}',
    ),
    [],
    /spec.templates\[0\].container.args\[0\]: \{\{workflow.parameters.missing\}\}: workflow has no parameter "missing"/,
  ],
  ['YAML alias bomb', aliasBomb(), [], /invalid YAML: Excessive alias count/],
];

function dp(
  args: string[],
  cwd: string,
  tmp: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [DP, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: cwd, TMPDIR: tmp, CI: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe.concurrent('dp run refuses an invalid workflow before it starts or seeds anything', () => {
  cases.forEach(([name, text, args, message], i) => {
    it(name, async () => {
      const dir = join(root, `case-${i}`);
      const cwd = join(dir, 'cwd');
      const tmp = join(dir, 'tmp');
      mkdirSync(cwd, { recursive: true });
      mkdirSync(tmp);
      const file = join(dir, 'workflow.yaml');
      writeFileSync(file, text);
      const r = await dp(['run', file, '--images-manifest', MANIFEST, ...args], cwd, tmp);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(65);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
      expect(readdirSync(cwd)).toEqual([]);
      expect(readdirSync(tmp)).toEqual([]);
    });
  });
});
