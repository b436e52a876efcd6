import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bigQueryMessage } from '../src/sql/errors.js';
import { farmFingerprint64 } from '../src/sql/farmhash.js';
import { DUCKDB_MACROS, registerNativeFunctions, translateQuery } from '../src/sql/index.js';
import { normalizeValue } from './support/conformance.js';

// GoogleSQL functions of issue 17 §2, through the translator on DuckDB set up as the warehouse sets it up (macros on
// the connection, the JavaScript functions registered on the instance). Expected values are BigQuery's documented
// results unless a comment says where they come from.
let conn: DuckDBConnection;

beforeAll(async () => {
  const db = await DuckDBInstance.create(':memory:');
  const first = await db.connect();
  await registerNativeFunctions(first);
  first.closeSync(); // registered on the instance: another connection sees them
  conn = await db.connect();
  await conn.run("SET TimeZone='UTC'");
  for (const m of DUCKDB_MACROS) await conn.run(m);
});
afterAll(() => conn?.closeSync());

async function rows(sql: string): Promise<unknown[][]> {
  const t = translateQuery(sql, {
    dialect: 'standard',
    defaultProject: 'p',
    resolveTable: () => {
      throw new Error('no tables here');
    },
  });
  const r = await conn.runAndReadAll(t.sql);
  return r.getRows().map((row) => row.map(normalizeValue));
}

/** The one-line BigQuery message a failing query gets. */
async function error(sql: string): Promise<string> {
  try {
    await rows(sql);
  } catch (e) {
    return bigQueryMessage(e instanceof Error ? e.message : String(e));
  }
  throw new Error(`no error: ${sql}`);
}

describe('hash functions', () => {
  it('FARM_FINGERPRINT is FarmHash Fingerprint64 (BigQuery documentation examples)', async () => {
    expect(
      await rows(`WITH example AS (
        SELECT 1 AS x, "foo" AS y, true AS z UNION ALL SELECT 2, "apple", false UNION ALL SELECT 3, "", true)
        SELECT FARM_FINGERPRINT(CONCAT(CAST(x AS STRING), y, CAST(z AS STRING))) FROM example ORDER BY x`),
    ).toEqual([['-1541654101129638711'], ['2794438866806483259'], ['-4880158226897771312']]);
    expect(await rows(`SELECT FARM_FINGERPRINT(b'alphabet'), FARM_FINGERPRINT(NULL)`)).toEqual([
      ['-2427165924636348523', null],
    ]);
  });

  it('FARM_FINGERPRINT takes every length branch of the algorithm (values of google/farmhash util::Fingerprint64)', () => {
    const bytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + n * 7 + 3) & 255);
    const expected: [number, string][] = [
      [0, '-7286425919675154353'],
      [1, '-9019628103660196971'],
      [5, '6305366706836026961'],
      [8, '6802216776744353574'],
      [16, '-5674222719962425637'],
      [17, '-483845431680547471'],
      [33, '-3618686188475074611'],
      [64, '6946282838605515918'],
      [65, '1573927532591133871'],
      [100, '-178448087414433799'],
      [127, '7698454245475862099'],
      [128, '-2614186650220262988'],
      [129, '1260651699551393829'],
      [192, '1044024929130475383'],
      [256, '2209866109908513921'],
      [512, '6467865601409149626'],
      [1000, '-364307730843396671'],
    ];
    for (const [n, v] of expected) expect([n, String(farmFingerprint64(bytes(n)))]).toEqual([n, v]);
    const text = new TextEncoder().encode('The quick brown fox jumps over the lazy dog');
    expect(String(farmFingerprint64(text))).toBe('-6071270166956912332');
  });

  it('SHA512 of STRING and BYTES', async () => {
    expect(
      await rows(
        `SELECT SHA512("Hello World"), SHA512(b"Hello World") = SHA512("Hello World"), SHA512(NULL)`,
      ),
    ).toEqual([
      [
        'LHT9F+2v2A6ER7DUZ0HuJDt+t03SFJoKsbkkb7MDgvJ+hT2FhXGeDmfL2g2qj1FnEGRhXWRa4nrLFb+xRH9Fmw==',
        true,
        null,
      ],
    ]);
  });
});

