import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../src/db.js';
import type { RunningWarehouse } from '../src/index.js';
import { readResult } from '../src/jobs/result-store.js';
import { raw, startTestWarehouse } from './helpers.js';

// Concurrent reads never return values nobody wrote (issue 12, item 4). DuckDB plans a statement with the table
// statistics of the moment it is prepared (compressed GROUP BY keys, perfect-hash aggregates sized from min/max) and
// does not re-plan for data-only commits: a reader that prepares in one auto-commit transaction and runs in the next
// meets rows its plan has no room for. Every reader statement must plan and run in one snapshot (Database.read).

const P = '/bigquery/v2/projects/local-project';
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Rows of `t` before the race: small values, so the plan's statistics are narrow. */
const SEED_ROWS = 'INSERT INTO t SELECT i % 7, i, i * 3 FROM range(1, 5000) r(i)';
/** Rows committed between prepare and run: values far outside those statistics. */
const LATE_ROWS = 'INSERT INTO t SELECT i % 7 + 100000, i + 1000000000, i * 3 FROM range(1, 5000) r(i)';
const QUERIES = [
  'SELECT n, count(*) AS c FROM t GROUP BY n ORDER BY n',
  'SELECT DISTINCT w, n, s FROM t ORDER BY n',
  'SELECT w, max(n) AS m, min(s) AS s FROM t GROUP BY w ORDER BY w',
  'SELECT * FROM t ORDER BY n',
];

async function freshTable(db: Database): Promise<void> {
  await db.write(async (c) => {
    await c.run('CREATE SCHEMA IF NOT EXISTS _results');
    await c.run('CREATE OR REPLACE TABLE t (w BIGINT, n BIGINT, s BIGINT)');
    await c.run(SEED_ROWS);
  });
}

async function drain(result: { fetchChunk(): Promise<{ rowCount: number; getRows(): unknown[][] } | null> }) {
  const rows: unknown[][] = [];
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) return rows;
    rows.push(...chunk.getRows());
  }
}

/** `c` with a hook: `after()` runs once, right after the first prepare resolves (between plan and run). */
function afterFirstPrepare(c: DuckDBConnection, after: () => Promise<void>): DuckDBConnection {
  let fired = false;
  return new Proxy(c, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (prop !== 'prepare') return (value as (...a: unknown[]) => unknown).bind(target);
      return async (sql: string) => {
        const prepared = await target.prepare(sql);
        if (!fired) {
          fired = true;
          await after();
        }
        return prepared;
      };
    },
  });
}

