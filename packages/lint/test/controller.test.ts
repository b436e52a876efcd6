import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatProblem, lintTexts } from '@data-pipeline/lint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.js';

/** Issue 15 §4: the init/wait containers' securityContext is the Argo controller's setting, not the workflow's. */
const lint = (files: Record<string, string>) =>
  lintTexts(new Map(Object.entries(files).map(([name, text]) => [`/x/${name}`, text])), {
    cwd: '/x',
    repoRoot,
    policy: true,
  }).map(formatProblem);

const snippet = readFileSync(
  join(repoRoot, 'deploy', 'argo-controller', 'workflow-controller-configmap.yaml'),
  'utf8',
);
const daily = readFileSync(join(repoRoot, 'workflows', 'bigquery_step_workflow.yaml'), 'utf8');
const namespace = readFileSync(join(repoRoot, 'deploy', 'namespace.yaml'), 'utf8');
const controllerRule = (problems: string[]) => problems.filter((p) => p.includes('controller-security'));

describe("the controller's executor settings", () => {
  it('the shipped snippet is restricted-compliant and, linted with a workflow, leaves nothing to say', () => {
    expect(controllerRule(lint({ 'cm.yaml': snippet, 'wf.yaml': daily }))).toEqual([]);
  });

  it('a workflow linted without the controller ConfigMap is not called compliant: a warning says whose setting it is', () => {
    const specLine = daily.split('\n').indexOf('spec:') + 1;
    expect(controllerRule(lint({ 'wf.yaml': daily }))).toEqual([
      expect.stringMatching(new RegExp(`^wf.yaml:${specLine}: warning`)),
    ]);
    expect(controllerRule(lint({ 'wf.yaml': daily }))).toEqual([
      expect.stringMatching(
        /^wf.yaml:\d+: warning \[policy\/controller-security\] Pod Security "restricted" is checked for this workflow's own containers only: Argo's init and wait containers get their securityContext from the controller \(workflow-controller-configmap data.executor\)/,
      ),
    ]);
  });

  it('an executor without a restricted securityContext is an error at the ConfigMap', () => {
    const loose = snippet.replace(
      / {4}securityContext:[\s\S]*$/,
      '    securityContext:\n      runAsNonRoot: true\n',
    );
    const problems = controllerRule(lint({ 'cm.yaml': loose, 'wf.yaml': daily }));
    expect(problems).toContain(
      'cm.yaml:22: error [policy/controller-security] workflow-controller-configmap data.executor: executor (init and wait containers): allowPrivilegeEscalation must be false (restricted)',
    );
    const none = snippet.replace(/ {2}executor: \|[\s\S]*$/, '  other: x\n');
    expect(controllerRule(lint({ 'cm.yaml': none }))).toEqual([
      expect.stringMatching(
        /^cm.yaml:21: error \[policy\/controller-security\] workflow-controller-configmap has no executor/,
      ),
    ]);
  });

  it('the restricted namespace is a known kind and lints clean', () => {
    expect(lint({ 'ns.yaml': namespace })).toEqual([]);
    expect(namespace).toMatch(/pod-security.kubernetes.io\/enforce: restricted/);
  });
});
