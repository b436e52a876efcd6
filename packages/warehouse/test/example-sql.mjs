// The example pipeline's SQL rendered for one day, for the warehouse's tests and bench (a .mjs so the bench can
// import it too). Nothing here is a copy: the SQL is read from workflows/bigquery_step_workflow.yaml (the one source)
// and rendered by @data-pipeline/airflow-templates the way the operator renders it (both devDependencies).
import { fileURLToPath } from 'node:url';
import { renderTemplate, templateContext } from '@data-pipeline/airflow-templates';
import { destinationTable, loadExampleTemplates } from '@data-pipeline/example-pipeline';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The four tables the example pipeline writes (from its destinations). */
export const EXAMPLE_TABLES = loadExampleTemplates(ROOT).flatMap((t) =>
  t.destination === undefined ? [] : [destinationTable(t.destination)],
);

/**
 * @param {string} ds Airflow execution date YYYY-MM-DD (the SQL processes the day before)
 * @param {{ project?: string }} [options] the workflow's gcp-project parameter (default `local-project`)
 * @returns {{ yesterdayNodash: string, sql: Record<string, string>, table: Record<string, string> }} per Airflow
 *   task_id: the rendered SQL, and for writers the destination table id with its partition (`github_agg$20261120`)
 */
export function exampleSql(ds, { project = 'local-project' } = {}) {
  const tasks = loadExampleTemplates(ROOT, { workflowParameters: { 'gcp-project': project } });
  const date = new Date(`${ds}T00:00:00Z`);
  const render = (t, text) => renderTemplate(text, templateContext(date, { dagId: t.dag, taskId: t.task }));
  return {
    yesterdayNodash: renderTemplate('{{ yesterday_ds_nodash }}', templateContext(date, {})),
    sql: Object.fromEntries(tasks.map((t) => [t.task, render(t, t.sql)])),
    table: Object.fromEntries(
      tasks.flatMap((t) =>
        t.destination === undefined ? [] : [[t.task, render(t, t.destination).split('.').at(-1)]],
      ),
    ),
  };
}
