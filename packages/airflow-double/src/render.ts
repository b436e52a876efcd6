import type { DagTask } from './dagbag.js';
import type { PlainConnection } from './db.js';
import { DoubleError, PythonException } from './errors.js';
import type { Io } from './io.js';
import { isoformat, type Naive } from './naive-date.js';
import { callPython } from './python-bridge.js';

export interface RenderRequest {
  readonly fileloc: string;
  readonly dagId: string;
  readonly task: DagTask;
  readonly dagsFolder: string;
  readonly timeoutSeconds: number;
  readonly connections: readonly PlainConnection[];
  readonly executionDate: Naive;
  readonly prevExecutionDate: Naive | undefined;
  readonly nextExecutionDate: Naive | undefined;
  /** The DagRun's run_id; null when no DagRun exists (a dry run). */
  readonly runId: string | null;
  /** `ti.try_number` while the task runs (already counted up, as 1.8.2 does before rendering). */
  readonly tryNumber: number;
  readonly conf: Record<string, Record<string, string>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly python: string;
  readonly io: Io;
  /** Receives what the DAG file prints while it is executed again (the task log, as in the `--raw` child). */
  readonly output: (chunk: Buffer) => void;
}

/** An exception raised while rendering (frames from the operator's render_template down). */
export class TemplateRenderError extends PythonException {}

type RenderReport =
  | { rendered: Record<string, unknown> }
  | { exception: { type: string; message: string; frames: string[] } }
  | { double_error: string };

/** Jinja leaves a string alone unless it holds a tag, a comment, a newline it normalises or a template file name. */
function inert(value: unknown, exts: readonly string[]): boolean {
  if (!value) return true;
  if (typeof value !== 'string') return false;
  return (
    !/\{[{%#]/.test(value) &&
    !value.endsWith('\n') &&
    !value.includes('\r') &&
    !exts.some((e) => value.endsWith(e))
  );
}

/** Whether any templated field of the task needs Jinja (otherwise rendering is the identity and is skipped). */
export function needsRendering(task: DagTask): boolean {
  return task.template_fields.some((f) => !inert(task.values[f], task.template_ext));
}

/**
 * `render_templates()` of the `--raw` child: the DAG file is executed again and the task's template fields are
 * rendered by real Jinja2 with 1.8.2's template context (python/airflow_double_task.py). Returns the rendered values
 * of the non-empty templated fields; a template error is the Python exception the task raises.
 */
export async function renderTemplatedFields(req: RenderRequest): Promise<Record<string, unknown>> {
  if (!needsRendering(req.task)) {
    const same: Record<string, unknown> = {};
    for (const f of req.task.template_fields) if (req.task.values[f]) same[f] = req.task.values[f];
    return same;
  }
  const report = await callPython<RenderReport>({
    script: 'airflow_double_task.py',
    what: 'the template renderer',
    request: {
      file: req.fileloc,
      dag_id: req.dagId,
      task_id: req.task.task_id,
      dags_folder: req.dagsFolder,
      timeout: req.timeoutSeconds,
      connections: req.connections,
      execution_date: isoformat(req.executionDate),
      prev_execution_date: req.prevExecutionDate === undefined ? null : isoformat(req.prevExecutionDate),
      next_execution_date: req.nextExecutionDate === undefined ? null : isoformat(req.nextExecutionDate),
      run_id: req.runId,
      try_number: req.tryNumber,
      conf: req.conf,
    },
    python: req.python,
    env: req.env,
    io: req.io,
    output: req.output,
  });
  if ('double_error' in report) throw new DoubleError(report.double_error);
  if ('exception' in report) {
    const e = report.exception;
    throw new TemplateRenderError(e.type, e.message, e.frames);
  }
  return report.rendered;
}
