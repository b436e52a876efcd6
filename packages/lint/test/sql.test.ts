import { renderTemplate, templateContext } from '@data-pipeline/airflow-templates';
import { substituteSimpleTags } from '@data-pipeline/lint';
import { describe, expect, it } from 'vitest';
import { flagValue, loadYaml, type Obj, obj, resolveArgo, templatesOf } from './helpers.js';

/**
 * What reaches the operator: Argo resolves its own tags (parameters, inputs) and leaves the Jinja ones; then the
 * operator renders the Jinja with Airflow 1.8.2's context for the execution date.
 */
function rendered(workflowFile: string, template: string, executionDate: string) {
  const t = templatesOf(loadYaml(workflowFile)).get(template) as Obj;
  const args = obj(t.container).args as string[];
  // The init's write-github-daily takes the data day (the day before) and computes its execution date from it.
  const dataDay = new Date(
    Date.UTC(+executionDate.slice(0, 4), +executionDate.slice(4, 6) - 1, +executionDate.slice(6, 8)) -
      86_400_000,
  )
    .toISOString()
    .slice(0, 10)
    .replaceAll('-', '');
  const inputs = { 'execution-date': executionDate, 'data-day': dataDay };
  const values = {
    'workflow.parameters.gcp-project': 'my-project',
    'workflow.parameters.dataset': 'github_trends',
    'inputs.parameters.execution-date': executionDate,
    'inputs.parameters.data-day': dataDay,
  };
  const argoArgs = args.map((a) =>
    a.includes('{{=')
      ? resolveArgo(a, values, { inputs: { parameters: inputs } })
      : substituteSimpleTags(a, values),
  );
  const date = new Date(
    Date.UTC(+executionDate.slice(0, 4), +executionDate.slice(4, 6) - 1, +executionDate.slice(6, 8)),
  );
  const taskId = flagValue(argoArgs, '--task-id') as string;
  const context = templateContext(date, { dagId: flagValue(argoArgs, '--dag-id') as string, taskId });
  const sql = flagValue(argoArgs, '--bql') ?? flagValue(argoArgs, '--sql');
  const destination = flagValue(argoArgs, '--destination-dataset-table');
  return {
    taskId,
    executionDate: flagValue(argoArgs, '--execution-date'),
    sql: sql === undefined ? undefined : renderTemplate(sql, context).trim(),
    destination: destination === undefined ? undefined : renderTemplate(destination, context),
  };
}

const DAILY = 'workflows/bigquery_step_workflow.yaml';
const INIT = 'workflows/bigquery_step_init_workflow.yaml';
// Execution date 2024-03-01: every query processes 2024-02-29 (a leap day, and a month boundary for the windows).
const R = '20240301';

describe('SQL as Airflow 1.8.2 renders it for execution date 2024-03-01', () => {
  it('checks the GitHub Archive day table and Hacker News for the day before', () => {
    const gh = rendered(DAILY, 'check-github-data', R);
    expect(gh.taskId).toBe('bq_check_githubarchive_day');
    expect(gh.executionDate).toBe(R);
    expect(gh.sql).toBe(
      [
        '#legacySql',
        'SELECT table_id',
        'FROM [githubarchive:day.__TABLES__]',
        'WHERE table_id = "20240229"',
      ].join('\n'),
    );
    const hn = rendered(DAILY, 'check-hn-data', R);
    expect(hn.sql).toContain('AND STRFTIME_UTC_USEC(timestamp, "%Y%m%d") = "20240229"');
    expect(hn.sql).toContain('[bigquery-public-data:hacker_news.full]');
  });

  it('writes github_daily_metrics$20240229 in the gcp-project, not a hard-coded project', () => {
    const daily = rendered(DAILY, 'write-github-daily', R);
    expect(daily.destination).toBe('my-project:github_trends.github_daily_metrics$20240229');
    expect(daily.sql).toContain('`githubarchive.day.20240229`');
    expect(daily.sql).not.toContain('{{');
  });

  it('aggregates HN stories of the day: yesterday_ds < timestamp < ds', () => {
    const hn = rendered(DAILY, 'write-hn-agg', R);
    expect(hn.destination).toBe('my-project:github_trends.hackernews_agg$20240229');
    expect(hn.sql).toContain("AND timestamp>'2024-02-29'");
    expect(hn.sql).toContain("AND timestamp<'2024-03-01'");
  });

  it('uses real 7-day and 28-day windows (ds-7 .. yesterday, ds-28 .. yesterday)', () => {
    const agg = rendered(DAILY, 'write-github-agg', R);
    expect(agg.destination).toBe('my-project:github_trends.github_agg$20240229');
    const sql = agg.sql as string;
    expect(sql).toContain('"20240229" as date');
    // 7 partitions: 2024-02-23 .. 2024-02-29
    expect(sql.match(/BETWEEN TIMESTAMP\("2024-02-23"\)\n\s*AND TIMESTAMP\("2024-02-29"\)/g)).toHaveLength(2);
    // 1 partition
    expect(sql.match(/BETWEEN TIMESTAMP\("2024-02-29"\)\n\s*AND TIMESTAMP\("2024-02-29"\)/g)).toHaveLength(2);
    // 28 partitions: 2024-02-02 .. 2024-02-29
    expect(sql).toMatch(
      /WHERE _PARTITIONTIME BETWEEN TIMESTAMP\("2024-02-02"\)\nAND TIMESTAMP\("2024-02-29"\)/,
    );
    expect(sql).toContain('`github_trends.github_daily_metrics`');
    expect(sql).not.toContain('{{');
  });

  it('joins the day of HN stories with the GitHub rollups and checks the partition', () => {
    const join = rendered(DAILY, 'write-hn-github-agg', R);
    expect(join.destination).toBe('my-project:github_trends.hackernews_github_agg$20240229');
    expect(join.sql?.match(/BETWEEN TIMESTAMP\("2024-02-29"\) AND TIMESTAMP\("2024-02-29"\)/g)).toHaveLength(
      2,
    );
    const check = rendered(DAILY, 'check-hn-github-agg', R);
    expect(check.sql).toBe(
      [
        '#legacySql',
        'SELECT',
        'partition_id',
        'FROM',
        '[my-project:github_trends.hackernews_github_agg$__PARTITIONS_SUMMARY__]',
        'WHERE partition_id = "20240229"',
      ].join('\n'),
    );
  });

  it('writes github_daily_metrics in the init backfill exactly as the daily run does', () => {
    for (const day of ['20240301', '20240101', '20250101', '20261231']) {
      expect(rendered(INIT, 'write-github-daily', day)).toEqual(rendered(DAILY, 'write-github-daily', day));
    }
    expect(rendered(INIT, 'write-github-daily', '20250101').destination).toBe(
      'my-project:github_trends.github_daily_metrics$20241231',
    );
  });
});
