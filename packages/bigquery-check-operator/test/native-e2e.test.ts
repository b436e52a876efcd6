import { fileURLToPath } from 'node:url';
import { expectOneLineFailure, type QueryAnswer, useFakeBigQuery } from '@data-pipeline/operator-testing';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { definition } from '../src/definition.js';

const BIN = fileURLToPath(new URL('../bin/bigquery-check-operator.js', import.meta.url));
const suite = useFakeBigQuery();
let answers: Record<string, QueryAnswer>;

beforeAll(() => {
  suite.fake.onQuery = (c) => {
    for (const [needle, a] of Object.entries(answers)) if (c.query.includes(needle)) return a;
    return { schema: [], rows: [] };
  };
});
beforeEach(() => {
  answers = {};
});

const run = suite.operator({
  bin: BIN,
  definition,
  taskId: 'bq_check_githubarchive_day',
  executionDate: '20240301',
});

const CHECK_SQL =
  '#legacySql\nSELECT table_id FROM [githubarchive:day.__TABLES__] WHERE table_id = "{{ yesterday_ds_nodash }}"';

describe('bigquery-check-operator --engine native', () => {
  it('passes when the first row is truthy; legacy SQL, rendered template', async () => {
    answers = { '20240229': { schema: [{ name: 'table_id', type: 'STRING' }], rows: [['20240229']] } };
    const r = await run(['--sql', CHECK_SQL]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const insert = suite.fake.requests.find((q) => q.method === 'POST');
    expect((insert!.body as { configuration: unknown }).configuration).toEqual({
      query: { query: CHECK_SQL.replace('{{ yesterday_ds_nodash }}', '20240229'), useLegacySql: true },
    });
    expect(r.outputs).toMatchObject({ 'exit-class': 'success', record: "['20240229']" });
    expect(r.stdout).toContain('Executing SQL check:');
    expect(r.stdout).toContain('Success.');
  });

  it('no row → exit 1 "The query returned None"', async () => {
    const r = await run(['--sql', CHECK_SQL]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('bigquery-check-operator: The query returned None');
    expect(r.outputs['exit-class']).toBe('task-failed');
  });

  it('a falsy value → exit 1 "Test failed."', async () => {
    answers = {
      'COUNT(*)': {
        schema: [
          { name: 'n', type: 'INTEGER' },
          { name: 's', type: 'STRING' },
        ],
        rows: [[0, 'x']],
      },
    };
    const r = await run(['--sql', 'SELECT COUNT(*), "x" FROM [ds.t]'], true);
    expectOneLineFailure(r, 1, /Test failed\. Results: \[0, 'x'\]\. Query: SELECT COUNT/);
  });

  it.each([
    [['--pass-value', '42'], [[42]], 0],
    [['--pass-value', '42'], [[41]], 1],
    [['--pass-value', '40', '--tolerance', '0.1'], [[42]], 0],
    [['--pass-value', '30', '--tolerance', '0.1'], [[42]], 1],
    [['--pass-value', 'ok'], [['ok']], 0],
    [['--pass-value', '42'], [['not a number']], 1],
  ])('value check %j on %j → %i', async (args, rows, code) => {
    const type = typeof rows[0]?.[0] === 'number' ? 'INTEGER' : 'STRING';
    answers = { 'SELECT v': { schema: [{ name: 'v', type }], rows } };
    const r = await run(['--sql', 'SELECT v FROM [ds.t]', ...args], true);
    expect(r.code).toBe(code);
    if (code === 1) expect(r.stderr).toMatch(/Test failed|Converting a result to float failed/);
  });

  it.each([
    [[[100]], [[120]], 0],
    [[[100]], [[200]], 1],
    [[[0]], [[200]], 1],
  ])('interval check current %j reference %j → %i', async (current, reference, code) => {
    answers = {
      "ds='2024-03-01'": { schema: [{ name: 'c', type: 'INTEGER' }], rows: current },
      "ds='2024-02-23'": { schema: [{ name: 'c', type: 'INTEGER' }], rows: reference },
    };
    const r = await run(['--table', 'ds.t', '--metrics-thresholds', '{"COUNT(*)": 1.5}'], true);
    expect(r.code).toBe(code);
    if (code === 1) expect(r.stderr).toContain('The following tests have failed: COUNT(*)');
    const queries = suite.fake.requests
      .filter((q) => q.method === 'POST')
      .map(
        (q) => (q.body as never as { configuration: { query: { query: string } } }).configuration.query.query,
      );
    expect(queries).toEqual([
      "SELECT COUNT(*) FROM ds.t WHERE ds='2024-02-23'",
      "SELECT COUNT(*) FROM ds.t WHERE ds='2024-03-01'",
    ]);
  });

  it.each([
    [403, 'accessDenied', 77],
    [429, 'rateLimitExceeded', 75],
  ])('HTTP %i %s → %i (not a failed check)', async (status, reason, code) => {
    suite.fake.inject({ method: 'POST', path: /\/jobs$/, status, reason, times: 1 });
    const r = await run(['--sql', CHECK_SQL]);
    expect(r.code).toBe(code);
  });

  it('a failed job (invalid legacy SQL) → 65', async () => {
    answers = { BROKEN: { error: { reason: 'invalidQuery', message: 'Encountered " "FROM" at line 1' } } };
    const r = await run(['--sql', 'SELECT BROKEN FROM'], true);
    expect(r.code).toBe(65);
  });

  it.each([
    [['--sql', 'SELECT 1', '--table', 'ds.t'], 64, /--sql: not a kwarg of BigQueryIntervalCheckOperator/],
    [['--check', 'value', '--sql', 'SELECT 1'], 64, /pass[_-]value/],
    [['--table', 'ds.t', '--metrics-thresholds', '[1,2]'], 64, /metrics-thresholds/],
    [['--table', 'ds.t', '--metrics-thresholds', '{"COUNT(*)": -1}'], 64, /metrics-thresholds/],
    [['--check', 'sometimes', '--sql', 'SELECT 1'], 64, /check/],
    [['--sql', '{{ nope.attr }}'], 65, /UndefinedError/],
  ])('bad input %j → %i (in-process)', async (args, code, msg) => {
    expectOneLineFailure(await run(args as string[], true), code as number, msg as RegExp);
  });
});
