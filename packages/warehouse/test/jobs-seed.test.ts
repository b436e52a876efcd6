import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningWarehouse, seedSampleData, Warehouse } from '../src/index.js';
import { clientFor, raw, startTestWarehouse } from './helpers.js';

let wh: RunningWarehouse;
const P = '/bigquery/v2/projects/local-project';

beforeAll(async () => {
  wh = await startTestWarehouse();
});
afterAll(async () => {
  await wh?.stop();
});

describe('running jobs', () => {
  it('getQueryResults honours timeoutMs (jobComplete false) and jobs.cancel stops a running job', async () => {
    // 10^10 rows: never finishes on its own within the test, so only the cancel can end it.
    const running = await wh.warehouse.insertJob(
      'local-project',
      {
        jobReference: { jobId: 'endless' },
        configuration: {
          query: {
            query:
              'SELECT SUM(MOD(a * b, 7)) AS s FROM UNNEST(GENERATE_ARRAY(1, 100000)) AS a CROSS JOIN UNNEST(GENERATE_ARRAY(1, 100000)) AS b',
            useLegacySql: false,
          },
        },
      },
      0,
    );
    expect((running.status as { state: string }).state).toBe('RUNNING');
    const t0 = Date.now();
    const pending = await raw(wh.url, 'GET', `${P}/queries/endless?timeoutMs=200`);
    expect(pending.status).toBe(200);
    expect(pending.json.jobComplete).toBe(false);
    expect(Date.now() - t0).toBeLessThan(5_000);
    const [listed] = await clientFor(wh.url).getJobs({ stateFilter: 'running' });
    expect(listed.map((j) => j.id)).toContain('endless');
    const cancelled = await raw(wh.url, 'POST', `${P}/jobs/endless/cancel`);
    expect(cancelled.status).toBe(200);
    const job = await raw(wh.url, 'GET', `${P}/jobs/endless`);
    expect(job.json.status.state).toBe('DONE');
    expect(job.json.status.errorResult.reason).toBe('stopped');
    const results = await raw(wh.url, 'GET', `${P}/queries/endless`);
    expect(results.status).toBe(400);
    expect(results.json.error.errors[0].reason).toBe('stopped');
  });
});

describe('result sizes around the in-memory first answer (1,000 rows)', () => {
  it.each([0, 1000, 1001])('%i rows: totalRows, every page and the last row', async (n) => {
    const q = await raw(wh.url, 'POST', `${P}/queries`, {
      query: `SELECT x FROM UNNEST(GENERATE_ARRAY(1, ${n})) AS x ORDER BY x`,
      useLegacySql: false,
      maxResults: 400,
    });
    expect(q.json.totalRows).toBe(String(n));
    const values: string[] = q.json.rows.map((r: { f: { v: string }[] }) => r.f[0]!.v);
    let token = q.json.pageToken;
    while (token) {
      const page = await raw(
        wh.url,
        'GET',
        `${P}/queries/${q.json.jobReference.jobId}?maxResults=400&pageToken=${token}`,
      );
      values.push(...page.json.rows.map((r: { f: { v: string }[] }) => r.f[0]!.v));
      token = page.json.pageToken;
    }
    expect(values).toEqual(Array.from({ length: n }, (_, i) => String(i + 1)));
  });
});

describe('sample data', () => {
  const digest =
    'SELECT COUNT(*) AS n, COUNTIF(type = "WatchEvent") AS watch, COUNTIF(type = "ForkEvent") AS fork, ' +
    'COUNT(DISTINCT type) AS types, SUM(actor.id) AS actors, MIN(created_at) AS first, MAX(created_at) AS last ' +
    'FROM `githubarchive.day.20261120`';

  it('is deterministic per seed, idempotent, shaped like the public tables', async () => {
    const opts = { from: '2026-11-20', to: '2026-11-20', scale: 0.1, seed: 7 };
    const first = await seedSampleData({ url: wh.url }, opts);
    expect(first.seeded).toEqual(['2026-11-20']);
    expect(await seedSampleData({ url: wh.url }, opts)).toMatchObject({
      seeded: [],
      skipped: ['2026-11-20'],
    });
    const bq = clientFor(wh.url);
    const [[a]] = await bq.query(digest);
    expect(a.n).toBeGreaterThan(0);
    expect(a.watch).toBeGreaterThan(0);
    expect(a.fork).toBeGreaterThan(0);
    expect(a.types).toBeGreaterThan(3);
    expect(a.first.value.slice(0, 10)).toBe('2026-11-20');
    expect(a.last.value.slice(0, 10)).toBe('2026-11-20');
    const [gh] = await bq.dataset('day', { projectId: 'githubarchive' }).table('20261120').getMetadata();
    expect(gh.schema.fields.map((f: { name: string }) => f.name)).toEqual([
      'type',
      'public',
      'payload',
      'repo',
      'actor',
      'org',
      'created_at',
      'id',
      'other',
    ]);
    const [hn] = await bq
      .dataset('hacker_news', { projectId: 'bigquery-public-data' })
      .table('full')
      .getMetadata();
    expect(hn.schema.fields.map((f: { name: string }) => f.name)).toEqual([
      'title',
      'url',
      'text',
      'dead',
      'by',
      'score',
      'time',
      'timestamp',
      'type',
      'id',
      'parent',
      'descendants',
      'ranking',
      'deleted',
    ]);

    // the same seed in another warehouse gives the same rows; another seed gives others
    const again = async (seed: number) => {
      const other = await Warehouse.open({ dataDir: null });
      try {
        await seedSampleData(other, { ...opts, seed });
        const r = await other.query('local-project', { query: digest, useLegacySql: false });
        return JSON.stringify(r.rows);
      } finally {
        await other.close();
      }
    };
    const [[b]] = await bq.query({ query: digest, formatOptions: { useInt64Timestamp: true } } as never);
    const same = await again(7);
    expect(same).toContain(`"${b.n}"`);
    expect(
      JSON.parse(same)[0]
        .f.slice(0, 5)
        .map((c: { v: string }) => Number(c.v)),
    ).toEqual([b.n, b.watch, b.fork, b.types, b.actors]);
    expect(await again(8)).not.toBe(same);
  });
});
