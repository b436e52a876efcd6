import { OperatorError } from '@data-pipeline/runner';
import { describe, expect, it } from 'vitest';
import { bigQueryAirflowDagSettings, discoveryUrlFor, lastJobOutputs } from '../src/airflow.js';

describe('the endpoint on the Airflow engine', () => {
  it('one setting, the same normalisation as the native engine: the discovery URL below the endpoint', () => {
    const want = 'http://127.0.0.1:9050/discovery/v1/apis/{api}/{apiVersion}/rest';
    for (const e of [
      'http://127.0.0.1:9050',
      '127.0.0.1:9050',
      'http://127.0.0.1:9050/',
      'http://127.0.0.1:9050/bigquery/v2',
    ]) {
      expect(discoveryUrlFor(e)).toBe(want);
    }
    expect(bigQueryAirflowDagSettings({ 'bigquery-endpoint': '127.0.0.1:9050' })).toEqual({
      bigqueryDiscoveryUrl: want,
    });
  });

  it('without the setting nothing is set (the hook stays as 1.8.2 has it)', () => {
    expect(bigQueryAirflowDagSettings({})).toEqual({});
    expect(bigQueryAirflowDagSettings({ 'bigquery-endpoint': undefined })).toEqual({});
  });

  it('an endpoint with credentials in it or no URL at all is a configuration error naming the flag, not echoing it', () => {
    for (const bad of ['http://user:s3cret@127.0.0.1:9050', 'http://[::1']) {
      let err: unknown;
      try {
        bigQueryAirflowDagSettings({ 'bigquery-endpoint': bad });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(OperatorError);
      expect((err as OperatorError).exitClass).toBe('configuration');
      expect((err as Error).message).toMatch(/^--bigquery-endpoint: /);
      expect((err as Error).message).not.toContain('s3cret');
    }
  });
});

describe('lastJobOutputs: what the task recorded → the native engine’s outputs', () => {
  const job = (over: Record<string, unknown> = {}) => ({
    project_id: 'p',
    job_id: 'job_1',
    destination_table: { projectId: 'p', datasetId: 'ds', tableId: 't$20261122' },
    statistics: { query: { statementType: 'SELECT' } },
    query_results: { totalRows: '40', numDmlAffectedRows: null },
    ...over,
  });

  it('destination as project:dataset.table$decorator, rows = totalRows of the written result', () => {
    expect(lastJobOutputs({ bigquery_jobs: [job()] })).toEqual({
      'job-id': 'job_1',
      destination: 'p:ds.t$20261122',
      'rows-written': '40',
    });
  });

  it('DML: the job statistics win, then the results’ numDmlAffectedRows', () => {
    expect(
      lastJobOutputs({ bigquery_jobs: [job({ statistics: { query: { numDmlAffectedRows: '7' } } })] })?.[
        'rows-written'
      ],
    ).toBe('7');
    expect(
      lastJobOutputs({
        bigquery_jobs: [job({ statistics: {}, query_results: { totalRows: '0', numDmlAffectedRows: '5' } })],
      })?.['rows-written'],
    ).toBe('5');
  });

  it('the last job counts; without a destination only the job id (as native); no job → all empty', () => {
    const r = lastJobOutputs({
      bigquery_jobs: [job(), job({ job_id: 'job_2', destination_table: null, statistics: undefined })],
    });
    expect(r).toEqual({ 'job-id': 'job_2', destination: '', 'rows-written': '' });
    expect(lastJobOutputs({ bigquery_jobs: [] })).toEqual({
      'job-id': '',
      destination: '',
      'rows-written': '',
    });
  });

  it('no record, or one that is not ours → undefined (the caller falls back)', () => {
    expect(lastJobOutputs(undefined)).toBeUndefined();
    expect(lastJobOutputs({ other: 1 })).toBeUndefined();
    expect(lastJobOutputs({ bigquery_jobs: [{ job_id: 3 }] })).toBeUndefined();
  });
});
