import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWarehouse } from '../src/index.js';
import { clientFor, raw, startTestWarehouse } from './helpers.js';

let wh: RunningWarehouse;

beforeAll(async () => {
  wh = await startTestWarehouse();
});
afterAll(async () => {
  await wh?.stop();
});

describe('paging a 100k-row result', () => {
  it('the stock client pages through every row in order', async () => {
    const bq = clientFor(wh.url);
    const [job] = await bq.createQueryJob({
      query:
        'SELECT x, CONCAT("row", CAST(x AS STRING)) AS label FROM UNNEST(GENERATE_ARRAY(1, 100000)) AS x ORDER BY x',
    });
    const [rows] = await job.getQueryResults();
    expect(rows).toHaveLength(100_000);
    let ordered = true;
    for (let i = 0; i < rows.length; i++) if (rows[i]!.x !== i + 1) ordered = false;
    expect(ordered).toBe(true);
    expect(rows[99_999]).toEqual({ x: 100_000, label: 'row100000' });
  });

  it('pageToken, startIndex and maxResults over raw HTTP', async () => {
    const P = '/bigquery/v2/projects/local-project';
    const q = await raw(wh.url, 'POST', `${P}/queries`, {
      query: 'SELECT x FROM UNNEST(GENERATE_ARRAY(1, 100000)) AS x ORDER BY x',
      useLegacySql: false,
      maxResults: 5,
    });
    expect(q.json.totalRows).toBe('100000');
    expect(q.json.rows).toHaveLength(5);
    expect(q.json.pageToken).toBe('5');
    const job = q.json.jobReference.jobId;
    const page = await raw(wh.url, 'GET', `${P}/queries/${job}?maxResults=3&pageToken=99998`);
    expect(page.json.rows.map((r: { f: { v: string }[] }) => r.f[0]!.v)).toEqual(['99999', '100000']);
    expect(page.json.pageToken).toBeUndefined();
    const start = await raw(wh.url, 'GET', `${P}/queries/${job}?maxResults=2&startIndex=10`);
    expect(start.json.rows.map((r: { f: { v: string }[] }) => r.f[0]!.v)).toEqual(['11', '12']);
    const huge = await raw(wh.url, 'GET', `${P}/queries/${job}?maxResults=999999999`);
    expect(huge.json.rows.length).toBeLessThanOrEqual(100_000);
  });
});

describe('parallel clients', () => {
  it('8 clients writing and reading at once get correct results', async () => {
    const setup = clientFor(wh.url);
    await setup.createDataset('par');
    await setup.dataset('par').createTable('shared', { timePartitioning: { type: 'DAY' } });
    const CLIENTS = 8;
    const ROWS = 200;
    await Promise.all(
      Array.from({ length: CLIENTS }, async (_, c) => {
        const bq = clientFor(wh.url);
        const table = `own_${c}`;
        await bq.dataset('par').createTable(table, {
          schema: [
            { name: 'client', type: 'INTEGER' },
            { name: 'i', type: 'INTEGER' },
          ],
        });
        for (let batch = 0; batch < 4; batch++) {
          const rows = Array.from({ length: ROWS / 4 }, (_, k) => ({ client: c, i: batch * (ROWS / 4) + k }));
          await bq.dataset('par').table(table).insert(rows);
          const [count] = await bq.query(`SELECT COUNT(*) AS n FROM par.${table}`);
          expect(count[0].n).toBe((batch + 1) * (ROWS / 4));
        }
        const day = `202611${String(10 + c).padStart(2, '0')}`;
        await bq.createQueryJob({
          query: `SELECT client, SUM(i) AS total FROM par.${table} GROUP BY client`,
          destination: bq.dataset('par').table(`shared$${day}`),
          writeDisposition: 'WRITE_TRUNCATE',
        });
        const [sum] = await bq.query(`SELECT SUM(i) AS s FROM par.${table}`);
        expect(sum[0].s).toBe((ROWS * (ROWS - 1)) / 2);
      }),
    );
    const [rows] = await setup.query(
      'SELECT client, total, FORMAT_TIMESTAMP("%Y%m%d", _PARTITIONTIME) AS day FROM par.shared ORDER BY client',
    );
    expect(rows).toHaveLength(CLIENTS);
    rows.forEach((r, c) => {
      expect(r).toEqual({
        client: c,
        total: (ROWS * (ROWS - 1)) / 2,
        day: `202611${String(10 + c).padStart(2, '0')}`,
      });
    });
  });
});
