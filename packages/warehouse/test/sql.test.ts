import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bigQueryTypeOfDuckType,
  DUCKDB_MACROS,
  detectDialect,
  type QueryParameter,
  registerNativeFunctions,
  SqlError,
  type TableRef,
  translateQuery,
} from '../src/sql/index.js';
import { normalizeValue } from './support/conformance.js';

/** Translates and returns the TableRefs the translator asked for. */
function refsOf(sql: string, opts: { legacy?: boolean; defaultDataset?: string } = {}): TableRef[] {
  const refs: TableRef[] = [];
  const o: Parameters<typeof translateQuery>[1] = {
    dialect: opts.legacy ? 'legacy' : 'standard',
    defaultProject: 'p0',
    resolveTable: (ref) => {
      refs.push(ref);
      return { sql: '"x"', pseudoColumns: [] };
    },
  };
  if (opts.defaultDataset) o.defaultDataset = opts.defaultDataset;
  translateQuery(sql, o);
  return refs.map(({ access, ...r }) => r);
}

describe('detectDialect', () => {
  it('reads the prefix line case-insensitively and removes it', () => {
    expect(detectDialect('\n    #standardSQL\n    SELECT 1', false)).toEqual({
      dialect: 'standard',
      sql: '\n    \n    SELECT 1',
    });
    expect(detectDialect('#legacySql\nSELECT 1').dialect).toBe('legacy');
    expect(detectDialect('#LEGACYSQL\nSELECT 1', true).dialect).toBe('legacy');
  });
  it('falls back to the flag, and to legacy SQL (the REST default) without one', () => {
    expect(detectDialect('SELECT 1', false).dialect).toBe('standard');
    expect(detectDialect('SELECT 1', true).dialect).toBe('legacy');
    expect(detectDialect('SELECT 1').dialect).toBe('legacy');
  });
  it('rejects a prefix that contradicts the explicit flag', () => {
    expect(() => detectDialect('#standardSQL\nSELECT 1', true)).toThrowError(
      'Query text specifies use_legacy_sql:false, while API options specify:true',
    );
    try {
      detectDialect('#legacySQL\nSELECT 1', false);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SqlError);
      expect((e as SqlError).reason).toBe('invalid');
      expect((e as SqlError).message).toBe(
        'Query text specifies use_legacy_sql:true, while API options specify:false',
      );
    }
  });
});

