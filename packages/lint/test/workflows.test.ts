import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateExpression as runExpression } from '@data-pipeline/local';
import { EXIT_CLASSES } from '@data-pipeline/runner';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  evaluateExpression,
  list,
  loadYaml,
  loadYamlDocs,
  type Obj,
  obj,
  paramDefaults,
  repoRoot,
  resolveArgo,
  templatesOf,
} from './helpers.js';

const DAILY = 'workflows/bigquery_step_workflow.yaml';
const INIT = 'workflows/bigquery_step_init_workflow.yaml';

/** Argo's env for expressions: nested workflow.parameters / inputs.parameters plus the creation time stamp. */
function argoEnv(
  workflowParams: Record<string, string>,
  inputs: Record<string, string> = {},
  item?: string,
): Obj {
  return {
    workflow: {
      parameters: workflowParams,
      creationTimestamp: { s: String(Date.UTC(2026, 10, 23, 23, 30) / 1000) },
    },
    inputs: { parameters: inputs },
    ...(item === undefined ? {} : { item }),
  };
}

function flatValues(workflowParams: Record<string, string>, inputs: Record<string, string>, item?: string) {
  const values: Record<string, string> = {};
  for (const [k, v] of Object.entries(workflowParams)) values[`workflow.parameters.${k}`] = v;
  for (const [k, v] of Object.entries(inputs)) values[`inputs.parameters.${k}`] = v;
  if (item !== undefined) values.item = item;
  return values;
}

function argParams(node: Obj, wp: Record<string, string>, inputs: Record<string, string>, item?: string) {
  const out: Record<string, string> = {};
  for (const p of list(obj(node.arguments).parameters)) {
    out[String(p.name)] = resolveArgo(
      String(p.value),
      flatValues(wp, inputs, item),
      argoEnv(wp, inputs, item),
    );
  }
  return out;
}

/** The execution date the `main` DAG computes once and hands to `pipeline`. */
function executionDateOf(workflow: Obj, wp: Record<string, string>): string {
  const main = templatesOf(workflow).get('main') as Obj;
  const task = list(obj(main.dag).tasks)[0] as Obj;
  expect(task.template).toBe('pipeline');
  // dp run's expr-lang evaluator (the same one dp lint compiles expressions with): the execution date uses regex
  // matching, split and time parsing, which the tiny test evaluator does not have.
  const value = String(list(obj(task.arguments).parameters)[0]?.value);
  const scope: Record<string, string> = {
    'workflow.creationTimestamp.s': String(Date.UTC(2026, 10, 23, 23, 30) / 1000),
  };
  for (const [k, v] of Object.entries({ ...paramDefaults(workflow), ...wp }))
    if (v !== undefined) scope[`workflow.parameters.${k}`] = v;
  return String(runExpression(value.replace(/^\{\{=/, '').replace(/\}\}$/, ''), scope, () => 0, 'test'));
}

