import { describe, expect, it } from 'vitest';
import {
  type ContainerResult,
  type ContainerRun,
  type Executor,
  parseWorkflow,
  runWorkflow,
} from '../src/index.js';

/** Runs every container at once; `fail` names the templates that exit 1. Records each run's args. */
class Recorder implements Executor {
  readonly args = new Map<string, string[]>();
  constructor(private readonly fail: readonly string[] = []) {}
  async run(spec: ContainerRun): Promise<ContainerResult> {
    this.args.set(spec.template, [...(spec.container.args ?? [])]);
    return {
      exitCode: this.fail.includes(spec.template) ? 1 : 0,
      outputs: { out: `from-${spec.template}`, nodefault: 'n' },
    };
  }
}

const yaml = (producerGate: string) => `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { generateName: t- }
spec:
  entrypoint: main
  templates:
    - name: main
      dag:
        failFast: false
        tasks:
          - { name: first, template: first }
          - name: producer
            template: producer
            ${producerGate}
          - name: consumer
            template: consumer
            depends: producer || producer.Failed || producer.Omitted
            arguments:
              parameters:
                - { name: got, value: "{{tasks.producer.outputs.parameters.out}}" }
                - { name: none, value: "[{{tasks.producer.outputs.parameters.nodefault}}]" }
    - name: first
      container: { image: img:1 }
    - name: producer
      outputs:
        parameters:
          - { name: out, valueFrom: { path: /o/out, default: declared-default } }
          - { name: nodefault, valueFrom: { path: /o/nodefault } }
      container: { image: img:1 }
    - name: consumer
      inputs: { parameters: [{ name: got }, { name: none }] }
      container: { image: img:1, args: ["{{inputs.parameters.got}}", "{{inputs.parameters.none}}"] }
`;

const run = (text: string, exec: Executor) =>
  runWorkflow(parseWorkflow(text, 'skipped.yaml'), {
    executor: exec,
    clock: () => Date.UTC(2026, 11, 7),
    timeScale: 0.001,
  });

describe('outputs of tasks that never ran resolve as in Argo v4.1.2 (declared valueFrom.default)', () => {
  it('a Skipped producer (when false) gives its declared default', async () => {
    const exec = new Recorder();
    const r = await run(
      yaml('when: "1 == 2"').replace('"[{{tasks.producer.outputs.parameters.nodefault}}]"', '"x"'),
      exec,
    );
    expect(r.phase).toBe('Succeeded');
    expect(r.tasks.find((t) => t.name === 'producer')?.phase).toBe('Skipped');
    expect(exec.args.get('consumer')).toEqual(['declared-default', 'x']);
  });

  it('an Omitted producer (depends false) gives its declared default', async () => {
    const exec = new Recorder(['first']);
    const text = yaml('depends: first').replace('"[{{tasks.producer.outputs.parameters.nodefault}}]"', '"x"');
    const r = await run(text, exec);
    expect(r.tasks.find((t) => t.name === 'producer')?.phase).toBe('Omitted');
    expect(exec.args.get('consumer')).toEqual(['declared-default', 'x']);
  });

  it('an output without a default stays unresolved: the consumer fails instead of getting a made-up value', async () => {
    const exec = new Recorder();
    const r = await run(yaml('when: "1 == 2"'), exec);
    expect(exec.args.has('consumer')).toBe(false);
    expect(r.tasks.find((t) => t.name === 'consumer')?.message).toMatch(/nodefault/);
  });

  it('a producer that ran keeps its real output', async () => {
    const exec = new Recorder();
    const r = await run(
      yaml('when: "1 == 1"').replace('"[{{tasks.producer.outputs.parameters.nodefault}}]"', '"x"'),
      exec,
    );
    expect(r.phase).toBe('Succeeded');
    expect(exec.args.get('consumer')).toEqual(['from-producer', 'x']);
  });
});
