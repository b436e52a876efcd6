import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWarehouse } from '../src/index.js';
import { OFF_THREAD_CHARS, offThreadTranslations, setOffThreadChars } from '../src/translate-pool.js';
import { raw, startTestWarehouse } from './helpers.js';

// One 100,000-item IN list: ~590 KB of SQL, seconds of translation.
const items = Array.from({ length: 100_000 }, (_, i) => i * 2).join(',');
const big = (table: string) => `SELECT COUNT(*) AS n FROM \`stall.${table}\` WHERE x IN (${items})`;
/**
 * Health answers must stay below this while the big text is translated. A main-thread translation blocks for seconds;
 * the bound is loose because the suite runs on 2 shared cores where a merely starved event loop shows gaps of ~300 ms.
 */
const HEALTH_MS = 500;
const PAUSE_MS = 20;

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

/**
 * Runs `sql` and polls /_warehouse/health every 20 ms meanwhile. A gap is the wait from one answer to the next, less the
 * pause: client and server share this event loop, so a blocked loop shows as a gap even when no request was in flight
 * when it began (a client asking at that moment would have waited that long). `slowest`: the longest gap of the whole
 * query; `slowestTranslating`: the longest that ended while a worker was translating (DuckDB's own synchronous part of
 * taking a 700 KB statement, ~100 ms, comes after the translation and is not what this test is about).
 */
/**
 * GET /_warehouse/health on a new connection each time: a kept-alive socket can be closed by the server's idle timer
 * the moment its blocked event loop runs again, while the client reuses it (ECONNRESET) — a race of the client's
 * connection pool, not an answer of the warehouse.
 */
function healthStatus(): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    http
      .get(`${wh.url}/_warehouse/health`, { agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      })
      .on('error', reject);
  });
}

async function whileRunning(sql: string) {
  let done = false;
  const pending = query(sql).finally(() => {
    done = true;
  });
  let slowest = 0;
  let slowestTranslating = 0;
  let pollsTranslating = 0;
  let last = performance.now();
  for (let polls = 0; !done; polls++) {
    expect(await healthStatus()).toBe(200);
    const now = performance.now();
    const gap = now - last - (polls === 0 ? 0 : PAUSE_MS);
    slowest = Math.max(slowest, gap);
    if (offThreadTranslations() > 0) {
      slowestTranslating = Math.max(slowestTranslating, gap);
      pollsTranslating++;
    }
    last = now;
    await new Promise((r) => setTimeout(r, PAUSE_MS));
  }
  return { result: await pending, slowest, slowestTranslating, pollsTranslating };
}

describe('a very large SQL text is translated off the event loop', () => {
  it(`health answers within ${HEALTH_MS} ms while a 100,000-item IN list is translated; the answer is right`, async () => {
    expect(big('t').length).toBeGreaterThan(OFF_THREAD_CHARS);
    const { result, slowestTranslating, pollsTranslating } = await whileRunning(big('t'));
    expect(result.json.error).toBeUndefined();
    expect(result.json.rows).toEqual([{ f: [{ v: '3' }] }]); // 2, 4 and 10 are even and below 200,000
    expect(pollsTranslating).toBeGreaterThan(3);
    expect(slowestTranslating).toBeLessThan(HEALTH_MS);
  }, 240_000);

  it('a table changed after the translation was cached is read as it is now (the cached relation is re-checked)', async () => {
    await raw(wh.url, 'DELETE', '/bigquery/v2/projects/local-project/datasets/stall/tables/t');
    await makeTable('t', [6, 7]);
    const again = await query(big('t'));
    expect(again.json.error).toBeUndefined();
    expect(again.json.rows).toEqual([{ f: [{ v: '1' }] }]);
  }, 240_000);

  it('a table replaced while its query is translated in the worker: an answer from a state the table was in, never a stale relation', async () => {
    await makeTable('r', [2, 4]);
    const sql = `${big('r')} OR x = -3`; // not cached yet: really translated in the worker
    const pending = query(sql);
    await new Promise((r) => setTimeout(r, 300)); // the worker is still at it (it takes seconds)
    await raw(wh.url, 'DELETE', '/bigquery/v2/projects/local-project/datasets/stall/tables/r');
    await makeTable('r', [6]);
    const result = await pending;
    // Each state the table passed through is a right answer: the old rows (2), deleted (notFound), created empty (0),
    // the new rows (1). A translation bound to the dropped relation would be a DuckDB catalog error or other rows.
    if (result.json.error) {
      expect(result.status).toBe(404);
      expect(result.json.error.message).toMatch(/Table local-project:stall\.r was not found/);
    } else {
      expect([[{ f: [{ v: '2' }] }], [{ f: [{ v: '0' }] }], [{ f: [{ v: '1' }] }]]).toContainEqual(
        result.json.rows,
      );
    }
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