describe('daily workflow', () => {
  const workflow = loadYaml(DAILY);
  const templates = templatesOf(workflow);

  it("has exactly the original's step-group barriers as DAG edges (reference §8.6)", () => {
    const dag = obj((templates.get('pipeline') as Obj).dag);
    const edges = list(dag.tasks).flatMap((t) =>
      ((t.dependencies as string[] | undefined) ?? []).map((d) => `${d} -> ${t.name}`),
    );
    // [check-github-data ∥ check-hn-data] → [write-github-daily ∥ write-hn-agg] → [write-github-agg]
    //   → [write-hn-github-agg] → [check-hn-github-agg]: every task of a group after every task of the group before
    expect(edges.sort()).toEqual(
      [
        'check-github-data -> write-github-daily',
        'check-hn-data -> write-github-daily',
        'check-github-data -> write-hn-agg',
        'check-hn-data -> write-hn-agg',
        'write-github-daily -> write-github-agg',
        'write-hn-agg -> write-github-agg',
        'write-github-agg -> write-hn-github-agg',
        'write-hn-github-agg -> check-hn-github-agg',
      ].sort(),
    );
    expect(list(dag.tasks).map((t) => t.name)).toHaveLength(7);
  });

  it('requires gcp-project (no value) and defaults the rest', () => {
    expect(paramDefaults(workflow)).toEqual({
      'gcp-project': undefined,
      'run-date': '',
      'scheduled-job': '',
      dataset: 'github_trends',
      target: '',
      'gcp-secret': 'bigquery-sa-secret',
    });
    expect(obj((templates.get('pipeline') as Obj).dag).target).toBe('{{workflow.parameters.target}}');
  });

  it('runs one task plus everything upstream of it with -p target=...', () => {
    const dag = obj((templates.get('pipeline') as Obj).dag);
    const deps = new Map(
      list(dag.tasks).map((t) => [String(t.name), (t.dependencies as string[] | undefined) ?? []]),
    );
    const closure = (targets: string) => {
      const out = new Set<string>();
      const stack = targets.split(' ').filter(Boolean);
      while (stack.length > 0) {
        const t = stack.pop() as string;
        if (!deps.has(t)) throw new Error(`unknown task ${t}`);
        if (!out.has(t)) stack.push(...(deps.get(t) as string[]));
        out.add(t);
      }
      return [...out].sort();
    };
    // both source checks gate every writer, as in the original
    expect(closure('write-hn-agg')).toEqual(['check-github-data', 'check-hn-data', 'write-hn-agg']);
    expect(closure('write-github-daily')).toEqual([
      'check-github-data',
      'check-hn-data',
      'write-github-daily',
    ]);
    expect(closure('write-github-agg')).toEqual([
      'check-github-data',
      'check-hn-data',
      'write-github-agg',
      'write-github-daily',
      'write-hn-agg',
    ]);
    expect(closure('check-hn-data')).toEqual(['check-hn-data']);
    expect(closure('check-hn-github-agg')).toHaveLength(7);
  });

  it('computes the execution date once: run-date, or today in UTC from the creation time', () => {
    expect(executionDateOf(workflow, { 'run-date': '20240301' })).toBe('20240301');
    expect(executionDateOf(workflow, { 'run-date': '' })).toBe('20261123');
  });

  it('a scheduled run keeps the day it was scheduled for when it starts after midnight (CronWorkflow and CronJob)', () => {
    const main = templatesOf(workflow).get('main') as Obj;
    const task = list(obj(main.dag).tasks)[0];
    const value = String(list(obj(obj(task).arguments).parameters)[0]?.value);
    const expression = value.replace(/^\{\{=/, '').replace(/\}\}$/, '');
    // Scheduled for 23:30 on 2026-11-23, started at 00:10 on the 24th (startingDeadlineSeconds allows an hour).
    // Evaluated with dp run's expr-lang evaluator (the tiny test evaluator has no time parsing).
    const late = {
      'workflow.parameters.run-date': '',
      'workflow.parameters.scheduled-job': '',
      'workflow.creationTimestamp.s': String(Date.UTC(2026, 10, 24, 0, 10) / 1000),
    };
    const run = (scope: Record<string, string>) => runExpression(expression, scope, () => 0, 'test');
    expect(run(late)).toBe('20261124');
    // CronWorkflow: workflow.scheduledTime.
    expect(run({ ...late, 'workflow.scheduledTime': '2026-11-23T23:30:00Z' })).toBe('20261123');
    // CronJob: the Job's name ends in the scheduled minute (Unix time / 60), passed as scheduled-job.
    const job = `bigquery-hn-github-trend-cron-${Date.UTC(2026, 10, 23, 23, 30) / 60_000}`;
    expect(run({ ...late, 'workflow.parameters.scheduled-job': job })).toBe('20261123');
    // A Job made by hand (kubectl create job --from=cronjob/... try-1) has no such suffix: today.
    expect(run({ ...late, 'workflow.parameters.scheduled-job': 'try-1' })).toBe('20261124');
    // An explicit run-date wins over everything.
    expect(
      run({ ...late, 'workflow.parameters.run-date': '20240301', 'workflow.parameters.scheduled-job': job }),
    ).toBe('20240301');
  });

  it('retries only the retryable exit codes of the exit-code table among failures, and every Error-phase node', () => {
    const retryable = EXIT_CLASSES.filter((c) => c.retry).map((c) => c.code);
    for (const t of templates.values()) {
      if (!t.container) continue;
      expect(obj(t.retryStrategy).retryPolicy, String(t.name)).toBe('Always');
      const expression = String(obj(t.retryStrategy).expression);
      for (const c of EXIT_CLASSES) {
        const lastRetry = { exitCode: String(c.code), status: 'Failed' };
        const retried = evaluateExpression(expression, { lastRetry });
        expect(retried, `${String(t.name)} exit ${c.code}`).toBe(retryable.includes(c.code));
      }
      // An evicted or preempted pod: Error phase, no exit code of ours ("-1" when unknown).
      expect(evaluateExpression(expression, { lastRetry: { exitCode: '-1', status: 'Error' } })).toBe(true);
    }
  });
});

