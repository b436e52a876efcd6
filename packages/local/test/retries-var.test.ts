import { describe, expect, it } from 'vitest';
import {
  type ContainerResult,
  type ContainerRun,
  type Executor,
  parseWorkflow,
  runWorkflow,
} from '../src/index.js';

class FailTwice implements Executor {
  readonly args: string[][] = [];
  async run(spec: ContainerRun): Promise<ContainerResult> {
    this.args.push([...(spec.container.args ?? [])]);
    return { exitCode: this.args.length <= 2 ? 1 : 0, outputs: {} };
  }
}

describe('{{retries}} in a container template with a retryStrategy (Argo: the 0-based retry attempt index)', () => {
  it('is 0, 1, 2 on the three attempts', async () => {
    const exec = new FailTwice();
    const r = await runWorkflow(
      parseWorkflow(
        `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { generateName: r- }
spec:
  entrypoint: main
  templates:
    - name: main
      retryStrategy: { limit: "2" }
      container: { image: img:1, args: ["--try-number={{retries}}", "{{ retries }}", "{{ ds }}"] }
`,
        'retries.yaml',
      ),
      { executor: exec, clock: () => Date.UTC(2026, 11, 7), timeScale: 0.001 },
    );
    expect(r.phase).toBe('Succeeded');
    expect(exec.args).toEqual([
      ['--try-number=0', '0', '{{ ds }}'],
      ['--try-number=1', '1', '{{ ds }}'],
      ['--try-number=2', '2', '{{ ds }}'],
    ]);
  });
});
