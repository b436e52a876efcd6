import { describe, expect, it } from 'vitest';
import { definition, harvestOutputs, kwargsSchema } from '../src/index.js';

describe('BigQueryOperator definition', () => {
  it('has 1.8.2 defaults', () => {
    expect(kwargsSchema.parse({ bql: 'SELECT 1' })).toEqual({
      bql: 'SELECT 1',
      write_disposition: 'WRITE_EMPTY',
      allow_large_results: false,
      use_legacy_sql: true,
      bigquery_conn_id: 'bigquery_default',
    });
    expect(definition.airflowClass).toBe('airflow.contrib.operators.bigquery_operator.BigQueryOperator');
    expect(definition.templatedFields).toEqual(['bql', 'destination_dataset_table']);
    expect(Object.keys(kwargsSchema.shape)).not.toContain('create_disposition');
  });

  it.each([
    [{ bql: '' }],
    [{ bql: 'daily.sql' }],
    [{ bql: 'x', udf_config: [{}] }],
    [{ bql: 'x', udf_config: [{ resourceUri: 'gs://a', inlineCode: 'b' }] }],
    [{ bql: 'x', write_disposition: 'WRITE_ALWAYS' }],
  ])('rejects %j', (k) => {
    expect(kwargsSchema.safeParse(k).success).toBe(false);
  });

  it('harvests the job id 1.8.2 logs while polling (last one wins)', () => {
    expect(
      harvestOutputs([
        '[2026-11-23 00:00:01,000] {base_task_runner.py:95} INFO - Subtask: [2026-11-23 00:00:01,000] {bigquery_hook.py:480} INFO - Waiting for job to complete : my-proj, job_A',
        'Subtask: ... Waiting for job to complete : my-proj, job_B',
      ]),
    ).toEqual({ 'job-id': 'job_B' });
    expect(harvestOutputs(['nothing'])).toEqual({});
  });

  it('the task record wins over the log: job id, destination and rows written of the last job', () => {
    const record = {
      bigquery_jobs: [
        {
          project_id: 'my-proj',
          job_id: 'job_R',
          destination_table: { projectId: 'my-proj', datasetId: 'gt', tableId: 'agg$20261122' },
          statistics: { query: {} },
          query_results: { totalRows: '12', numDmlAffectedRows: null },
        },
      ],
    };
    expect(harvestOutputs(['Waiting for job to complete : my-proj, job_LOG'], record)).toEqual({
      'job-id': 'job_R',
      destination: 'my-proj:gt.agg$20261122',
      'rows-written': '12',
    });
    // A finished task that ran no job: empty outputs, not a stale log line.
    expect(harvestOutputs(['Waiting for job to complete : my-proj, job_LOG'], { bigquery_jobs: [] })).toEqual(
      {
        'job-id': '',
        destination: '',
        'rows-written': '',
      },
    );
  });

  it('classifies job errors from the task log', () => {
    expect(
      definition.classifyLog?.([
        "Subtask: Exception: BigQuery job failed. Final error was: {'reason': 'accessDenied', 'message': 'x'}",
      ]),
    ).toBe('permission-denied');
  });
});