describe('init workflow', () => {
  const workflow = loadYaml(INIT);
  const templates = templatesOf(workflow);
  const defaults = paramDefaults(workflow);

  /**
   * Interprets the backfill part of the init DAG: lanes (withSequence) of steps templates whose steps may loop
   * (withSequence). Returns the data days per lane, in the order each lane writes them, and the deepest template level
   * reached (main = 1, pipeline = 2, as Argo's controller counts).
   */
  function backfill(wp: Record<string, string>): { lanes: string[][]; depth: number } {
    const executionDate = executionDateOf(workflow, wp);
    const pipeline = obj((templates.get('pipeline') as Obj).dag);
    const task = list(pipeline.tasks).find((t) => t.name === 'backfill') as Obj;
    const count = Number(resolveArgo(String(obj(task.withSequence).count), flatValues(wp, {}), argoEnv(wp)));
    const lanes: string[][] = [];
    let depth = 0;
    for (let item = 0; item < count; item++) {
      const args = argParams(task, wp, { 'execution-date': executionDate }, String(item));
      const days: string[] = [];
      depth = Math.max(depth, runSteps(String(task.template), args, wp, days, 3));
      lanes.push(days);
    }
    return { lanes, depth };
  }

  /** Runs template `name` at template level `level`; returns the deepest level reached. */
  function runSteps(
    name: string,
    inputs: Record<string, string>,
    wp: Record<string, string>,
    out: string[],
    level: number,
  ): number {
    if (level >= 100) throw new Error('Maximum recursion depth exceeded');
    const t = templates.get(name) as Obj;
    if (!Array.isArray(t.steps)) {
      out.push(inputs['data-day'] as string);
      return level;
    }
    let deepest = level;
    for (const group of t.steps as Obj[][]) {
      for (const step of group) {
        const values = flatValues(wp, inputs);
        const items =
          step.withSequence === undefined
            ? [undefined]
            : Array.from(
                {
                  length: Number(
                    resolveArgo(String(obj(step.withSequence).count), values, argoEnv(wp, inputs)),
                  ),
                },
                (_, i) => String(i),
              );
        for (const item of items) {
          const when =
            step.when === undefined
              ? 'true'
              : resolveArgo(String(step.when), flatValues(wp, inputs, item), argoEnv(wp, inputs, item));
          if (when !== 'true') continue;
          deepest = Math.max(
            deepest,
            runSteps(String(step.template), argParams(step, wp, inputs, item), wp, out, level + 1),
          );
        }
      }
    }
    return deepest;
  }

  const previousDay = (d: string, n: number) => {
    const t = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8)) - n * 86_400_000;
    return new Date(t).toISOString().slice(0, 10).replaceAll('-', '');
  };

  it.each(['4', '1', '3', '7', '40', '64'])(
    'fans out to exactly 40 distinct days R-40 .. R-1 (parallelism %s)',
    (parallelism) => {
      const wp = { ...defaults, 'run-date': '20240310', parallelism } as Record<string, string>;
      const { lanes } = backfill(wp);
      expect(lanes.length).toBe(Number(parallelism));
      const dataDays = lanes.flat();
      expect(dataDays).toHaveLength(40);
      const expected = new Set(Array.from({ length: 40 }, (_, i) => previousDay('20240310', i + 1)));
      expect(new Set(dataDays)).toEqual(expected);
      expect(expected.has('20240229')).toBe(true); // leap day inside the window
      expect(expected.has('20240130')).toBe(true);
      // lane L writes day indexes L, L+P, L+2P, ... one after the other (newest first)
      const p = Number(parallelism);
      for (const [l, lane] of lanes.entries())
        expect(lane).toEqual(
          Array.from({ length: Math.max(0, Math.ceil((40 - l) / p)) }, (_, k) =>
            previousDay('20240310', 1 + l + k * p),
          ),
        );
    },
  );

  it('defaults: parallelism 4, 40 days, run-date today (UTC) at creation', () => {
    expect(defaults.parallelism).toBe('4');
    expect(defaults['backfill-num-days']).toBe('40');
    const dataDays = backfill(defaults as Record<string, string>)
      .lanes.flat()
      .sort();
    expect(dataDays[0]).toBe('20261014');
    expect(dataDays.at(-1)).toBe('20261122');
  });

  it.each([
    ['40', '4'],
    ['400', '2'],
    ['3650', '1'],
  ])(
    "stays 5 template levels deep for any length, far inside Argo's limit of 100 (%s days, parallelism %s)",
    (days, parallelism) => {
      const wp = { ...defaults, 'run-date': '20261120', 'backfill-num-days': days, parallelism };
      // main -> pipeline -> backfill-lane -> backfill-day -> write-github-daily (workflows/README.md)
      const { lanes, depth } = backfill(wp as Record<string, string>);
      expect(depth).toBe(5);
      expect(new Set(lanes.flat()).size).toBe(Number(days));
    },
  );

  it('ensures the dataset, then the four tables with their schemas', () => {
    const pipeline = obj((templates.get('pipeline') as Obj).dag);
    const tables = list(pipeline.tasks).find((t) => t.name === 'ensure-tables') as Obj;
    expect(tables.dependencies).toEqual(['ensure-dataset']);
    expect(tables.withItems).toEqual([
      'github_daily_metrics',
      'github_agg',
      'hackernews_agg',
      'hackernews_github_agg',
    ]);
    const args = (obj((templates.get('ensure-table') as Obj).container).args as string[]).join(' ');
    expect(args).toContain('--schema=builtin:{{inputs.parameters.table}}');
    expect(args).toContain('--time-partitioning-type=DAY');
  });
});

