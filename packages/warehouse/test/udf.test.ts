import type { BigQuery } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWarehouse } from '../src/index.js';
import { clientFor, finishedQueryJob, queryJobFailure, raw, startTestWarehouse } from './helpers.js';

/** Issue 17 §1: temporary SQL and JavaScript UDFs through the stock client and raw REST. */

let wh: RunningWarehouse;
let bq: BigQuery;
const P = '/bigquery/v2/projects/local-project';

beforeAll(async () => {
  wh = await startTestWarehouse();
  bq = clientFor(wh.url);
});
afterAll(async () => {
  await wh?.stop();
});

const rowsOf = async (query: string) => (await bq.query({ query, useLegacySql: false }))[0];

const job = (query: string) => finishedQueryJob(wh.url, query);
const failure = (query: string) => queryJobFailure(wh.url, query);

describe('SQL UDFs', () => {
  it('CREATE TEMP FUNCTION before a query: expanded per call, RETURNS casts, nested calls, not a script', async () => {
    const [j] = await bq.createQueryJob({
      query: `CREATE TEMP FUNCTION add_one(x INT64) AS (x + 1);
CREATE TEMPORARY FUNCTION twice(x INT64) RETURNS FLOAT64 AS (add_one(x) * 2 - 2);
SELECT add_one(n) AS a, twice(n) AS t, add_one(add_one(n)) AS aa FROM UNNEST([1, 5]) AS n ORDER BY n`,
      useLegacySql: false,
    });
    const [rows] = await j.getQueryResults();
    expect(rows).toEqual([
      { a: 2, t: 2, aa: 3 },
      { a: 6, t: 10, aa: 7 },
    ]);
    const [meta] = await j.getMetadata();
    expect(meta.statistics.query.statementType).toBe('SELECT');
    expect(meta.statistics.numChildJobs).toBeUndefined();
    expect(meta.statistics.query.schema.fields.map((f: { type: string }) => f.type)).toEqual([
      'INTEGER',
      'FLOAT',
      'INTEGER',
    ]);
  });

  it('temp functions inside a script, used by several statements', async () => {
    const rows = await rowsOf(`CREATE TEMP FUNCTION greet(s STRING) AS (CONCAT('hi ', s));
DECLARE who STRING DEFAULT greet('a');
SELECT who, greet('b') AS other;`);
    expect(rows).toEqual([{ who: 'hi a', other: 'hi b' }]);
  });

  it('a wrong argument count and an unknown function are one invalidQuery each', async () => {
    const [r1, m1] = await failure('CREATE TEMP FUNCTION f(x INT64) AS (x);\nSELECT f(1, 2)');
    expect(r1).toBe('invalidQuery');
    expect(m1).toMatch(
      /^No matching signature for function f: it takes 1 argument\(s\), 2 given at \[2:8\]$/,
    );
    expect(await failure('CREATE TEMP FUNCTION f(x INT64) AS (x);\nSELECT g(1)')).toEqual([
      'invalidQuery',
      'Function not found: g at [2:8]',
    ]);
    const [r3, m3] = await failure('CREATE TEMP FUNCTION f(x INT64) AS (f(x));\nSELECT f(1)');
    expect(r3).toBe('invalidQuery');
    expect(m3).toMatch(/calls itself/);
  });
});

