import { describe, expect, it } from 'vitest';
import { formatTableName, parseTableName, TableNameError, toTableReference } from '../src/index.js';

describe('parseTableName (Airflow 1.8.2 _split_tablename rules)', () => {
  it.each([
    ['ds.t', { projectId: 'def-proj', datasetId: 'ds', tableId: 't' }],
    ['p-1:ds.t', { projectId: 'p-1', datasetId: 'ds', tableId: 't' }],
    ['p-1.ds.t', { projectId: 'p-1', datasetId: 'ds', tableId: 't' }],
    [
      'github_trends.github_agg$20261122',
      { projectId: 'def-proj', datasetId: 'github_trends', tableId: 'github_agg', decorator: '20261122' },
    ],
    [
      'gagan-sb.github_trends.github_daily_metrics$20180109',
      {
        projectId: 'gagan-sb',
        datasetId: 'github_trends',
        tableId: 'github_daily_metrics',
        decorator: '20180109',
      },
    ],
    ['p:ds.t$2026', { projectId: 'p', datasetId: 'ds', tableId: 't', decorator: '2026' }],
  ])('%s', (input, expected) => {
    expect(parseTableName(input, 'def-proj')).toEqual(expected);
  });

  it.each([
    ['p:ds.t.x', 'Use either : or . to specify project got p:ds.t.x'],
    ['table_only', 'Expect format of (<project.|<project:)<dataset>.<table>, got table_only'],
    ['a.b.c.d', 'Expect format of (<project.|<project:)<dataset>.<table>, got a.b.c.d'],
    ['a:b:c.d', 'Expect format of (<project:)<dataset>.<table>, got a:b:c.d'],
    ['ds.t$2026-11-22', "invalid partition decorator '$2026-11-22'"],
    ['d-s.t', "invalid dataset id 'd-s'"],
    ['ds.', "invalid table id ''"],
  ])('%s is rejected', (input, message) => {
    expect(() => parseTableName(input, 'def-proj')).toThrow(TableNameError);
    expect(() => parseTableName(input, 'def-proj')).toThrow(message);
  });

  it('needs a default project for dataset.table, like 1.8.2', () => {
    expect(() => parseTableName('ds.t', undefined)).toThrow('INTERNAL: No default project is specified');
  });

  it('formats and builds REST references with the decorator', () => {
    const t = parseTableName('p.ds.t$20240229', 'x');
    expect(formatTableName(t)).toBe('p:ds.t$20240229');
    expect(toTableReference(t)).toEqual({ projectId: 'p', datasetId: 'ds', tableId: 't$20240229' });
  });
});