describe('CronJob', () => {
  const docs = [
    'cronjobs/bigquery_hn_github_trends_cron.yaml',
    'cronjobs/parameters-configmap.yaml',
    'cronjobs/bigquery-step-workflow-configmap.yaml',
    'cronjobs/submitter-rbac.yaml',
  ].flatMap(loadYamlDocs);
  const cron = docs.find((d) => d.kind === 'CronJob') as Obj;
  const podSpec = obj(obj(obj(obj(cron.spec).jobTemplate).spec).template).spec as Obj;
  const container = list(podSpec.containers)[0] as Obj;
  const args = container.args as string[];
  const mounts = list(container.volumeMounts);
  const configMapAt = (path: string) => {
    const mount = mounts.find((m) => path.startsWith(`${String(m.mountPath)}/`)) as Obj;
    const volume = list(podSpec.volumes).find((v) => v.name === mount.name) as Obj;
    const name = obj(volume.configMap).name;
    const cm = docs.find((d) => d.kind === 'ConfigMap' && obj(d.metadata).name === name) as Obj;
    return obj(cm.data)[path.slice(String(mount.mountPath).length + 1)] as string;
  };

  it('submits exactly the checked-in daily workflow with the ConfigMap parameters and waits', () => {
    expect(container.image).toBe('quay.io/argoproj/argocli:v4.1.2');
    expect(args[0]).toBe('submit');
    const workflowText = configMapAt(args[1] as string);
    expect(workflowText).toBe(readFileSync(join(repoRoot, DAILY), 'utf8'));
    const paramFile = (args.find((a) => a.startsWith('--parameter-file=')) as string).split('=')[1] as string;
    const parameters = parse(configMapAt(paramFile)) as Record<string, string>;
    const workflowParams = Object.keys(paramDefaults(loadYaml(DAILY)));
    expect(Object.keys(parameters).every((k) => workflowParams.includes(k))).toBe(true);
    // No placeholder: gcp-project is left out until the operator sets it, so argo submit refuses the run until then.
    expect(parameters['gcp-project']).toBeUndefined();
    expect(paramDefaults(loadYaml(DAILY))['gcp-project']).toBeUndefined();
    expect(args).toContain('--wait');
  });

  it('runs daily at 23:30 UTC, never overlapping, as a least-privilege ServiceAccount', () => {
    const spec = obj(cron.spec);
    expect(cron.apiVersion).toBe('batch/v1');
    expect(spec.schedule).toBe('30 23 * * *');
    expect(spec.timeZone).toBe('Etc/UTC');
    expect(spec.concurrencyPolicy).toBe('Forbid');
    expect(spec.startingDeadlineSeconds).toBeGreaterThan(0);
    const role = docs.find((d) => d.kind === 'Role') as Obj;
    const binding = docs.find((d) => d.kind === 'RoleBinding') as Obj;
    expect(list(role.rules)).toEqual([
      { apiGroups: ['argoproj.io'], resources: ['workflows'], verbs: ['create', 'get', 'watch'] },
    ]);
    expect(list(binding.subjects)[0]?.name).toBe(podSpec.serviceAccountName);
    expect(obj(binding.roleRef).name).toBe(obj(role.metadata).name);
  });
});

