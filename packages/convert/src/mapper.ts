import { EXIT_CODES } from '@data-pipeline/runner';
import { stringify } from 'yaml';
import type { DagDump, DagTask } from './dag-json.js';
import { argoName, uniqueNames } from './names.js';
import { mapSchedule, periodStartExpression } from './schedule.js';
import { isTriggerRule, mapTriggerRule } from './trigger-rules.js';

/** The generic operator image (its DAG-file mode runs one task of the user's file); a test holds it to images/images.json. */
export const DEFAULT_IMAGE = 'ghcr.io/data-pipeline/airflow-operator:0.1.0';
/** Where the generated ConfigMap puts the DAG file in each pod. */
export const DAGS_DIR = '/dp/dags';
const OUTPUTS_DIR = '/dp/outputs';
/** Seconds added to execution_timeout for the step's own start-up (Airflow enforces the timeout itself first). */
export const DEADLINE_MARGIN_S = 300;
/** Airflow's default pool/queue/priority (1.8.2 config defaults): anything else gets a warning. */
const DEFAULT_QUEUE = 'default';
/** ConfigMaps hold at most 1 MiB. */
const CONFIGMAP_LIMIT = 1024 * 1024;

export type ScheduleKind = 'none' | 'cronworkflow' | 'cronjob';

export interface MapOptions {
  /** The DAG file's name (ConfigMap key and mounted file name) and its source text. */
  readonly fileName: string;
  readonly source: string;
  readonly schedule: ScheduleKind;
  readonly image?: string;
}

export interface Problem {
  readonly severity: 'error' | 'warning';
  /** Line in the DAG file, when Airflow could tell. */
  readonly line: number | null;
  readonly message: string;
}

export interface ExplainRow {
  readonly taskId: string;
  readonly name: string;
  readonly operator: string;
  readonly line: number | null;
  readonly depends: string | undefined;
  readonly when: string | undefined;
  readonly notes: readonly string[];
}

export interface Conversion {
  /** Kubernetes documents in output order: the DAG ConfigMap, the Workflow, then the schedule's documents. */
  readonly documents: readonly Record<string, unknown>[];
  readonly problems: readonly Problem[];
  readonly explain: readonly ExplainRow[];
}

/** Classes whose execute() sets other task instances to skipped, and which of its downstream tasks it may skip. */
const SKIPPERS: Readonly<Record<string, 'direct' | 'all'>> = {
  'airflow.operators.python_operator.BranchPythonOperator': 'direct',
  'airflow.operators.python_operator.ShortCircuitOperator': 'all',
  'airflow.operators.latest_only_operator.LatestOnlyOperator': 'all',
};

const skipperKind = (t: DagTask) => t.mro.map((c) => SKIPPERS[c]).find((k) => k !== undefined);

