import { describe, expect, it } from 'vitest';
import {
  type ContainerResult,
  type ContainerRun,
  type Executor,
  parseWorkflow,
  type RunResult,
  runWorkflow,
  SpecError,
  WorkflowError,
} from '../src/index.js';

const NOW = Date.UTC(2026, 10, 24, 23, 30, 0);

/** Records every container run; `behave` decides the exit code and outputs from the resolved args. */
class FakeExecutor implements Executor {
  readonly runs: ContainerRun[] = [];
  active = 0;
  maxActive = 0;
  constructor(
    private readonly behave: (
      run: ContainerRun,
    ) => Partial<ContainerResult> | Promise<Partial<ContainerResult>> = () => ({}),
    private readonly delayMs = 0,
  ) {}
  async run(spec: ContainerRun): Promise<ContainerResult> {
    this.runs.push(spec);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      if (this.delayMs > 0)
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.delayMs);
          spec.signal.addEventListener('abort', () => {
            clearTimeout(t);
            resolve();
          });
        });
      if (spec.signal.aborted) return { exitCode: 143, outputs: {} };
      const r = await this.behave(spec);
      return { exitCode: 0, outputs: {}, ...r };
    } finally {
      this.active--;
    }
  }
  args(template?: string): string[][] {
    return this.runs
      .filter((r) => !template || r.template === template)
      .map((r) => [...(r.container.args ?? [])]);
  }
}

const wf = (body: string) => parseWorkflow(body, 'test.yaml');

async function run(
  yaml: string,
  exec: Executor,
  opts: { parameters?: Record<string, string>; entrypoint?: string; timeScale?: number } = {},
): Promise<RunResult> {
  return runWorkflow(wf(yaml), {
    executor: exec,
    clock: () => NOW,
    timeScale: opts.timeScale ?? 0.001,
    ...opts,
  });
}

const ECHO = `
    - name: echo
      inputs:
        parameters:
          - name: msg
      container:
        image: img:1
        args: ["{{inputs.parameters.msg}}"]`;

describe('parameters and substitution', () => {
  const yaml = `
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: params }
spec:
  entrypoint: main
  arguments:
    parameters:
      - name: project
      - name: mode
        value: fast
        enum: [fast, slow]
      - name: run-date
        value: ""
  templates:
    - name: main
      dag:
        tasks:
          - name: a
            template: echo
            arguments:
              parameters:
                - name: msg
                  value: "{{workflow.parameters.project}}/{{workflow.parameters.mode}} {{ yesterday_ds_nodash }} {{=workflow.parameters['run-date'] != '' ? workflow.parameters['run-date'] : sprig.dateInZone('20060102', asInt(workflow.creationTimestamp.s), 'UTC')}}"
${ECHO}`;

  it('resolves Argo variables, keeps Jinja tags verbatim and evaluates expressions with the injected clock', async () => {
    const exec = new FakeExecutor();
    const r = await run(yaml, exec, { parameters: { project: 'p1' } });
    expect(r.phase).toBe('Succeeded');
    expect(exec.args()).toEqual([['p1/fast {{ yesterday_ds_nodash }} 20261124']]);
    const exec2 = new FakeExecutor();
    await run(yaml, exec2, { parameters: { project: 'p1', 'run-date': '20260101', mode: 'slow' } });
    expect(exec2.args()).toEqual([['p1/slow {{ yesterday_ds_nodash }} 20260101']]);
  });

  it('rejects a missing required parameter, an enum violation and an unknown -p', async () => {
    await expect(run(yaml, new FakeExecutor())).rejects.toThrow(
      /parameters.project has no value: pass -p project=VALUE/,
    );
    await expect(
      run(yaml, new FakeExecutor(), { parameters: { project: 'p', mode: 'warp' } }),
    ).rejects.toThrow(/mode="warp" is not one of fast, slow/);
    await expect(run(yaml, new FakeExecutor(), { parameters: { project: 'p', nope: '1' } })).rejects.toThrow(
      /unknown parameter nope/,
    );
  });

  it('an undeclared workflow parameter is refused before anything runs, naming the tag and where it stands', async () => {
    const bad = yaml.replace('{{workflow.parameters.project}}', '{{workflow.parameters.missing}}');
    const exec = new FakeExecutor();
    await expect(run(bad, exec, { parameters: { project: 'p' } })).rejects.toThrow(
      /test.yaml: spec.templates\[0\].dag.tasks\[0\].arguments.parameters\[0\].value: \{\{workflow.parameters.missing\}\}: workflow has no parameter "missing"/,
    );
    expect(exec.runs).toHaveLength(0);
  });

  it('exposes workflow.creationTimestamp fields', async () => {
    const exec = new FakeExecutor();
    await run(
      `
kind: Workflow
spec:
  entrypoint: echo
  templates:
    - name: echo
      container:
        image: img:1
        args: ["{{workflow.creationTimestamp.Y}}-{{workflow.creationTimestamp.m}}-{{workflow.creationTimestamp.d}}", "{{workflow.creationTimestamp.s}}", "{{workflow.creationTimestamp}}"]`,
      exec,
    );
    expect(exec.args()[0]).toEqual(['2026-11-24', String(NOW / 1000), '2026-11-24T23:30:00Z']);
  });
});

