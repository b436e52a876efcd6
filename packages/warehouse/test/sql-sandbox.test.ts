import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWarehouse } from '../src/index.js';
import { translateQuery } from '../src/sql/index.js';
import { clientFor, raw, startTestWarehouse } from './helpers.js';

// Issue 12 item 1: user SQL reaches only BigQuery tables. Every attempt below goes through the REST API as a client
// would send it; each is refused, and afterwards nothing exists on disk that was not there before (a fresh HOME, so
// ~/.duckdb would show any extension download or persistent secret). Load jobs read files only under --load-dir.

const P = '/bigquery/v2/projects/local-project';
const SECRET = 'top-secret-marker-7c1f';
let root: string;
let home: string;
let outside: string;
let allowed: string;
let wh: RunningWarehouse;
let savedHome: string | undefined;

const listing = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => join(e.parentPath, e.name).slice(dir.length))
    .sort();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'wh-sandbox-'));
  home = join(root, 'home');
  outside = join(root, 'outside');
  allowed = join(root, 'allowed');
  for (const d of [home, outside, allowed]) await mkdir(d);
  await writeFile(join(outside, 'secret.csv'), `name,n\n${SECRET},42\n`);
  await writeFile(join(allowed, 'rows.csv'), 'name,n\nok,1\nfine,2\n');
  await symlink(join(outside, 'secret.csv'), join(allowed, 'link.csv'));
  await symlink(outside, join(allowed, 'linkdir'));
  // DuckDB puts extensions and persistent secrets under $HOME/.duckdb: point it at an empty folder we can inspect
  savedHome = process.env.HOME;
  process.env.HOME = home;
  wh = await startTestWarehouse({ dataDir: join(root, 'data'), loadDirs: [allowed] });
  await raw(wh.url, 'POST', `${P}/datasets`, { datasetReference: { datasetId: 'ds' } });
  await raw(wh.url, 'POST', `${P}/datasets/ds/tables`, {
    tableReference: { tableId: 't' },
    schema: { fields: [{ name: 'x', type: 'INT64' }] },
  });
  await raw(wh.url, 'POST', `${P}/datasets/ds/tables/t/insertAll`, { rows: [{ json: { x: 1 } }] });
});

afterAll(async () => {
  await wh?.stop();
  process.env.HOME = savedHome;
  await rm(root, { recursive: true, force: true });
});

const query = (sql: string, legacy = false) =>
  raw(wh.url, 'POST', `${P}/queries`, {
    query: sql,
    useLegacySql: legacy,
    defaultDataset: { datasetId: 'ds' },
  });

interface Attempt {
  name: string;
  sql: () => string;
  /** the refusal's message */
  message: RegExp;
  reason?: string;
  legacy?: boolean;
}

const fnNotFound = (fn: string) => new RegExp(`^Function not found: ${fn} at \\[\\d+:\\d+\\]$`);
const unexpected = /^Syntax error: Unexpected /;