const containerSecurity = {
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

/** The exit codes a retryStrategy retries: a task failure (what Airflow retries) and transient; never usage/config. */
const RETRY_EXPRESSION = `asInt(lastRetry.exitCode) == ${EXIT_CODES['task-failed']} || asInt(lastRetry.exitCode) == ${EXIT_CODES.transient}`;

const duration = (s: number) => `${Math.max(1, Math.round(s))}s`;

/** Tasks in dependency order; the ids of a cycle when there is one. */
export function topologicalOrder(tasks: readonly DagTask[]): { order: string[] } | { cycle: string[] } {
  const byId = new Map(tasks.map((t) => [t.task_id, t]));
  const state = new Map<string, 'visiting' | 'done'>();
  const order: string[] = [];
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    const s = state.get(id);
    if (s === 'done') return undefined;
    if (s === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const u of byId.get(id)?.upstream ?? []) {
      const cycle = visit(u);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    order.push(id);
    return undefined;
  };
  for (const t of tasks) {
    const cycle = visit(t.task_id);
    if (cycle) return { cycle };
  }
  return { order };
}

/** Turns a dumped DAG into Argo documents. Errors in `problems` mean the output must not be written. */
export function convertDag(dag: DagDump, opts: MapOptions): Conversion {
  const problems: Problem[] = [];
  const error = (line: number | null, message: string) => problems.push({ severity: 'error', line, message });
  const warn = (line: number | null, message: string) =>
    problems.push({ severity: 'warning', line, message });
  const image = opts.image ?? DEFAULT_IMAGE;
  const base = argoName(dag.dag_id, 52);
  const configMapName = `${base}-dag-file`.slice(0, 63);
  const fileKey = opts.fileName.replace(/[^-._a-zA-Z0-9]/g, '_');

  if (dag.tasks.length === 0) error(dag.line, `DAG ${dag.dag_id} has no tasks`);
  const sorted = topologicalOrder(dag.tasks);
  if ('cycle' in sorted) {
    error(dag.line, `DAG ${dag.dag_id} has a cycle: ${sorted.cycle.join(' -> ')}`);
    return { documents: [], problems, explain: [] };
  }
  if (Buffer.byteLength(opts.source) > CONFIGMAP_LIMIT - 4096)
    error(null, `the DAG file is larger than a ConfigMap can hold (1 MiB): put it in an image instead`);

  const byId = new Map(dag.tasks.map((t) => [t.task_id, t]));
  const names = uniqueNames(sorted.order);
  const ancestors = new Map<string, Set<string>>();
  for (const id of sorted.order) {
    const set = new Set<string>();
    for (const u of byId.get(id)!.upstream) {
      set.add(u);
      for (const a of ancestors.get(u)!) set.add(a);
    }
    ancestors.set(id, set);
  }

  const dagTasks: Record<string, unknown>[] = [];
  const templates: Record<string, unknown>[] = [];
  const explain: ExplainRow[] = [];
  for (const id of sorted.order) {
    const t = byId.get(id)!;
    const name = names.get(id)!;
    const notes: string[] = [];
    if (!isTriggerRule(t.trigger_rule)) {
      error(t.line, `task ${id}: trigger_rule ${JSON.stringify(t.trigger_rule)} has no Argo mapping`);
      continue;
    }
    const skippers = [...ancestors.get(id)!]
      .filter((a) => {
        const kind = skipperKind(byId.get(a)!);
        return kind === 'all' || (kind === 'direct' && t.upstream.includes(a));
      })
      .sort()
      .map((a) => names.get(a)!);
    const upstream = t.trigger_rule === 'dummy' ? [] : t.upstream.map((u) => names.get(u)!);
    const rule = mapTriggerRule(t.trigger_rule, upstream, t.trigger_rule === 'dummy' ? [] : skippers, id);
    if (t.trigger_rule === 'dummy' && t.upstream.length > 0)
      notes.push(
        'trigger_rule dummy: starts without waiting for its upstream tasks (and gets none of their XComs)',
      );

    // Per-task observations: what maps, what only warns.
    if (t.pool)
      warn(
        t.line,
        `task ${id}: pool ${JSON.stringify(t.pool)} is not enforced (Argo has no pools; use spec.parallelism or a synchronization semaphore)`,
      );
    if (t.queue && t.queue !== DEFAULT_QUEUE)
      warn(
        t.line,
        `task ${id}: queue ${JSON.stringify(t.queue)} has no effect (every task runs as its own pod; use a nodeSelector)`,
      );
    if (t.priority_weight !== 1)
      warn(
        t.line,
        `task ${id}: priority_weight ${t.priority_weight} has no effect (Argo starts ready tasks in name order)`,
      );
    if (t.depends_on_past || t.wait_for_downstream)
      warn(
        t.line,
        `task ${id}: ${t.depends_on_past ? 'depends_on_past' : 'wait_for_downstream'} is not enforced (each workflow run is independent of the previous run)`,
      );
    if (t.sla !== null) warn(t.line, `task ${id}: sla is not checked (no SLA miss callbacks)`);
    if (t.trigger_dag_id !== undefined)
      warn(
        t.line,
        `task ${id}: TriggerDagRunOperator is not supported: in its step the target DAG is not in the dags folder, so the task fails (and a DagRun it made would stay in the step's private database); convert the target DAG and submit its workflow on its own`,
      );
    if (t.subdag)
      notes.push(`runs sub-DAG ${t.subdag} (${t.subdag_tasks?.length ?? 0} tasks) inside this step`);
    const kind = skipperKind(t);
    if (kind)
      notes.push(
        kind === 'direct'
          ? 'reports the branches it skips (skipped output)'
          : 'reports every downstream task it skips (skipped output)',
      );

    const template: Record<string, unknown> = {
      name: `task-${name}`,
      inputs: {
        parameters: [{ name: 'execution-date' }, ...upstream.map((u) => ({ name: `xcom-${u}` }))],
      },
    };
    if (t.retries > 0) {
      const backoff: Record<string, unknown> = { duration: duration(t.retry_delay ?? 300) };
      if (t.retry_exponential_backoff) {
        backoff.factor = '2';
        if (t.max_retry_delay !== null) backoff.cap = duration(t.max_retry_delay);
      }
      template.retryStrategy = {
        limit: String(t.retries),
        retryPolicy: 'OnFailure',
        expression: RETRY_EXPRESSION,
        backoff,
      };
      notes.push(
        `retries ${t.retries} × ${backoff.duration}${t.retry_exponential_backoff ? ' (exponential)' : ''}`,
      );
    }
    if (t.execution_timeout !== null) {
      template.activeDeadlineSeconds = Math.ceil(t.execution_timeout) + DEADLINE_MARGIN_S;
      notes.push(
        `execution_timeout ${t.execution_timeout}s (Airflow enforces it; deadline +${DEADLINE_MARGIN_S}s)`,
      );
    }
    template.outputs = {
      parameters: [
        ['exit-class', ''],
        ['exit-code', ''],
        ['state', ''],
        ['skipped', '[]'],
        ['xcom', ''],
      ].map(([p, def]) => ({ name: p, valueFrom: { path: `${OUTPUTS_DIR}/${p}`, default: def } })),
    };
    template.container = {
      name: 'main',
      image,
      imagePullPolicy: 'IfNotPresent',
      command: ['airflow-operator'],
      args: [
        `--dag-file=${DAGS_DIR}/${opts.fileName}`,
        `--dag-id=${dag.dag_id}`,
        `--task-id=${id}`,
        '--execution-date={{inputs.parameters.execution-date}}',
        `--outputs-dir=${OUTPUTS_DIR}`,
        ...upstream.map((u) => `--xcom-in={{inputs.parameters.xcom-${u}}}`),
        // Argo's attempt: Airflow decides from it whether a failure is up_for_retry or the final failed.
        ...(t.retries > 0 ? ['--try-number={{retries}}'] : []),
      ],
      env: [
        { name: 'HOME', value: '/tmp' },
        { name: 'TMPDIR', value: '/tmp' },
      ],
      volumeMounts: [
        { name: 'dag-file', mountPath: DAGS_DIR, readOnly: true },
        { name: 'scratch', mountPath: '/tmp' },
        { name: 'outputs', mountPath: OUTPUTS_DIR },
      ],
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
      securityContext: containerSecurity,
    };
    templates.push(template);

    const when = rule.condition === undefined ? undefined : `{{=${rule.condition}}}`;
    const dagTask: Record<string, unknown> = { name, template: `task-${name}` };
    if (rule.depends) dagTask.depends = rule.depends;
    if (when) dagTask.when = when;
    dagTask.arguments = {
      parameters: [
        { name: 'execution-date', value: '{{inputs.parameters.execution-date}}' },
        ...upstream.map((u) => ({ name: `xcom-${u}`, value: `{{tasks.${u}.outputs.parameters.xcom}}` })),
      ],
    };
    dagTasks.push(dagTask);
    explain.push({
      taskId: id,
      name,
      operator: `${t.module}.${t.class}`,
      line: t.line,
      depends: rule.depends,
      when: rule.condition,
      notes,
    });
  }

  const schedule = mapSchedule(dag.schedule_interval, dag.start_date);
  if (opts.schedule !== 'none') {
    if (schedule.kind === 'unmappable') error(dag.line, `--schedule ${opts.schedule}: ${schedule.reason}`);
    else if (schedule.kind === 'none') error(dag.line, `--schedule ${opts.schedule}: ${schedule.note}`);
    else if (schedule.timeOfDay)
      warn(
        dag.line,
        `schedule ${schedule.cron}: the execution date keeps its day but not its time of day (run-date is YYYYMMDD)`,
      );
  } else if (schedule.kind === 'unmappable') {
    warn(
      dag.line,
      `${schedule.reason}: run it by hand with -p run-date (the execution date is a day at 00:00 UTC)`,
    );
  }

  const labels = { 'app.kubernetes.io/name': base, 'app.kubernetes.io/part-of': 'data-pipeline' };
  const annotations = {
    'data-pipeline/airflow-dag-id': dag.dag_id,
    'data-pipeline/converted-from': opts.fileName,
  };
  const today = "sprig.dateInZone('20060102', asInt(workflow.creationTimestamp.s), 'UTC')";
  const spec = (runDateDefault: string) => ({
    entrypoint: 'main',
    serviceAccountName: 'data-pipeline-workflow',
    ...(dag.concurrency > 0 ? { parallelism: dag.concurrency } : {}),
    arguments: {
      parameters: [
        {
          name: 'run-date',
          value: '',
          description:
            'Airflow execution date YYYYMMDD (00:00 UTC). Empty = ' +
            (runDateDefault === today
              ? 'today (UTC) at submission'
              : 'the start of the schedule period that just ended'),
        },
      ],
    },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      fsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumes: [
      {
        name: 'dag-file',
        configMap: { name: configMapName, items: [{ key: fileKey, path: opts.fileName }], defaultMode: 292 },
      },
      { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } },
      { name: 'outputs', emptyDir: { sizeLimit: '16Mi' } },
    ],
    templates: [
      {
        name: 'main',
        dag: {
          tasks: [
            {
              name: base,
              template: 'airflow-dag',
              arguments: {
                parameters: [
                  {
                    name: 'execution-date',
                    value: `{{=workflow.parameters['run-date'] != '' ? workflow.parameters['run-date'] : ${runDateDefault}}}`,
                  },
                ],
              },
            },
          ],
        },
      },
      // failFast off: Airflow keeps running what its trigger rules allow after a failure (all_done, one_failed).
      {
        name: 'airflow-dag',
        inputs: { parameters: [{ name: 'execution-date' }] },
        dag: { failFast: false, tasks: dagTasks },
      },
      ...templates,
    ],
  });

  const documents: Record<string, unknown>[] = [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: configMapName, labels, annotations },
      data: { [fileKey]: opts.source },
    },
    {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { generateName: `${base}-`, labels, annotations },
      spec: spec(today),
    },
  ];
  if (opts.schedule !== 'none' && schedule.kind === 'periodic') {
    const periodStart = periodStartExpression(schedule.period);
    const concurrencyPolicy = dag.max_active_runs === 1 ? 'Forbid' : 'Allow';
    if (opts.schedule === 'cronworkflow') {
      documents.push({
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'CronWorkflow',
        metadata: { name: base, labels, annotations },
        spec: {
          schedules: [schedule.cron],
          timezone: 'Etc/UTC',
          concurrencyPolicy,
          startingDeadlineSeconds: 3600,
          workflowSpec: spec(periodStart),
        },
      });
    } else {
      documents.push(
        ...cronJobDocuments(base, labels, annotations, schedule.cron, concurrencyPolicy, spec(periodStart)),
      );
    }
  }
  return { documents: problems.some((p) => p.severity === 'error') ? [] : documents, problems, explain };
}