describe('JavaScript UDFs', () => {
  it("runs the body with BigQuery's type mapping (FLOAT64, STRING, BOOL, ARRAY, STRUCT, INT64 result)", async () => {
    const rows =
      await rowsOf(`CREATE TEMP FUNCTION mul(a FLOAT64, b FLOAT64) RETURNS FLOAT64 LANGUAGE js AS r"""
  return a * b;
""";
CREATE TEMP FUNCTION shout(s STRING, loud BOOL) RETURNS STRING LANGUAGE js AS """return loud ? s.toUpperCase() + '!' : s;""";
CREATE TEMP FUNCTION stats(xs ARRAY<FLOAT64>) RETURNS STRUCT<n INT64, total FLOAT64, parts ARRAY<STRING>> LANGUAGE js AS """
  return { n: xs.length, total: xs.reduce((a, b) => a + b, 0), parts: xs.map(String) };
""";
SELECT mul(1.5, 4) AS m, shout('hey', true) AS s, shout(NULL, false) AS n, stats([1.5, 2.5]) AS st`);
    expect(rows).toEqual([{ m: 6, s: 'HEY!', n: null, st: { n: 2, total: 4, parts: ['1.5', '2.5'] } }]);
  });

  it('runs once per row over a table column', async () => {
    const rows =
      await rowsOf(`CREATE TEMP FUNCTION sq(x FLOAT64) RETURNS FLOAT64 LANGUAGE js AS "return x * x;";
SELECT SUM(sq(CAST(n AS FLOAT64))) AS s FROM UNNEST(GENERATE_ARRAY(1, 3000)) AS n`);
    expect(rows).toEqual([{ s: 9004500500 }]);
  });

  it('has no host access: require, process, globalThis and the constructor escape find nothing', async () => {
    const probe = (body: string) =>
      job(`CREATE TEMP FUNCTION probe() RETURNS STRING LANGUAGE js AS r"""${body}""";\nSELECT probe() AS v`);
    const cases: [string, RegExp][] = [
      [
        "return typeof require + ',' + typeof process + ',' + typeof module + ',' + typeof setTimeout;",
        /^undefined,undefined,undefined,undefined$/,
      ],
      ['return require("fs").readFileSync("/etc/passwd", "utf8");', /ReferenceError: require is not defined/],
      ['return process.env.HOME;', /ReferenceError: process is not defined/],
      ["return this.constructor.constructor('return process')().env.HOME;", /EvalError|TypeError/],
      ["return globalThis.constructor.constructor('return process')().pid;", /EvalError/],
      // the realm's global holds only the function and its JSON input, nothing of the host
      ['return Object.keys(globalThis).join(",");', /^__udf,__in$/],
    ];
    for (const [body, expected] of cases) {
      const j = await probe(body);
      const answer = j.status.errorResult
        ? `${j.status.errorResult.reason}: ${j.status.errorResult.message}`
        : (await raw(wh.url, 'GET', `${P}/queries/${j.jobReference.jobId}`)).json.rows[0].f[0].v;
      expect(String(answer), body).toMatch(expected);
      if (j.status.errorResult) expect(j.status.errorResult.reason).toBe('invalidQuery');
    }
  });

  it('an endless loop fails the query with a clear error after the time limit, and the server keeps serving', async () => {
    const started = Date.now();
    const [reason, message] = await failure(
      'CREATE TEMP FUNCTION spin(x FLOAT64) RETURNS FLOAT64 LANGUAGE js AS "while (true) {} return x;";\nSELECT spin(1.0)',
    );
    expect(reason).toBe('invalidQuery');
    expect(message).toMatch(/JavaScript UDF spin timed out after 1000 ms/);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(await rowsOf('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('errors: a thrown error, INT64 parameters, a missing RETURNS, a syntax error', async () => {
    const [r1, m1] = await failure(
      'CREATE TEMP FUNCTION boom(x FLOAT64) RETURNS FLOAT64 LANGUAGE js AS "throw new Error(\'bad \' + x);";\nSELECT boom(2.0)',
    );
    expect(r1).toBe('invalidQuery');
    expect(m1).toMatch(/JavaScript UDF boom failed: Error: bad 2/);
    const [, m2] = await failure(
      'CREATE TEMP FUNCTION f(x INT64) RETURNS INT64 LANGUAGE js AS "return x;";\nSELECT f(1)',
    );
    expect(m2).toBe(
      'JavaScript UDF f: INT64 is not supported as a parameter type of JavaScript UDFs; use FLOAT64 or STRING',
    );
    const [, m3] = await failure(
      'CREATE TEMP FUNCTION f(x FLOAT64) LANGUAGE js AS "return x;";\nSELECT f(1)',
    );
    expect(m3).toBe('JavaScript UDF f: a JavaScript UDF needs RETURNS <type>');
    const [, m4] = await failure(
      'CREATE TEMP FUNCTION f(x FLOAT64) RETURNS FLOAT64 LANGUAGE js AS "return x +;";\nSELECT f(1)',
    );
    expect(m4).toMatch(/^JavaScript UDF f: SyntaxError: /);
    const [, m5] = await failure(
      'CREATE TEMP FUNCTION f(x FLOAT64) RETURNS INT64 LANGUAGE js AS "return x / 3;";\nSELECT f(1)',
    );
    expect(m5).toMatch(/JavaScript UDF f: returned 0\.333\d*, which is not an INT64/);
  });
});
