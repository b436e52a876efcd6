import type { BigQuery } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWarehouse } from '../src/index.js';
import { clientFor, queryJobFailure, raw, startTestWarehouse } from './helpers.js';

/** Issue 17 §1: scripting (multi-statement queries) through the stock client and raw REST. */

let wh: RunningWarehouse;
let bq: BigQuery;
const P = '/bigquery/v2/projects/local-project';

beforeAll(async () => {
  wh = await startTestWarehouse();
  bq = clientFor(wh.url);
  await bq.createDataset('s');
  await bq.query('CREATE TABLE s.t (id INT64, name STRING)');
  await bq.query("INSERT s.t (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')");
});
afterAll(async () => {
  await wh?.stop();
});

const failure = (query: string) => queryJobFailure(wh.url, query);

const rowsOf = async (query: string) => (await bq.query({ query, useLegacySql: false }))[0];

describe('scripts', () => {
  it("answers the last SELECT's result and lists one child job per statement", async () => {
    const script = `DECLARE n INT64 DEFAULT 2;
SELECT 'first' AS w;
INSERT s.t (id, name) VALUES (10, 'x');
SELECT id, name FROM s.t WHERE id <= n ORDER BY id;
DELETE FROM s.t WHERE id = 10;`;
    const [j] = await bq.createQueryJob({ query: script, useLegacySql: false });
    const [rows] = await j.getQueryResults();
    expect(rows).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
    const [meta] = await j.getMetadata();
    expect(meta.statistics.numChildJobs).toBe('4');
    expect(meta.statistics.query.statementType).toBe('SCRIPT');
    const list = await raw(wh.url, 'GET', `${P}/jobs?parentJobId=${j.id}`);
    expect(list.status).toBe(200);
    // biome-ignore lint/suspicious/noExplicitAny: job list entries
    const children = list.json.jobs.map((c: any) => c.statistics);
    expect(children).toHaveLength(4);
    for (const c of children) expect(c.parentJobId).toBe(j.id);
    type Frame = { startLine: number; text: string };
    const frames: Frame[] = children
      .map((c: { scriptStatistics: { stackFrames: Frame[] } }) => c.scriptStatistics.stackFrames[0])
      .sort((a: Frame, b: Frame) => a.startLine - b.startLine);
    expect(frames.map((f: { startLine: number }) => f.startLine)).toEqual([2, 3, 4, 5]);
    expect(frames[1].text).toBe("INSERT s.t (id, name) VALUES (10, 'x')");
    expect(children.map((c: { query: { statementType: string } }) => c.query.statementType).sort()).toEqual([
      'DELETE',
      'INSERT',
      'SELECT',
      'SELECT',
    ]);
    // child jobs are not top-level jobs
    const top = await raw(wh.url, 'GET', `${P}/jobs`);
    // biome-ignore lint/suspicious/noExplicitAny: see above
    expect(top.json.jobs.some((x: any) => x.statistics.parentJobId)).toBe(false);
    // the DELETE ran too
    expect(await rowsOf('SELECT COUNT(*) AS n FROM s.t')).toEqual([{ n: 3 }]);
  });

  it('DECLARE, SET (also of a tuple) and IF / ELSEIF / ELSE, with variables in later statements', async () => {
    const rows = await rowsOf(`DECLARE a, b INT64;
DECLARE label STRING DEFAULT 'none';
DECLARE d DEFAULT DATE '2026-11-20';
SET a = (SELECT MAX(id) FROM s.t);
SET (b, label) = (SELECT AS STRUCT a * 10, 'big');
IF b > 100 THEN
  SET label = 'huge';
ELSEIF b > 20 THEN
  SET label = CONCAT(label, '!');
ELSE
  SET label = 'small';
END IF;
BEGIN
  DECLARE inner_v FLOAT64 DEFAULT 0.5;
  SET b = b + CAST(inner_v * 2 AS INT64);
END;
SELECT a, b, label, DATE_ADD(d, INTERVAL 1 DAY) AS next_day;`);
    expect(rows).toHaveLength(1);
    expect(rows[0].a).toBe(3);
    expect(rows[0].b).toBe(31);
    expect(rows[0].label).toBe('big!');
    expect(rows[0].next_day.value).toBe('2026-11-21');
  });

  it('values with quotes, NULLs, dates and timestamps travel into later expressions and statements unchanged', async () => {
    const rows = await rowsOf(`DECLARE s STRING DEFAULT "it's";
DECLARE t TIMESTAMP DEFAULT TIMESTAMP '2026-11-20 10:11:12.345678 UTC';
DECLARE n INT64;
SET s = CONCAT(s, "'); DROP SCHEMA s; --");
IF s = "it's'); DROP SCHEMA s; --" AND n IS NULL THEN
  SET t = TIMESTAMP_ADD(t, INTERVAL 1 SECOND);
END IF;
SELECT s, n, t, LENGTH(s) AS len;`);
    expect(rows[0].s).toBe("it's'); DROP SCHEMA s; --");
    expect(rows[0].n).toBeNull();
    expect(rows[0].t.value).toBe('2026-11-20T10:11:13.345678000Z');
    expect(rows[0].len).toBe(25);
    expect((await bq.dataset('s').exists())[0]).toBe(true);
  });

  it('WHILE and LOOP with BREAK; an endless loop fails at the iteration cap instead of hanging', async () => {
    const rows = await rowsOf(`DECLARE i INT64 DEFAULT 0;
DECLARE acc STRING DEFAULT '';
WHILE i < 5 DO
  SET i = i + 1;
  IF i = 2 THEN CONTINUE; END IF;
  SET acc = CONCAT(acc, CAST(i AS STRING));
END WHILE;
LOOP
  SET i = i + 10;
  IF i > 30 THEN BREAK; END IF;
END LOOP;
SELECT i, acc;`);
    expect(rows).toEqual([{ i: 35, acc: '1345' }]);
    const started = Date.now();
    // (an empty body: each iteration costs nothing, so the cap is reached at once)
    const [reason, message] = await failure('DECLARE x INT64 DEFAULT 0;\nLOOP\nEND LOOP;');
    expect(reason).toBe('invalidQuery');
    expect(message).toMatch(/limit of 10000 loop iterations at \[2:1\]/);
    expect(Date.now() - started).toBeLessThan(120_000);
  }, 180_000);

  it('a temp table is visible to the script only, and gone when it ends', async () => {
    const rows = await rowsOf(`CREATE TEMP TABLE picked AS SELECT id FROM s.t WHERE id > 1;
INSERT INTO picked (id) VALUES (99);
SELECT id FROM picked ORDER BY id;`);
    expect(rows).toEqual([{ id: 2 }, { id: 3 }, { id: 99 }]);
    const [datasets] = await bq.getDatasets();
    expect(datasets.map((d) => d.id)).toEqual(['s']);
    const [reason, message] = await failure('SELECT * FROM picked');
    expect(reason).toBe('invalidQuery');
    expect(message).toMatch(/picked/);
  });

  it('bad input: one invalidQuery naming the problem and where it is', async () => {
    expect(await failure('DECLARE x INT64;\nSET y = 1;')).toEqual([
      'invalidQuery',
      'Undeclared variable: y at [2:1]',
    ]);
    expect(await failure("DECLARE x INT64;\nSET x = 'abc';")).toEqual([
      'invalidQuery',
      "Cannot coerce expression 'abc' to type INT64 at [2:9]",
    ]);
    const [reason, message] = await failure('DECLARE x INT64 DEFAULT 1;\nSELECT x;\nSELECT nope(x);');
    expect(reason).toBe('invalidQuery');
    expect(message).toBe('Function not found: nope at [3:8]');
    const [r2, m2] = await failure('SELECT 1;\nSELECT undeclared_thing;');
    expect(r2).toBe('invalidQuery');
    expect(m2).toMatch(/undeclared_thing/);
    expect(m2).toMatch(/\[2:\d+\]/);
    const [r3, m3] = await failure('DECLARE x INT64;\nIF x THEN SELECT 1; END IF;');
    expect(r3).toBe('invalidQuery');
    expect(m3).toBe('The condition must be BOOL, not INT64 at [2:4]');
  });
});