const ATTEMPTS: Attempt[] = [
  // reading host files
  {
    name: 'read_text',
    sql: () => "SELECT content FROM read_text('/etc/passwd')",
    message: /^Function not found: read_text at \[1:21\]$/,
  },
  {
    name: 'read_blob',
    sql: () => "SELECT content FROM read_blob('/etc/passwd')",
    message: fnNotFound('read_blob'),
  },
  {
    name: 'read_csv',
    sql: () => `SELECT * FROM read_csv('${outside}/secret.csv')`,
    message: fnNotFound('read_csv'),
  },
  {
    name: 'read_csv_auto',
    sql: () => `SELECT * FROM read_csv_auto('${outside}/secret.csv')`,
    message: fnNotFound('read_csv_auto'),
  },
  {
    name: 'read_json',
    sql: () => "SELECT * FROM read_json('/etc/hostname')",
    message: fnNotFound('read_json'),
  },
  {
    name: 'read_json_auto',
    sql: () => "SELECT * FROM read_json_auto('/etc/hostname')",
    message: fnNotFound('read_json_auto'),
  },
  {
    name: 'read_ndjson',
    sql: () => "SELECT * FROM read_ndjson('/etc/hostname')",
    message: fnNotFound('read_ndjson'),
  },
  {
    name: 'read_parquet',
    sql: () => "SELECT * FROM read_parquet('/etc/x.parquet')",
    message: fnNotFound('read_parquet'),
  },
  {
    name: 'parquet_scan',
    sql: () => "SELECT * FROM parquet_scan('/etc/x.parquet')",
    message: fnNotFound('parquet_scan'),
  },
  {
    name: 'parquet_metadata',
    sql: () => "SELECT * FROM parquet_metadata('/etc/x.parquet')",
    message: fnNotFound('parquet_metadata'),
  },
  {
    name: 'parquet_schema',
    sql: () => "SELECT * FROM parquet_schema('/etc/x.parquet')",
    message: fnNotFound('parquet_schema'),
  },
  { name: 'glob', sql: () => "SELECT * FROM glob('/etc/*')", message: fnNotFound('glob') },
  {
    name: 'sniff_csv',
    sql: () => `SELECT * FROM sniff_csv('${outside}/secret.csv')`,
    message: fnNotFound('sniff_csv'),
  },
  {
    name: 'a file name as a table (replacement scan)',
    sql: () => `SELECT * FROM '${outside}/secret.csv'`,
    message: unexpected,
  },
  {
    name: 'read_text as a scalar subquery',
    sql: () => "SELECT (SELECT content FROM read_text('/etc/passwd')) AS c",
    message: fnNotFound('read_text'),
  },
  {
    name: 'read_text in legacy SQL',
    sql: () => "SELECT content FROM read_text('/etc/passwd')",
    message: fnNotFound('read_text'),
    legacy: true,
  },
  {
    name: 'read_text called as a method',
    sql: () => "SELECT '/etc/passwd'.read_text()",
    message: fnNotFound('read_text'),
  },
  // network and extensions
  {
    name: 'http:// URL',
    sql: () => "SELECT * FROM read_text('http://127.0.0.1:9/x')",
    message: fnNotFound('read_text'),
  },
  {
    name: 'https:// URL',
    sql: () => "SELECT * FROM read_csv('https://example.com/x.csv')",
    message: fnNotFound('read_csv'),
  },
  {
    name: 's3:// URL',
    sql: () => "SELECT * FROM read_parquet('s3://bucket/x.parquet')",
    message: fnNotFound('read_parquet'),
  },
  { name: 'INSTALL', sql: () => 'INSTALL httpfs', message: unexpected },
  { name: 'LOAD', sql: () => 'LOAD httpfs', message: unexpected },
  // writing files and databases
  { name: 'COPY ... TO', sql: () => `COPY (SELECT 1) TO '${outside}/copied.csv'`, message: unexpected },
  { name: 'COPY ... FROM', sql: () => `COPY ds.t FROM '${outside}/secret.csv'`, message: unexpected },
  { name: 'EXPORT DATABASE', sql: () => `EXPORT DATABASE '${outside}/export'`, message: unexpected },
  { name: 'IMPORT DATABASE', sql: () => `IMPORT DATABASE '${outside}'`, message: unexpected },
  { name: 'ATTACH', sql: () => `ATTACH '${outside}/attached.db' AS other`, message: unexpected },
  { name: 'DETACH', sql: () => 'DETACH bq', message: unexpected },
  {
    name: 'INSERT ... SELECT from a file',
    sql: () => "INSERT INTO ds.t SELECT length(content) FROM read_text('/etc/passwd')",
    message: fnNotFound('read_text'),
  },
  {
    name: 'CREATE SECRET',
    sql: () => "CREATE PERSISTENT SECRET s (TYPE s3, KEY_ID 'k', SECRET 'v')",
    message: /^Syntax error: Unexpected identifier "PERSISTENT" at \[1:8\]$/,
  },
  {
    name: 'CREATE MACRO',
    sql: () => "CREATE MACRO m() AS TABLE SELECT * FROM read_text('/etc/passwd')",
    message: /^Syntax error: Unexpected identifier "MACRO" at \[1:8\]$/,
  },
  // configuration
  // a script's SET (issue 17): only declared script variables can be set; nothing reaches DuckDB
  {
    name: 'SET enable_external_access',
    sql: () => 'SET enable_external_access = true',
    message: /^Undeclared variable: enable_external_access at \[1:1\]$/,
  },
  { name: 'RESET', sql: () => 'RESET lock_configuration', message: unexpected },
  { name: 'PRAGMA', sql: () => 'PRAGMA database_list', message: unexpected },
  { name: 'CALL', sql: () => 'CALL pragma_version()', message: unexpected },
  { name: 'CHECKPOINT', sql: () => 'CHECKPOINT', message: unexpected },
  { name: 'getenv', sql: () => "SELECT getenv('HOME') AS h", message: fnNotFound('getenv') },
  {
    name: 'current_setting',
    sql: () => "SELECT current_setting('enable_external_access') AS s",
    message: fnNotFound('current_setting'),
  },
  {
    name: 'duckdb_settings()',
    sql: () => 'SELECT * FROM duckdb_settings()',
    message: fnNotFound('duckdb_settings'),
  },
  {
    name: 'duckdb_tables()',
    sql: () => 'SELECT * FROM duckdb_tables()',
    message: fnNotFound('duckdb_tables'),
  },
  {
    name: 'pragma_ table function',
    sql: () => "SELECT * FROM pragma_table_info('bq.t1')",
    message: fnNotFound('pragma_table_info'),
  },
  // DuckDB's catalog and the warehouse's own tables
  {
    name: 'query_table on the job catalog',
    sql: () => "SELECT * FROM query_table('_catalog.jobs')",
    message: fnNotFound('query_table'),
  },
  {
    name: 'query()',
    sql: () => "SELECT * FROM query('SELECT * FROM _catalog.jobs')",
    message: fnNotFound('query'),
  },
  {
    name: '_catalog.jobs as a table',
    sql: () => 'SELECT * FROM _catalog.jobs',
    message: /^Not found: Dataset local-project:_catalog/,
    reason: 'notFound',
  },
  { name: 'physical name bq."t1"', sql: () => 'SELECT * FROM bq."t1"', message: /^Syntax error: / },
  {
    name: 'physical name `bq.t1`',
    sql: () => 'SELECT * FROM `bq.t1`',
    message: /^Not found: Dataset local-project:bq/,
    reason: 'notFound',
  },
  {
    name: 'DuckDB system view by bare name',
    sql: () => 'SELECT * FROM duckdb_settings',
    message: /^Not found: Table local-project:ds.duckdb_settings/,
    reason: 'notFound',
  },
  {
    name: 'a parenthesised system view',
    sql: () => 'SELECT * FROM (duckdb_tables)',
    message: /^Unsupported FROM item/,
  },
  {
    name: 'FROM-first subquery',
    sql: () => 'SELECT x FROM ds.t WHERE x IN (FROM duckdb_tables)',
    message: unexpected,
  },
  {
    name: 'FROM-first after UNION DISTINCT',
    sql: () => 'SELECT 1 AS x UNION DISTINCT FROM duckdb_views',
    message: unexpected,
  },
  {
    name: 'a CTE name used outside its scope',
    sql: () =>
      'SELECT * FROM (WITH duckdb_tables AS (SELECT 1 AS a) SELECT * FROM duckdb_tables), duckdb_tables',
    message: /^Not found: Table local-project:ds.duckdb_tables/,
    reason: 'notFound',
  },
  {
    name: 'a WINDOW name posing as a CTE',
    sql: () => 'SELECT * FROM duckdb_tables WINDOW w AS (), duckdb_tables AS (ORDER BY 1)',
    message: /^Not found: Table local-project:ds.duckdb_tables/,
    reason: 'notFound',
  },
  {
    name: 'our translator macros are not callable',
    sql: () => "SELECT bq_to_bytes('x') AS b",
    message: fnNotFound('bq_to_bytes'),
  },
  { name: 'a query parameter as FROM item', sql: () => 'SELECT * FROM @p', message: unexpected },
];