describe('loops, when, dependencies', () => {
  it('withItems, withSequence (count/format and start/end) and withParam from an output', async () => {
    const exec = new FakeExecutor((r) =>
      r.template === 'produce' ? { outputs: { list: '["x","y"]' } } : {},
    );
    const r = await run(
      `
kind: Workflow
spec:
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - name: items
            template: echo
            withItems: [a, 1, {k: v}]
            arguments: { parameters: [{ name: msg, value: "{{item}}" }] }
          - name: seq
            template: echo
            withSequence: { count: "3", start: "8", format: "d%02d" }
            arguments: { parameters: [{ name: msg, value: "{{item}}" }] }
          - name: down
            template: echo
            withSequence: { start: "2", end: "0" }
            arguments: { parameters: [{ name: msg, value: "{{item}}" }] }
          - name: produce
            template: produce
          - name: fan
            template: echo
            depends: produce
            withParam: "{{tasks.produce.outputs.parameters.list}}"
            arguments: { parameters: [{ name: msg, value: "p-{{item}}" }] }
    - name: produce
      outputs:
        parameters:
          - name: list
            valueFrom: { path: /tmp/list }
      container: { image: img:1 }
${ECHO}`,
      exec,
    );
    expect(r.phase).toBe('Succeeded');
    const msgs = exec.args('echo').map((a) => a[0]);
    expect(msgs).toEqual(
      expect.arrayContaining(['a', '1', '{"k":"v"}', 'd08', 'd09', 'd10', '2', '1', '0', 'p-x', 'p-y']),
    );
    expect(msgs).toHaveLength(11);
    expect(r.tasks.map((t) => t.name)).toContain('seq(1:d09)');
  });

  it('when skips a task, dependents of a skipped task still run, a failure omits its dependents', async () => {
    const exec = new FakeExecutor((r) => ({ exitCode: r.container.args?.[0] === 'boom' ? 65 : 0 }));
    const r = await run(
      `
kind: Workflow
spec:
  entrypoint: main
  arguments: { parameters: [{ name: target, value: all }] }
  templates:
    - name: main
      dag:
        tasks:
          - name: skipped
            template: echo
            when: "{{workflow.parameters.target}} == none"
            arguments: { parameters: [{ name: msg, value: skipped }] }
          - name: after-skip
            template: echo
            dependencies: [skipped]
            arguments: { parameters: [{ name: msg, value: after-skip }] }
          - name: bad
            template: echo
            arguments: { parameters: [{ name: msg, value: boom }] }
          - name: after-bad
            template: echo
            dependencies: [bad]
            arguments: { parameters: [{ name: msg, value: after-bad }] }
          - name: on-failure
            template: echo
            depends: "bad.Failed"
            arguments: { parameters: [{ name: msg, value: handler }] }
${ECHO}`,
      exec,
    );
    expect(r.phase).toBe('Failed');
    const byName = Object.fromEntries(r.tasks.map((t) => [t.name, t.phase]));
    expect(byName).toMatchObject({
      skipped: 'Skipped',
      'after-skip': 'Succeeded',
      bad: 'Failed',
      'after-bad': 'Omitted',
      // as in Argo: the reconcile that sees bad fail still starts the tasks that became ready with it
      'on-failure': 'Succeeded',
    });
    expect(r.failedTask?.name).toBe('bad');
    expect(r.failedTask?.exitCode).toBe(65);
  });

  it('failFast: a task that becomes ready after the failure is omitted; failFast: false runs it', async () => {
    const yaml = (failFast: string) => `
kind: Workflow
spec:
  entrypoint: main
  templates:
    - name: main
      dag:
        ${failFast}
        tasks:
          - { name: bad, template: echo, arguments: { parameters: [{ name: msg, value: boom }] } }
          - { name: slow, template: echo, arguments: { parameters: [{ name: msg, value: slow }] } }
          - { name: after-slow, template: echo, depends: slow, arguments: { parameters: [{ name: msg, value: x }] } }
${ECHO}`;
    const exec = () =>
      new FakeExecutor(async (r) => {
        if (r.container.args?.[0] === 'slow') await new Promise((res) => setTimeout(res, 50));
        return { exitCode: r.container.args?.[0] === 'boom' ? 65 : 0 };
      });
    const fast = await run(yaml(''), exec());
    expect(Object.fromEntries(fast.tasks.map((t) => [t.name, t.phase]))).toEqual({
      bad: 'Failed',
      slow: 'Succeeded',
      'after-slow': 'Omitted',
    });
    const all = await run(yaml('failFast: false'), exec());
    expect(all.phase).toBe('Failed');
    expect(all.tasks.find((t) => t.name === 'after-slow')?.phase).toBe('Succeeded');
  });

  it('dag.target runs the named task and its dependencies only; --entrypoint picks another template', async () => {
    const yaml = `
kind: Workflow
spec:
  entrypoint: main
  arguments: { parameters: [{ name: target, value: "" }] }
  templates:
    - name: main
      dag:
        target: "{{workflow.parameters.target}}"
        tasks:
          - { name: a, template: echo, arguments: { parameters: [{ name: msg, value: a }] } }
          - { name: b, template: echo, dependencies: [a], arguments: { parameters: [{ name: msg, value: b }] } }
          - { name: c, template: echo, dependencies: [b], arguments: { parameters: [{ name: msg, value: c }] } }
          - { name: d, template: echo, arguments: { parameters: [{ name: msg, value: d }] } }
${ECHO}
    - name: other
      container: { image: img:1, args: [other] }`;
    const all = new FakeExecutor();
    await run(yaml, all);
    expect(all.args().flat().sort()).toEqual(['a', 'b', 'c', 'd']);
    const some = new FakeExecutor();
    await run(yaml, some, { parameters: { target: 'b' } });
    expect(some.args().flat()).toEqual(['a', 'b']);
    await expect(run(yaml, new FakeExecutor(), { parameters: { target: 'zz' } })).rejects.toThrow(
      /dag.target: target task zz does not exist/,
    );
    const other = new FakeExecutor();
    await run(yaml, other, { entrypoint: 'other' });
    expect(other.args()).toEqual([['other']]);
  });

  it('steps run group after group, pass outputs on, and recurse with when (the backfill-lane pattern)', async () => {
    const exec = new FakeExecutor((r) => ({ outputs: { echoed: r.container.args?.[0] ?? '' } }));
    const r = await run(
      `
kind: Workflow
spec:
  entrypoint: lane
  arguments: { parameters: [{ name: "n", value: "3" }] }
  templates:
    - name: lane
      inputs: { parameters: [{ name: i, value: "0" }] }
      steps:
        - - name: work
            template: echo
            arguments: { parameters: [{ name: msg, value: "i={{inputs.parameters.i}}" }] }
        - - name: next
            template: lane
            when: "{{=asInt(inputs.parameters.i) + 1 < asInt(workflow.parameters.n)}}"
            arguments: { parameters: [{ name: i, value: "{{=asInt(inputs.parameters.i) + 1}}" }] }
          - name: show
            template: echo
            arguments: { parameters: [{ name: msg, value: "saw {{steps.work.outputs.parameters.echoed}}" }] }
    - name: echo
      inputs: { parameters: [{ name: msg }] }
      outputs: { parameters: [{ name: echoed, valueFrom: { path: /out/echoed } }] }
      container: { image: img:1, args: ["{{inputs.parameters.msg}}"] }`,
      exec,
    );
    expect(r.phase).toBe('Succeeded');
    const msgs = exec.args().map((a) => a[0]);
    expect(msgs.filter((m) => m?.startsWith('i='))).toEqual(['i=0', 'i=1', 'i=2']);
    expect(msgs).toContain('saw i=2');
    expect(r.tasks.filter((t) => t.phase === 'Skipped').map((t) => t.name)).toEqual(['next']);
  });
});