describe('one snapshot per read: prepare, another connection commits, then run', () => {
  it('on a bare auto-commit connection the scenario does return values nobody wrote (the test has teeth)', async () => {
    // Outside Database.read, on DuckDB's own: proves the rows/errors below come from the race, not from the query.
    const db = await Database.open(null);
    try {
      await freshTable(db);
      const bare = await db.spool(async (c) => {
        const prepared = await c.prepare('SELECT n FROM t GROUP BY n');
        await db.write((w) => w.run(LATE_ROWS));
        try {
          const rows = await drain(await prepared.stream());
          return rows.map(([n]) => n as bigint);
        } finally {
          prepared.destroySync();
        }
      });
      const written = (n: bigint) => (n >= 1n && n < 5000n) || (n > 1_000_000_000n && n < 1_000_005_000n);
      expect(bare.filter((n) => !written(n)).length).toBeGreaterThan(0);
    } finally {
      await db.close();
    }
  });

  it.each(QUERIES)('Database.read: %s sees exactly the snapshot it was planned in', async (sql) => {
    const db = await Database.open(null);
    try {
      await freshTable(db);
      const expected = await db.read(async (c) => (await c.runAndReadAll(sql)).getRows());
      const got = await db.read(async (c) => {
        const prepared = await c.prepare(sql);
        await db.write((w) => w.run(LATE_ROWS));
        try {
          return await drain(await prepared.stream());
        } finally {
          prepared.destroySync();
        }
      });
      expect(got).toEqual(expected);
      // The late rows are committed: the next read sees them.
      const after = await db.read(async (c) => (await c.runAndReadAll('SELECT count(*) FROM t')).getRows());
      expect(after).toEqual([[9998n]]);
    } finally {
      await db.close();
    }
  });

  it.each([
    ['small result (answered inline)', 'SELECT n, count(*) AS c FROM t GROUP BY n ORDER BY n LIMIT 900'],
    ['large result (spooled to a result table)', 'SELECT w, n, s FROM t GROUP BY w, n, s ORDER BY n'],
  ])("a query job's readResult, %s, keeps the snapshot of its plan", async (_label, sql) => {
    const db = await Database.open(null);
    try {
      await freshTable(db);
      const expected = await db.read(async (c) => (await c.runAndReadAll(sql)).getRows());
      const result = await db.read((c) =>
        readResult(
          db,
          afterFirstPrepare(c, () => db.write((w) => w.run(LATE_ROWS)).then(() => undefined)),
          sql,
          undefined,
        ),
      );
      expect(result.totalRows).toBe(expected.length);
      let rows: unknown[][];
      if (result.inlineRows) {
        rows = result.inlineRows.map((r) => r.f.map((cell) => BigInt(cell.v as string)));
      } else {
        expect(result.resultTable).toBeDefined();
        rows = await db.read(async (c) =>
          (await c.runAndReadAll(`SELECT * FROM ${result.resultTable} ORDER BY rowid`)).getRows(),
        );
      }
      expect(rows).toEqual(expected);
    } finally {
      await db.close();
    }
  });

  it('a failing read rolls its snapshot back and the reader serves the next read', async () => {
    const db = await Database.open(null, [], 1);
    try {
      await freshTable(db);
      await expect(
        db.read(async (c) => {
          await c.runAndReadAll('SELECT count(*) FROM t');
          await c.runAndReadAll('SELECT nope FROM t');
        }),
      ).rejects.toThrow(/nope/);
      await db.write((w) => w.run(LATE_ROWS));
      // The single reader is not left inside the old snapshot (it would still count 4999).
      const n = await db.read(async (c) => (await c.runAndReadAll('SELECT count(*) FROM t')).getRows());
      expect(n).toEqual([[9998n]]);
    } finally {
      await db.close();
    }
  });
});

/** A small seeded PRNG (mulberry32): the values every writer writes are a function of the seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type FvRow = { f: { v: string | null }[] };
const cells = (rows: FvRow[] | undefined): (string | null)[][] =>
  (rows ?? []).map((r) => r.f.map((c) => c.v));

/** What the readers ask, and how each row they get back is checked against the oracle. */
const READS: { sql: (t: string) => string; check: 'wsn' | 'wn' | 'max' }[] = [
  { sql: (t) => `SELECT w, s, n FROM ${t} GROUP BY w, s, n`, check: 'wsn' },
  { sql: (t) => `SELECT DISTINCT w, s, n FROM ${t}`, check: 'wsn' },
  { sql: (t) => `SELECT w, s, n FROM ${t} ORDER BY n DESC LIMIT 2000`, check: 'wsn' },
  { sql: (t) => `SELECT w, n, COUNT(*) AS c FROM ${t} GROUP BY w, n`, check: 'wn' },
  { sql: (t) => `SELECT w, MAX(n) AS n, MIN(s) AS s FROM ${t} GROUP BY w`, check: 'max' },
];

/**
 * 25 writers and 25 readers race on a fresh table: writers send `batches` batches of seeded rows each (small values
 * first, then ever larger ones, so the statistics a plan was made with go stale fast), readers run GROUP BY / DISTINCT
 * / ORDER BY jobs and tabledata.list until the writers are done (bounded by the work, not a clock: a loaded machine
 * makes it slower, never weaker). Every row read is checked against the oracle: the rows some writer sent (added before sending,
 * so a read that sees a commit before its writer hears back is fine). Returns what was wrong, and how much was read.
 */
