import { describe, expect, it } from 'vitest';
import {
  checkKind,
  classifyLog,
  definition,
  harvestOutputs,
  intervalSql,
  kwargsSchema,
} from '../src/index.js';

describe('kwargs → Airflow class', () => {
  it.each([
    [{ sql: 'SELECT 1' }, 'check', 'BigQueryCheckOperator'],
    [{ sql: 'SELECT 1', pass_value: '5' }, 'value', 'BigQueryValueCheckOperator'],
    [{ table: 't', metrics_thresholds: { 'COUNT(*)': 1.5 } }, 'interval', 'BigQueryIntervalCheckOperator'],
    [{ check: 'value', sql: 'SELECT 1', pass_value: 5 }, 'value', 'BigQueryValueCheckOperator'],
  ])('%j', (input, kind, cls) => {
    const k = kwargsSchema.parse(input);
    expect(checkKind(k)).toBe(kind);
    const airflowClass = definition.airflowClass as (k: unknown) => string;
    expect(airflowClass(k)).toBe(`airflow.contrib.operators.bigquery_check_operator.${cls}`);
    expect(definition.airflowKwargs?.(k)).not.toHaveProperty('check');
  });
  it.each([
    [{ sql: 'SELECT 1', table: 't' }],
    [{ check: 'value', sql: 'SELECT 1' }],
    [{ check: 'interval', table: 't' }],
    [{ table: 't', metrics_thresholds: {} }],
    [{ sql: 'checks/x.sql' }],
    [{}],
  ])('rejects %j', (input) => {
    expect(kwargsSchema.safeParse(input).success).toBe(false);
  });
  it('interval SQL as 1.8.2 builds it', () => {
    const k = kwargsSchema.parse({
      table: 'ds.t',
      metrics_thresholds: { 'SUM(x)': 2, 'COUNT(*)': 1.5 },
      days_back: 7,
    });
    expect(intervalSql(k)).toEqual({
      sql1: "SELECT COUNT(*), SUM(x) FROM ds.t WHERE ds='{{ ds }}'",
      sql2: "SELECT COUNT(*), SUM(x) FROM ds.t WHERE ds='{{ macros.ds_add(ds, -7) }}'",
      metrics: ['COUNT(*)', 'SUM(x)'],
    });
  });
});

describe('Airflow engine log handling', () => {
  it('a failed check is task-failed even when the log mentions 500 or 403', () => {
    const log = [
      'Subtask: Executing SQL check: SELECT COUNT(*) > 500 FROM t',
      'Subtask: airflow.exceptions.AirflowException: Test failed.',
    ];
    expect(classifyLog(log)).toBe('task-failed');
    expect(classifyLog(['Subtask: AirflowException: The query returned None'])).toBe('task-failed');
    expect(classifyLog(['nothing'])).toBeUndefined();
  });
  it('harvests Record and job id', () => {
    expect(
      harvestOutputs([
        'Subtask: [2018-01-10 12:00:05,001] {bigquery_hook.py:856} INFO - Waiting for job to complete : p, job_1',
        "Subtask: [2018-01-10 12:00:06,001] {check_operator.py:77} INFO - Record: ['20180109']",
      ]),
    ).toEqual({ 'job-id': 'job_1', record: "['20180109']" });
  });
  it('the job id of the last check query comes from the task record when there is one', () => {
    const job = (id: string) => ({ project_id: 'p', job_id: id, destination_table: null });
    expect(
      harvestOutputs(["Subtask: Record: ['1']", 'Waiting for job to complete : p, job_LOG'], {
        bigquery_jobs: [job('job_sql2'), job('job_sql1')],
      }),
    ).toEqual({ 'job-id': 'job_sql1', record: "['1']" });
  });
});
