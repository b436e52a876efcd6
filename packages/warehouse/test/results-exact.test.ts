import type { BigQuery } from '@google-cloud/bigquery';
import { describe, expect, it } from 'vitest';
import { useTestWarehouse } from './helpers.js';

// Results exactly as BigQuery gives them, through the stock client: output column names, NET.* functions.
let bq: BigQuery;

useTestWarehouse((started) => {
  bq = started.bq;
}, 180_000); // the first start loads DuckDB and the transpiler; slow on a loaded machine

async function run(query: string): Promise<{ names: string[]; rows: Record<string, unknown>[] }> {
  const [job] = await bq.createQueryJob({ query, useLegacySql: false });
  const [rows, , resp] = await job.getQueryResults();
  const fields = (resp as { schema?: { fields?: { name: string }[] } })?.schema?.fields ?? [];
  return { names: fields.map((f) => f.name), rows: rows as Record<string, unknown>[] };
}

/** The error BigQuery's client reports for a query that fails (reason and message). */
async function failure(query: string): Promise<{ reason: string; message: string }> {
  try {
    await run(query);
  } catch (e) {
    const err = e as { errors?: { reason: string; message: string }[]; message: string };
    return { reason: err.errors?.[0]?.reason ?? '', message: err.message };
  }
  throw new Error(`query succeeded: ${query}`);
}

describe.concurrent('output column names', () => {
  it('anonymous items are f0_, f1_… counting only the anonymous ones', async () => {
    const r = await run(
      'SELECT 1, 2 AS x, [1, 2][OFFSET(1)], t.s.a, (SELECT 3) y, 4 z, CURRENT_DATE() IS NULL FROM (SELECT STRUCT(5 AS a) AS s) t',
    );
    expect(r.names).toEqual(['f0_', 'x', 'f1_', 'a', 'y', 'z', 'f2_']);
    expect(r.rows).toEqual([{ f0_: 1, x: 2, f1_: 2, a: 5, y: 3, z: 4, f2_: false }]);
  });

  it('a WITH query, a set operation (the first query names) and SELECT * with an extra item', async () => {
    expect((await run('WITH c AS (SELECT 1 AS q) SELECT q, q + 1 FROM c')).names).toEqual(['q', 'f0_']);
    expect((await run('(SELECT 1, 2 AS b) UNION ALL (SELECT 3, 4)')).names).toEqual(['f0_', 'b']);
    const star = await run('SELECT * EXCEPT (a), COUNT(*) OVER () FROM (SELECT 1 AS a, 2 AS b)');
    expect(star.names).toEqual(['b', 'f0_']);
  });

  it('operators that read like clauses do not end the list: IS DISTINCT FROM, INTERVAL … DAY, CASE … END', async () => {
    const r = await run(
      'SELECT 1 IS DISTINCT FROM 2, EXTRACT(DAY FROM INTERVAL 3 DAY), CASE WHEN TRUE THEN 1 END, day FROM (SELECT 7 AS day)',
    );
    expect(r.names).toEqual(['f0_', 'f1_', 'f2_', 'day']);
  });

  it('duplicate names are refused as BigQuery refuses them, case-insensitively', async () => {
    const e = await failure('SELECT 1 AS a, 2 AS A');
    expect(e.reason).toBe('invalidQuery');
    expect(e.message).toBe('Duplicate column names in the result are not supported. Found duplicate(s): a');
    const j = await failure(
      'SELECT t.id, u.id FROM (SELECT 1 AS id) t JOIN (SELECT 1 AS id) u ON t.id = u.id',
    );
    expect(j.message).toBe('Duplicate column names in the result are not supported. Found duplicate(s): id');
  });
});

