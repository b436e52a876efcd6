import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { formatProblem, lintTexts } from '@data-pipeline/lint';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.js';

/** A workflow whose `loop` template calls itself under `when`. */
const recursive = (when: string) => `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: recursion-
spec:
  entrypoint: loop
  arguments:
    parameters:
      - name: days
        value: "40"
  templates:
    - name: loop
      inputs:
        parameters:
          - name: index
            value: "0"
      steps:
        - - name: work
            template: echo
        - - name: next
            template: loop
            when: "${when}"
            arguments:
              parameters:
                - name: index
                  value: "{{=asInt(inputs.parameters.index) + 1}}"
    - name: echo
      outputs:
        parameters:
          - name: more
            valueFrom:
              path: /tmp/more
      container:
        image: alpine:3.23
`;

const lint = (text: string) =>
  lintTexts(new Map([[join(repoRoot, 'x.yaml'), text]]), { cwd: repoRoot, repoRoot }).map(formatProblem);

describe('validity/recursion-depth', () => {
  it('warns at the `when` of a recursion whose depth the parameters decide', () => {
    expect(lint(recursive('{{=asInt(inputs.parameters.index) < asInt(workflow.parameters.days)}}'))).toEqual([
      expect.stringMatching(
        /^x\.yaml:22: warning \[validity\/recursion-depth\] template "loop" recurses through "next" as deep as its parameters say \(when: .*\); Argo stops a workflow at a template depth of 100 \(maxAllowedStackDepth\)/,
      ),
    ]);
  });

  it('also through another template (a -> b -> a)', () => {
    const text = recursive('{{workflow.parameters.days}} > 3')
      .replace('            template: loop\n', '            template: hop\n')
      .replace(
        '    - name: echo\n',
        `    - name: hop
      steps:
        - - name: back
            template: loop
    - name: echo
`,
      );
    expect(lint(text)).toEqual([
      expect.stringMatching(/^x\.yaml:22: warning .*"loop" recurses through "next"/),
    ]);
  });

  it('is silent for a recursion decided by a step output, and for calls that do not recurse', () => {
    expect(lint(recursive("{{steps.work.outputs.parameters.more}} == 'yes'"))).toEqual([]);
    expect(
      lint(recursive('{{workflow.parameters.days}} > 3').replace('template: loop\n', 'template: echo\n')),
    ).toEqual([]);
  });

  it('the checked-in init workflow has no parameter-deep recursion', () => {
    const file = join(repoRoot, 'workflows', 'bigquery_step_init_workflow.yaml');
    const problems = lintTexts(new Map([[file, readFileSync(file, 'utf8')]]), { cwd: repoRoot, repoRoot });
    expect(problems.filter((p) => p.rule === 'validity/recursion-depth')).toEqual([]);
  });

  const dir = mkdtempSync(join(tmpdir(), 'dp-lint-recursion-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('dp lint prints the warning and exits 0 when nothing else is wrong', async () => {
    const file = join(dir, 'recursive.yaml');
    writeFileSync(file, recursive('{{=asInt(inputs.parameters.index) < asInt(workflow.parameters.days)}}'));
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [
      join(repoRoot, 'packages', 'cli', 'bin', 'dp.js'),
      'lint',
      file,
    ]);
    expect(stdout).toMatch(/recursive\.yaml:22: warning \[validity\/recursion-depth\] /);
    expect(stdout.trim().split('\n')).toHaveLength(1);
    expect(stderr).toBe('');
  });
});