describe('retries, parallelism, deadlines, outputs', () => {
  const retryYaml = (expression: string, limit = '3', policy = 'OnFailure') => `
kind: Workflow
spec:
  entrypoint: flaky
  templates:
    - name: flaky
      retryStrategy:
        limit: "${limit}"
        retryPolicy: ${policy}
        expression: "${expression}"
        backoff: { duration: 10s, factor: "2", maxDuration: 5m }
      container: { image: img:1 }`;

  it('retries exit 75 as the expression says, with exponential backoff, then succeeds', async () => {
    const codes = [75, 75, 0];
    const exec = new FakeExecutor(() => ({ exitCode: codes.shift() ?? 0 }));
    const t0 = Date.now();
    const r = await run(retryYaml('asInt(lastRetry.exitCode) == 75'), exec, { timeScale: 0.002 });
    expect(r.phase).toBe('Succeeded');
    expect(r.tasks[0]!.attempts).toBe(3);
    // 10s + 20s of backoff at timeScale 0.002 = 60ms
    expect(Date.now() - t0).toBeGreaterThanOrEqual(55);
  });

  it('does not retry an exit code the expression rejects; gives up after the limit', async () => {
    const exec = new FakeExecutor(() => ({ exitCode: 65 }));
    const r = await run(retryYaml('asInt(lastRetry.exitCode) == 75'), exec);
    expect(r.tasks[0]).toMatchObject({ phase: 'Failed', attempts: 1, exitCode: 65 });
    const always = new FakeExecutor(() => ({ exitCode: 75 }));
    const r2 = await run(retryYaml("lastRetry.exitCode == '75'", '2'), always);
    expect(r2.tasks[0]).toMatchObject({ phase: 'Failed', attempts: 3 });
  });

  it("the workflows' rule: retryPolicy Always retries Error-phase nodes and exit 75, and no other failure", async () => {
    const expression = "lastRetry.status == 'Error' || asInt(lastRetry.exitCode) == 75";
    // A container that could not start (no exit code: the node is Error, like an evicted pod), then 75, then 0.
    const codes: (number | undefined)[] = [undefined, 75, 0];
    const flaky = new FakeExecutor(() => ({ exitCode: codes.shift() }));
    const r = await run(retryYaml(expression, '3', 'Always'), flaky, { timeScale: 0.0001 });
    expect(r.tasks[0]).toMatchObject({ phase: 'Succeeded', attempts: 3 });
    const invalid = new FakeExecutor(() => ({ exitCode: 65 }));
    const r2 = await run(retryYaml(expression, '3', 'Always'), invalid, { timeScale: 0.0001 });
    expect(r2.tasks[0]).toMatchObject({ phase: 'Failed', attempts: 1, exitCode: 65 });
    // OnFailure (the old rule) gives up on the Error node at once.
    const onFailure = new FakeExecutor(() => ({ exitCode: undefined }));
    const r3 = await run(retryYaml(expression), onFailure, { timeScale: 0.0001 });
    expect(r3.tasks[0]).toMatchObject({ phase: 'Error', attempts: 1 });
  });

  it('backoff.cap bounds each delay; backoff.maxDuration stops retrying once the next delay would pass it', async () => {
    const yaml = (backoff: string) => `
kind: Workflow
spec:
  entrypoint: flaky
  templates:
    - name: flaky
      retryStrategy: { limit: "5", backoff: { ${backoff} } }
      container: { image: img:1 }`;
    const realClock = { clock: () => Date.now(), timeScale: 0.01 };
    // cap: delays 1s, 2s (not 100s) → 30 ms at timeScale 0.01 (uncapped: over 1 s)
    const codes = [75, 75, 0];
    const t0 = Date.now();
    const capped = await runWorkflow(wf(yaml('duration: 1s, factor: "100", cap: 2s')), {
      executor: new FakeExecutor(() => ({ exitCode: codes.shift() ?? 0 })),
      ...realClock,
    });
    expect(capped.tasks[0]).toMatchObject({ phase: 'Succeeded', attempts: 3 });
    expect(Date.now() - t0).toBeLessThan(800);
    // maxDuration 25s: after attempt 1 the 10s delay fits, after attempt 2 the 20s one would end at 30s > 25s
    const limited = await runWorkflow(wf(yaml('duration: 10s, factor: "2", maxDuration: 25s')), {
      executor: new FakeExecutor(() => ({ exitCode: 1 })),
      ...realClock,
    });
    expect(limited.tasks[0]).toMatchObject({ phase: 'Failed', attempts: 2, exitCode: 1 });
  });

  it('a bad retry expression is an error naming the field', async () => {
    const r = await run(
      retryYaml('asInt(lastRetry.exitCode) =='),
      new FakeExecutor(() => ({ exitCode: 75 })),
    );
    expect(r.failedTask?.message).toMatch(/retryStrategy.expression/);
  });

  /** A workflow whose entrypoint `main` has `body`, with `option` set on the spec, on `main`, or nowhere. */
  const optionAt = (where: 'spec' | 'template' | 'none', option: string, body: string) => `
kind: Workflow
spec:
  entrypoint: main
  ${where === 'spec' ? option : ''}
  templates:
    - name: main
      ${where === 'template' ? option : ''}
${body}`;

  it.each([
    { where: 'spec', option: 'parallelism: 2', maxActive: 2 },
    { where: 'template', option: 'parallelism: 3', maxActive: 3 },
    { where: 'none', option: '', maxActive: 8 },
  ] as const)(
    'limits concurrent containers by parallelism on the $where',
    async ({ where, option, maxActive }) => {
      const fan = optionAt(
        where,
        option,
        `      dag:
        tasks:
          - name: many
            template: echo
            withSequence: { count: "8" }
            arguments: { parameters: [{ name: msg, value: "{{item}}" }] }
${ECHO}`,
      );
      const exec = new FakeExecutor(() => ({}), 20);
      await run(fan, exec);
      expect(exec.runs).toHaveLength(8);
      expect(exec.maxActive).toBe(maxActive);
    },
  );

  it('activeDeadlineSeconds stops a container (template) and the whole workflow (spec)', async () => {
    const slow = (where: 'spec' | 'template') =>
      optionAt(where, 'activeDeadlineSeconds: 10', '      container: { image: img:1 }');
    const r1 = await run(slow('template'), new FakeExecutor(() => ({}), 5_000), { timeScale: 0.001 });
    expect(r1.phase).toBe('Failed');
    expect(r1.tasks[0]!.message).toMatch(/deadline/);
    const r2 = await run(slow('spec'), new FakeExecutor(() => ({}), 5_000), { timeScale: 0.001 });
    expect(r2.phase).toBe('Failed');
    expect(r2.message).toMatch(/activeDeadlineSeconds/);
  });

  it('DAG template outputs come from task outputs (valueFrom.parameter)', async () => {
    const exec = new FakeExecutor(() => ({ outputs: { id: 'job-1' } }));
    const r = await run(
      `
kind: Workflow
spec:
  entrypoint: main
  templates:
    - name: main
      outputs: { parameters: [{ name: job, valueFrom: { parameter: "{{tasks.w.outputs.parameters.id}}" } }] }
      dag:
        tasks:
          - { name: w, template: w }
    - name: w
      outputs: { parameters: [{ name: id, valueFrom: { path: /o/id } }] }
      container: { image: img:1 }`,
      exec,
    );
    expect(r.outputs).toEqual({ job: 'job-1' });
  });

  it('a missing output file without default is an error', async () => {
    const r = await run(
      `
kind: Workflow
spec:
  entrypoint: w
  templates:
    - name: w
      outputs: { parameters: [{ name: id, valueFrom: { path: /o/id } }] }
      container: { image: img:1 }`,
      new FakeExecutor(),
    );
    expect(r.tasks[0]).toMatchObject({ phase: 'Error' });
    expect(r.tasks[0]!.message).toMatch(/output parameter id: file \/o\/id was not written/);
  });
});