describe.concurrent('NET functions', () => {
  it('NET.HOST takes the host out of a URL, keeping its case', async () => {
    const r = await run(
      `SELECT NET.HOST(' http://user:pw@www.Example.Co.UK:8080/x?y#z ') AS a, NET.HOST('//a.b:80/p') AS b,
              NET.HOST('https://[::1]:80') AS c, NET.HOST('mailto:?to=&x') AS d, NET.HOST(NULL) AS e`,
    );
    expect(r.rows).toEqual([{ a: 'www.Example.Co.UK', b: 'a.b', c: '[::1]', d: 'mailto', e: null }]);
  });

  it('IP addresses round-trip between text and bytes, IPv6 in its compressed form', async () => {
    const r = await run(
      `SELECT NET.IP_TO_STRING(NET.IP_FROM_STRING('2001:DB8:0:0:1:0:0:1')) AS a,
              NET.IP_TO_STRING(NET.IP_FROM_STRING('::1')) AS b,
              NET.IP_TO_STRING(NET.IP_FROM_STRING('1:0:0:2:0:0:0:3')) AS c,
              NET.IP_TO_STRING(b'\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\xff\\xff\\xc0\\xa8\\x01\\x01') AS d,
              TO_HEX(NET.IP_FROM_STRING('192.168.1.10')) AS e,
              NET.SAFE_IP_FROM_STRING('1.2.3.256') AS f,
              NET.IPV4_TO_INT64(NET.IP_FROM_STRING('10.0.0.1')) AS g,
              NET.FORMAT_IP(16909060) AS h, NET.PARSE_IP('1.2.3.4') AS i`,
    );
    expect(r.rows).toEqual([
      {
        a: '2001:db8::1:0:0:1',
        b: '::1',
        c: '1:0:0:2::3',
        d: '::ffff:192.168.1.1',
        e: 'c0a8010a',
        f: null,
        g: 167772161,
        h: '1.2.3.4',
        i: 16909060,
      },
    ]);
  });

  it('bad input is BigQuery error, unknown and unsupported NET functions are invalidQuery naming them', async () => {
    const bad = await failure("SELECT NET.IP_FROM_STRING('1.2.3')");
    expect(bad.message).toBe('NET.IP_FROM_STRING() encountered an unparseable IP-address: 1.2.3');
    const unknown = await failure("SELECT NET.NOPE('a')");
    expect(unknown).toEqual({ reason: 'invalidQuery', message: 'Function not found: NET.NOPE at [1:8]' });
    const psl = await failure("SELECT NET.PUBLIC_SUFFIX('a.co.uk')");
    expect(psl.reason).toBe('invalidQuery');
    expect(psl.message).toMatch(
      /^NET\.PUBLIC_SUFFIX is not supported by the local warehouse: .*Public Suffix List/,
    );
  });
});

describe.concurrent('functions DuckDB has under another shape', () => {
  it('IS_NAN, IS_INF, ARRAY_FIRST/LAST, vector distances, RANGE_BUCKET, EDIT_DISTANCE', async () => {
    const r = await run(
      `SELECT IS_NAN(CAST('nan' AS FLOAT64)) AS nan, IS_INF(CAST('-inf' AS FLOAT64)) AS inf, IS_INF(1.5) AS fin,
              ARRAY_FIRST([4, 5, 6]) AS first, ARRAY_LAST(['a', 'b']) AS last,
              ROUND(COSINE_DISTANCE([1.0, 2.0], [3.0, 4.0]), 6) AS cos, EUCLIDEAN_DISTANCE([1.0, 2.0], [4.0, 6.0]) AS euc,
              RANGE_BUCKET(20, [0, 10, 20, 30]) AS b1, RANGE_BUCKET(-1, [0, 10]) AS b0, RANGE_BUCKET(99, [0, 10]) AS b2,
              EDIT_DISTANCE('kitten', 'sitting') AS ed`,
    );
    expect(r.rows).toEqual([
      {
        nan: true,
        inf: true,
        fin: false,
        first: 4,
        last: 'b',
        cos: 0.01613,
        euc: 5,
        b1: 3,
        b0: 0,
        b2: 2,
        ed: 3,
      },
    ]);
  });

  it('their bad inputs are BigQuery errors (invalidQuery), not wrong answers', async () => {
    const empty = await failure('SELECT ARRAY_FIRST(CAST([] AS ARRAY<INT64>))');
    expect(empty).toEqual({
      reason: 'invalidQuery',
      message: 'ARRAY_FIRST cannot get the first element of an empty array',
    });
    const unsorted = await failure('SELECT RANGE_BUCKET(1, [3, 2])');
    expect(unsorted.message).toBe('RANGE_BUCKET: the boundaries array must be sorted in ascending order');
    const lengths = await failure('SELECT EUCLIDEAN_DISTANCE([1.0], [1.0, 2.0])');
    expect(lengths.message).toBe('EUCLIDEAN_DISTANCE: the two arrays must have the same length, got 1 and 2');
  });
});

