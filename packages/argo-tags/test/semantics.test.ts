import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkVariables,
  DependsError,
  dagProblems,
  dependsNames,
  evaluateDepends,
  findRepoRoot,
  invalidTaskResults,
  type NodePhase,
  readYamlStream,
  toYamlValue,
} from '../src/index.js';

describe('depends (workflow/common/ancestry.go)', () => {
  it('reads operands as Argo does: name, or name.Result with a capitalised result', () => {
    expect(dependsNames('(a.Succeeded || b-c) && !d.AllFailed')).toEqual(['a', 'b-c', 'd']);
    expect(invalidTaskResults('a.Succeeded && b.Completed')).toEqual([
      "task result 'Completed' for task 'b' is invalid",
    ]);
    expect(invalidTaskResults('a.Errored || a.Omitted || a.Daemoned || a.AnySucceeded')).toEqual([]);
  });

  it('evaluates against task phases; undefined while a task has not finished', () => {
    const phases = (m: Record<string, NodePhase>) => (t: string) => m[t] ?? 'Pending';
    expect(evaluateDepends('a && b.Failed', phases({ a: 'Skipped', b: 'Failed' }))).toBe(true);
    expect(evaluateDepends('a', phases({ a: 'Failed' }))).toBe(false);
    expect(evaluateDepends('a.Errored || !b', phases({ a: 'Error', b: 'Succeeded' }))).toBe(true);
    expect(evaluateDepends('a || b', phases({ a: 'Succeeded' }))).toBeUndefined();
    expect(() => evaluateDepends('a &&', phases({ a: 'Succeeded' }))).toThrow(DependsError);
    expect(() => evaluateDepends('a + b', phases({}))).toThrow(/unexpected "\+"/);
  });
});

describe('a DAG’s tasks (validate.go validateDAG)', () => {
  it('reports a duplicate name as the duplicate and no cycle', () => {
    expect(dagProblems([{ name: 'a' }, { name: 'a', dependencies: ['a'] }]).map((p) => p.kind)).toEqual([
      'duplicate',
    ]);
  });
  it('reports unknown dependencies, invalid results and a cycle with the task it starts at', () => {
    expect(
      dagProblems([
        { name: 'a', dependencies: ['b', 'zz'] },
        { name: 'b', depends: 'a.Completed || c' },
        { name: 'c', depends: 'b' },
      ]),
    ).toEqual([
      { kind: 'unknown-dependency', index: 0, task: 'a', field: 'dependencies', at: 1, dependency: 'zz' },
      {
        kind: 'invalid-result',
        index: 1,
        task: 'b',
        message: "task result 'Completed' for task 'a' is invalid",
      },
      { kind: 'cycle', index: 0, cycle: ['a', 'b', 'a'] },
    ]);
    expect(dagProblems([{ name: 'a' }, { name: 'b', depends: 'a.Failed' }])).toEqual([]);
  });
});

describe('YAML as go-yaml reads it', () => {
  it('reads YAML 1.1 (0400 is 256), a bare . as a string, with line numbers', () => {
    const { documents, lineAt } = readYamlStream('a: 0400\nb: .\n---\nc: [x,\nz]\n');
    expect(documents.map(toYamlValue)).toEqual([{ a: 256, b: '.' }, { c: ['x', 'z'] }]);
    expect(lineAt(documents[1]?.contents?.range?.[0] ?? 0)).toBe(4);
  });
  it('refuses an alias bomb', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 6; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    const [doc] = readYamlStream(lines.join('\n')).documents;
    expect(() => toYamlValue(doc!)).toThrow(/Excessive alias count/);
  });
});

describe('variables in scope', () => {
  it('reports an undeclared workflow parameter and accepts a declared one', () => {
    const scope = { workflowParams: new Set(['run-date']), library: false, item: false, strict: false };
    expect(checkVariables({ args: ['{{workflow.parameters.run-date}}'] }, [], scope)).toEqual([]);
    expect(checkVariables({ args: ['{{workflow.parameters.missing}}'] }, ['c'], scope)).toEqual([
      {
        path: ['c', 'args', 0],
        rule: 'validity/unknown-variable',
        message: '{{workflow.parameters.missing}}: workflow has no parameter "missing"',
      },
    ]);
  });
});

describe('the repository root', () => {
  it('is the nearest directory above that holds images/images.json', () => {
    const root = mkdtempSync(join(tmpdir(), 'argo-root-'));
    try {
      mkdirSync(join(root, 'images'));
      mkdirSync(join(root, 'a', 'b'), { recursive: true });
      writeFileSync(join(root, 'images', 'images.json'), '{}');
      expect(findRepoRoot(join(root, 'a', 'b'))).toBe(root);
      expect(findRepoRoot(tmpdir())).toBeUndefined();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