async function race(wh: RunningWarehouse, seed: number, table: string, batches: number) {
  const WRITERS = 25;
  const READERS = 25;
  const post = (path: string, body: object) => raw(wh.url, 'POST', `${P}${path}`, body);
  expect(
    (
      await post('/datasets/race/tables', {
        tableReference: { projectId: 'local-project', datasetId: 'race', tableId: table },
        schema: {
          fields: [
            { name: 'w', type: 'INTEGER' },
            { name: 's', type: 'INTEGER' },
            { name: 'n', type: 'INTEGER' },
          ],
        },
      })
    ).status,
  ).toBe(200);
  const sent = new Set<string>(); // "w|s|n"
  const sentWn = new Set<string>(); // "w|n"
  const sentN = new Map<string, Set<string>>(); // w -> n values, s values
  const sentS = new Map<string, Set<string>>();
  const wrong: string[] = [];
  let reads = 0;
  const sizes = new Set<number>();
  let writing = 0;
  const writer = async (w: number) => {
    const rnd = prng(seed * 1000 + w);
    for (let k = 0; k < batches; k++) {
      const rows = Array.from({ length: 4 }, (_, j) => {
        // n grows with k (0..3 first, then by ~10^5 a batch); s is a seeded 62-bit value.
        const n = String(k === 0 ? j : k * 100_003 + j + Math.floor(rnd() * 50));
        const s = String(
          BigInt(Math.floor(rnd() * 2 ** 31)) * 2n ** 31n + BigInt(Math.floor(rnd() * 2 ** 31)),
        );
        return { w: String(w), s, n };
      });
      for (const r of rows) {
        sent.add(`${r.w}|${r.s}|${r.n}`);
        sentWn.add(`${r.w}|${r.n}`);
        if (!sentN.has(r.w)) sentN.set(r.w, new Set());
        if (!sentS.has(r.w)) sentS.set(r.w, new Set());
        sentN.get(r.w)!.add(r.n);
        sentS.get(r.w)!.add(r.s);
      }
      // Writers stream rows; writer 0 writes with DML jobs (the writer job path; each text is new, so translated).
      const res =
        w === 0
          ? await post('/queries', {
              query: `INSERT INTO race.${table} (w, s, n) VALUES ${rows.map((r) => `(${r.w}, ${r.s}, ${r.n})`).join(', ')}`,
              useLegacySql: false,
            })
          : await post(`/datasets/race/tables/${table}/insertAll`, { rows: rows.map((json) => ({ json })) });
      if (res.status !== 200 || res.json.insertErrors) wrong.push(`write failed: ${res.text.slice(0, 200)}`);
    }
  };
  const checkRow = (check: 'wsn' | 'wn' | 'max', row: (string | null)[], what: string) => {
    const [w, a, b] = row as string[];
    const ok =
      check === 'wsn'
        ? sent.has(`${w}|${a}|${b}`)
        : check === 'wn'
          ? sentWn.has(`${w}|${a}`) && Number(b) >= 1
          : (sentN.get(w!)?.has(a!) ?? false) && (sentS.get(w!)?.has(b!) ?? false);
    if (!ok && wrong.length < 20) wrong.push(`${what}: never written: ${JSON.stringify(row)}`);
  };
  const reader = async (r: number) => {
    const rnd = prng(seed * 1000 + 500 + r);
    do {
      // A short seeded pause between reads: the readers race the writers without starving them.
      await new Promise((resolve) => setTimeout(resolve, 2 + Math.floor(rnd() * 6)));
      reads++;
      if (rnd() < 0.2) {
        // tabledata.list: rows and totalRows from one snapshot.
        const res = await raw(wh.url, 'GET', `${P}/datasets/race/tables/${table}/data?maxResults=100000`);
        if (res.status !== 200) {
          wrong.push(`tabledata.list failed: ${res.text.slice(0, 200)}`);
          continue;
        }
        const rows = cells(res.json.rows);
        if (Number(res.json.totalRows) !== rows.length)
          wrong.push(`tabledata.list: totalRows ${res.json.totalRows} but ${rows.length} rows`);
        for (const row of rows) checkRow('wsn', row, 'tabledata.list');
        continue;
      }
      const q = READS[Math.floor(rnd() * READS.length)]!;
      const sql = q.sql(`race.${table}`);
      const res = await post('/queries', { query: sql, useLegacySql: false, maxResults: 100000 });
      if (res.status !== 200 || res.json.jobComplete !== true) {
        wrong.push(`${sql}: ${res.status} ${res.text.slice(0, 200)}`);
        continue;
      }
      const rows = cells(res.json.rows);
      sizes.add(rows.length);
      for (const row of rows) checkRow(q.check, row, sql);
      // What the job stored as its result is what it answered.
      if (rnd() < 0.25) {
        const again = await raw(
          wh.url,
          'GET',
          `${P}/queries/${res.json.jobReference.jobId}?maxResults=100000`,
        );
        if (JSON.stringify(cells(again.json.rows)) !== JSON.stringify(rows))
          wrong.push(`${sql}: the stored result differs from the answer`);
      }
    } while (writing > 0);
  };
  writing = WRITERS;
  await Promise.all([
    ...Array.from({ length: WRITERS }, (_, w) => writer(w).finally(() => writing--)),
    ...Array.from({ length: READERS }, (_, r) => reader(r)),
  ]);
  return { wrong, reads, sizes: sizes.size, written: sent.size };
}