describe('table names are found syntactically', () => {
  it.each([
    ['SELECT * FROM `p-1.d.t`', { project: 'p-1', dataset: 'd', table: 't' }],
    ['SELECT * FROM `p-1`.`d`.`t`', { project: 'p-1', dataset: 'd', table: 't' }],
    ['SELECT * FROM p-1.d.t', { project: 'p-1', dataset: 'd', table: 't' }],
    [
      'SELECT * FROM bigquery-public-data.hacker_news.full',
      { project: 'bigquery-public-data', dataset: 'hacker_news', table: 'full' },
    ],
    ['SELECT * FROM d.t', { dataset: 'd', table: 't' }],
    [
      'SELECT * FROM githubarchive.day.20261123',
      { project: 'githubarchive', dataset: 'day', table: '20261123' },
    ],
    [
      'SELECT * FROM `githubarchive.day.20261123`',
      { project: 'githubarchive', dataset: 'day', table: '20261123' },
    ],
    ['SELECT * FROM `d.t$20261120`', { dataset: 'd', table: 't', decorator: '20261120' }],
    ['SELECT * FROM d.__TABLES__', { dataset: 'd', table: '__TABLES__', meta: 'TABLES' }],
    [
      'SELECT * FROM `d.t$__PARTITIONS_SUMMARY__`',
      { dataset: 'd', table: 't', decorator: '__PARTITIONS_SUMMARY__', meta: 'PARTITIONS_SUMMARY' },
    ],
    [
      'SELECT * FROM d.INFORMATION_SCHEMA.COLUMNS',
      { dataset: 'd', table: 'INFORMATION_SCHEMA.COLUMNS', meta: 'INFORMATION_SCHEMA.COLUMNS' },
    ],
    [
      'SELECT * FROM `p.d.INFORMATION_SCHEMA.TABLES`',
      { project: 'p', dataset: 'd', table: 'INFORMATION_SCHEMA.TABLES', meta: 'INFORMATION_SCHEMA.TABLES' },
    ],
    [
      "SELECT * FROM `githubarchive.day.2026*` WHERE _TABLE_SUFFIX BETWEEN '1101' AND '1130'",
      { project: 'githubarchive', dataset: 'day', table: '2026*', wildcardPrefix: '2026' },
    ],
    [
      'SELECT * FROM githubarchive.day.2026*',
      { project: 'githubarchive', dataset: 'day', table: '2026*', wildcardPrefix: '2026' },
    ],
  ])('%s', (sql, ref) => {
    expect(refsOf(sql)).toEqual([ref]);
  });

  it('finds tables in joins, comma joins, subqueries and CTEs but not CTE names, strings or comments', () => {
    const sql = `WITH c AS (SELECT * FROM d.a)
      SELECT 'FROM d.fake', x.* FROM c, d.b AS x -- FROM d.comment
      JOIN (SELECT 1 FROM \`p.d.e\`) s ON TRUE LEFT JOIN d.f USING (k)
      WHERE EXISTS (SELECT 1 FROM d.g)`;
    expect(refsOf(sql).map((r) => r.table)).toEqual(['a', 'b', 'e', 'f', 'g']);
  });

  it('treats alias.field in FROM as an implicit UNNEST, not a table', () => {
    expect(refsOf('SELECT x FROM d.t AS t, t.arr AS x').map((r) => r.table)).toEqual(['t']);
  });

  it('reuses transpiler output but always resolves tables afresh', () => {
    const opts = (rel: string) => ({
      dialect: 'standard' as const,
      defaultProject: 'p',
      resolveTable: () => ({ sql: rel, pseudoColumns: [] }),
    });
    const sql = 'SELECT a FROM d.t WHERE a > 1';
    expect(translateQuery(sql, opts('"one"')).sql).toBe('SELECT a FROM "one" AS "t" WHERE a > 1');
    expect(translateQuery(sql, opts('"two"')).sql).toBe('SELECT a FROM "two" AS "t" WHERE a > 1');
  });

  it('uses the default dataset for one-part names and says so when there is none', () => {
    expect(refsOf('SELECT * FROM t', { defaultDataset: 'dd' })).toEqual([{ dataset: 'dd', table: 't' }]);
    expect(() => refsOf('SELECT * FROM t')).toThrowError(
      'Table name "t" missing dataset while no default dataset is set in the request.',
    );
  });

  it('reads legacy [project:dataset.table] forms with decorators', () => {
    expect(refsOf('SELECT table_id FROM [githubarchive:day.__TABLES__]', { legacy: true })).toEqual([
      { project: 'githubarchive', dataset: 'day', table: '__TABLES__', meta: 'TABLES' },
    ]);
    expect(refsOf('SELECT partition_id FROM [d.t$__PARTITIONS_SUMMARY__]', { legacy: true })).toEqual([
      { dataset: 'd', table: 't', decorator: '__PARTITIONS_SUMMARY__', meta: 'PARTITIONS_SUMMARY' },
    ]);
    expect(refsOf('SELECT a FROM [bigquery-public-data:hacker_news.full] LIMIT 1', { legacy: true })).toEqual(
      [{ project: 'bigquery-public-data', dataset: 'hacker_news', table: 'full' }],
    );
    expect(refsOf('SELECT COUNT(*) FROM publicdata:samples.shakespeare', { legacy: true })).toEqual([
      { project: 'publicdata', dataset: 'samples', table: 'shakespeare' },
    ]);
    expect(refsOf('SELECT a FROM [d.t$20261120]', { legacy: true })).toEqual([
      { dataset: 'd', table: 't', decorator: '20261120' },
    ]);
  });

  it('drops legacy EACH hints and reads legacy CONTAINS as a substring test', () => {
    const legacy = {
      dialect: 'legacy' as const,
      defaultProject: 'p',
      resolveTable: () => ({ sql: '"x"', pseudoColumns: [] }),
    };
    expect(
      translateQuery(
        "SELECT repo, COUNT(*) FROM [d.t] WHERE url CONTAINS 'github' GROUP EACH BY repo",
        legacy,
      ).sql,
    ).toBe(`SELECT repo, COUNT(*) AS f0_ FROM "x" AS "t" WHERE STRPOS(url, 'github') > 0 GROUP BY repo`);
    expect(translateQuery('SELECT a.k FROM [d.t] a JOIN EACH [d.u] b ON a.k = b.k', legacy).sql).toBe(
      'SELECT a.k FROM "x" AS "a" JOIN "x" AS "b" ON a.k = b.k',
    );
  });

  it('marks DML/DDL targets as writes and reports the statement kind', () => {
    const seen: TableRef[] = [];
    const resolveTable = (ref: TableRef) => {
      seen.push(ref);
      return { sql: ref.access === 'write' ? '"w"' : '"r"', pseudoColumns: [] };
    };
    const base = { dialect: 'standard' as const, defaultProject: 'p', resolveTable };
    const ins = translateQuery('INSERT INTO d.t (a) SELECT a FROM d.s', base);
    expect(ins.statementKind).toBe('insert');
    expect(ins.targetTable).toMatchObject({ dataset: 'd', table: 't', access: 'write' });
    expect(ins.sql).toContain('INSERT INTO "w"');
    expect(translateQuery('DELETE FROM d.t WHERE a = 1', base).statementKind).toBe('delete');
    // BigQuery's optional INTO/FROM and the table name usable as alias in DML
    expect(translateQuery('INSERT d.t (a) VALUES (1)', base).sql).toBe(
      'INSERT INTO "w" (a) VALUES (CAST(1 AS BIGINT))',
    );
    expect(translateQuery('DELETE d.t WHERE t.a = 1', base).sql).toBe('DELETE FROM "w" AS "t" WHERE t.a = 1');
    expect(translateQuery('UPDATE d.t SET a = 2 WHERE t.a = 1', base).sql).toBe(
      'UPDATE "w" AS "t" SET a = 2 WHERE t.a = 1',
    );
    expect(translateQuery('UPDATE d.t x SET a = 2 WHERE x.a = 1', base).sql).toBe(
      'UPDATE "w" AS x SET a = 2 WHERE x.a = 1',
    );
    expect(translateQuery('UPDATE d.t SET a = 2 WHERE TRUE', base).statementKind).toBe('update');
    expect(translateQuery('SELECT 1', base).statementKind).toBe('select');
    expect(translateQuery('WITH x AS (SELECT 1 AS a) SELECT a FROM x', base).statementKind).toBe('select');
  });
});

