import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { RunningWarehouse } from '../src/index.js';
import { raw, startTestWarehouse } from './helpers.js';

// Small-query latency (issue 12, item 7): a SELECT whose text last gave a small result is read in one call to DuckDB
// (`Database.runOne`, the query under LIMIT 1,001) instead of a snapshot transaction with a prepared, streamed
// statement. These tests check that the shortcut is taken, and that it never changes an answer: a result that grew,
// the row order, the column names, data changed between runs.

const P = '/bigquery/v2/projects/local-project';
let wh: RunningWarehouse;

beforeAll(async () => {
  wh = await startTestWarehouse();
  await raw(wh.url, 'POST', `${P}/datasets`, { datasetReference: { datasetId: 'sr' } });
  const made = await raw(wh.url, 'POST', `${P}/datasets/sr/tables`, {
    tableReference: { projectId: 'local-project', datasetId: 'sr', tableId: 't' },
    schema: {
      fields: [
        { name: 'n', type: 'INTEGER' },
        { name: 'label', type: 'STRING' },
      ],
    },
  });
  expect(made.status, made.text).toBe(200);
});
afterAll(async () => {
  await wh.stop();
});

/** jobs.query over REST: the answer, which must not be an error. */
// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response JSON
async function sql(query: string): Promise<any> {
  const res = await raw(wh.url, 'POST', `${P}/queries`, { query, useLegacySql: false });
  expect(res.status, res.text).toBe(200);
  return res.json;
}

const cells = (answer: { rows?: { f: { v: unknown }[] }[] }) =>
  (answer.rows ?? []).map((r) => r.f.map((c) => c.v));