describe('CronWorkflow alternative', () => {
  it('lives outside cronjobs/ and refers to the generated WorkflowTemplate of the daily workflow', () => {
    const cron = loadYaml('deploy/cronworkflow/bigquery-step-cronworkflow.yaml');
    const template = loadYaml('deploy/cronworkflow/bigquery-step-workflowtemplate.yaml');
    const spec = obj(cron.spec);
    expect(spec.schedules).toEqual(['30 23 * * *']);
    expect(obj(obj(spec.workflowSpec).workflowTemplateRef).name).toBe(obj(template.metadata).name);
    expect(template.spec).toEqual(loadYaml(DAILY).spec);
  });
});

describe('workflow pods: identity and key', () => {
  const rbac = loadYamlDocs('deploy/workflow-rbac.yaml');
  const workflows = [
    loadYaml(DAILY),
    loadYaml(INIT),
    loadYaml('deploy/cronworkflow/bigquery-step-workflowtemplate.yaml'),
  ];

  it('run as the ServiceAccount of deploy/workflow-rbac.yaml, which may only report task results (Argo v4 executor)', () => {
    const account = rbac.find((d) => d.kind === 'ServiceAccount') as Obj;
    const role = rbac.find((d) => d.kind === 'Role') as Obj;
    const binding = rbac.find((d) => d.kind === 'RoleBinding') as Obj;
    expect(rbac.map((d) => d.kind).sort()).toEqual(['Role', 'RoleBinding', 'ServiceAccount']);
    for (const wf of workflows) expect(obj(wf.spec).serviceAccountName).toBe(obj(account.metadata).name);
    expect(list(role.rules)).toEqual([
      { apiGroups: ['argoproj.io'], resources: ['workflowtaskresults'], verbs: ['create', 'patch'] },
    ]);
    expect(obj(binding.roleRef)).toEqual({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: obj(role.metadata).name,
    });
    expect(list(binding.subjects)).toEqual([{ kind: 'ServiceAccount', name: obj(account.metadata).name }]);
  });

  it('find the key where GOOGLE_APPLICATION_CREDENTIALS points, in every container', () => {
    for (const wf of workflows) {
      const volumes = list(obj(wf.spec).volumes);
      for (const t of templatesOf(wf).values()) {
        const container = t.container as Obj | undefined;
        if (!container) continue;
        const credentials = list(container.env).find((e) => e.name === 'GOOGLE_APPLICATION_CREDENTIALS');
        expect(credentials, String(t.name)).toBeDefined();
        const mount = list(container.volumeMounts).find((m) => {
          const v = volumes.find((x) => x.name === m.name);
          return v !== undefined && v.secret !== undefined;
        }) as Obj;
        expect(mount.readOnly).toBe(true);
        const secret = obj((volumes.find((v) => v.name === mount.name) as Obj).secret);
        const item = list(secret.items)[0] as Obj;
        expect(item.key).toBe('gcp-bigquery.json');
        expect(secret.defaultMode).toBe(0o400);
        expect(credentials?.value).toBe(`${String(mount.mountPath)}/${String(item.path)}`);
      }
    }
  });
});