describe('running translated SQL on DuckDB', () => {
  let conn: DuckDBConnection;
  beforeAll(async () => {
    const db = await DuckDBInstance.create(':memory:');
    conn = await db.connect();
    await conn.run("SET TimeZone='UTC'");
    await registerNativeFunctions(conn);
    for (const m of DUCKDB_MACROS) await conn.run(m);
    await conn.run(`CREATE TABLE part (a BIGINT, s VARCHAR, _PARTITIONTIME TIMESTAMPTZ)`);
    await conn.run(
      `INSERT INTO part VALUES (1, 'x', '2026-11-20 00:00:00+00'), (2, 'y', '2026-11-21 00:00:00+00')`,
    );
    await conn.run(`CREATE TABLE d1 (n BIGINT)`);
    await conn.run(`INSERT INTO d1 VALUES (1), (2)`);
    await conn.run(`CREATE TABLE d2 (n BIGINT)`);
    await conn.run(`INSERT INTO d2 VALUES (3)`);
  });
  afterAll(() => conn?.closeSync());

  const resolveTable = (ref: TableRef) => {
    if (ref.wildcardPrefix !== undefined) {
      return {
        sql: `(SELECT *, '1' AS _TABLE_SUFFIX FROM d1 UNION ALL BY NAME SELECT *, '2' AS _TABLE_SUFFIX FROM d2)`,
        pseudoColumns: ['_TABLE_SUFFIX'],
      };
    }
    const where = ref.decorator ? ` WHERE strftime(_PARTITIONTIME, '%Y%m%d') = '${ref.decorator}'` : '';
    return {
      sql: `(SELECT *, CAST(_PARTITIONTIME AS DATE) AS _PARTITIONDATE FROM part${where})`,
      pseudoColumns: ['_PARTITIONTIME', '_PARTITIONDATE'],
    };
  };

  async function q(sql: string, params?: QueryParameter[]): Promise<{ names: string[]; rows: unknown[][] }> {
    const o: Parameters<typeof translateQuery>[1] = {
      dialect: 'standard',
      defaultProject: 'p',
      resolveTable,
    };
    if (params) o.params = params;
    const t = translateQuery(sql, o);
    const r = await conn.runAndReadAll(t.sql);
    return { names: r.columnNames(), rows: r.getRows().map((row) => row.map(normalizeValue)) };
  }

  it('SELECT * and t.* never return pseudo-columns, which WHERE and SELECT may still name', async () => {
    expect((await q('SELECT * FROM d.p ORDER BY a')).names).toEqual(['a', 's']);
    expect((await q('SELECT t.* FROM d.p AS t ORDER BY a')).names).toEqual(['a', 's']);
    expect((await q('SELECT * EXCEPT (s) FROM d.p')).names).toEqual(['a']);
    const r = await q('SELECT a, _PARTITIONDATE FROM d.p WHERE _PARTITIONTIME = TIMESTAMP("2026-11-21")');
    expect(r.rows).toEqual([['2', '2026-11-21']]);
    expect((await q('SELECT p.a FROM d.p ORDER BY 1')).rows).toEqual([['1'], ['2']]);
  });

  it('reads a partition decorator and a wildcard table with _TABLE_SUFFIX', async () => {
    expect((await q('SELECT a FROM `d.p$20261120`')).rows).toEqual([['1']]);
    const w = await q("SELECT * FROM `d.t*` WHERE _TABLE_SUFFIX = '2' OR n = 1 ORDER BY n");
    expect(w).toEqual({ names: ['n'], rows: [['1'], ['3']] });
  });

  it('binds named parameters of every scalar type as typed literals', async () => {
    const p = (name: string, type: string, value: string | null): QueryParameter => ({
      name,
      parameterType: { type },
      parameterValue: { value },
    });
    const r = await q('SELECT @i + 1, @f * 2, @n, @b, @s, @y, @d, @dt, @t, @ts, @nul IS NULL, @j', [
      p('i', 'INT64', '41'),
      p('f', 'FLOAT64', '1.25'),
      p('n', 'NUMERIC', '3.5'),
      p('b', 'BOOL', 'true'),
      p('s', 'STRING', "it's a \\ test"),
      p('y', 'BYTES', Buffer.from([0, 255]).toString('base64')),
      p('d', 'DATE', '2026-11-23'),
      p('dt', 'DATETIME', '2026-11-23T10:11:12.5'),
      p('t', 'TIME', '10:11:12'),
      p('ts', 'TIMESTAMP', '2026-11-23 10:11:12.000000+00:00'),
      p('nul', 'STRING', null),
      p('j', 'JSON', '{"a":1}'),
    ]);
    expect(r.rows).toEqual([
      [
        '42',
        2.5,
        '3.5',
        true,
        "it's a \\ test",
        'AP8=',
        '2026-11-23',
        '2026-11-23T10:11:12.5',
        '10:11:12',
        '2026-11-23T10:11:12Z',
        true,
        '{"a":1}',
      ],
    ]);
  });

  it('binds positional, array and struct parameters', async () => {
    const r = await q('SELECT ? + ?, ARRAY_LENGTH(?), (?).b', [
      { parameterType: { type: 'INT64' }, parameterValue: { value: '1' } },
      { parameterType: { type: 'INT64' }, parameterValue: { value: '2' } },
      {
        parameterType: { type: 'ARRAY', arrayType: { type: 'STRING' } },
        parameterValue: { arrayValues: [{ value: 'a' }, { value: 'b' }] },
      },
      {
        parameterType: {
          type: 'STRUCT',
          structTypes: [
            { name: 'a', type: { type: 'INT64' } },
            { name: 'b', type: { type: 'STRING' } },
          ],
        },
        parameterValue: { structValues: { a: { value: '1' }, b: { value: 'bee' } } },
      },
    ]);
    expect(r.rows).toEqual([['3', '2', 'bee']]);
    const arr = await q('SELECT x FROM UNNEST(@xs) AS x ORDER BY x', [
      {
        name: 'xs',
        parameterType: { type: 'ARRAY', arrayType: { type: 'INT64' } },
        parameterValue: { arrayValues: [{ value: '5' }, { value: '4' }] },
      },
    ]);
    expect(arr.rows).toEqual([['4'], ['5']]);
  });

  it('parameter values cannot inject SQL', async () => {
    const r = await q('SELECT @s', [
      { name: 's', parameterType: { type: 'STRING' }, parameterValue: { value: "'); DROP TABLE part; --" } },
    ]);
    expect(r.rows).toEqual([["'); DROP TABLE part; --"]]);
    await expect(
      q('SELECT @i', [
        { name: 'i', parameterType: { type: 'INT64' }, parameterValue: { value: '1; DROP TABLE part' } },
      ]),
    ).rejects.toThrowError(/Invalid value for query parameter i/);
    expect((await q('SELECT COUNT(*) FROM d.p')).rows).toEqual([['2']]);
  });

  it('reads struct parameter fields (@s.a)', async () => {
    const r = await q('SELECT @s.a AS a, @s.b AS b', [
      {
        name: 's',
        parameterType: {
          type: 'STRUCT',
          structTypes: [
            { name: 'a', type: { type: 'INT64' } },
            { name: 'b', type: { type: 'STRING' } },
          ],
        },
        parameterValue: { structValues: { a: { value: '7' }, b: { value: 'x' } } },
      },
    ]);
    expect(r).toEqual({ names: ['a', 'b'], rows: [['7', 'x']] });
  });

  it('keeps backticked names that are DuckDB keywords (at, by, select) as names', async () => {
    const r = await q(
      'SELECT MIN(`at`) AS `select`, `by` FROM (SELECT 1 AS `at`, 2 AS `by`) AS t GROUP BY `by`',
    );
    expect(r).toEqual({ names: ['select', 'by'], rows: [['1', '2']] });
    const bare = await q(
      'SELECT MIN(at) AS m, primary FROM (SELECT 1 AS at, 3 AS primary) AS t GROUP BY primary',
    );
    expect(bare).toEqual({ names: ['m', 'primary'], rows: [['1', '3']] });
  });

  it('types literals as GoogleSQL does: INT64 arithmetic does not overflow at 32 bits, 1.5 is FLOAT64', async () => {
    const r = await q('SELECT 2147483647 + 1, 100000 * 100000, 1.5, ROUND(123.7, -1), [1, -2][OFFSET(1)]');
    expect(r.rows).toEqual([['2147483648', '10000000000', 1.5, 120, '-2']]);
    // casts to INT64 round halves away from zero
    expect((await q('SELECT CAST(2.5 AS INT64), CAST(-1.5 AS INT64), SAFE_CAST("x" AS INT64)')).rows).toEqual(
      [['3', '-2', null]],
    );
    const t = translateQuery('SELECT 1.5 AS f', { dialect: 'standard', defaultProject: 'p', resolveTable });
    const types = (await conn.runAndReadAll(t.sql)).columnTypes().map(String);
    expect(types.map((x) => bigQueryTypeOfDuckType(x).type)).toEqual(['FLOAT']);
  });

  it('EXTRACT parts with GoogleSQL numbering (DAYOFWEEK from Sunday = 1, WEEK(<day>), ISOWEEK, DATE)', async () => {
    const r = await q(
      `SELECT EXTRACT(DAYOFWEEK FROM DATE '2026-11-22'), EXTRACT(WEEK FROM DATE '2026-01-03'),
        EXTRACT(WEEK FROM DATE '2026-01-04'), EXTRACT(WEEK(MONDAY) FROM DATE '2026-01-04'),
        EXTRACT(ISOWEEK FROM DATE '2026-11-22'), EXTRACT(DATE FROM TIMESTAMP '2026-11-22 05:00:00+00'),
        IEEE_DIVIDE(1, 0)`,
    );
    expect(r.rows).toEqual([['1', '0', '1', '0', '47', '2026-11-22', 'Infinity']]);
  });

  it('an UNNEST alias that repeats the array column name (FROM t, t.kv) means the element', async () => {
    await conn.run(
      `CREATE TABLE IF NOT EXISTS nested AS SELECT [{'k': 1, 'v': 'one'}, {'k': 2, 'v': 'two'}] AS kv, ['x', 'y'] AS tags`,
    );
    const nested = (sql: string) =>
      conn.runAndReadAll(
        translateQuery(sql, {
          dialect: 'standard',
          defaultProject: 'p',
          resolveTable: () => ({ sql: 'nested', pseudoColumns: [] }),
        }).sql,
      );
    const a = await nested('SELECT kv.k, kv.v FROM d.t AS e, e.kv ORDER BY kv.k');
    expect(a.getRows().map((r) => r.map(normalizeValue))).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
    const b = await nested('SELECT tags FROM d.t AS e, UNNEST(e.tags) AS tags ORDER BY tags');
    expect(b.getRows().map((r) => r.map(normalizeValue))).toEqual([['x'], ['y']]);
  });

  it('OFFSET/ORDINAL indexing is 0/1-based and out-of-range access is an error (SAFE_ variants give NULL)', async () => {
    const r = await q(
      "SELECT [1, 2, 3][OFFSET(1)], [1, 2, 3][ORDINAL(1)], [1, 2, 3][SAFE_OFFSET(5)], SPLIT('a,b', ',')[OFFSET(1)]",
    );
    expect(r.rows).toEqual([['2', '1', null, 'b']]);
    await expect(q('SELECT [1][OFFSET(3)]')).rejects.toThrowError(
      'Array index 3 is out of bounds (overflow)',
    );
  });

  it('the TIMESTAMP type is an instant (TIMESTAMPTZ) in casts, arrays and parameters; DATETIME has no zone', async () => {
    const sql =
      "SELECT CAST('2026-11-23 10:00:00+02' AS TIMESTAMP), ARRAY<TIMESTAMP>[TIMESTAMP '2026-01-01'], @ts, CAST('2026-01-01 10:00:00' AS DATETIME)";
    const t = translateQuery(sql, {
      dialect: 'standard',
      defaultProject: 'p',
      resolveTable,
      params: [
        {
          name: 'ts',
          parameterType: { type: 'ARRAY', arrayType: { type: 'TIMESTAMP' } },
          parameterValue: { arrayValues: [{ value: '2026-11-23 10:11:12+00:00' }] },
        },
      ],
    });
    const r = await conn.runAndReadAll(t.sql);
    expect(r.columnTypes().map((x) => bigQueryTypeOfDuckType(String(x)))).toEqual([
      { type: 'TIMESTAMP' },
      { type: 'TIMESTAMP', mode: 'REPEATED' },
      { type: 'TIMESTAMP', mode: 'REPEATED' },
      { type: 'DATETIME' },
    ]);
    expect(r.getRows().map((row) => row.map(normalizeValue))).toEqual([
      ['2026-11-23T08:00:00Z', ['2026-01-01T00:00:00Z'], ['2026-11-23T10:11:12Z'], '2026-01-01T10:00:00'],
    ]);
  });

  it('resolves GROUP BY names to SELECT aliases first, as GoogleSQL does', async () => {
    const r = await q("SELECT 'all' AS s, COUNT(*) FROM d.p GROUP BY s");
    expect(r.rows).toEqual([['all', '2']]);
  });

  it('FORMAT_TIMESTAMP with BigQuery format elements and REGEXP_EXTRACT without a group', async () => {
    const r = await q(
      'SELECT FORMAT_TIMESTAMP("%F %T", TIMESTAMP "2026-11-23 01:02:03"), REGEXP_EXTRACT("abc123", r"[0-9]+"), REGEXP_EXTRACT("abc", "z")',
    );
    expect(r.rows).toEqual([['2026-11-23 01:02:03', '123', null]]);
  });
});