describe('a repeated small SELECT is read in one call, with the same answer', () => {
  it('the second run takes the one-call path and answers exactly what the first did (order, names, types)', async () => {
    await sql(
      'INSERT INTO sr.t SELECT x, CONCAT("r", CAST(x AS STRING)) FROM UNNEST(GENERATE_ARRAY(1, 300)) AS x',
    );
    const spy = vi.spyOn(wh.warehouse.db, 'runOne');
    try {
      const text = 'SELECT n, label FROM sr.t WHERE MOD(n, 7) = 0 ORDER BY n DESC';
      const first = await sql(text);
      expect(spy).not.toHaveBeenCalled();
      const second = await sql(text);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(second.schema).toEqual(first.schema);
      expect(second.totalRows).toBe('42');
      expect(cells(second)).toEqual(cells(first));
      expect(cells(second)[0]).toEqual(['294', 'r294']);
      expect(cells(second).at(-1)).toEqual(['7', 'r7']);
    } finally {
      spy.mockRestore();
    }
  });

  it('the order of a sort over a parallel scan of 100,000 rows is kept by the one-call read', async () => {
    const made = await raw(wh.url, 'POST', `${P}/jobs`, {
      configuration: {
        query: {
          query: 'SELECT x AS n FROM UNNEST(GENERATE_ARRAY(1, 100000)) AS x',
          useLegacySql: false,
          destinationTable: { projectId: 'local-project', datasetId: 'sr', tableId: 'big' },
        },
      },
    });
    expect(made.json.status?.errorResult, made.text).toBeUndefined();
    const spy = vi.spyOn(wh.warehouse.db, 'runOne');
    try {
      const text = 'SELECT n, MOD(n, 97) AS m FROM sr.big WHERE MOD(n, 150) = 0 ORDER BY m, n DESC';
      const expected = Array.from({ length: 666 }, (_, i) => (i + 1) * 150)
        .sort((a, b) => (a % 97) - (b % 97) || b - a)
        .map((n) => [String(n), String(n % 97)]);
      expect(cells(await sql(text))).toEqual(expected);
      expect(spy).not.toHaveBeenCalled();
      expect(cells(await sql(text))).toEqual(expected);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('rows written between two runs are in the second answer (results are never reused, only the plan of how to read)', async () => {
    const text = 'SELECT COUNT(*) AS c, MAX(n) AS hi FROM sr.t';
    const before = cells(await sql(text));
    await sql(text);
    await sql('INSERT INTO sr.t VALUES (100000, "late")');
    const after = cells(await sql(text));
    expect(after).toEqual([[String(Number(before[0]![0]) + 1), '100000']]);
    await sql('DELETE FROM sr.t WHERE n = 100000');
  });

  it('a result that has grown past 1,000 rows since the last run is answered whole, in order', async () => {
    const spy = vi.spyOn(wh.warehouse.db, 'runOne');
    try {
      const text = 'SELECT n FROM sr.t WHERE n > 250 ORDER BY n DESC';
      expect((await sql(text)).totalRows).toBe('50');
      expect((await sql(text)).totalRows).toBe('50');
      const probes = spy.mock.calls.length;
      expect(probes).toBeGreaterThan(0);
      await sql('INSERT INTO sr.t SELECT x, "more" FROM UNNEST(GENERATE_ARRAY(1001, 3000)) AS x');
      const grown = await sql(text);
      expect(spy.mock.calls.length).toBe(probes + 1); // the one-call read saw 1,001 rows and gave way
      expect(grown.totalRows).toBe('2050');
      const ns = cells(grown).map(([n]) => Number(n));
      expect(ns).toHaveLength(2050);
      expect(ns[0]).toBe(3000);
      expect(ns.at(-1)).toBe(251);
      expect(ns.every((n, i) => i === 0 || n < ns[i - 1]!)).toBe(true);
      // Large now: the next run streams (no one-call attempt) and pages the same way.
      const again = await sql(text);
      expect(spy.mock.calls.length).toBe(probes + 1);
      expect(again.totalRows).toBe('2050');
      expect(cells(again)).toEqual(cells(grown));
      await sql('DELETE FROM sr.t WHERE n > 1000');
    } finally {
      spy.mockRestore();
    }
  });

  it('columns whose names differ only in case are duplicates, as in BigQuery: refused, never read the one-call way', async () => {
    const spy = vi.spyOn(wh.warehouse.db, 'runOne');
    try {
      const text = 'SELECT n AS a, label AS A FROM sr.t WHERE n = 5';
      for (let i = 0; i < 2; i++) {
        const res = await raw(wh.url, 'POST', `${P}/queries`, { query: text, useLegacySql: false });
        expect(res.status).toBe(400);
        expect(res.json.error.errors[0].reason).toBe('invalidQuery');
        expect(res.json.error.message).toMatch(/^Duplicate column names in the result are not supported/);
      }
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('a one-call read that fails is not the answer: the query runs again the usual way', async () => {
    const text = 'SELECT n, label FROM sr.t WHERE n <= 3 ORDER BY n';
    const first = await sql(text);
    const spy = vi.spyOn(wh.warehouse.db, 'runOne').mockRejectedValueOnce(new Error('simulated failure'));
    try {
      const second = await sql(text);
      expect(spy).toHaveBeenCalledTimes(1);
      expect(cells(second)).toEqual(cells(first));
      expect(cells(second)).toEqual([
        ['1', 'r1'],
        ['2', 'r2'],
        ['3', 'r3'],
      ]);
    } finally {
      spy.mockRestore();
    }
  });

  it('a schema change drops what was learnt: the next run streams again and sees the new columns', async () => {
    const text = 'SELECT * FROM sr.t WHERE n = 1';
    await sql(text);
    await sql(text);
    const patched = await raw(wh.url, 'PATCH', `${P}/datasets/sr/tables/t`, {
      schema: {
        fields: [
          { name: 'n', type: 'INTEGER' },
          { name: 'label', type: 'STRING' },
          { name: 'extra', type: 'STRING' },
        ],
      },
    });
    expect(patched.status, patched.text).toBe(200);
    const spy = vi.spyOn(wh.warehouse.db, 'runOne');
    try {
      const after = await sql(text);
      expect(spy).not.toHaveBeenCalled();
      expect(after.schema.fields.map((f: { name: string }) => f.name)).toEqual(['n', 'label', 'extra']);
      expect(cells(after)).toEqual([['1', 'r1', null]]);
    } finally {
      spy.mockRestore();
    }
  });
});
