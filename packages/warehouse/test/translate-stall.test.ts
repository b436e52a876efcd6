import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWarehouse } from '../src/index.js';
import { OFF_THREAD_CHARS, setOffThreadChars } from '../src/translate-pool.js';
import { raw, startTestWarehouse } from './helpers.js';

// One 100,000-item IN list: ~590 KB of SQL, seconds of translation.
const items = Array.from({ length: 100_000 }, (_, i) => i * 2).join(',');
const big = (table: string) => `SELECT COUNT(*) AS n FROM \`stall.${table}\` WHERE x IN (${items})`;
/** Health answers must stay below this while the big text is translated (a main-thread translation takes seconds). */
const HEALTH_MS = 400;

let wh: RunningWarehouse;
beforeAll(async () => {
  wh = await startTestWarehouse();
  expect(
    (
      await raw(wh.url, 'POST', '/bigquery/v2/projects/local-project/datasets', {
        datasetReference: { datasetId: 'stall' },
      })
    ).status,
  ).toBe(200);
  await makeTable('t', [1, 2, 3, 4, 10]);
});
afterAll(() => wh?.stop());

async function makeTable(table: string, xs: number[]): Promise<void> {
  const base = '/bigquery/v2/projects/local-project/datasets/stall/tables';
  const made = await raw(wh.url, 'POST', base, {
    tableReference: { tableId: table },
    schema: { fields: [{ name: 'x', type: 'INTEGER' }] },
  });
  expect(made.status).toBe(200);
  const put = await raw(wh.url, 'POST', `${base}/${table}/insertAll`, {
    rows: xs.map((x) => ({ json: { x } })),
  });
  expect(put.json.insertErrors).toBeUndefined();
}

async function query(sql: string) {
  return raw(wh.url, 'POST', '/bigquery/v2/projects/local-project/queries', {
    query: sql,
    useLegacySql: false,
    timeoutMs: 200_000,
  });
}

/** Runs `sql` and polls /_warehouse/health every 20 ms meanwhile; the slowest health answer and how many there were. */
async function whileRunning(sql: string) {
  let done = false;
  const pending = query(sql).finally(() => {
    done = true;
  });
  let slowest = 0;
  let polls = 0;
  while (!done) {
    const t = performance.now();
    const health = await fetch(`${wh.url}/_warehouse/health`);
    await health.text();
    expect(health.status).toBe(200);
    slowest = Math.max(slowest, performance.now() - t);
    polls++;
    await new Promise((r) => setTimeout(r, 20));
  }
  return { result: await pending, slowest, polls };
}

describe('a very large SQL text is translated off the event loop', () => {
  it(`health answers within ${HEALTH_MS} ms while a 100,000-item IN list is translated; the answer is right`, async () => {
    expect(big('t').length).toBeGreaterThan(OFF_THREAD_CHARS);
    const { result, slowest, polls } = await whileRunning(big('t'));
    expect(result.json.error).toBeUndefined();
    expect(result.json.rows).toEqual([{ f: [{ v: '3' }] }]); // 2, 4 and 10 are even and below 200,000
    expect(polls).toBeGreaterThan(3);
    expect(slowest).toBeLessThan(HEALTH_MS);
  }, 240_000);

  it('a table changed after the translation was cached is read as it is now (the cached relation is re-checked)', async () => {
    await raw(wh.url, 'DELETE', '/bigquery/v2/projects/local-project/datasets/stall/tables/t');
    await makeTable('t', [6, 7]);
    const again = await query(big('t'));
    expect(again.json.error).toBeUndefined();
    expect(again.json.rows).toEqual([{ f: [{ v: '1' }] }]);
  }, 240_000);

  it("errors cross the worker boundary as BigQuery's: a missing table (resolved on the main thread), bad syntax", async () => {
    const missing = await query(big('nope'));
    expect(missing.status).toBe(404);
    expect(missing.json.error.errors[0].reason).toBe('notFound');
    expect(missing.json.error.message).toMatch(/Table local-project:stall\.nope was not found/);
    const syntax = await query(`${big('t')} AND AND`);
    expect(syntax.status).toBe(400);
    expect(syntax.json.error.errors[0].reason).toBe('invalidQuery');
  }, 240_000);

  it('control: the same text translated on the main thread does stall health (what the worker prevents)', async () => {
    const was = setOffThreadChars(Number.POSITIVE_INFINITY);
    try {
      // A text the cache has not seen (another literal), so it is really translated here.
      const { result, slowest } = await whileRunning(`${big('t')} OR x = -1`);
      expect(result.json.error).toBeUndefined();
      expect(slowest).toBeGreaterThan(HEALTH_MS);
    } finally {
      setOffThreadChars(was);
    }
  }, 240_000);
});