describe.each([
  ['in memory', false],
  ['with a data dir', true],
])('25 writers and 25 readers over REST on fresh tables (%s)', (_label, durable) => {
  it('every row read was written by someone, and a job stores what it answered', async () => {
    let dataDir: string | null = null;
    if (durable) {
      dataDir = await mkdtemp(join(tmpdir(), 'wh-snapshot-'));
      dirs.push(dataDir);
    }
    const wh = await startTestWarehouse({ dataDir });
    try {
      expect(
        (await raw(wh.url, 'POST', `${P}/datasets`, { datasetReference: { datasetId: 'race' } })).status,
      ).toBe(200);
      // Warm-up (one batch per writer, so hardly a race): the translator's first translations are slow and would eat
      // a round; what it read is checked all the same.
      expect((await race(wh, 10, 'warm', 1)).wrong).toEqual([]);
      // One seeded race per mode: a second seed cost another 15 s per mode of a CPU-bound suite.
      for (const [i, seed] of [11].entries()) {
        const { wrong, reads, sizes, written } = await race(wh, seed, `t${i}`, 4);
        expect(wrong).toEqual([]);
        expect(written).toBe(25 * 4 * 4);
        // The race really raced: every reader read, and the reads saw the table at several sizes.
        expect(reads).toBeGreaterThanOrEqual(25);
        expect(sizes).toBeGreaterThanOrEqual(3);
      }
    } finally {
      await wh.stop();
    }
  });
});

describe('a workflow run with parallelism > 1 (runLocal, the engine behind `dp run`)', () => {
  it('4 writer and 4 reader steps at once: every row a step read was written by a writer step', async () => {
    // The engine is imported at run time (it depends on this package, not the other way round).
    const { runLocal } = (await import(
      ['@data-pipeline', 'local'].join('/')
    )) as typeof import('@data-pipeline/local');
    const fixtures = join(import.meta.dirname, 'fixtures', 'snapshot-race');
    const { BATCHES, batchRows } = (await import(join(fixtures, 'rows.mjs'))) as {
      BATCHES: number;
      batchRows: (w: number, k: number) => { w: string; s: string; n: string }[];
    };
    const dir = await mkdtemp(join(tmpdir(), 'wh-snapshot-run-'));
    dirs.push(dir);
    const wh = await startTestWarehouse();
    try {
      const out = join(dir, 'reads.jsonl');
      const result = await runLocal({
        workflowFile: join(fixtures, 'race.yaml'),
        parameters: { table: 'steps', out },
        warehouse: 'embedded',
        warehouseUrl: wh.url,
        seed: false,
        dataDir: dir,
        engine: 'native',
        secrets: new Map(),
        imagesManifest: join(fixtures, 'images.json'),
        baseEnv: { PATH: process.env.PATH ?? '', HOME: dir },
        host: { nodePath: process.execPath, kill: (pid, signal) => process.kill(pid, signal) },
      });
      expect(
        result.tasks.map((t) => `${t.name}:${t.phase}`).filter((t) => !t.endsWith(':Succeeded')),
      ).toEqual([]);
      const written = new Set<string>();
      for (let w = 0; w < 4; w++)
        for (let k = 0; k < BATCHES; k++)
          for (const r of batchRows(w, k)) written.add(`${r.w}|${r.s}|${r.n}`);
      const reads = (await readFile(out, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { read: string; total: number; rows: string[][] });
      expect(reads).toHaveLength(4 * 10);
      const wrong = reads.flatMap((r) => [
        ...(r.total === r.rows.length ? [] : [`${r.read}: totalRows ${r.total} but ${r.rows.length} rows`]),
        ...r.rows.filter(([w, s, n]) => !written.has(`${w}|${s}|${n}`)).map((row) => `${r.read}: ${row}`),
      ]);
      expect(wrong).toEqual([]);
      // And the table holds exactly what was written.
      const all = await raw(wh.url, 'GET', `${P}/datasets/race/tables/steps/data?maxResults=100000`);
      expect(new Set(cells(all.json.rows).map((r) => r.join('|')))).toEqual(written);
    } finally {
      await wh.stop();
    }
  });
});
