import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseWorkflow, readConfigMapFile, SpecError, withConfigMapFiles } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dp-configmap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

const WORKFLOW = `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { generateName: w- }
spec:
  entrypoint: main
  templates:
    - name: main
      container: { image: img:1 }
`;

describe('dp run --configmap FILE', () => {
  it('reads every ConfigMap of the file, ignores other documents, and wins over the workflow file', () => {
    const f = file(
      'maps.yaml',
      `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: dags }\ndata:\n  a.py: "print(1)"\n---\n${WORKFLOW}---\napiVersion: v1\nkind: ConfigMap\nmetadata: { name: other }\ndata: { k: 1 }\n`,
    );
    expect([...readConfigMapFile(f)]).toEqual([
      ['dags', { 'a.py': 'print(1)' }],
      ['other', { k: '1' }],
    ]);
    const own = new Map([
      ['dags', { 'a.py': 'old' }],
      ['mine', { k: 'v' }],
    ]);
    expect(Object.fromEntries(withConfigMapFiles(own, [f]))).toEqual({
      dags: { 'a.py': 'print(1)' },
      mine: { k: 'v' },
      other: { k: '1' },
    });
  });

  it('bad files are one SpecError line naming the file', () => {
    const cases: [string, RegExp][] = [
      [join(dir, 'missing.yaml'), /^--configmap .*missing\.yaml: cannot read \(ENOENT\)$/],
      [file('none.yaml', WORKFLOW), /^--configmap .*none\.yaml: no ConfigMap in the file$/],
      [file('bad.yaml', 'kind: ConfigMap\ndata: [\n'), /^--configmap .*bad\.yaml: invalid YAML: /],
      [
        file('noname.yaml', 'kind: ConfigMap\ndata: {}\n'),
        /^--configmap .*noname\.yaml: a ConfigMap without metadata\.name$/,
      ],
    ];
    for (const [f, re] of cases) {
      expect(() => readConfigMapFile(f)).toThrow(SpecError);
      expect(() => readConfigMapFile(f)).toThrow(re);
    }
  });

  it('a CronWorkflow or CronJob beside the Workflow (dp convert --schedule) is left to the cluster', () => {
    const wf = parseWorkflow(
      `${WORKFLOW}---\napiVersion: argoproj.io/v1alpha1\nkind: CronWorkflow\nmetadata: { name: c }\nspec: { schedules: ["0 0 * * *"] }\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata: { name: j }\n`,
      'with-cron.yaml',
    );
    expect(wf.spec.entrypoint).toBe('main');
    expect(() => parseWorkflow(`${WORKFLOW}---\nkind: Deployment\n`, 'x.yaml')).toThrow(SpecError);
  });
});
