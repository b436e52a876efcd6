/**
 * The interpreter: walks a parsed Workflow the way Argo's controller does — DAG and steps templates, parameters,
 * loops, `when`, `depends`, retries with backoff, parallelism and deadlines — and hands every container to an `Executor`.
 */
import {
  checkSpecVariables,
  DependsError,
  dagProblems,
  dependsNames,
  evaluateDepends,
  formatPath,
  type NodePhase,
} from '@data-pipeline/argo-tags';
import { evaluateExpr, formatValue, fromJson, type Value } from './expr.js';
import { builtinFunctions, type Clock } from './functions.js';
import { formatGo, GoTime, parseGoDuration } from './godate.js';
import { withRetries } from './retries-var.js';
import { skippedOutputDefaults } from './skipped-outputs.js';
import type {
  Container,
  DagTask,
  Invocation,
  Parameter,
  RetryStrategy,
  Template,
  Volume,
  Workflow,
} from './spec.js';
import { evaluateExpression, type Scope, substitute, substituteDeep, TemplateError } from './template.js';

export class WorkflowError extends Error {
  override readonly name = 'WorkflowError';
}

/** A node's phase (Argo's NodePhase, plus Pending/Running before it finished); the one definition is argo-tags'. */
export type Phase = NodePhase;

/** What the executor gets: the container after substitution, with its volumes and the outputs to collect. */
export interface ContainerRun {
  /** Display name of the node, e.g. `backfill(3:20261020)`. */
  readonly node: string;
  readonly template: string;
  readonly attempt: number;
  readonly container: Container;
  readonly volumes: readonly Volume[];
  readonly outputs: readonly Parameter[];
  readonly signal: AbortSignal;
}

export interface ContainerResult {
  /** Exit code of the main process; undefined when it could not start (node phase Error). */
  readonly exitCode: number | undefined;
  readonly message?: string;
  /** Output parameter values (name → value) read from the files named by `valueFrom.path`. */
  readonly outputs: Readonly<Record<string, string>>;
}

export interface Executor {
  run(spec: ContainerRun): Promise<ContainerResult>;
}

/** One container node as shown in the progress table and the summary. */
export interface TaskRecord {
  readonly name: string;
  readonly template: string;
  phase: Phase;
  attempts: number;
  exitCode: number | undefined;
  message: string;
  startedAt: number | undefined;
  finishedAt: number | undefined;
}

export interface Reporter {
  taskChanged(task: TaskRecord): void;
}

export interface RunOptions {
  readonly parameters?: Readonly<Record<string, string>>;
  readonly entrypoint?: string;
  readonly executor: Executor;
  /** Current time in ms (injected for tests). */
  readonly clock?: Clock;
  /** The workflow's creation time in ms (defaults to clock()). */
  readonly creationTimestamp?: number;
  /** Multiplies every wait (retry backoff, deadlines); e.g. 0.001 in tests. */
  readonly timeScale?: number;
  readonly reporter?: Reporter;
  readonly signal?: AbortSignal;
}

export interface RunResult {
  readonly phase: 'Succeeded' | 'Failed' | 'Error';
  readonly message: string;
  readonly tasks: readonly TaskRecord[];
  readonly outputs: Readonly<Record<string, string>>;
  /** The first failed task, if any. */
  readonly failedTask?: TaskRecord;
}

interface NodeResult {
  phase: Phase;
  message: string;
  outputs: Record<string, string>;
  exitCode?: number;
}

class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    };
  }
}

const NO_LIMIT = { acquire: async () => () => {} };

/**
 * Argo's controller (v4.1.2 `controller.go` maxAllowedStackDepth, `operator.go` executeTemplate) counts one level
 * per nested template invocation — the entrypoint is 1, each DAG task or step adds one — and refuses the node whose
 * level reaches this number. A template with a retryStrategy is entered once more (one level deeper) when its
 * attempt finishes, to update the retry node, so a retried container needs one level of room below it.
 */
export const MAX_STACK_DEPTH = 100;
/** The message of Argo's ErrMaxDepthExceeded (the link is the v4.1 docs page the controller names). */
export const MAX_DEPTH_MESSAGE =
  'Maximum recursion depth exceeded. See https://argo-workflows.readthedocs.io/en/release-4.1/scaling/#maximum-recursion-depth';

/** An invocation that runs once per item of withItems / withParam / withSequence. */
function isLoop(i: Invocation): boolean {
  return i.withItems !== undefined || i.withParam !== undefined || i.withSequence !== undefined;
}

const STRFTIME: Record<string, string> = {
  Y: '2006',
  m: '01',
  d: '02',
  H: '15',
  M: '04',
  S: '05',
  y: '06',
  b: 'Jan',
  B: 'January',
  a: 'Mon',
  A: 'Monday',
  e: '_2',
  j: '002',
  p: 'PM',
  F: '2006-01-02',
  T: '15:04:05',
  D: '01/02/06',
  R: '15:04',
  z: '-0700',
  Z: 'MST',
  RFC3339: '2006-01-02T15:04:05Z07:00',
};

