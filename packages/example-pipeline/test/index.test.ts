import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  destinationTable,
  ExampleWorkflowError,
  loadExampleTemplates,
  parseExampleTemplates,
  substituteWorkflowParameters,
} from '../src/index.js';

// biome-ignore lint/suspicious/noTemplateCurlyInString: a BigQuery partition decorator, not JS
const DECORATOR = '${{ yesterday_ds_nodash }}';
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

describe('loadExampleTemplates (the repository workflow)', () => {
  const templates = loadExampleTemplates(ROOT);

  it('gives the seven tasks in DAG order with operator, destination and dialect', () => {
    expect(
      templates.map((t) => [
        t.template,
        t.task,
        t.operator,
        t.destination?.split('.').at(-1),
        t.useLegacySql,
      ]),
    ).toEqual([
      ['check-github-data', 'bq_check_githubarchive_day', 'BigQueryCheckOperator', undefined, true],
      ['check-hn-data', 'bq_check_hackernews_full', 'BigQueryCheckOperator', undefined, true],
      [
        'write-github-daily',
        'bq_write_to_github_daily_metrics',
        'BigQueryOperator',
        `github_daily_metrics${DECORATOR}`,
        false,
      ],
      ['write-hn-agg', 'bq_write_to_hackernews_agg', 'BigQueryOperator', `hackernews_agg${DECORATOR}`, false],
      ['write-github-agg', 'bq_write_to_github_agg', 'BigQueryOperator', `github_agg${DECORATOR}`, false],
      [
        'write-hn-github-agg',
        'bq_write_to_hackernews_github_agg',
        'BigQueryOperator',
        `hackernews_github_agg${DECORATOR}`,
        false,
      ],
      ['check-hn-github-agg', 'bq_check_hackernews_github_agg', 'BigQueryCheckOperator', undefined, true],
    ]);
  });

  it('every task belongs to the one DAG', () => {
    expect(new Set(templates.map((t) => t.dag))).toEqual(new Set(['bigquery_github_trends_v1']));
  });

  it('returns the SQL unrendered, dialect prefix first, with the fixed 7/28-day windows', () => {
    for (const t of templates) {
      expect(t.sql.split('\n')[0]).toBe(t.useLegacySql ? '#legacySql' : '#standardSQL');
      expect(t.sql).toContain('{{ yesterday_ds');
    }
    const githubAgg = templates.find((t) => t.task === 'bq_write_to_github_agg')?.sql ?? '';
    expect(githubAgg.match(/ds_add\(ds, -7\)/g)).toHaveLength(2);
    expect(githubAgg.match(/ds_add\(ds, -28\)/g)).toHaveLength(1);
    expect(githubAgg).not.toMatch(/ds_add\(ds, -(6|27)\)/);
    expect(githubAgg).toContain('{{workflow.parameters.dataset}}.github_daily_metrics');
  });

  it('substitutes Argo workflow parameters (given values over declared defaults) and leaves Jinja alone', () => {
    const withDefaults = loadExampleTemplates(ROOT, { workflowParameters: { 'gcp-project': 'p-1' } });
    const hnGithub = withDefaults.find((t) => t.task === 'bq_write_to_hackernews_github_agg');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a BigQuery partition decorator, not JS
    expect(hnGithub?.destination).toBe('p-1:github_trends.hackernews_github_agg${{ yesterday_ds_nodash }}');
    expect(hnGithub?.sql).toContain('`github_trends.hackernews_agg`');
    const check = withDefaults.find((t) => t.task === 'bq_check_hackernews_github_agg');
    expect(check?.sql).toContain('[p-1:github_trends.hackernews_github_agg$__PARTITIONS_SUMMARY__]');
    for (const t of withDefaults) expect(`${t.sql}${t.destination ?? ''}`).not.toContain('workflow.');

    const other = loadExampleTemplates(ROOT, { workflowParameters: { 'gcp-project': 'p', dataset: 'd' } });
    expect(other.find((t) => t.task === 'bq_write_to_github_agg')?.sql).toContain('`d.github_daily_metrics`');
  });

  it('a parameter with no value and no default is an error naming it', () => {
    expect(() => loadExampleTemplates(ROOT, { workflowParameters: {} })).toThrow(
      new ExampleWorkflowError('workflow parameter "gcp-project" has no value'),
    );
  });
});

const wf = (args: string, command = 'bigquery-operator') => `
spec:
  arguments:
    parameters: [{ name: ds, value: dset }, { name: p }]
  templates:
    - name: main
      dag: { tasks: [] }
    - name: other
      container: { command: [sh], args: [--sql, x] }
    - name: step
      container:
        command: [${command}]
        args: ${args}
`;

describe('parseExampleTemplates', () => {
  it('reads both --flag=value and --flag value forms; legacy SQL is the 1.8.2 default', () => {
    expect(parseExampleTemplates(wf('[--task-id, t1, "--bql=SELECT 1"]'))).toEqual([
      {
        template: 'step',
        task: 't1',
        dag: '',
        operator: 'BigQueryOperator',
        sql: 'SELECT 1',
        destination: undefined,
        useLegacySql: true,
      },
    ]);
  });

  it('uses declared defaults for parameters not given', () => {
    const [t] = parseExampleTemplates(
      wf('[--task-id=t, --sql, "x {{workflow.parameters.ds}} {{ ds }}"]', 'bigquery-check-operator'),
      { workflowParameters: { p: 'q' } },
    );
    expect(t?.sql).toBe('x dset {{ ds }}');
    expect(t?.operator).toBe('BigQueryCheckOperator');
  });

  it.each([
    ['not YAML', ': : [', /^w\.yaml: not valid YAML: /],
    ['no templates', 'spec: {}', /^w\.yaml: no spec\.templates$/],
    ['no operator steps', 'spec: { templates: [{ name: a, container: { command: [sh] } }] }', /no BigQuery/],
    ['no task id', wf('[--bql, x]'), /^w\.yaml: template step has no --task-id$/],
    ['no SQL', wf('[--task-id=t, --sql, x]'), /^w\.yaml: template step has no SQL argument$/],
    [
      'duplicate task',
      `${wf('[--task-id=t, --bql, x]')}    - name: again\n      container: { command: [bigquery-operator], args: [--task-id=t, --bql, y] }\n`,
      /task_id is used twice/,
    ],
  ])('bad workflow: %s → one-line ExampleWorkflowError', (_name, text, message) => {
    let thrown: unknown;
    try {
      parseExampleTemplates(text, {}, 'w.yaml');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ExampleWorkflowError);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toContain('\n');
  });

  it('a repository without the workflow is an error naming the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'example-pipeline-'));
    try {
      expect(() => loadExampleTemplates(dir)).toThrow(/^cannot read .*bigquery_step_workflow\.yaml: ENOENT$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('helpers', () => {
  it('substituteWorkflowParameters accepts spaces inside the tag and leaves other tags', () => {
    expect(substituteWorkflowParameters('{{ workflow.parameters.a }}/{{a}}/{{ ds }}', { a: 'x' })).toBe(
      'x/{{a}}/{{ ds }}',
    );
  });

  it('destinationTable strips project, dataset and partition decorator', () => {
    expect(destinationTable('p:d.t$20261122')).toBe('t');
    expect(destinationTable('p.d.t')).toBe('t');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a BigQuery partition decorator, not JS
    expect(destinationTable('d.t${{ yesterday_ds_nodash }}')).toBe('t');
  });
});
