import type { RunConfig } from './config.js';
import { OperatorError } from './operator.js';

/** Renders one template with the task's Airflow 1.8.2 context; `name` is the field a render error names. */
export type RenderTemplate = (name: string, template: string) => Promise<string>;

/**
 * The native engine's template renderer: Airflow 1.8.2's context for the run's execution date, DAG and task. A
 * template error (UndefinedError, syntax, ValueError from macros, ...) → OperatorError invalid-input (65), the field
 * named. The template engine (nunjucks, ~30 ms to load) is imported lazily, on the first render: a bin running the
 * Airflow engine (Airflow renders the templates) never loads it.
 */
export function templateRenderer(
  config: Pick<RunConfig, 'executionDate' | 'dagId' | 'taskId'>,
): RenderTemplate {
  let loaded: Promise<(name: string, template: string) => string> | undefined;
  const load = async () => {
    const { renderTemplate, TemplateRenderError, templateContext } = await import(
      '@data-pipeline/airflow-templates'
    );
    const tctx = templateContext(config.executionDate, { dagId: config.dagId, taskId: config.taskId });
    return (name: string, template: string): string => {
      try {
        return renderTemplate(template, tctx);
      } catch (err) {
        if (err instanceof TemplateRenderError) {
          throw new OperatorError('invalid-input', `cannot render ${name}: ${err.message}`);
        }
        throw err;
      }
    };
  };
  return async (name, template) => {
    loaded ??= load();
    return (await loaded)(name, template);
  };
}

/**
 * The kwargs with their string `templatedFields` rendered, as Airflow renders an operator's template_fields before
 * `execute()`; the native implementation gets these.
 */
export async function renderTemplatedFields<K>(
  kwargs: K,
  fields: readonly string[],
  render: RenderTemplate,
): Promise<K> {
  const out: Record<string, unknown> = { ...(kwargs as Record<string, unknown>) };
  for (const f of fields) {
    const v = out[f];
    if (typeof v === 'string') out[f] = await render(f, v);
  }
  return out as K;
}