/** A CronJob that submits the workflow (kept in a ConfigMap, run-date defaulting to the period start) and waits. */
function cronJobDocuments(
  base: string,
  labels: Record<string, string>,
  annotations: Record<string, string>,
  cron: string,
  concurrencyPolicy: string,
  spec: Record<string, unknown>,
): Record<string, unknown>[] {
  const workflowConfigMap = `${base}-workflow-yaml`.slice(0, 63);
  return [
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: workflowConfigMap, labels, annotations },
      data: {
        'workflow.yaml': stringify({
          apiVersion: 'argoproj.io/v1alpha1',
          kind: 'Workflow',
          metadata: { generateName: `${base}-`, labels, annotations },
          spec,
        }),
      },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: `${base}-cron`.slice(0, 52), labels, annotations },
      spec: {
        schedule: cron,
        timeZone: 'Etc/UTC',
        concurrencyPolicy,
        startingDeadlineSeconds: 3600,
        successfulJobsHistoryLimit: 3,
        failedJobsHistoryLimit: 5,
        jobTemplate: {
          spec: {
            backoffLimit: 0,
            template: {
              metadata: { labels },
              spec: {
                serviceAccountName: 'data-pipeline-submitter',
                restartPolicy: 'Never',
                securityContext: {
                  runAsNonRoot: true,
                  runAsUser: 8737,
                  runAsGroup: 8737,
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                containers: [
                  {
                    name: 'submit-workflow',
                    image: 'quay.io/argoproj/argocli:v4.1.2',
                    imagePullPolicy: 'IfNotPresent',
                    args: ['submit', '/workflow/workflow.yaml', '--namespace=$(POD_NAMESPACE)', '--wait'],
                    env: [
                      { name: 'HOME', value: '/tmp' },
                      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                    ],
                    volumeMounts: [
                      { name: 'workflow', mountPath: '/workflow', readOnly: true },
                      { name: 'scratch', mountPath: '/tmp' },
                    ],
                    resources: {
                      requests: { cpu: '50m', memory: '64Mi' },
                      limits: { cpu: '500m', memory: '256Mi' },
                    },
                    securityContext: containerSecurity,
                  },
                ],
                volumes: [
                  { name: 'workflow', configMap: { name: workflowConfigMap } },
                  { name: 'scratch', emptyDir: { sizeLimit: '64Mi' } },
                ],
              },
            },
          },
        },
      },
    },
  ];
}