function toInt(v: string | number | undefined, what: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = typeof v === 'number' ? v : Number(v.trim());
  if (!Number.isFinite(n)) throw new WorkflowError(`${what} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

function durationMs(v: string | number | undefined, what: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  if (typeof v === 'number' || /^\d+$/.test(v.trim())) return Number(v) * 1000;
  try {
    return parseGoDuration(v);
  } catch {
    throw new WorkflowError(`${what}: invalid duration ${JSON.stringify(v)}`);
  }
}

/** Go's fmt for the verbs withSequence formats use (`%d`, `%02d`, `%s`, `%x`, `%o`). */
export function sprintf(format: string, n: number): string {
  return format.replace(/%(0?)(\d*)([dsxXo%])/g, (_m, zero: string, width: string, verb: string) => {
    if (verb === '%') return '%';
    let s =
      verb === 'x'
        ? n.toString(16)
        : verb === 'X'
          ? n.toString(16).toUpperCase()
          : verb === 'o'
            ? n.toString(8)
            : String(n);
    const w = Number(width || 0);
    if (s.length < w) {
      const neg = s.startsWith('-') && zero;
      s = neg ? `-${s.slice(1).padStart(w - 1, '0')}` : s.padStart(w, zero ? '0' : ' ');
    }
    return s;
  });
}

/** The `.Result` suffixes a `depends` expression may put after a task name. */
export class Interpreter {
  private readonly clock: Clock;
  private readonly created: number;
  private readonly timeScale: number;
  private readonly tasks: TaskRecord[] = [];
  private readonly templates = new Map<string, Template>();
  private readonly globals: Record<string, string> = {};
  private readonly podLimit: { acquire(): Promise<() => void> };
  private readonly abort = new AbortController();
  private deadlineExceeded = false;
  /** Set when a node hit MAX_STACK_DEPTH: the workflow ends in Error, as Argo's does. */
  private depthExceeded = false;

  constructor(
    private readonly workflow: Workflow,
    private readonly opts: RunOptions,
  ) {
    this.clock = opts.clock ?? Date.now;
    this.created = opts.creationTimestamp ?? this.clock();
    this.timeScale = opts.timeScale ?? 1;
    for (const t of workflow.spec.templates) {
      if (this.templates.has(t.name))
        throw new WorkflowError(`${workflow.file}: duplicate template name ${t.name}`);
      this.templates.set(t.name, t);
    }
    const p = toInt(workflow.spec.parallelism, 'spec.parallelism');
    this.podLimit = p && p > 0 ? new Semaphore(p) : NO_LIMIT;
    opts.signal?.addEventListener('abort', () => this.abort.abort(opts.signal?.reason), { once: true });
  }

  private where(path: string): string {
    return `${this.workflow.file}: ${path}`;
  }

  /** Workflow-level parameters after `-p` overrides, with enum and required checks. */
  resolveWorkflowParameters(): Record<string, string> {
    const declared = this.workflow.spec.arguments?.parameters ?? [];
    const given = { ...(this.opts.parameters ?? {}) };
    const out: Record<string, string> = {};
    for (const p of declared) {
      const v = given[p.name] ?? p.value ?? p.default;
      delete given[p.name];
      if (v === undefined)
        throw new WorkflowError(
          `${this.workflow.file}: spec.arguments.parameters.${p.name} has no value: pass -p ${p.name}=VALUE`,
        );
      if (p.enum && !p.enum.includes(v))
        throw new WorkflowError(
          `${this.workflow.file}: parameter ${p.name}=${JSON.stringify(v)} is not one of ${p.enum.join(', ')}`,
        );
      out[p.name] = v;
    }
    const unknown = Object.keys(given);
    if (unknown.length > 0)
      throw new WorkflowError(
        `${this.workflow.file}: unknown parameter ${unknown[0]} (declared: ${declared.map((p) => p.name).join(', ') || 'none'})`,
      );
    return out;
  }

  private buildGlobals(params: Record<string, string>): void {
    const g = this.globals;
    g['workflow.name'] = this.workflow.name;
    g['workflow.namespace'] = 'default';
    g['workflow.uid'] = `local-${this.created.toString(36)}`;
    g['workflow.serviceAccountName'] = 'default';
    g['workflow.mainEntrypoint'] = this.opts.entrypoint ?? this.workflow.spec.entrypoint ?? '';
    const t = new GoTime(Math.floor(this.created / 1000) * 1000);
    g['workflow.creationTimestamp'] = formatGo(t, STRFTIME.RFC3339!);
    g['workflow.creationTimestamp.s'] = String(Math.floor(this.created / 1000));
    for (const [k, layout] of Object.entries(STRFTIME))
      g[`workflow.creationTimestamp.${k}`] = formatGo(t, layout);
    for (const [k, v] of Object.entries(params)) g[`workflow.parameters.${k}`] = v;
    g['workflow.parameters'] = JSON.stringify(
      Object.entries(params).map(([name, value]) => ({ name, value })),
    );
  }

  /**
   * Everything that can be checked before anything runs (and before `dp run` starts or seeds a warehouse):
   * parameters, the entrypoint, template references, and DAG targets that depend only on workflow parameters.
   * Returns the entrypoint template. Throws WorkflowError naming the field.
   */
  preflight(): Template {
    const params = this.resolveWorkflowParameters();
    this.buildGlobals(params);
    const entry = this.opts.entrypoint ?? this.workflow.spec.entrypoint;
    if (!entry)
      throw new WorkflowError(`${this.workflow.file}: spec.entrypoint is missing (or pass --entrypoint)`);
    const template = this.templates.get(entry);
    if (!template)
      throw new WorkflowError(
        `${this.workflow.file}: entrypoint template ${entry} does not exist (templates: ${[...this.templates.keys()].join(', ')})`,
      );
    this.checkReferences();
    this.checkTargets();
    this.checkVariables();
    return template;
  }

  /**
   * Every `{{…}}` against the variables in scope where it stands, as `dp lint` and Argo's validator check them: an
   * undeclared `{{workflow.parameters.x}}` is refused here, not when its step would start.
   */
  private checkVariables(): void {
    const [problem] = checkSpecVariables(
      this.workflow.spec as unknown as Record<string, unknown>,
      ['spec'],
      false,
    );
    if (problem)
      throw new WorkflowError(`${this.workflow.file}: ${formatPath(problem.path)}: ${problem.message}`);
  }

  /** dag.target names resolvable from workflow parameters alone must name tasks of that DAG. */
  private checkTargets(): void {
    for (const t of this.templates.values()) {
      if (t.dag?.target === undefined) continue;
      const where = `templates.${t.name}.dag.target`;
      let target: string;
      try {
        target = substitute(String(t.dag.target), this.globals, this.subOpts(where)).trim();
      } catch {
        continue; // depends on inputs or outputs: checked when the DAG runs
      }
      const names = new Set(t.dag.tasks.map((task) => task.name));
      for (const name of target.split(/\s+/).filter(Boolean)) {
        if (!names.has(name))
          throw new WorkflowError(
            `${this.where(where)}: target task ${name} does not exist (tasks: ${[...names].join(', ')})`,
          );
      }
    }
  }

  async run(): Promise<RunResult> {
    const template = this.preflight();
    this.computeLoopScoped();

    let timer: NodeJS.Timeout | undefined;
    const deadline = durationMs(this.workflow.spec.activeDeadlineSeconds, 'spec.activeDeadlineSeconds');
    if (deadline !== undefined) {
      timer = setTimeout(() => {
        this.deadlineExceeded = true;
        this.abort.abort(new WorkflowError('Workflow exceeded its activeDeadlineSeconds'));
      }, deadline * this.timeScale);
    }
    let result: NodeResult;
    try {
      result = await this.runTemplate(template, {}, template.name, this.abort.signal, 1);
    } finally {
      if (timer) clearTimeout(timer);
    }
    let phase: RunResult['phase'] =
      result.phase === 'Succeeded' || result.phase === 'Skipped' ? 'Succeeded' : 'Failed';
    let message = result.message;
    if (this.deadlineExceeded) {
      phase = 'Failed';
      message = 'Workflow exceeded its activeDeadlineSeconds';
    } else if (this.abort.signal.aborted) {
      phase = 'Failed';
      message = 'Workflow was stopped';
    } else if (this.depthExceeded) {
      phase = 'Error';
      message = MAX_DEPTH_MESSAGE;
    }
    const failedTask = this.tasks.find((t) => t.phase === 'Failed' || t.phase === 'Error');
    return {
      phase,
      message,
      tasks: this.tasks,
      outputs: result.outputs,
      ...(failedTask ? { failedTask } : {}),
    };
  }

  /** Templates that run once per loop item (directly or through other templates): their nodes are named with their arguments. */
  private readonly loopScoped = new Set<string>();

  private computeLoopScoped(): void {
    const invocations = (t: Template): Invocation[] => [...(t.dag?.tasks ?? []), ...(t.steps ?? []).flat()];
    const queue = [...this.templates.values()].flatMap((t) =>
      invocations(t)
        .filter(isLoop)
        .map((i) => i.template),
    );
    while (queue.length > 0) {
      const name = queue.pop()!;
      if (this.loopScoped.has(name)) continue;
      this.loopScoped.add(name);
      const t = this.templates.get(name);
      if (t) queue.push(...invocations(t).map((i) => i.template));
    }
  }

  /** Every template reference and DAG dependency must exist before anything runs. */
  private checkReferences(): void {
    for (const t of this.templates.values()) {
      const invs: Invocation[] = [...(t.dag?.tasks ?? []), ...(t.steps ?? []).flat()];
      for (const inv of invs) {
        if (!this.templates.has(inv.template))
          throw new WorkflowError(
            `${this.workflow.file}: ${t.name}.${inv.name} references unknown template ${inv.template}`,
          );
      }
      if (t.dag) {
        // Duplicate names, unknown dependencies, task results Argo does not know, cycles: the rules dp lint checks.
        const p = dagProblems(t.dag.tasks)[0];
        const file = this.workflow.file;
        if (p?.kind === 'duplicate') throw new WorkflowError(`${file}: ${t.name}: duplicate task ${p.task}`);
        if (p?.kind === 'invalid-result')
          throw new WorkflowError(`${file}: ${t.name}.${p.task}: ${p.message}`);
        if (p?.kind === 'unknown-dependency')
          throw new WorkflowError(`${file}: ${t.name}.${p.task} depends on unknown task ${p.dependency}`);
        if (p?.kind === 'cycle')
          throw new WorkflowError(`${file}: ${t.name}: dependency cycle ${p.cycle.join(' -> ')}`);
        for (const task of t.dag.tasks) {
          if (!task.depends) continue;
          try {
            evaluateDepends(task.depends, () => 'Succeeded'); // the syntax, before anything runs
          } catch (e) {
            if (e instanceof DependsError)
              throw new WorkflowError(`${file}: ${t.name}.${task.name}: ${e.message}`);
            throw e;
          }
        }
      }
      if (t.retryStrategy && !t.container)
        throw new WorkflowError(
          `${this.workflow.file}: templates.${t.name}.retryStrategy is only supported on container templates`,
        );
    }
  }

  private inputsScope(
    template: Template,
    args: Record<string, string>,
    node: string,
  ): Record<string, string> {
    const scope: Record<string, string> = { ...this.globals };
    const given = { ...args };
    for (const p of template.inputs?.parameters ?? []) {
      let v = given[p.name] ?? p.value ?? p.default;
      if (v === undefined && p.valueFrom?.default !== undefined) v = p.valueFrom.default;
      if (v === undefined)
        throw new WorkflowError(
          `${node}: inputs.parameters.${p.name} was not supplied (template ${template.name})`,
        );
      if (p.enum && !p.enum.includes(v))
        throw new WorkflowError(
          `${node}: inputs.parameters.${p.name}=${JSON.stringify(v)} is not one of ${p.enum.join(', ')}`,
        );
      scope[`inputs.parameters.${p.name}`] = v;
    }
    scope['inputs.parameters'] = JSON.stringify(
      (template.inputs?.parameters ?? []).map((p) => ({
        name: p.name,
        value: scope[`inputs.parameters.${p.name}`],
      })),
    );
    return scope;
  }

  private async runTemplate(
    template: Template,
    args: Record<string, string>,
    node: string,
    signal: AbortSignal,
    depth: number,
  ): Promise<NodeResult> {
    if (depth >= MAX_STACK_DEPTH) {
      this.depthExceeded = true;
      this.markNotRun(node, template.name, 'Error', MAX_DEPTH_MESSAGE);
      return { phase: 'Error', message: MAX_DEPTH_MESSAGE, outputs: {} };
    }
    const scope = this.inputsScope(template, args, node);
    if (template.container) return this.runContainerNode(template, scope, node, signal, depth);
    const deadline = this.templateDeadline(template, scope);
    const child = childSignal(signal, deadline === undefined ? undefined : deadline * this.timeScale);
    try {
      const parallelism = toInt(
        template.parallelism === undefined
          ? undefined
          : substitute(
              String(template.parallelism),
              scope,
              this.subOpts(`templates.${template.name}.parallelism`),
            ),
        `templates.${template.name}.parallelism`,
      );
      const limit = parallelism && parallelism > 0 ? new Semaphore(parallelism) : NO_LIMIT;
      const result = template.dag
        ? await this.runDag(template, scope, depth, child.signal, limit)
        : await this.runSteps(template, scope, depth, child.signal, limit);
      if (child.signal.aborted && result.phase === 'Succeeded') result.phase = 'Failed';
      return result;
    } finally {
      child.dispose();
    }
  }

  /** A template's activeDeadlineSeconds (parameters substituted), in milliseconds of workflow time. */
  private templateDeadline(template: Template, scope: Scope): number | undefined {
    return durationMs(
      template.activeDeadlineSeconds === undefined
        ? undefined
        : substitute(
            String(template.activeDeadlineSeconds),
            scope,
            this.subOpts(`templates.${template.name}.activeDeadlineSeconds`),
          ),
      `templates.${template.name}.activeDeadlineSeconds`,
    );
  }

  private subOpts(where: string) {
    return { clock: this.clock, where: this.where(where) };
  }

  /** Output parameters of a dag/steps template: `valueFrom.parameter` evaluated in the children's scope. */
  private templateOutputs(template: Template, scope: Scope): Record<string, string> {
    const out: Record<string, string> = {};
    for (const p of template.outputs?.parameters ?? []) {
      const src = p.valueFrom?.parameter ?? p.value;
      if (src === undefined) {
        if (p.valueFrom?.default !== undefined) out[p.name] = p.valueFrom.default;
        continue;
      }
      try {
        out[p.name] = substitute(
          src,
          scope,
          this.subOpts(`templates.${template.name}.outputs.parameters.${p.name}`),
        );
      } catch (e) {
        if (p.valueFrom?.default !== undefined) out[p.name] = p.valueFrom.default;
        else throw e;
      }
    }
    return out;
  }

  /** Items of withItems / withParam / withSequence, or undefined when the invocation does not loop. */
  private loopItems(inv: Invocation, scope: Scope, where: string): Value[] | undefined {
    if (inv.withItems) return inv.withItems.map((x) => fromJson(x));
    if (inv.withParam !== undefined) {
      const text = substitute(inv.withParam, scope, this.subOpts(`${where}.withParam`));
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new WorkflowError(`${this.where(`${where}.withParam`)}: not a JSON list: ${text.slice(0, 80)}`);
      }
      if (!Array.isArray(parsed))
        throw new WorkflowError(`${this.where(`${where}.withParam`)}: not a JSON list: ${text.slice(0, 80)}`);
      return parsed.map((x) => fromJson(x));
    }
    if (inv.withSequence) {
      const s = substituteDeep(inv.withSequence, scope, this.subOpts(`${where}.withSequence`));
      const start = toInt(s.start, `${where}.withSequence.start`) ?? 0;
      const count = toInt(s.count, `${where}.withSequence.count`);
      const end = toInt(s.end, `${where}.withSequence.end`);
      if ((count === undefined) === (end === undefined))
        throw new WorkflowError(
          `${this.where(`${where}.withSequence`)}: exactly one of count and end is required`,
        );
      const nums: number[] = [];
      if (count !== undefined) for (let i = 0; i < count; i++) nums.push(start + i);
      else if (end! >= start) for (let i = start; i <= end!; i++) nums.push(i);
      else for (let i = start; i >= end!; i--) nums.push(i);
      return nums.map((n) => (s.format ? sprintf(s.format, n) : String(n)));
    }
    return undefined;
  }

  private itemScope(item: Value): Record<string, string> {
    const scope: Record<string, string> = {};
    if (item !== null && typeof item === 'object' && !Array.isArray(item) && !(item instanceof GoTime)) {
      scope.item = JSON.stringify(item);
      for (const [k, v] of Object.entries(item))
        scope[`item.${k}`] = typeof v === 'string' ? v : JSON.stringify(v);
    } else if (Array.isArray(item)) {
      scope.item = JSON.stringify(item);
    } else {
      scope.item = formatValue(item);
    }
    return scope;
  }

  /** Expands an invocation into its concrete nodes (name, args), evaluating `when` for each. */
  private expand(
    inv: Invocation,
    scope: Scope,
    where: string,
    parent: string,
  ): { name: string; args: Record<string, string>; run: boolean }[] {
    const items = this.loopItems(inv, scope, where);
    const instances: { name: string; scope: Scope }[] = items
      ? items.map((item, i) => {
          const s = { ...scope, ...this.itemScope(item) };
          return { name: `${inv.name}(${i}:${s.item})`, scope: s };
        })
      : [{ name: inv.name, scope }];
    return instances.map(({ name, scope: s }) => {
      const args: Record<string, string> = {};
      for (const p of inv.arguments?.parameters ?? []) {
        const v = p.value ?? p.default;
        if (v === undefined)
          throw new WorkflowError(
            `${this.where(`${where}.arguments.parameters.${p.name}`)}: value is required`,
          );
        args[p.name] = substitute(v, s, this.subOpts(`${where}.arguments.parameters.${p.name}`));
      }
      let run = true;
      if (inv.when !== undefined && inv.when !== '') {
        const text = substitute(inv.when, s, this.subOpts(`${where}.when`));
        let v: Value;
        try {
          v = evaluateExpr(text, {}, 'govaluate');
        } catch (e) {
          throw new WorkflowError(
            `${this.where(`${where}.when`)}: invalid 'when' expression '${text}': ${(e as Error).message}`,
          );
        }
        if (typeof v !== 'boolean')
          throw new WorkflowError(`${this.where(`${where}.when`)}: '${text}' does not evaluate to a boolean`);
        run = v;
      }
      const values = Object.values(args);
      const display =
        !items && this.loopScoped.has(parent) && values.length > 0 ? `${name}(${values.join(',')})` : name;
      return { name: display, args, run };
    });
  }

  private readonly usedNames = new Map<string, number>();

  /** Display names are unique: a repeated name gets `#2`, `#3`, … */
  private uniqueName(name: string): string {
    const n = this.usedNames.get(name) ?? 0;
    this.usedNames.set(name, n + 1);
    return n === 0 ? name : `${name}#${n + 1}`;
  }

  private record(name: string, template: string): TaskRecord {
    const rec: TaskRecord = {
      name: this.uniqueName(name),
      template,
      phase: 'Pending',
      attempts: 0,
      exitCode: undefined,
      message: '',
      startedAt: undefined,
      finishedAt: undefined,
    };
    this.tasks.push(rec);
    return rec;
  }

  private changed(rec: TaskRecord): void {
    this.opts.reporter?.taskChanged(rec);
  }

  /** Marks nodes that never ran (skipped by `when`, omitted after a failure, an error before they could start). */
  private markNotRun(
    name: string,
    template: string,
    phase: 'Skipped' | 'Omitted' | 'Error',
    message: string,
  ): void {
    const rec = this.record(name, template);
    rec.phase = phase;
    rec.message = message;
    this.changed(rec);
  }

  private aggregateOutputs(prefix: string, results: NodeResult[], scope: Record<string, string>): void {
    const names = new Set(results.flatMap((r) => Object.keys(r.outputs)));
    for (const n of names)
      scope[`${prefix}.outputs.parameters.${n}`] = JSON.stringify(results.map((r) => r.outputs[n] ?? null));
    scope[`${prefix}.outputs.parameters`] = JSON.stringify(results.map((r) => r.outputs));
  }

  /**
   * Runs the expanded nodes of one DAG task or step: a node whose `when` is false is Skipped; the others each take a
   * parallelism slot and then run, unless `stopping()` says by then that the workflow is stopping (Omitted).
   */
  private runInstances(
    inv: Invocation,
    instances: { name: string; args: Record<string, string>; run: boolean }[],
    signal: AbortSignal,
    limit: { acquire(): Promise<() => void> },
    stopping: () => boolean,
    depth: number,
  ): Promise<NodeResult[]> {
    const tmpl = this.templates.get(inv.template)!;
    return Promise.all(
      instances.map(async (inst) => {
        if (!inst.run) {
          this.markNotRun(inst.name, inv.template, 'Skipped', 'when condition was false');
          return { phase: 'Skipped' as Phase, message: '', outputs: {} };
        }
        const release = await limit.acquire();
        try {
          if (stopping()) {
            this.markNotRun(inst.name, inv.template, 'Omitted', 'not started: the workflow is stopping');
            return { phase: 'Omitted' as Phase, message: '', outputs: {} };
          }
          return await this.runTemplate(tmpl, inst.args, inst.name, signal, depth + 1);
        } finally {
          release();
        }
      }),
    );
  }

  private async runDag(
    template: Template,
    scope: Record<string, string>,
    depth: number,
    signal: AbortSignal,
    limit: { acquire(): Promise<() => void> },
  ): Promise<NodeResult> {
    const dag = template.dag!;
    const failFast = dag.failFast === undefined ? true : String(dag.failFast) !== 'false';
    const byName = new Map(dag.tasks.map((t) => [t.name, t]));
    const deps = (t: DagTask): string[] => [
      ...(t.dependencies ?? []),
      ...(t.depends ? dependsNames(t.depends) : []),
    ];

    // dag.target: run only the named tasks plus everything they depend on.
    let selected = new Set(byName.keys());
    const target =
      dag.target === undefined
        ? ''
        : substitute(String(dag.target), scope, this.subOpts(`templates.${template.name}.dag.target`)).trim();
    if (target !== '') {
      selected = new Set();
      const visit = (name: string) => {
        const t = byName.get(name);
        if (!t)
          throw new WorkflowError(
            `${this.where(`templates.${template.name}.dag.target`)}: target task ${name} does not exist (tasks: ${[...byName.keys()].join(', ')})`,
          );
        if (selected.has(name)) return;
        selected.add(name);
        deps(t).forEach(visit);
      };
      target.split(/\s+/).forEach(visit);
    }
    const phases = new Map<string, Phase>();
    const running = new Map<string, Promise<void>>();
    const local: Record<string, string> = { ...scope };
    let failed: NodeResult | undefined;
    const phaseOf = (name: string): Phase => phases.get(name) ?? 'Pending';

    const startTask = (task: DagTask) => {
      phases.set(task.name, 'Running');
      // Only a failure after this task started stops its instances still waiting for a parallelism slot.
      const failedBefore = failed;
      const where = `templates.${template.name}.dag.tasks.${task.name}`;
      const p = (async () => {
        await null; // let running.set() below happen before this task can finish
        let result: NodeResult;
        try {
          const instances = this.expand(task, local, where, template.name);
          const loop = isLoop(task);
          const results = await this.runInstances(
            task,
            instances,
            signal,
            limit,
            () => signal.aborted || (failFast && failed !== failedBefore),
            depth,
          );
          const bad = results.find((r) => r.phase === 'Failed' || r.phase === 'Error');
          const ran = results.filter((r) => r.phase !== 'Skipped' && r.phase !== 'Omitted');
          result = bad
            ? { ...bad, message: bad.message }
            : results.some((r) => r.phase === 'Omitted')
              ? { phase: 'Omitted', message: 'omitted', outputs: {} }
              : ran.length === 0
                ? { phase: 'Skipped', message: 'skipped', outputs: {} }
                : { phase: 'Succeeded', message: '', outputs: loop ? {} : results[0]!.outputs };
          if (!loop && result.phase === 'Skipped')
            result.outputs = skippedOutputDefaults(this.templates.get(task.template));
          if (loop) this.aggregateOutputs(`tasks.${task.name}`, results, local);
          else
            for (const [k, v] of Object.entries(result.outputs))
              local[`tasks.${task.name}.outputs.parameters.${k}`] = v;
          if (!loop && results[0]?.exitCode !== undefined)
            local[`tasks.${task.name}.exitCode`] = String(results[0].exitCode);
        } catch (e) {
          if (!(e instanceof WorkflowError || e instanceof TemplateError)) throw e;
          this.markNotRun(task.name, task.template, 'Error', e.message);
          result = { phase: 'Error', message: e.message, outputs: {} };
        }
        const continues =
          (result.phase === 'Failed' && task.continueOn?.failed) ||
          (result.phase === 'Error' && task.continueOn?.error);
        if ((result.phase === 'Failed' || result.phase === 'Error') && !continues && !failed) failed = result;
        phases.set(task.name, result.phase);
        local[`tasks.${task.name}.status`] = result.phase;
        running.delete(task.name);
      })();
      running.set(task.name, p);
    };

    // failFast as Argo's controller does it: the reconcile that sees a task fail still creates every task that
    // became ready with it (a `depends: x.Failed` handler runs); from the next pass on nothing new starts.
    let stopping = false;
    for (;;) {
      let progressed = false;
      for (const name of selected) {
        if (phases.has(name)) continue;
        const task = byName.get(name)!;
        let ready: boolean | undefined;
        if (task.depends) {
          try {
            ready = evaluateDepends(task.depends, phaseOf);
          } catch (e) {
            if (e instanceof DependsError) throw new WorkflowError(e.message);
            throw e;
          }
        } else {
          const ds = task.dependencies ?? [];
          if (ds.some((d) => ['Pending', 'Running'].includes(phaseOf(d)))) ready = undefined;
          else ready = ds.every((d) => ['Succeeded', 'Skipped'].includes(phaseOf(d)));
        }
        if (ready === undefined) continue;
        progressed = true;
        if (!ready || signal.aborted || stopping) {
          phases.set(name, 'Omitted');
          local[`tasks.${name}.status`] = 'Omitted';
          for (const [k, v] of Object.entries(skippedOutputDefaults(this.templates.get(task.template))))
            local[`tasks.${name}.outputs.parameters.${k}`] = v;
          this.markNotRun(
            name,
            task.template,
            'Omitted',
            ready ? 'not started: the workflow is stopping' : 'dependencies not satisfied',
          );
          continue;
        }
        startTask(task);
      }
      if (running.size === 0 && !progressed) break;
      stopping = failFast && failed !== undefined;
      if (!progressed) await Promise.race(running.values());
    }
    if (failed) return { phase: failed.phase, message: failed.message, outputs: {} };
    if (signal.aborted) return { phase: 'Failed', message: 'stopped', outputs: {} };
    return { phase: 'Succeeded', message: '', outputs: this.templateOutputs(template, local) };
  }

  private async runSteps(
    template: Template,
    scope: Record<string, string>,
    depth: number,
    signal: AbortSignal,
    limit: { acquire(): Promise<() => void> },
  ): Promise<NodeResult> {
    const local: Record<string, string> = { ...scope };
    for (const [gi, group] of template.steps!.entries()) {
      const results = await Promise.all(
        group.map(async (step) => {
          const where = `templates.${template.name}.steps[${gi}].${step.name}`;
          try {
            const instances = this.expand(step, local, where, template.name);
            const rs = await this.runInstances(step, instances, signal, limit, () => signal.aborted, depth);
            if (isLoop(step)) this.aggregateOutputs(`steps.${step.name}`, rs, local);
            else
              for (const [k, v] of Object.entries(rs[0]!.outputs))
                local[`steps.${step.name}.outputs.parameters.${k}`] = v;
            const bad = rs.find((r) => r.phase === 'Failed' || r.phase === 'Error');
            const phase: Phase = bad
              ? bad.phase
              : rs.every((r) => r.phase === 'Skipped')
                ? 'Skipped'
                : 'Succeeded';
            local[`steps.${step.name}.status`] = phase;
            const continues =
              (phase === 'Failed' && step.continueOn?.failed) ||
              (phase === 'Error' && step.continueOn?.error);
            return {
              phase: continues ? 'Succeeded' : phase,
              message: bad?.message ?? '',
              outputs: {},
            } as NodeResult;
          } catch (e) {
            if (!(e instanceof WorkflowError || e instanceof TemplateError)) throw e;
            this.markNotRun(step.name, step.template, 'Error', e.message);
            return { phase: 'Error', message: e.message, outputs: {} } as NodeResult;
          }
        }),
      );
      const bad = results.find((r) => r.phase === 'Failed' || r.phase === 'Error');
      if (bad) {
        for (const later of template.steps!.slice(gi + 1).flat())
          this.markNotRun(later.name, later.template, 'Omitted', 'an earlier step failed');
        return bad;
      }
      if (signal.aborted) return { phase: 'Failed', message: 'stopped', outputs: {} };
    }
    return { phase: 'Succeeded', message: '', outputs: this.templateOutputs(template, local) };
  }

  private retryDecision(
    strategy: RetryStrategy | undefined,
    scope: Scope,
    template: string,
    attempt: number,
    last: { phase: Phase; exitCode: number | undefined; message: string; durationMs: number },
    firstStart: number,
  ): number | undefined {
    if (!strategy) return undefined;
    const where = `templates.${template}.retryStrategy`;
    const s = substituteDeep(strategy, scope, this.subOpts(where));
    const limit = toInt(s.limit, `${where}.limit`);
    if (limit !== undefined && attempt > limit) return undefined;
    const policy = s.retryPolicy ?? 'OnFailure';
    const isError = last.phase === 'Error';
    const policyOk =
      policy === 'Always' ||
      (policy === 'OnFailure' && !isError) ||
      (policy === 'OnError' && isError) ||
      (policy === 'OnTransientError' && isError);
    if (!['Always', 'OnFailure', 'OnError', 'OnTransientError'].includes(policy))
      throw new WorkflowError(`${this.where(`${where}.retryPolicy`)}: unknown policy ${policy}`);
    if (!policyOk) return undefined;
    if (s.expression) {
      const env = {
        ...builtinFunctions(this.clock),
        lastRetry: {
          exitCode: last.exitCode === undefined ? '-1' : String(last.exitCode),
          status: last.phase,
          duration: String(Math.round(last.durationMs / 1000)),
          message: last.message,
        },
        retries: BigInt(attempt - 1),
      };
      let v: Value;
      try {
        v = evaluateExpr(s.expression, env);
      } catch (e) {
        throw new WorkflowError(`${this.where(`${where}.expression`)}: ${(e as Error).message}`);
      }
      if (typeof v !== 'boolean')
        throw new WorkflowError(`${this.where(`${where}.expression`)}: must evaluate to a bool`);
      if (!v) return undefined;
    }
    const base = durationMs(s.backoff?.duration, `${where}.backoff.duration`) ?? 0;
    const factor = toInt(s.backoff?.factor, `${where}.backoff.factor`) ?? 1;
    const cap = durationMs(s.backoff?.cap, `${where}.backoff.cap`);
    const delay = Math.min(base * factor ** (attempt - 1), cap ?? Number.POSITIVE_INFINITY);
    const max = durationMs(s.backoff?.maxDuration, `${where}.backoff.maxDuration`);
    if (max !== undefined && this.clock() - firstStart + delay * this.timeScale > max * this.timeScale)
      return undefined;
    return delay;
  }

  private async runContainerNode(
    template: Template,
    scope: Record<string, string>,
    node: string,
    signal: AbortSignal,
    depth: number,
  ): Promise<NodeResult> {
    const rec = this.record(node, template.name);
    const fail = (phase: Phase, message: string): NodeResult => {
      rec.phase = phase;
      rec.message = message;
      rec.finishedAt = this.clock();
      this.changed(rec);
      return {
        phase,
        message,
        outputs: {},
        ...(rec.exitCode !== undefined ? { exitCode: rec.exitCode } : {}),
      };
    };
    let container: Container;
    let outputs: Parameter[];
    try {
      scope['pod.name'] = `${this.workflow.name}-${node.replace(/[^a-z0-9-]/gi, '-').toLowerCase()}`;
      scope['node.name'] = node;
      container = substituteDeep(
        template.container!,
        scope,
        this.subOpts(`templates.${template.name}.container`),
      );
      outputs = substituteDeep(
        template.outputs?.parameters ?? [],
        scope,
        this.subOpts(`templates.${template.name}.outputs`),
      );
    } catch (e) {
      if (e instanceof TemplateError) return fail('Error', e.message);
      throw e;
    }
    let volumes: Volume[];
    try {
      volumes = substituteDeep(
        [...(this.workflow.spec.volumes ?? []), ...(template.volumes ?? [])],
        scope,
        this.subOpts(`templates.${template.name}.volumes`),
      );
    } catch (e) {
      if (e instanceof TemplateError) return fail('Error', e.message);
      throw e;
    }
    const deadline = this.templateDeadline(template, scope);
    const firstStart = this.clock();
    rec.startedAt = firstStart;
    for (let attempt = 1; ; attempt++) {
      if (signal.aborted) return fail('Failed', 'stopped before it started');
      const release = await this.podLimit.acquire();
      let result: ContainerResult;
      const started = this.clock();
      const child = childSignal(signal, deadline === undefined ? undefined : deadline * this.timeScale);
      try {
        rec.phase = 'Running';
        rec.message = '';
        rec.attempts = attempt;
        this.changed(rec);
        result = await this.opts.executor
          .run({
            node,
            template: template.name,
            attempt,
            container: template.retryStrategy ? withRetries(container, attempt - 1) : container,
            volumes,
            outputs,
            signal: child.signal,
          })
          .catch((e: unknown) => ({
            exitCode: undefined,
            message: `could not run the container: ${e instanceof Error ? e.message : String(e)}`,
            outputs: {},
          }));
      } finally {
        child.dispose();
        release();
      }
      rec.exitCode = result.exitCode;
      // Argo enters a retried template again, one level deeper, when its first attempt finishes.
      if (attempt === 1 && template.retryStrategy && depth + 1 >= MAX_STACK_DEPTH) {
        this.depthExceeded = true;
        return fail('Error', MAX_DEPTH_MESSAGE);
      }
      let phase: Phase =
        result.exitCode === 0 ? 'Succeeded' : result.exitCode === undefined ? 'Error' : 'Failed';
      let message = result.message ?? (result.exitCode ? `exit code ${result.exitCode}` : '');
      if (child.timedOut()) {
        phase = 'Failed';
        message = `Pod was active on the node longer than the specified deadline (${template.activeDeadlineSeconds}s)`;
      }
      if (phase === 'Succeeded') {
        const values: Record<string, string> = { ...result.outputs };
        for (const p of outputs)
          if (values[p.name] === undefined && p.valueFrom?.default !== undefined)
            values[p.name] = p.valueFrom.default;
        result = { ...result, outputs: values };
        const missing = outputs.find((p) => result.outputs[p.name] === undefined);
        if (missing) {
          phase = 'Error';
          message = `output parameter ${missing.name}: file ${missing.valueFrom?.path ?? '(no path)'} was not written`;
        } else {
          rec.phase = 'Succeeded';
          rec.message = '';
          rec.finishedAt = this.clock();
          this.changed(rec);
          return { phase: 'Succeeded', message: '', outputs: { ...result.outputs }, exitCode: 0 };
        }
      }
      if (signal.aborted)
        return fail('Failed', this.deadlineExceeded ? 'workflow deadline exceeded' : message || 'stopped');
      let delay: number | undefined;
      try {
        delay = this.retryDecision(
          template.retryStrategy,
          scope,
          template.name,
          attempt,
          { phase, exitCode: result.exitCode, message, durationMs: this.clock() - started },
          firstStart,
        );
      } catch (e) {
        if (e instanceof WorkflowError || e instanceof TemplateError) return fail('Error', e.message);
        throw e;
      }
      if (delay === undefined) return fail(phase, message);
      rec.message = `${message}; retrying`;
      this.changed(rec);
      await sleep(delay * this.timeScale, signal);
    }
  }
}

/**
 * A signal that aborts when `parent` does or, if `deadlineMs` is set, when that many milliseconds have passed
 * (`timedOut()` then says so). `dispose()` stops the timer and unhooks it from `parent`.
 */
function childSignal(
  parent: AbortSignal,
  deadlineMs: number | undefined,
): { signal: AbortSignal; timedOut(): boolean; dispose(): void } {
  const controller = new AbortController();
  let timedOut = false;
  const onAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onAbort, { once: true });
  const timer =
    deadlineMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          controller.abort(new WorkflowError('deadline'));
        }, deadlineMs);
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose: () => {
      if (timer) clearTimeout(timer);
      parent.removeEventListener('abort', onAbort);
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Checks a workflow with its parameters as `runWorkflow` would before running anything; throws WorkflowError. */
export function validateWorkflow(
  workflow: Workflow,
  opts: Pick<RunOptions, 'parameters' | 'entrypoint' | 'clock'>,
): void {
  new Interpreter(workflow, { ...opts, executor: NO_EXECUTOR }).preflight();
}

const NO_EXECUTOR: Executor = {
  run: () => Promise.reject(new Error('validateWorkflow runs nothing')),
};

export function runWorkflow(workflow: Workflow, opts: RunOptions): Promise<RunResult> {
  return new Interpreter(workflow, opts).run();
}

export { evaluateExpression };
