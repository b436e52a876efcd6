import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { evaluateDepends } from '@data-pipeline/argo-tags';
import { substitute } from '@data-pipeline/local';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import {
  convertDag,
  type DagDump,
  type DagTask,
  DEFAULT_IMAGE,
  mapSchedule,
  mapTriggerRule,
  periodStartExpression,
  renderDocuments,
  TRIGGER_RULES,
  uniqueNames,
} from '../src/index.js';

// biome-ignore lint/suspicious/noExplicitAny: the generated documents are walked freely in assertions
type J = any;

const task = (id: string, upstream: string[] = [], extra: Partial<DagTask> = {}): DagTask => ({
  task_id: id,
  class: 'DummyOperator',
  module: 'airflow.operators.dummy_operator',
  mro: ['airflow.operators.dummy_operator.DummyOperator', 'airflow.models.BaseOperator', 'builtins.object'],
  upstream,
  downstream: [],
  trigger_rule: 'all_success',
  retries: 0,
  retry_delay: 300,
  retry_exponential_backoff: false,
  max_retry_delay: null,
  execution_timeout: null,
  pool: null,
  queue: 'default',
  priority_weight: 1,
  depends_on_past: false,
  wait_for_downstream: false,
  sla: null,
  start_date: '2026-12-01T00:00:00',
  end_date: null,
  line: 10,
  ...extra,
});

const dag = (tasks: DagTask[], extra: Partial<DagDump> = {}): DagDump => ({
  dag_id: 'my_dag',
  fileloc: '/dags/my_dag.py',
  line: 5,
  schedule_interval: { kind: 'cron', expression: '@daily' },
  start_date: '2026-12-01T00:00:00',
  end_date: null,
  concurrency: 16,
  max_active_runs: 16,
  description: null,
  subdags: [],
  tasks,
  ...extra,
});

const opts = { fileName: 'my_dag.py', source: 'print(1)\n', schedule: 'none' as const };

/** Airflow 1.8.2's TriggerRuleDep in a backfill, upstream all done: the task's state (run = it runs). */
type AState = 'success' | 'skipped' | 'failed' | 'upstream_failed';
function airflowOutcome(rule: string, ups: AState[]): 'run' | 'skipped' | 'upstream_failed' {
  const n = (s: AState) => ups.filter((u) => u === s).length;
  const failures = n('failed') + n('upstream_failed');
  switch (rule) {
    case 'all_success':
      return failures > 0 ? 'upstream_failed' : n('skipped') > 0 ? 'skipped' : 'run';
    case 'all_failed':
      return n('success') + n('skipped') > 0 ? 'skipped' : 'run';
    case 'one_success':
      return n('success') > 0 ? 'run' : 'skipped';
    case 'one_failed':
      return failures > 0 ? 'run' : 'skipped';
    default:
      return 'run';
  }
}

/** The Argo side: an upstream's phase and `state` output for each Airflow state, then depends + when. */
function argoOutcome(rule: (typeof TRIGGER_RULES)[number], ups: AState[], stateViaOutput: boolean) {
  const names = ups.map((_, i) => `u${i}`);
  const m = mapTriggerRule(rule, names, [], 't');
  const phase: Record<AState, string> = {
    success: 'Succeeded',
    skipped: stateViaOutput ? 'Succeeded' : 'Skipped',
    failed: 'Failed',
    upstream_failed: 'Omitted',
  };
  const scope: Record<string, string> = {};
  ups.forEach((s, i) => {
    scope[`tasks.u${i}.status`] = phase[s];
    scope[`tasks.u${i}.outputs.parameters.state`] =
      s === 'success' ? 'success' : s === 'skipped' && stateViaOutput ? 'skipped' : '';
  });
  if (m.depends && !evaluateDepends(m.depends, (t) => scope[`tasks.${t}.status`] as 'Succeeded'))
    return 'upstream_failed';
  if (!m.condition) return 'run';
  const v = substitute(`{{=${m.condition}}}`, scope, { clock: () => new Date() });
  return v === 'true' ? 'run' : 'skipped';
}

