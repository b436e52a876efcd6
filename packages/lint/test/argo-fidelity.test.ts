import { formatProblem, lintTexts, parseYamlFile } from '@data-pipeline/lint';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers.js';

/**
 * The feature classes the Argo examples corpus exercised (issue 15 §1), each accepted the way Argo v4.1.2 accepts it,
 * and each with the neighbouring mistake that must still be reported.
 */
const lint = (files: Record<string, string>, policy = false) =>
  lintTexts(new Map(Object.entries(files).map(([name, text]) => [`/x/${name}`, text])), {
    cwd: '/x',
    repoRoot,
    policy,
  }).map(formatProblem);

const one = (text: string) => lint({ 'f.yaml': text });

const workflow = (templates: string, spec = '') =>
  `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: t-}
spec:
  entrypoint: main
${spec}  templates:
${templates}`;

describe('YAML as go-yaml reads it', () => {
  const flow = (closeIndent: string) =>
    `apiVersion: v1
kind: ConfigMap
metadata:
  name: c
  finalizers: [a,
  b]
data:
  script: "
    echo one &&
    echo two
${closeIndent}"
`;

  it('accepts flow scalars and collections continued at or left of their parent, with the same value and lines', () => {
    const goStyle = parseYamlFile('f.yaml', flow('  '));
    const indented = parseYamlFile('f.yaml', flow('    ').replace('\n  b]', '\n    b]'));
    expect(indented.problems).toEqual([]);
    expect(goStyle.problems).toEqual([]);
    expect(goStyle.documents[0]?.value).toEqual(indented.documents[0]?.value);
    expect(goStyle.documents[0]?.value).toMatchObject({
      metadata: { finalizers: ['a', 'b'] },
      data: { script: ' echo one && echo two ' },
    });
    expect(goStyle.documents[0]?.lineOf(['data', 'script'])).toBe(8);
    expect(one(flow('  '))).toEqual([]);
  });

  it('still reports an unterminated quote, with its line', () => {
    const problems = one('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  a: "open\nb: c\n');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(/^f\.yaml:\d+: error \[validity\/yaml\] YAML syntax: Missing closing "quote/);
  });

  it('reads a bare . as a string and numbers as numbers (YAML 1.1, go-yaml)', () => {
    const doc = parseYamlFile('f.yaml', 'a: .\nb: 1.5\nc: .5\nd: 0400\ne: 1.\nf: yes\n').documents[0];
    expect(doc?.value).toEqual({ a: '.', b: 1.5, c: 0.5, d: 256, e: 1, f: true });
  });

  it('reports duplicate keys (go-yaml refuses them)', () => {
    expect(one('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  name: d\n')).toEqual([
      'f.yaml:5: error [validity/yaml] YAML syntax: Map keys must be unique',
    ]);
  });
});

describe('schema: Argo v4.1.2 rather than the npm model', () => {
  it('does not require a name on a template container or script (the controller names it main)', () => {
    expect(
      one(
        workflow(`  - name: main
    container: {image: alpine:3.23}
  - name: s
    script: {image: alpine:3.23, source: echo}
`),
      ),
    ).toEqual([]);
  });

  it('still requires it of a containerSet container and an init container', () => {
    expect(
      one(
        workflow(`  - name: main
    containerSet:
      containers:
      - image: alpine:3.23
`),
      ),
    ).toEqual([
      expect.stringMatching(
        /^f\.yaml:10: error \[validity\/schema\] .*containers\.0: missing required field "name"$/,
      ),
    ]);
  });

  it('accepts volumeClaimTemplates without apiVersion/kind, still type-checks them', () => {
    const spec = (accessModes: string) =>
      `  volumeClaimTemplates:
  - metadata: {name: work}
    spec: {accessModes: ${accessModes}, resources: {requests: {storage: 1Gi}}}
`;
    const templates = '  - name: main\n    container: {image: alpine:3.23}\n';
    expect(one(workflow(templates, spec('[ReadWriteOnce]')))).toEqual([]);
    expect(one(workflow(templates, spec('ReadWriteOnce')))).toEqual([
      expect.stringMatching(/^f\.yaml:8: error \[validity\/schema\] .*accessModes: must be array$/),
    ]);
  });

  it('knows podResources, resourceClaims and executorPlugins (v4.1), and checks their contents', () => {
    const spec = (podResources: string, claim: string, sidecar: string) =>
      `  podResources: ${podResources}
  resourceClaims: [${claim}]
  executorPlugins:
  - metadata: {name: hello}
    spec: {sidecar: ${sidecar}}
`;
    const templates = `  - name: main
    podResources: {requests: {cpu: 100m}}
    container: {image: alpine:3.23}
`;
    const good = spec(
      '{limits: {cpu: "1"}}',
      '{name: gpu, resourceClaimName: gpu-claim}',
      '{container: {name: p, image: p:1}}',
    );
    expect(one(workflow(templates, good))).toEqual([]);
    const bad = spec('{limitz: {cpu: "1"}}', '{nmae: gpu}', '{automountServiceAccountToken: true}');
    expect(one(workflow(templates, bad))).toEqual([
      'f.yaml:6: error [validity/unknown-field] unknown field "limitz" (not in the Workflow schema)',
      expect.stringMatching(/^f\.yaml:7: error \[validity\/schema\] .*missing required field "name"$/),
      'f.yaml:7: error [validity/unknown-field] unknown field "nmae" (not in the Workflow schema)',
      'f.yaml:10: error [validity/schema] schema: spec.executorPlugins.0.spec.sidecar: missing required field "container"',
    ]);
  });

  it('leaves a plugin template free-form (x-kubernetes-preserve-unknown-fields), not other objects', () => {
    expect(one(workflow('  - name: main\n    plugin:\n      hello: {text: hi}\n'))).toEqual([]);
    expect(one(workflow('  - name: main\n    suspend: {duraton: 10s}\n'))).toEqual([
      'f.yaml:8: error [validity/unknown-field] unknown field "duraton" (not in the Workflow schema)',
    ]);
  });

  it('checks PersistentVolumeClaim, ResourceQuota and WorkflowEventBinding; other kinds stay unsupported', () => {
    expect(
      one(`apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: v}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: q}
spec: {hard: {count/workflows.argoproj.io: "3"}}
---
apiVersion: argoproj.io/v1alpha1
kind: WorkflowEventBinding
metadata: {name: b}
spec:
  event: {selector: payload.message != ""}
  submit:
    workflowTemplateRef: {name: t}
`),
    ).toEqual([]);
    expect(one('apiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q}\nspec: {hard: 3}\n')).toEqual([
      expect.stringMatching(/^f\.yaml:4: error \[validity\/schema\] .*spec\.hard: must be object$/),
    ]);
    expect(one('apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n')[0]).toMatch(
      /^f\.yaml:2: error \[validity\/unsupported-kind\] unsupported kind v1\/Pod/,
    );
  });
});

describe('references', () => {
  const library = (kind: string, name: string, entrypoint = '') =>
    `apiVersion: argoproj.io/v1alpha1
kind: ${kind}
metadata: {name: ${name}}
spec:
${entrypoint}  arguments: {parameters: [{name: message}]}
  templates:
  - name: print
    inputs: {parameters: [{name: text}]}
    container: {image: alpine:3.23, args: ["{{inputs.parameters.text}} {{workflow.parameters.message}} {{workflow.parameters.from-caller}}"]}
`;

  it('a WorkflowTemplate may be a library without entrypoint; a Workflow may not, and a named one must exist', () => {
    expect(one(library('WorkflowTemplate', 'lib'))).toEqual([]);
    expect(one(library('ClusterWorkflowTemplate', 'lib'))).toEqual([]);
    expect(one(library('WorkflowTemplate', 'lib', '  entrypoint: nope\n'))).toEqual([
      'f.yaml:5: error [validity/reference] entrypoint "nope" is not a template',
    ]);
    expect(
      one(
        workflow('  - name: main\n    container: {image: alpine:3.23}\n').replace('  entrypoint: main\n', ''),
      ),
    ).toEqual(['f.yaml:4: error [validity/reference] spec.entrypoint is required']);
  });

  it('reads workflow.parameters of a library template as the caller’s, and of a Workflow strictly', () => {
    const wf = workflow(
      `  - name: main
    container: {image: alpine:3.23, args: ["{{workflow.parameters.message}}"]}
`,
    );
    expect(one(wf)).toEqual([
      'f.yaml:8: error [validity/unknown-variable] {{workflow.parameters.message}}: workflow has no parameter "message"',
    ]);
  });

  it('resolves clusterScope refs among ClusterWorkflowTemplates, and accepts arguments the template does not declare', () => {
    const caller = (clusterScope: string, template: string) =>
      `apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: c-}
spec:
  workflowTemplateRef: {name: lib${clusterScope}}
  arguments: {parameters: [{name: message, value: hi}, {name: from-caller, value: x}]}
---
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: s-}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: call
        templateRef: {name: lib, template: ${template}${clusterScope}}
        arguments: {parameters: [{name: text, value: a}, {name: extra, value: b}]}
`;
    const cwt = library('ClusterWorkflowTemplate', 'lib');
    expect(lint({ 'lib.yaml': cwt, 'call.yaml': caller(', clusterScope: true', 'print') })).toEqual([]);
    expect(lint({ 'lib.yaml': cwt, 'call.yaml': caller(', clusterScope: true', 'prnit') })).toEqual([
      'call.yaml:17: error [validity/reference] template "prnit" does not exist in ClusterWorkflowTemplate lib',
    ]);
    // a namespaced ref does not find a ClusterWorkflowTemplate
    expect(lint({ 'lib.yaml': cwt, 'call.yaml': caller('', 'print') })).toEqual([
      'call.yaml:5: error [validity/reference] workflowTemplateRef "lib" is not a WorkflowTemplate in the linted files',
    ]);
    // an undeclared argument is house style, reported only with policy
    expect(
      lint({ 'lib.yaml': cwt, 'call.yaml': caller(', clusterScope: true', 'print') }, true).filter((l) =>
        l.includes('undeclared-argument'),
      ),
    ).toEqual([
      'call.yaml:18: error [policy/undeclared-argument] template "print" has no input parameter "extra"',
    ]);
  });
});

describe('variables Argo resolves', () => {
  it('accepts outputs.* self references, workflow.parameters.json, steps.name / tasks.name and exit-hook arguments', () => {
    expect(
      one(
        workflow(
          `  - name: main
    steps:
    - - name: gen
        template: gen
        hooks:
          exit:
            template: echo
            arguments: {parameters: [{name: m, value: "{{steps.gen.outputs.parameters.p}} {{steps.name}}"}]}
    - - name: use
        template: echo
        arguments: {parameters: [{name: m, value: "{{workflow.parameters.json}} {{=workflow.parameters.json}}"}]}
  - name: gen
    outputs:
      parameters: [{name: p, valueFrom: {path: /tmp/p}}]
      artifacts: [{name: a, path: /tmp/a}]
    container: {image: alpine:3.23, args: ["{{outputs.artifacts.a.path}} {{outputs.parameters.p.path}}"]}
  - name: d
    dag:
      tasks:
      - {name: t, template: echo, arguments: {parameters: [{name: m, value: "{{tasks.name}}"}]}}
  - name: echo
    inputs: {parameters: [{name: m}]}
    container: {image: alpine:3.23, args: ["{{inputs.parameters.m}}"]}
`,
          '  arguments: {parameters: [{name: x, value: "1"}]}\n',
        ),
      ),
    ).toEqual([]);
  });

  it('still reports a step reading its own outputs without an exit hook, and unknown steps', () => {
    expect(
      one(
        workflow(`  - name: main
    steps:
    - - name: gen
        template: echo
        arguments: {parameters: [{name: m, value: "{{steps.gen.outputs.result}} {{steps.nope.outputs.result}}"}]}
  - name: echo
    inputs: {parameters: [{name: m}]}
    container: {image: alpine:3.23}
`),
      ),
    ).toEqual([
      'f.yaml:11: error [validity/unknown-variable] {{steps.gen.outputs.result}}: unknown step "gen"',
      'f.yaml:11: error [validity/unknown-variable] {{steps.nope.outputs.result}}: unknown step "nope"',
    ]);
  });
});

describe('depends as Argo reads it (workflow/common/ancestry.go)', () => {
  const dag = (tasks: string) =>
    workflow(`    - name: main
      dag:
        tasks:
${tasks}
    - name: ok
      container: {image: busybox:1.36}
`);
  it('accepts every task result Argo knows and refuses .Completed as an invalid result, not an unknown task', () => {
    expect(
      one(
        dag(`          - {name: a, template: ok}
          - {name: b, template: ok, depends: "(a.Succeeded || a.Failed || a.Errored) && !a.Skipped && !a.Omitted"}`),
      ),
    ).toEqual([]);
    expect(
      one(
        dag(`          - {name: a, template: ok}
          - {name: b, template: ok, depends: "a.Completed"}`),
      ),
    ).toEqual([
      "f.yaml:11: error [validity/reference] task \"b\": task result 'Completed' for task 'a' is invalid",
    ]);
  });
  it('reports a duplicate task name as the duplicate, not as a dependency cycle', () => {
    expect(
      one(
        dag(`          - {name: a, template: ok}
          - {name: a, template: ok, dependencies: [a]}`),
      ),
    ).toEqual(['f.yaml:11: error [validity/reference] duplicate task "a"']);
  });
});