describe('bad SQL answers one clear line with reason invalidQuery', () => {
  const resolveTable = () => ({ sql: '"x"', pseudoColumns: [] });
  it.each([
    ['SELEC 1'],
    ['SELECT FROM WHERE'],
    ["SELECT 'unterminated"],
    ['SELECT 1; SELECT 2'],
    [''],
    ['SELECT @missing'],
    ['SELECT * FROM `d.t` WHERE ((('],
  ])('%j', (sql) => {
    try {
      translateQuery(sql, { dialect: 'standard', defaultProject: 'p', resolveTable });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SqlError);
      expect((e as SqlError).reason).toBe('invalidQuery');
      expect((e as SqlError).message).not.toContain('\n');
      expect((e as SqlError).message.length).toBeGreaterThan(5);
    }
  });

  it('never crashes: odd inputs give a SqlError or a translation', () => {
    const odd = [
      'SELECT',
      'SELECT (((',
      'SELECT [1, 2',
      'SELECT * FROM',
      'SELECT * FROM UNNEST(',
      'SELECT 1 FROM `',
      'SELECT @',
      'SELECT ?',
      'SELECT x FROM [a:b.c',
      'WITH',
      'SELECT * FROM d.t, ,',
      'SELECT CAST(1 AS)',
      'SELECT FORMAT(',
      'SELECT DATE_TRUNC(x, )',
      'SELECT "\\u12"',
      "SELECT b'\\q'",
      '\u0000',
      ')))',
      'SELECT 1 --',
    ];
    for (const sql of odd) {
      for (const dialect of ['standard', 'legacy'] as const) {
        try {
          translateQuery(sql, { dialect, defaultProject: 'p', defaultDataset: 'd', resolveTable });
        } catch (e) {
          expect(e, sql).toBeInstanceOf(SqlError);
          expect((e as SqlError).message).not.toContain('\n');
        }
      }
    }
  });

  it('propagates notFound from the resolver', () => {
    expect(() =>
      translateQuery('SELECT * FROM d.nope', {
        dialect: 'standard',
        defaultProject: 'p',
        resolveTable: () => {
          throw new SqlError('notFound', 'Not found: Table p:d.nope was not found in location US');
        },
      }),
    ).toThrowError('Not found: Table p:d.nope');
  });
});