describe('trigger rules', () => {
  const states: AState[] = ['success', 'skipped', 'failed', 'upstream_failed'];
  const combos: AState[][] = [];
  for (const a of states) {
    combos.push([a]);
    for (const b of states) combos.push([a, b]);
  }
  for (const rule of TRIGGER_RULES.filter((r) => r !== 'dummy'))
    it(`${rule}: depends + when give Airflow 1.8.2's outcome for every upstream state pair`, () => {
      for (const ups of combos)
        for (const viaOutput of [false, true])
          expect(`${ups.join(',')} → ${argoOutcome(rule, ups, viaOutput)}`).toBe(
            `${ups.join(',')} → ${airflowOutcome(rule, ups)}`,
          );
    });

  it('dummy has no edge and no condition; a task without upstream has no depends', () => {
    expect(mapTriggerRule('dummy', ['a'], ['b'], 't')).toEqual({ depends: undefined, condition: undefined });
    expect(mapTriggerRule('all_success', [], [], 't')).toEqual({ depends: undefined, condition: undefined });
  });

  it('a branch that lists the task in its skipped output makes the when false', () => {
    const m = mapTriggerRule('all_success', ['br'], ['br'], 'task_a');
    const scope = (skipped: string) => ({
      'tasks.br.status': 'Succeeded',
      'tasks.br.outputs.parameters.state': 'success',
      'tasks.br.outputs.parameters.skipped': skipped,
    });
    const when = (s: string) => substitute(`{{=${m.condition}}}`, scope(s), { clock: () => new Date() });
    expect(when('["task_a", "task_b"]')).toBe('false');
    expect(when('["task_b"]')).toBe('true');
    expect(when('[]')).toBe('true');
  });
});

describe('convertDag', () => {
  it('writes a ConfigMap holding the file and a Workflow with one step per task, upstream XComs passed on', () => {
    const c = convertDag(
      dag([task('extract'), task('load_it', ['extract'], { retries: 2, execution_timeout: 60 })]),
      opts,
    );
    expect(c.problems).toEqual([]);
    const [cm, wf] = c.documents as [J, J];
    expect(cm.kind).toBe('ConfigMap');
    expect(cm.data['my_dag.py']).toBe('print(1)\n');
    expect(wf.kind).toBe('Workflow');
    const dagTpl = wf.spec.templates.find((t: J) => t.name === 'airflow-dag');
    expect(dagTpl.dag.failFast).toBe(false);
    const load = dagTpl.dag.tasks.find((t: J) => t.name === 'load-it');
    expect(load.depends).toBe('extract');
    expect(load.arguments.parameters[1]).toEqual({
      name: 'xcom-extract',
      value: '{{tasks.extract.outputs.parameters.xcom}}',
    });
    const tpl = wf.spec.templates.find((t: J) => t.name === 'task-load-it');
    expect(tpl.container.args).toContain('--task-id=load_it');
    expect(tpl.container.args).toContain('--dag-file=/dp/dags/my_dag.py');
    expect(tpl.container.args).toContain('--xcom-in={{inputs.parameters.xcom-extract}}');
    expect(tpl.retryStrategy).toMatchObject({
      limit: '2',
      expression: 'asInt(lastRetry.exitCode) == 1 || asInt(lastRetry.exitCode) == 75',
    });
    expect(tpl.activeDeadlineSeconds).toBe(360);
    expect(tpl.outputs.parameters.map((p: J) => [p.name, p.valueFrom.default])).toEqual([
      ['exit-class', ''],
      ['exit-code', ''],
      ['state', ''],
      ['skipped', '[]'],
      ['xcom', ''],
    ]);
  });

  it('warns (and still converts) for pool, queue, priority_weight, depends_on_past and TriggerDagRunOperator', () => {
    const c = convertDag(
      dag([
        task('a', [], { pool: 'p', queue: 'q', priority_weight: 5, depends_on_past: true, line: 12 }),
        task('b', ['a'], { trigger_dag_id: 'other' }),
      ]),
      opts,
    );
    expect(c.documents).toHaveLength(2);
    expect(
      c.problems.map((p) => `${p.severity} ${p.line} ${p.message.split(' ').slice(0, 3).join(' ')}`),
    ).toEqual([
      'warning 12 task a: pool',
      'warning 12 task a: queue',
      'warning 12 task a: priority_weight',
      'warning 12 task a: depends_on_past',
      'warning 10 task b: TriggerDagRunOperator',
    ]);
  });

  it('refuses cycles, unknown trigger rules, empty DAGs and unschedulable schedules: errors and no documents', () => {
    const cyc = convertDag(dag([task('a', ['b']), task('b', ['a'])]), opts);
    expect(cyc.documents).toEqual([]);
    expect(cyc.problems[0]!.message).toMatch(/cycle: (a -> b -> a|b -> a -> b)/);
    const rule = convertDag(dag([task('a', [], { trigger_rule: 'none_failed', line: 7 })]), opts);
    expect(rule.problems).toEqual([
      { severity: 'error', line: 7, message: 'task a: trigger_rule "none_failed" has no Argo mapping' },
    ]);
    expect(rule.documents).toEqual([]);
    expect(convertDag(dag([]), opts).problems[0]!.message).toBe('DAG my_dag has no tasks');
    const hourly = convertDag(
      dag([task('a')], { schedule_interval: { kind: 'cron', expression: '@hourly' } }),
      {
        ...opts,
        schedule: 'cronworkflow',
      },
    );
    expect(hourly.documents).toEqual([]);
    expect(hourly.problems[0]!.message).toMatch(
      /^--schedule cronworkflow: schedule_interval "@hourly": runs are not whole days/,
    );
  });

  it('--schedule cronworkflow: the CronWorkflow ticks at the period end and defaults run-date to the period start', () => {
    const c = convertDag(dag([task('a')]), { ...opts, schedule: 'cronworkflow' });
    const cron = c.documents[2] as J;
    expect(cron.kind).toBe('CronWorkflow');
    expect(cron.spec.schedules).toEqual(['0 0 * * *']);
    const arg = cron.spec.workflowSpec.templates[0].dag.tasks[0].arguments.parameters[0].value;
    expect(arg).toContain(periodStartExpression('day'));
    // Created at the tick that ends 2026-12-06's period: run-date is 20261206.
    const scope = {
      'workflow.parameters.run-date': '',
      'workflow.creationTimestamp.RFC3339': '2026-12-07T00:00:04Z',
      'workflow.creationTimestamp.s': '1796601604',
    };
    expect(substitute(arg, scope, { clock: () => new Date() })).toBe('20261206');
    const cj = convertDag(dag([task('a')], { max_active_runs: 1 }), { ...opts, schedule: 'cronjob' });
    expect(cj.documents.map((d: J) => d.kind)).toEqual(['ConfigMap', 'Workflow', 'ConfigMap', 'CronJob']);
    expect((cj.documents[3] as J).spec.concurrencyPolicy).toBe('Forbid');
  });

  it('renders YAML that parses back to the same documents', () => {
    const c = convertDag(dag([task('a'), task('b', ['a'])]), opts);
    const docs = parseAllDocuments(renderDocuments(c.documents, ['header'])).map((d) => d.toJS());
    expect(docs).toEqual(c.documents);
  });
});