describe('bytes and string conversions', () => {
  it('TO_BASE32 / FROM_BASE32 round trip; FROM_BASE32 of a non-base32 string is an error', async () => {
    expect(
      await rows(
        `SELECT TO_BASE32(b'abcde\\xFF'), TO_BASE32(NULL), FROM_BASE32('MFRGGZDF74======'), TO_BASE32(b'')`,
      ),
    ).toEqual([['MFRGGZDF74======', null, 'YWJjZGX/', '']]);
    expect(await error(`SELECT FROM_BASE32('MFR!')`)).toBe('Failed to decode invalid base32 string "MFR!"');
  });

  it('SAFE_CONVERT_BYTES_TO_STRING replaces invalid UTF-8 with U+FFFD', async () => {
    expect(
      await rows(
        `SELECT SAFE_CONVERT_BYTES_TO_STRING(b'\\xc2'), SAFE_CONVERT_BYTES_TO_STRING(b'a\\xffb'), SAFE_CONVERT_BYTES_TO_STRING(NULL)`,
      ),
    ).toEqual([['\uFFFD', 'a\uFFFDb', null]]);
  });

  it('SOUNDEX (documentation examples)', async () => {
    expect(
      await rows(`SELECT value, SOUNDEX(value) FROM UNNEST(['Ashcraft', 'Raven', 'Ribbon', 'apple', 'Hello world!',
        '  H3##!@llo w00orld!', '#1', NULL]) AS value WITH OFFSET o ORDER BY o`),
    ).toEqual([
      ['Ashcraft', 'A261'],
      ['Raven', 'R150'],
      ['Ribbon', 'R150'],
      ['apple', 'a140'],
      ['Hello world!', 'H464'],
      ['  H3##!@llo w00orld!', 'H464'],
      ['#1', ''],
      [null, null],
    ]);
  });

  it('NORMALIZE and NORMALIZE_AND_CASEFOLD in all four forms', async () => {
    expect(
      await rows(`SELECT NORMALIZE('Jane\\u2004Doe', NFKC) = 'Jane Doe', NORMALIZE('\\u00C5', NFD) = '\\u0041\\u030A',
        NORMALIZE('\\u0041\\u030A') = '\\u00C5', NORMALIZE_AND_CASEFOLD('\\u2168', NFKD) = NORMALIZE_AND_CASEFOLD('IX', NFKD),
        NORMALIZE_AND_CASEFOLD('\\u2168', NFD) = NORMALIZE_AND_CASEFOLD('IX', NFD), NORMALIZE_AND_CASEFOLD('Straße') = 'strasse'`),
    ).toEqual([[true, true, true, true, false, true]]);
  });
});

describe('order-preserving and DISTINCT aggregates', () => {
  it('ARRAY_AGG(DISTINCT) and STRING_AGG(DISTINCT) keep first occurrences in order', async () => {
    expect(
      await rows(`SELECT ARRAY_AGG(DISTINCT x) FROM UNNEST([2, 1, -2, 3, -2, 1, 2]) AS x WITH OFFSET o`),
    ).toEqual([[['2', '1', '-2', '3']]]);
    expect(
      await rows(
        `SELECT STRING_AGG(DISTINCT fruit, " & "), STRING_AGG(DISTINCT fruit) FROM UNNEST(["apple", NULL, "pear", "banana", "pear"]) AS fruit`,
      ),
    ).toEqual([['apple & pear & banana', 'apple,pear,banana']]);
    expect(
      await rows(`SELECT STRING_AGG(DISTINCT s) FROM UNNEST(CAST([NULL] AS ARRAY<STRING>)) AS s`),
    ).toEqual([[null]]);
  });

  it('ARRAY_AGG(DISTINCT … ORDER BY … LIMIT) and an analytic ARRAY_AGG are left to the ordered forms', async () => {
    expect(
      await rows(`SELECT ARRAY_AGG(DISTINCT x ORDER BY x DESC LIMIT 2) FROM UNNEST([1, 3, 2, 3]) AS x`),
    ).toEqual([[['3', '2']]]);
    expect(
      await rows(`SELECT ARRAY_LENGTH(ARRAY_AGG(x) OVER (ORDER BY x)) FROM UNNEST([5, 6]) AS x ORDER BY 1`),
    ).toEqual([['1'], ['2']]);
  });

  it('BIT_XOR(DISTINCT) and APPROX_QUANTILES(DISTINCT) count each value once', async () => {
    expect(await rows(`SELECT BIT_XOR(DISTINCT x), BIT_XOR(x) FROM UNNEST([1234, 5678, 1234]) AS x`)).toEqual(
      [['4860', '5678']],
    );
    expect(
      await rows(
        `SELECT APPROX_QUANTILES(DISTINCT x, 2), APPROX_QUANTILES(x, 2) FROM UNNEST([1, 1, 1, 4, 5, 6, 7, 8, 9, 10]) AS x`,
      ),
    ).toEqual([
      [
        ['1', '6', '10'],
        ['1', '5', '10'],
      ],
    ]);
  });

  it('ARRAY_CONCAT_AGG … LIMIT counts arrays, not elements', async () => {
    expect(
      await rows(`WITH t AS (SELECT ['1'] AS x, '1' AS y UNION ALL SELECT ['2', '3'], NULL)
        SELECT ARRAY_CONCAT_AGG(x ORDER BY y LIMIT 1), ARRAY_CONCAT_AGG(x ORDER BY y) FROM t`),
    ).toEqual([
      [
        ['2', '3'],
        ['2', '3', '1'],
      ],
    ]);
  });
});