describe('user SQL cannot reach the host', () => {
  it(`has at least 30 distinct attempts (${ATTEMPTS.length})`, () => {
    expect(new Set(ATTEMPTS.map((a) => a.sql())).size).toBeGreaterThanOrEqual(30);
  });

  for (const a of ATTEMPTS) {
    it(`refuses ${a.name}`, async () => {
      const res = await query(a.sql(), a.legacy);
      expect(res.status, res.text).toBeGreaterThanOrEqual(400);
      const err = res.json?.error?.errors?.[0];
      expect(err?.reason, res.text).toBe(a.reason ?? 'invalidQuery');
      expect(err?.message, res.text).toMatch(a.message);
      expect(res.text).not.toContain(SECRET);
      expect(res.text).not.toMatch(/root:x:0:0/);
    });
  }

  it('the BigQuery SQL people write still runs', async () => {
    const res = await query(
      "WITH c AS (SELECT x, EXTRACT(YEAR FROM DATE '2026-11-20') AS y FROM ds.t) " +
        "SELECT SAFE.PARSE_DATE('%Y%m%d', '20261120') AS d, c.y, e, o FROM c, UNNEST([10, 20]) AS e WITH OFFSET o " +
        'WHERE x IS NOT DISTINCT FROM 1 ORDER BY o',
    );
    expect(res.status, res.text).toBe(200);
    expect(res.json.rows.map((r: { f: { v: string }[] }) => r.f.map((c) => c.v))).toEqual([
      ['2026-11-20', '2026', '10', '0'],
      ['2026-11-20', '2026', '20', '1'],
    ]);
  });

  it("text that looks like the translator's table placeholders stays text (strings, parameters, comments)", async () => {
    const res = await raw(wh.url, 'POST', `${P}/queries`, {
      query: "SELECT '__dp_0__' AS a, '__d\\x70_0__' AS b, @p AS c /* __dp_0__ */ FROM ds.t",
      useLegacySql: false,
      defaultDataset: { datasetId: 'ds' },
      queryParameters: [
        { name: 'p', parameterType: { type: 'STRING' }, parameterValue: { value: '__dp_0__' } },
      ],
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.rows[0].f.map((c: { v: string }) => c.v)).toEqual(['__dp_0__', '__dp_0__', '__dp_0__']);
    const named = await query('SELECT __dp_0__.x FROM ds.t');
    expect(named.json.error.errors[0].message).toBe(
      'Names like __dp_0__ are reserved by this warehouse at [1:8]',
    );
  });

  it("INFORMATION_SCHEMA is BigQuery's view of the dataset, not DuckDB's catalog", async () => {
    const res = await query('SELECT table_schema, table_name FROM information_schema.tables');
    expect(res.status, res.text).toBe(200);
    expect(res.json.rows.map((r: { f: { v: string }[] }) => r.f.map((c) => c.v))).toEqual([['ds', 't']]);
  });

  it('left nothing on disk: no ~/.duckdb, no written target, the outside folder unchanged', () => {
    expect(listing(home)).toEqual([]);
    expect(listing(outside)).toEqual(['/secret.csv']);
    expect(existsSync(join(root, 'other'))).toBe(false);
  });
});

describe('layer 2: the DuckDB instance itself refuses, whatever SQL reaches it', () => {
  const raw2 = [
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    "SELECT * FROM read_text('http://127.0.0.1:9/x')",
    "SELECT * FROM read_parquet('s3://bucket/x.parquet')",
    "COPY (SELECT 1) TO 'OUT/copied.csv'",
    "EXPORT DATABASE 'OUT/export'",
    "ATTACH 'OUT/attached.db' AS other",
    'INSTALL httpfs',
    'LOAD httpfs',
    'SET enable_external_access = true',
    'SET autoinstall_known_extensions = true',
    'RESET lock_configuration',
    "SET allowed_directories = ['/']",
  ];
  for (const sql of raw2) {
    it(`on a reader and on the writer: ${sql}`, async () => {
      const text = sql.replace('OUT', outside);
      await expect(wh.warehouse.db.read((c) => c.run(text))).rejects.toThrow(
        /Permission Error|disabled|locked/,
      );
      await expect(wh.warehouse.db.write((c) => c.run(text))).rejects.toThrow(
        /Permission Error|disabled|locked/,
      );
    });
  }

  it('left nothing on disk', () => {
    expect(listing(home)).toEqual([]);
    expect(listing(outside)).toEqual(['/secret.csv']);
  });
});

describe('load jobs read only under --load-dir', () => {
  let n = 0;
  const load = (uri: string) =>
    raw(wh.url, 'POST', `${P}/jobs`, {
      configuration: {
        load: {
          sourceUris: [uri],
          sourceFormat: 'CSV',
          skipLeadingRows: 1,
          destinationTable: { datasetId: 'ds', tableId: `loaded_${++n}` },
        },
      },
    });

  it('loads a file inside an allowed directory', async () => {
    const res = await load(pathToFileURL(join(allowed, 'rows.csv')).href);
    expect(res.json.status.errorResult, res.text).toBeUndefined();
    const rows = await query(`SELECT name, n FROM ds.loaded_${n} ORDER BY n`);
    expect(rows.json.rows.map((r: { f: { v: string }[] }) => r.f.map((c) => c.v))).toEqual([
      ['ok', '1'],
      ['fine', '2'],
    ]);
  });

  const refused: [string, () => string, string][] = [
    ['a file outside', () => pathToFileURL(join(outside, 'secret.csv')).href, 'accessDenied'],
    ['an absolute path outside', () => join(outside, 'secret.csv'), 'accessDenied'],
    ['.. out of the allowed directory', () => `file://${allowed}/../outside/secret.csv`, 'accessDenied'],
    ['a symlinked file leading outside', () => pathToFileURL(join(allowed, 'link.csv')).href, 'accessDenied'],
    [
      'a symlinked directory leading outside',
      () => pathToFileURL(join(allowed, 'linkdir', 'secret.csv')).href,
      'accessDenied',
    ],
    ['/etc/passwd', () => 'file:///etc/passwd', 'accessDenied'],
    [
      'the warehouse database itself',
      () => pathToFileURL(join(root, 'data', 'warehouse.duckdb')).href,
      'accessDenied',
    ],
    ['a missing file inside', () => pathToFileURL(join(allowed, 'missing.csv')).href, 'notFound'],
    [
      'a missing file outside (existence not revealed)',
      () => pathToFileURL(join(outside, 'missing.csv')).href,
      'accessDenied',
    ],
  ];
  for (const [name, uri, reason] of refused) {
    it(`refuses ${name} (${reason}), naming the URI and nothing from the file`, async () => {
      const res = await load(uri());
      const err = res.json?.status?.errorResult ?? res.json?.error?.errors?.[0];
      expect(err?.reason, res.text).toBe(reason);
      expect(err?.message).toContain(uri().slice(0, 60));
      expect(res.text).not.toContain(SECRET);
      const table = await raw(wh.url, 'GET', `${P}/datasets/ds/tables/loaded_${n}`);
      expect(table.status).toBe(404);
    });
  }

  it('a file that fails to parse half-way leaves no table and no staging table behind', async () => {
    // NDJSON with a schema is read in batches of 5,000 rows: the bad record comes after the first batch was stored
    const file = join(allowed, 'bad.json');
    await writeFile(file, `${'{"n":1}\n'.repeat(6000)}{"n":"oops"}\n`);
    const res = await raw(wh.url, 'POST', `${P}/jobs`, {
      configuration: {
        load: {
          sourceUris: [pathToFileURL(file).href],
          sourceFormat: 'NEWLINE_DELIMITED_JSON',
          schema: { fields: [{ name: 'n', type: 'INT64' }] },
          destinationTable: { datasetId: 'ds', tableId: 'bad' },
        },
      },
    });
    expect(res.json.status.errorResult.reason, res.text).toBe('invalid');
    expect(res.json.status.errorResult.message).toMatch(/^Error while reading data.*row 6001/);
    expect((await raw(wh.url, 'GET', `${P}/datasets/ds/tables/bad`)).status).toBe(404);
    const staging = await wh.warehouse.db.read((c) =>
      c.runAndReadAll(
        "SELECT count(*) FROM duckdb_tables() WHERE schema_name = '_results' AND table_name LIKE 'l_%'",
      ),
    );
    expect(Number(staging.getRows()[0]?.[0])).toBe(0);
  });

  it('auto-detects NDJSON (nested fields) from an allowed directory', async () => {
    const file = join(allowed, 'rows.json');
    await writeFile(file, '{"a":"x","s":{"k":1,"l":[1,2]}}\n{"a":"y","s":{"k":2,"l":[]}}\n');
    const res = await raw(wh.url, 'POST', `${P}/jobs`, {
      configuration: {
        load: {
          sourceUris: [pathToFileURL(file).href],
          sourceFormat: 'NEWLINE_DELIMITED_JSON',
          destinationTable: { datasetId: 'ds', tableId: 'json_auto' },
        },
      },
    });
    expect(res.json.status.errorResult, res.text).toBeUndefined();
    const rows = await query('SELECT a, s.k, ARRAY_LENGTH(s.l) AS n FROM ds.json_auto ORDER BY a');
    expect(rows.json.rows.map((r: { f: { v: string }[] }) => r.f.map((c) => c.v))).toEqual([
      ['x', '1', '2'],
      ['y', '2', '0'],
    ]);
  });

  it('uploads (spooled by the server itself) still load, from any folder of the client', async () => {
    const bq = clientFor(wh.url);
    const [job] = await bq
      .dataset('ds')
      .table('uploaded')
      .load(join(outside, 'secret.csv'), { sourceFormat: 'CSV', skipLeadingRows: 1, autodetect: true });
    expect(job.status.errorResult).toBeUndefined();
    const rows = await query('SELECT name, n FROM ds.uploaded');
    expect(rows.json.rows[0].f.map((c: { v: string }) => c.v)).toEqual([SECRET, '42']);
    // the spool is private to the data dir and emptied after the load
    expect(listing(join(root, 'data', 'uploads'))).toEqual([]);
  });

  it('refuses to start when the upload spool of the data dir is a symlink', async () => {
    const data = join(root, 'data-linked');
    await mkdir(data);
    await symlink(outside, join(data, 'uploads'));
    await expect(startTestWarehouse({ dataDir: data })).rejects.toThrow(
      /uploads must be a directory, not a link/,
    );
  });

  it('refuses to start with a load dir that is not a directory', async () => {
    await expect(startTestWarehouse({ loadDirs: [join(outside, 'secret.csv')] })).rejects.toThrow(
      /load dir .*secret\.csv is not a directory/,
    );
    await expect(startTestWarehouse({ loadDirs: [join(root, 'nope')] })).rejects.toThrow(
      /is not a directory/,
    );
  });
});

describe('the translator allow-list, case by case', () => {
  const resolveTable = (r: { dataset: string; table: string }) => ({
    sql: `bq."${r.dataset}__${r.table}"`,
    pseudoColumns: [],
  });
  const tr = (sql: string, legacy = false) =>
    translateQuery(sql, {
      dialect: legacy ? 'legacy' : 'standard',
      defaultProject: 'p',
      defaultDataset: 'ds',
      resolveTable,
    }).sql;

  const allowed: [string, string, boolean?][] = [
    ['columns named like DuckDB statements', 'SELECT (show), MAX(describe), (summarize) FROM ds.t'],
    ['PIVOT of a table', "SELECT * FROM ds.t PIVOT(SUM(n) FOR k IN ('a', 'b'))"],
    ['a named window', 'SELECT SUM(x) OVER w FROM ds.t WINDOW w AS (ORDER BY x)'],
    [
      'CTEs, nested and in scope',
      'WITH a AS (SELECT 1 AS x), b AS (SELECT x FROM a) SELECT * FROM b, (SELECT * FROM a)',
    ],
    [
      'WITH RECURSIVE',
      'WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT n FROM r',
    ],
    ['EXTRACT, IS DISTINCT FROM', 'SELECT EXTRACT(DAYOFWEEK FROM d), x IS NOT DISTINCT FROM 1 FROM ds.t'],
    [
      'SAFE. and NET. functions',
      "SELECT SAFE.SUBSTR('abc', 2), NET.HOST('https://x.example/a'), SAFE_DIVIDE(1, 0)",
    ],
    ['a column list of a written table', 'INSERT ds.t (x, y) VALUES (1, 2)'],
    ['CREATE TABLE IF NOT EXISTS with columns', 'CREATE TABLE IF NOT EXISTS ds.n (a INT64, b STRING(10))'],
    [
      'parameterised types and date parts',
      'SELECT CAST(x AS NUMERIC(10, 2)), DATE_TRUNC(d, WEEK(MONDAY)) FROM ds.t',
    ],
    ['legacy SQL functions', 'SELECT NOW(), INTEGER(x), IS_NULL(x) FROM [ds.t]', true],
  ];
  for (const [name, sql, legacy] of allowed) {
    it(`translates ${name}`, () => {
      expect(() => tr(sql, legacy)).not.toThrow();
    });
  }

  const refused: [string, string, RegExp][] = [
    [
      'SAFE. of a DuckDB function',
      "SELECT SAFE.read_text('/etc/passwd')",
      /^Function not found: SAFE\.read_text at \[1:8\]$/,
    ],
    ['NET. of something else', "SELECT NET.getenv('HOME')", /^Function not found: NET\.getenv/],
    ['a backticked DuckDB function', "SELECT `getenv`('HOME')", /^Function not found: getenv at \[1:8\]$/],
    ['a method call on a parenthesis', "SELECT ('HOME').getenv()", /^Function not found: getenv/],
    ['a dotted path call', "SELECT main.getenv('HOME')", /^Function not found: main\.getenv/],
    [
      'a BigQuery scalar function in FROM',
      "SELECT * FROM UPPER('x')",
      /^Table-valued function not found: UPPER at \[1:15\]$/,
    ],
    [
      'a table-valued call after a comma',
      'SELECT * FROM ds.t, RANGE(1, 5)',
      /^Table-valued function not found: RANGE/,
    ],
    ['a parenthesised table after a comma', 'SELECT * FROM ds.t, (duckdb_views)', /^Unsupported FROM item/],
    [
      'EXISTS before a call that is not IF NOT EXISTS',
      "SELECT 1 FROM ds.t WHERE NOT EXISTS getenv('x')",
      /^Function not found: getenv/,
    ],
    [
      'UPDATE ... FROM (left unresolved by the rewrite)',
      'UPDATE ds.t SET x = 1 FROM duckdb_tables WHERE true',
      /^UPDATE \.\.\. FROM is not supported/,
    ],
    [
      'PIVOT statement as a subquery',
      'SELECT * FROM ds.t WHERE x IN (PIVOT duckdb_tables ON schema_name)',
      /^Syntax error: Unexpected keyword PIVOT/,
    ],
    [
      'FROM-first in a CTE',
      'WITH c AS (FROM duckdb_settings) SELECT * FROM c',
      /^Syntax error: Unexpected keyword FROM/,
    ],
    [
      'CREATE SECRET',
      'CREATE OR REPLACE SECRET s (TYPE http)',
      /^Syntax error: Unexpected identifier "SECRET" at \[1:19\]$/,
    ],
    ['DROP MACRO', 'DROP MACRO bq_offset', /^Syntax error: Unexpected identifier "MACRO"/],
    ['legacy SQL cannot reach DuckDB either', "SELECT * FROM glob('/etc/*')", /^Function not found: glob/],
  ];
  for (const [name, sql, message] of refused) {
    it(`refuses ${name}`, () => {
      let error: unknown;
      try {
        tr(sql, name.startsWith('legacy'));
      } catch (e) {
        error = e;
      }
      expect((error as { reason?: string })?.reason).toBe('invalidQuery');
      expect((error as Error).message).toMatch(message);
    });
  }
});
