import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

/** The example pipeline's workflow, relative to the repository root: the one place its SQL is written. */
export const EXAMPLE_WORKFLOW = 'workflows/bigquery_step_workflow.yaml';

export type ExampleOperator = 'BigQueryOperator' | 'BigQueryCheckOperator';

/** Container commands of the workflow's operator steps → the Airflow 1.8.2 operator each one runs. */
const OPERATORS: Readonly<Record<string, ExampleOperator>> = {
  'bigquery-operator': 'BigQueryOperator',
  'bigquery-check-operator': 'BigQueryCheckOperator',
};

/** One Airflow task of the example pipeline, as its container template's args give it. */
export interface ExampleTemplate {
  /** Name of the Argo container template (e.g. `write-github-daily`). */
  readonly template: string;
  /** Airflow task_id (`--task-id`). */
  readonly task: string;
  /** Airflow dag_id (`--dag-id`). */
  readonly dag: string;
  readonly operator: ExampleOperator;
  /** The SQL as written (`--bql` / `--sql`): Airflow Jinja, unrendered. */
  readonly sql: string;
  /** `--destination-dataset-table` (Jinja, unrendered); undefined for check operators. */
  readonly destination: string | undefined;
  /** `--use-legacy-sql`; absent means Airflow 1.8.2's default, true. */
  readonly useLegacySql: boolean;
}

export interface ExampleOptions {
  /**
   * When given, Argo's `{{workflow.parameters.NAME}}` tags in `sql` and `destination` are replaced the way Argo does
   * before the operator sees them: these values first, then the workflow's declared defaults. A referenced parameter
   * with neither is an error. Without it the texts are returned exactly as written.
   */
  readonly workflowParameters?: Readonly<Record<string, string>>;
}

/** The workflow file is missing, is not the expected shape, or references an unknown parameter. */
export class ExampleWorkflowError extends Error {
  override readonly name = 'ExampleWorkflowError';
}

const PARAMETER_TAG = /\{\{\s*workflow\.parameters\.([A-Za-z0-9_-]+)\s*\}\}/g;

/** Replaces Argo `{{workflow.parameters.NAME}}` tags; every other `{{ … }}` (Airflow Jinja) is left untouched. */
export function substituteWorkflowParameters(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(PARAMETER_TAG, (_tag, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new ExampleWorkflowError(`workflow parameter "${name}" has no value`);
    }
    return value;
  });
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Value of `--name=value` or `--name value` in an argument list. */
function flag(args: readonly string[], name: string): string | undefined {
  for (const [i, arg] of args.entries()) {
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
    if (arg === `--${name}`) return args[i + 1];
  }
  return undefined;
}

function declaredDefaults(spec: Record<string, unknown>): Record<string, string> {
  const params = isRecord(spec.arguments) ? spec.arguments.parameters : undefined;
  const out: Record<string, string> = {};
  if (!Array.isArray(params)) return out;
  for (const p of params) {
    if (isRecord(p) && typeof p.name === 'string' && typeof p.value === 'string') out[p.name] = p.value;
  }
  return out;
}

/** The operator steps of the example workflow's YAML text, in the order its templates are written. */
export function parseExampleTemplates(
  yamlText: string,
  options: ExampleOptions = {},
  source: string = EXAMPLE_WORKFLOW,
): ExampleTemplate[] {
  let doc: unknown;
  try {
    doc = parse(yamlText, { version: '1.1' });
  } catch (err) {
    throw new ExampleWorkflowError(`${source}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const spec = isRecord(doc) && isRecord(doc.spec) ? doc.spec : undefined;
  if (!spec || !Array.isArray(spec.templates)) {
    throw new ExampleWorkflowError(`${source}: no spec.templates`);
  }
  const values = options.workflowParameters
    ? { ...declaredDefaults(spec), ...options.workflowParameters }
    : undefined;
  const render = (text: string) => (values ? substituteWorkflowParameters(text, values) : text);

  const out: ExampleTemplate[] = [];
  for (const t of spec.templates) {
    if (!isRecord(t) || !isRecord(t.container)) continue;
    const command = t.container.command;
    const operator = Array.isArray(command) ? OPERATORS[String(command[0])] : undefined;
    if (!operator) continue;
    const name = String(t.name);
    const args = Array.isArray(t.container.args) ? t.container.args.map(String) : [];
    const task = flag(args, 'task-id');
    const dag = flag(args, 'dag-id') ?? '';
    const sql = flag(args, operator === 'BigQueryOperator' ? 'bql' : 'sql');
    if (!task) throw new ExampleWorkflowError(`${source}: template ${name} has no --task-id`);
    if (!sql) throw new ExampleWorkflowError(`${source}: template ${name} has no SQL argument`);
    const destination = flag(args, 'destination-dataset-table');
    out.push({
      template: name,
      task,
      dag,
      operator,
      sql: render(sql),
      destination: destination === undefined ? undefined : render(destination),
      useLegacySql: (flag(args, 'use-legacy-sql') ?? 'true') === 'true',
    });
  }
  if (out.length === 0) throw new ExampleWorkflowError(`${source}: no BigQuery operator steps`);
  const tasks = new Set(out.map((t) => t.task));
  if (tasks.size !== out.length) throw new ExampleWorkflowError(`${source}: a task_id is used twice`);
  return out;
}

/** Reads {@link EXAMPLE_WORKFLOW} under `repoRoot` and returns its operator steps (see {@link parseExampleTemplates}). */
export function loadExampleTemplates(repoRoot: string, options: ExampleOptions = {}): ExampleTemplate[] {
  const file = join(repoRoot, EXAMPLE_WORKFLOW);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ExampleWorkflowError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return parseExampleTemplates(text, options, EXAMPLE_WORKFLOW);
}

/** Table name of a destination `[project:|project.]dataset.table[$decorator]`. */
export function destinationTable(destination: string): string {
  const withoutDecorator = destination.split('$')[0] ?? destination;
  return withoutDecorator.split(/[.:]/).at(-1) ?? withoutDecorator;
}