describe('schedules', () => {
  it('maps presets, cron and timedelta of whole days/weeks; refuses sub-daily and irregular ones', () => {
    expect(mapSchedule({ kind: 'cron', expression: '@weekly' }, null)).toMatchObject({
      cron: '0 0 * * 0',
      period: 'week',
    });
    expect(mapSchedule({ kind: 'cron', expression: '30 5 1 * *' }, null)).toMatchObject({
      period: 'month',
      timeOfDay: true,
    });
    expect(mapSchedule({ kind: 'timedelta', seconds: 86400 }, '2026-12-01T06:00:00')).toMatchObject({
      cron: '0 6 * * *',
      period: 'day',
    });
    expect(mapSchedule({ kind: 'timedelta', seconds: 14400 }, null).kind).toBe('unmappable');
    expect(mapSchedule({ kind: 'cron', expression: '0 5 * * 1-5' }, null).kind).toBe('unmappable');
    expect(mapSchedule({ kind: 'cron', expression: '@once' }, null).kind).toBe('none');
    expect(mapSchedule({ kind: 'none' }, null).kind).toBe('none');
  });

  it('period starts: month and year back from the tick', () => {
    const at = (p: 'month' | 'year') =>
      substitute(
        `{{=${periodStartExpression(p)}}}`,
        { 'workflow.creationTimestamp.RFC3339': '2026-03-01T00:00:09Z' },
        { clock: () => new Date() },
      );
    expect(at('month')).toBe('20260201');
    expect(at('year')).toBe('20250301');
  });
});

describe('names and image', () => {
  it('gives Argo-safe distinct names', () => {
    expect([...uniqueNames(['a_b', 'a.b', 'A-B', '1x']).values()]).toEqual(['a-b', 'a-b-2', 'a-b-3', 't1x']);
  });
  it('the default image is the airflow-operator image of images/images.json', () => {
    const manifest = JSON.parse(
      readFileSync(resolve(import.meta.dirname, '../../../images/images.json'), 'utf8'),
    );
    const img = manifest.images.find((i: J) => i.name === 'airflow-operator');
    expect(DEFAULT_IMAGE).toBe(`${manifest.registry}/${img.name}:${manifest.version}`);
  });
});
