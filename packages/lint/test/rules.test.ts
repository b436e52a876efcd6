import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lintPaths, lintTexts } from '@data-pipeline/lint';
import { describe, expect, it } from 'vitest';
import { fixtures, repoRoot } from './helpers.js';

const lint = (file: string) => lintPaths([file], { cwd: fixtures, repoRoot, policy: true }).problems;

describe('good fixtures', () => {
  it.each(readdirSync(join(fixtures, 'good')))('%s lints clean', (name) => {
    // With the controller's executor settings (deploy/), as on a cluster; without them a warning says whose they are.
    const controller = join(repoRoot, 'deploy', 'argo-controller', 'workflow-controller-configmap.yaml');
    const problems = lintPaths([join('good', name), controller], {
      cwd: fixtures,
      repoRoot,
      policy: true,
    }).problems;
    expect(problems).toEqual([]);
  });
});

describe('each rule fires on its bad fixture', () => {
  const bad = readdirSync(join(fixtures, 'bad')).sort();
  it.each(bad)('%s', (name) => {
    const header = readFileSync(join(fixtures, 'bad', name), 'utf8').split('\n')[0] as string;
    const m = /^# expect: (\d+): (.+)$/.exec(header);
    expect(m, `${name} needs a "# expect: LINE: text" first line`).not.toBeNull();
    const [, line, text] = m as RegExpExecArray;
    const problems = lint(join('bad', name));
    expect(problems.length).toBeGreaterThan(0);
    const hit = problems.find((p) => p.message.includes(text as string));
    expect(
      hit,
      `no problem containing "${text}" in:\n${problems.map((p) => `${p.line}: ${p.message}`).join('\n')}`,
    ).toBeDefined();
    expect(hit?.file).toBe(join('bad', name));
    expect(hit?.line).toBe(Number(line));
  });
});

describe('documents', () => {
  const one = (text: string) =>
    lintTexts(new Map([['/x/f.yaml', text]]), { cwd: '/x', repoRoot, policy: true });

  it('reports YAML syntax errors with their line', () => {
    const problems = one('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n');
    expect(problems[0]?.file).toBe('f.yaml');
    expect(problems[0]?.message).toMatch(/^YAML syntax/);
  });

  it('rejects kinds it has no schema for and documents without apiVersion/kind', () => {
    expect(one('apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n')[0]?.message).toMatch(
      /unsupported kind v1\/Pod/,
    );
    expect(one('just: data\n')[0]?.message).toBe('document has no apiVersion/kind');
  });

  it('reports unknown fields anywhere, with the line of the key', () => {
    const problems = one(
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  lables: {a: b}\ndata: {k: v}\n',
    );
    expect(problems).toEqual([
      {
        file: 'f.yaml',
        line: 5,
        rule: 'validity/unknown-field',
        message: 'unknown field "lables" (not in the ConfigMap schema)',
      },
    ]);
  });

  it('checks RBAC objects against their schema', () => {
    const problems = one(
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r}\nrules:\n  - apiGroups: [""]\n    verb: [get]\n',
    );
    expect(problems.map((p) => p.message)).toContain('unknown field "verb" (not in the Role schema)');
  });
});