describe.concurrent('functions in JavaScript (native.ts), registered on the warehouse DuckDB', () => {
  it('FARM_FINGERPRINT, SHA512, base32, SOUNDEX, NORMALIZE … NFKC, SAFE_CONVERT_BYTES_TO_STRING', async () => {
    const r = await run(
      `SELECT CAST(FARM_FINGERPRINT('1footrue') AS STRING) AS ff, TO_BASE64(SHA512('Hello World')) AS sha, TO_BASE32(b'abcde\\xFF') AS b32,
              TO_BASE64(FROM_BASE32('MFRGGZDF74======')) AS raw, SOUNDEX('Ashcraft') AS sx,
              NORMALIZE('Jane\\u2004Doe', NFKC) AS nf, SAFE_CONVERT_BYTES_TO_STRING(b'\\xc2') AS safe`,
    );
    expect(r.rows).toEqual([
      {
        ff: '-1541654101129638711',
        sha: 'LHT9F+2v2A6ER7DUZ0HuJDt+t03SFJoKsbkkb7MDgvJ+hT2FhXGeDmfL2g2qj1FnEGRhXWRa4nrLFb+xRH9Fmw==',
        b32: 'MFRGGZDF74======',
        raw: 'YWJjZGX/',
        sx: 'A261',
        nf: 'Jane Doe',
        safe: '\uFFFD',
      },
    ]);
  });
});

describe.concurrent('NUMERIC and BIGNUMERIC', () => {
  it('values carry only their significant digits; out of range is an invalidQuery error, not a DuckDB message', async () => {
    const r = await run(
      `SELECT CAST('1.5' AS NUMERIC) AS a, CAST('2' AS NUMERIC) AS b, CAST('-0.125' AS NUMERIC) AS c,
              CAST('1.25' AS BIGNUMERIC) AS d, SUM(x) AS e FROM UNNEST([NUMERIC '0.1', NUMERIC '0.2']) AS x`,
    );
    expect(r.names).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(Object.values(r.rows[0] ?? {}).map(String)).toEqual(['1.5', '2', '-0.125', '1.25', '0.3']);
    const over = await failure("SELECT CAST('1e30' AS NUMERIC)");
    expect(over.reason).toBe('invalidQuery');
    expect(over.message).not.toMatch(/Conversion Error|DECIMAL|\n/);
  });
});

describe.concurrent('what DuckDB cannot bind is invalidQuery in BigQuery words, never a DuckDB binder message', () => {
  const cases: [string, string][] = [
    ['SELECT nope FROM (SELECT 1 AS a)', 'Unrecognized name: nope'],
    ['SELECT u.a FROM (SELECT 1 AS a) t', 'Unrecognized name: u'],
    ['SELECT a, COUNT(*) AS n FROM (SELECT 1 AS a)', 'SELECT list expression references column a which is'],
    ["SELECT DATE_BUCKET(DATE '2026-01-02', INTERVAL 2 DAY)", 'Function not found: DATE_BUCKET'],
    ['SELECT LENGTH(1)', 'No matching signature for function LENGTH'],
  ];
  for (const [sql, want] of cases) {
    it(sql, async () => {
      const e = await failure(sql);
      expect(e.reason).toBe('invalidQuery');
      expect(e.message).toContain(want);
      expect(e.message).not.toMatch(/Binder Error|Catalog Error|Parser Error|bq_|\n/);
    });
  }
});