describe('bigQueryTypeOfDuckType', () => {
  it.each([
    ['BIGINT', { type: 'INTEGER' }],
    ['HUGEINT', { type: 'INTEGER' }],
    ['DOUBLE', { type: 'FLOAT' }],
    ['DECIMAL(38,9)', { type: 'NUMERIC' }],
    ['DECIMAL(38,18)', { type: 'BIGNUMERIC' }],
    ['VARCHAR', { type: 'STRING' }],
    ['BLOB', { type: 'BYTES' }],
    ['TIMESTAMP WITH TIME ZONE', { type: 'TIMESTAMP' }],
    ['TIMESTAMP', { type: 'DATETIME' }],
    ['DATE', { type: 'DATE' }],
    ['TIME', { type: 'TIME' }],
    ['JSON', { type: 'JSON' }],
    ['INTERVAL', { type: 'INTERVAL' }],
    ['BOOLEAN', { type: 'BOOLEAN' }],
    ['VARCHAR[]', { type: 'STRING', mode: 'REPEATED' }],
    [
      'STRUCT("id" BIGINT, "b c" VARCHAR[], inner STRUCT(x DOUBLE))[]',
      {
        type: 'RECORD',
        mode: 'REPEATED',
        fields: [
          { name: 'id', type: 'INTEGER' },
          { name: 'b c', type: 'STRING', mode: 'REPEATED' },
          { name: 'inner', type: 'RECORD', fields: [{ name: 'x', type: 'FLOAT' }] },
        ],
      },
    ],
  ])('%s', (duck, bq) => {
    expect(bigQueryTypeOfDuckType(duck)).toEqual(bq);
  });
});