describe('unsupported and invalid workflows fail clearly', () => {
  it('names an unsupported field with its YAML path and line', () => {
    expect(() =>
      wf(`kind: Workflow
spec:
  entrypoint: main
  onExit: cleanup
  templates:
    - name: main
      container: { image: img:1 }`),
    ).toThrow(/test.yaml:4: unsupported field spec.onExit/);
    expect(() =>
      wf(`kind: Workflow
spec:
  entrypoint: main
  templates:
    - name: main
      script: { image: img:1, source: echo }`),
    ).toThrow(SpecError);
    expect(() =>
      wf(`kind: Workflow
spec:
  templates:
    - name: main
      container:
        image: img:1
        lifecycle: {}`),
    ).toThrow(/test.yaml:7: unsupported field spec.templates\[0\].container.lifecycle/);
  });

  it('rejects invalid YAML, other kinds, unknown templates, unknown dependencies and cycles', async () => {
    expect(() => wf('kind: Workflow\nspec: [')).toThrow(/test.yaml:\d+: invalid YAML/);
    expect(() => wf('kind: CronWorkflow\nspec: {}')).toThrow(/kind CronWorkflow is not supported/);
    const base = (tasks: string) => `
kind: Workflow
spec:
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
${tasks}
${ECHO}`;
    await expect(run(base('          - { name: a, template: nope }'), new FakeExecutor())).rejects.toThrow(
      /references unknown template nope/,
    );
    await expect(
      run(base('          - { name: a, template: echo, dependencies: [zz] }'), new FakeExecutor()),
    ).rejects.toThrow(/depends on unknown task zz/);
    const cyc = await run(
      base(
        `          - { name: a, template: echo, dependencies: [b], arguments: { parameters: [{ name: msg, value: a }] } }
          - { name: b, template: echo, dependencies: [a], arguments: { parameters: [{ name: msg, value: b }] } }`,
      ),
      new FakeExecutor(),
    ).catch((e: unknown) => e);
    expect(cyc).toBeInstanceOf(WorkflowError);
    expect(String(cyc)).toMatch(/dependency cycle/);
    // A duplicate task name is the duplicate, not "dependency cycle a -> a"; nothing runs.
    const exec = new FakeExecutor();
    await expect(
      run(
        base(`          - { name: a, template: echo, arguments: { parameters: [{ name: msg, value: a }] } }
          - { name: a, template: echo, dependencies: [a], arguments: { parameters: [{ name: msg, value: b }] } }`),
        exec,
      ),
    ).rejects.toThrow(/main: duplicate task a$/);
    // Argo's task results (ancestry.go ValidateTaskResults): `.Completed` is none of them.
    await expect(
      run(
        base(`          - { name: a, template: echo, arguments: { parameters: [{ name: msg, value: a }] } }
          - { name: b, template: echo, depends: a.Completed, arguments: { parameters: [{ name: msg, value: b }] } }`),
        exec,
      ),
    ).rejects.toThrow(/main.b: task result 'Completed' for task 'a' is invalid/);
    expect(exec.runs).toHaveLength(0);
  });

  it('refuses an alias bomb as invalid YAML (SpecError), as go-yaml refuses excessive aliasing', () => {
    const levels = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++)
      levels.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    const text = `kind: Workflow\nspec:\n  templates: []\nbomb:\n${levels.map((l) => `  ${l}`).join('\n')}\n`;
    expect(() => wf(text)).toThrow(SpecError);
    expect(() => wf(text)).toThrow(/test.yaml:1: invalid YAML: Excessive alias count/);
  });
});