describe('format elements and flags', () => {
  it("FORMAT %'d groups thousands; other flags still work", async () => {
    expect(await rows(`SELECT FORMAT("%'d", 123456789), FORMAT("%'d|%5d|%s", -1234, 42, 'x')`)).toEqual([
      ['123,456,789', '-1,234|   42|x'],
    ]);
  });

  it('%e, %k and %l are padded with a space to two characters, as BigQuery prints them', async () => {
    expect(
      await rows(`SELECT FORMAT_TIME("%k|%l", TIME "15:30:00"), FORMAT_TIME("%k|%l", TIME "09:05:00"),
        FORMAT_DATE("%e/%m", DATE "2026-03-05"), FORMAT_DATE("%e", DATE "2026-03-25"),
        FORMAT_TIMESTAMP("%l%p", TIMESTAMP "2026-01-01 23:00:00"), PARSE_DATE("%e %m %Y", " 5 03 2026")`),
    ).toEqual([['15| 3', ' 9| 9', ' 5/03', '25', '11PM', '2026-03-05']]);
  });
});

describe('INTERVAL functions', () => {
  it('JUSTIFY_HOURS, JUSTIFY_DAYS, JUSTIFY_INTERVAL (documentation examples)', async () => {
    expect(
      await rows(`SELECT JUSTIFY_HOURS(INTERVAL 23 HOUR), JUSTIFY_HOURS(INTERVAL -24 HOUR), JUSTIFY_HOURS(INTERVAL 47 HOUR),
        JUSTIFY_HOURS(INTERVAL -12345 MINUTE)`),
    ).toEqual([['0-0 0 23:0:0', '0-0 -1 0:0:0', '0-0 1 23:0:0', '0-0 -8 -13:45:0']]);
    expect(
      await rows(`SELECT JUSTIFY_DAYS(INTERVAL 29 DAY), JUSTIFY_DAYS(INTERVAL -30 DAY), JUSTIFY_DAYS(INTERVAL 31 DAY),
        JUSTIFY_DAYS(INTERVAL -65 DAY), JUSTIFY_DAYS(INTERVAL 370 DAY), JUSTIFY_INTERVAL(MAKE_INTERVAL(day => 29, hour => 49))`),
    ).toEqual([
      ['0-0 29 0:0:0', '-0-1 0 0:0:0', '0-1 1 0:0:0', '-0-2 -5 0:0:0', '1-0 10 0:0:0', '0-1 1 1:0:0'],
    ]);
  });
});

describe('MAKE_INTERVAL', () => {
  it('positional, named and mixed arguments (documentation examples)', async () => {
    expect(
      await rows(
        `SELECT MAKE_INTERVAL(1, 6, 15), MAKE_INTERVAL(hour => 10, second => 20), MAKE_INTERVAL(1, minute => 5, day => 2)`,
      ),
    ).toEqual([['1-6 15 0:0:0', '0-0 0 10:0:20', '1-0 2 0:5:0']]);
  });
});

describe('INITCAP', () => {
  it('explicit delimiters replace the default ones, whitespace included (documentation examples)', async () => {
    expect(
      await rows(`SELECT INITCAP('hello WORLD!', ''), INITCAP('Apples1oranges2pears', '12'),
        INITCAP('tHisEisEaESentence', 'E'), INITCAP('foo', NULL), INITCAP('hello WORLD!'), INITCAP('a-b c')`),
    ).toEqual([
      ['Hello world!', 'Apples1Oranges2Pears', 'ThisEIsEAESentence', null, 'Hello World!', 'A-B C'],
    ]);
  });
});

describe('TO_JSON', () => {
  it('is JSON, so a nested TO_JSON is embedded as JSON, not as a string (documentation example)', async () => {
    expect(
      await rows(
        `SELECT TO_JSON(STRUCT("foo" AS a, TO_JSON(STRUCT("bar" AS c)) AS b)), TO_JSON([1, 2]), TO_JSON(NULL)`,
      ),
    ).toEqual([['{"a":"foo","b":{"c":"bar"}}', '[1,2]', 'null']]);
  });
});
