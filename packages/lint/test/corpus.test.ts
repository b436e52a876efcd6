import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { formatProblem, lintPaths, ruleKind } from '@data-pipeline/lint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.js';

/**
 * Argo v4.1.2's own `examples/` (217 manifests upstream validates in its CI), kept read-only next to the repository.
 * dp lint must accept every one of them, except the true findings listed below, each with the reason Argo or
 * Kubernetes would refuse it too.
 */
const CANDIDATES = [
  process.env.DP_ARGO_EXAMPLES,
  join(repoRoot, '..', 'shared', 'argo-examples', 'examples'), // the main checkout
  join(repoRoot, '..', '..', 'shared', 'argo-examples', 'examples'), // a worktree under wt/
].filter((p): p is string => p !== undefined);
const corpus = CANDIDATES.find((p) => existsSync(join(p, 'hello-world.yaml')));
if (!corpus) console.warn(`skipped: Argo examples corpus not found (tried ${CANDIDATES.join(', ')})`);

const EXPECTED: ReadonlyArray<{ line: string; reason: string }> = [
  {
    line:
      'fibonacci-seq-conditional-param.yaml:45: warning [validity/recursion-depth] template "fibonacci" recurses ' +
      'through "fibonacci-helper" as deep as its parameters say (when: {{inputs.parameters.num}} != 1 && ' +
      '{{inputs.parameters.num}} != 2); Argo stops a workflow at a template depth of 100 (maxAllowedStackDepth), so ' +
      'large values fail on a cluster — loop with withSequence/withParam bounded by parallelism instead',
    reason:
      'a warning, not an error: the recursion is one level per decrement of the num parameter, so a large num ' +
      "reaches the controller's depth limit of 100 (passes with the example's value)",
  },
  {
    line: 'k8s-patch-json-workflow.yaml:13: error [validity/yaml] YAML syntax: Map keys must be unique',
    reason:
      'metadata has two `annotations` keys; go-yaml v3 and sigs.k8s.io/yaml (kubectl, argo submit) refuse duplicate ' +
      'mapping keys ("mapping key already defined"), so `argo submit` fails on it',
  },
  {
    line:
      'recursive-for-loop.yaml:35: warning [validity/recursion-depth] template "loop" recurses through "continue" ' +
      'as deep as its parameters say (when: {{steps.iterate-counter.outputs.result}} < {{inputs.parameters.limit}}); ' +
      'Argo stops a workflow at a template depth of 100 (maxAllowedStackDepth), so large values fail on a cluster — ' +
      'loop with withSequence/withParam bounded by parallelism instead',
    reason: 'a warning, not an error: one template level per iteration, up to the limit parameter (10 here)',
  },
];

const dp = join(repoRoot, 'packages', 'cli', 'bin', 'dp.js');
const run = promisify(execFile);

describe.concurrent.skipIf(!corpus)('Argo v4.1.2 examples corpus', () => {
  const dir = corpus as string;

  it('lints with zero false positives: only the listed true findings, validity rules only', () => {
    const { files, problems } = lintPaths(['.'], { cwd: dir, repoRoot });
    expect(files.length).toBeGreaterThanOrEqual(217);
    expect(problems.map(formatProblem)).toEqual(EXPECTED.map((e) => e.line));
  });

  it('--policy adds only policy findings (this project’s house rules), never a validity one', () => {
    const { problems } = lintPaths(['.'], { cwd: dir, repoRoot, policy: true });
    const validity = problems.filter((p) => ruleKind(p.rule) === 'validity').map(formatProblem);
    expect(validity).toEqual(EXPECTED.map((e) => e.line));
    const rules = new Set(problems.map((p) => p.rule));
    for (const rule of ['policy/pod-security', 'policy/resources', 'policy/retry', 'policy/image-pinned'])
      expect(rules).toContain(rule);
  });

  it('dp lint prints each true finding as one line and exits 1', async () => {
    const r = await run(process.execPath, [dp, 'lint', '.'], { cwd: dir }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({
        code: e.code,
        stdout: e.stdout,
        stderr: e.stderr,
      }),
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(EXPECTED.map((e) => `${e.line}\n`).join(''));
    expect(r.stderr).toMatch(/^dp lint: 3 problem\(s\) in \d+ file\(s\)\n$/);
  });
});