describe('YAML is read as Argo and Kubernetes read it (YAML 1.1)', () => {
  it('takes an unquoted 0400 as octal (256), as the cluster would', () => {
    const w = wf(`apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: { name: yaml11 }
spec:
  entrypoint: main
  volumes:
    - name: key
      secret: { secretName: gcp-key, defaultMode: 0400 }
  templates:
    - name: main
      steps: []
`);
    expect(w.spec.volumes?.[0]?.secret?.defaultMode).toBe(256);
  });
});

describe("Argo's template depth limit (maxAllowedStackDepth 100)", () => {
  /** A steps template that calls itself `levels` times in all; each level runs one container first. */
  const recursion = (levels: number, retry: boolean) => `
kind: Workflow
spec:
  entrypoint: loop
  arguments: { parameters: [{ name: levels, value: "${levels}" }] }
  templates:
    - name: loop
      inputs: { parameters: [{ name: level, default: "1" }] }
      steps:
        - - name: work
            template: echo
            arguments: { parameters: [{ name: msg, value: "{{inputs.parameters.level}}" }] }
        - - name: next
            template: loop
            when: "{{=asInt(inputs.parameters.level) < asInt(workflow.parameters.levels)}}"
            arguments: { parameters: [{ name: level, value: "{{=asInt(inputs.parameters.level) + 1}}" }] }
    - name: echo
      inputs: { parameters: [{ name: msg }] }
${retry ? '      retryStrategy: { limit: "2" }\n' : ''}      container: { image: img:1, args: ["{{inputs.parameters.msg}}"] }
`;

  // The entrypoint is level 1 and every call one more, so level N of `loop` runs its container at depth N + 1;
  // the controller refuses a node at depth 100, and a retried container needs one more level to finish.
  it.each([
    { retry: false, deepest: 98 },
    { retry: true, deepest: 97 },
  ])('runs $deepest levels and fails at one more (retryStrategy: $retry)', async ({ retry, deepest }) => {
    const ok = new FakeExecutor();
    const r1 = await run(recursion(deepest, retry), ok);
    expect(r1.phase).toBe('Succeeded');
    expect(ok.runs).toHaveLength(deepest);

    const over = new FakeExecutor();
    const r2 = await run(recursion(deepest + 1, retry), over);
    expect(r2.phase).toBe('Error');
    expect(r2.message).toBe(
      'Maximum recursion depth exceeded. See https://argo-workflows.readthedocs.io/en/release-4.1/scaling/#maximum-recursion-depth',
    );
    expect(r2.failedTask?.phase).toBe('Error');
    expect(r2.failedTask?.message).toMatch(/^Maximum recursion depth exceeded/);
    // Argo runs a retried container and then fails updating its retry node; a plain one is refused before it starts.
    expect(over.runs).toHaveLength(retry ? deepest + 1 : deepest);
  });

  it('a flat loop of 400 items bounded by a template parallelism stays shallow', async () => {
    const exec = new FakeExecutor(() => ({}), 1);
    const r = await run(
      `
kind: Workflow
spec:
  entrypoint: main
  templates:
    - name: main
      parallelism: 2
      steps:
        - - name: day
            template: echo
            withSequence: { count: "400" }
            arguments: { parameters: [{ name: msg, value: "{{item}}" }] }
${ECHO}`,
      exec,
    );
    expect(r.phase).toBe('Succeeded');
    expect(exec.runs).toHaveLength(400);
    expect(exec.maxActive).toBe(2);
  });
});
