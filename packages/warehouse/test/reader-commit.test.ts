import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Database } from '../src/db.js';

// Database.read answers before its snapshot's COMMIT is done (right for a transaction that only read). Work on a reader
// that creates what the writer reads next — a load job's staging table — goes through Database.stage, which returns
// only once it has committed. Before, a load job could fail with "Table with name l_… does not exist" under load.

let db: Database;
beforeAll(async () => {
  db = await Database.open(null);
});
afterAll(async () => {
  await db.close();
});

describe('Database.stage', () => {
  it('a table created through stage is there for the writer as soon as stage returns, every time', async () => {
    // 300,000 rows make the COMMIT slow enough that read's early answer loses this race now and then (about 1 in 7
    // here); stage must never lose it.
    for (let i = 0; i < 20; i++) {
      const n = await db.stage(async (c) => {
        await c.run(`CREATE TABLE staged_${i} AS SELECT range AS x FROM range(300000)`);
        return (await c.runAndReadAll(`SELECT count(*) FROM staged_${i}`)).getRows()[0]![0];
      });
      expect(n).toBe(300000n);
      const seen = await db.write(
        async (c) => (await c.runAndReadAll(`SELECT count(*) FROM staged_${i}`)).getRows()[0]![0],
      );
      expect(seen).toBe(300000n);
    }
  });

  it('a failing stage rolls back: nothing it created is left, and the reader serves the next read', async () => {
    await expect(
      db.stage(async (c) => {
        await c.run('CREATE TABLE half_done AS SELECT 1 AS x');
        await c.run('SELECT nope FROM half_done');
      }),
    ).rejects.toThrow(/nope/);
    const left = await db.read(
      async (c) =>
        (
          await c.runAndReadAll(`SELECT count(*) FROM duckdb_tables() WHERE table_name = 'half_done'`)
        ).getRows()[0]![0],
    );
    expect(left).toBe(0n);
  });
});
