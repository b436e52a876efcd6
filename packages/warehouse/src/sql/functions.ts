/**
 * BigQuery functions whose DuckDB namesake (or the transpiler's mapping) has different semantics. The rewrite pass renames
 * them before transpiling, so the transpiler passes the call through untouched, and DUCKDB_MACROS implements them.
 */
export const FUNCTION_RENAMES: Record<string, string> = {
  FORMAT_TIMESTAMP: 'bq_format_timestamp',
  FORMAT_DATE: 'bq_format_date',
  FORMAT_DATETIME: 'bq_format_datetime',
  FORMAT_TIME: 'bq_format_time',
  REGEXP_CONTAINS: 'regexp_matches',
  REGEXP_EXTRACT: 'bq_regexp_extract',
  REGEXP_SUBSTR: 'bq_regexp_extract',
};

/** Legacy SQL functions (only renamed when the dialect is legacy). */
export const LEGACY_RENAMES: Record<string, string> = {
  STRFTIME_UTC_USEC: 'bq_strftime_utc_usec',
  TIMESTAMP_TO_USEC: 'bq_timestamp_to_usec',
  USEC_TO_TIMESTAMP: 'bq_usec_to_timestamp',
  FORMAT_UTC_USEC: 'bq_format_utc_usec',
  UTC_USEC_TO_DAY: 'bq_utc_usec_to_day',
  NOW: 'bq_now_usec',
  REGEXP_MATCH: 'regexp_matches',
  INTEGER: 'bq_to_int64',
  FLOAT: 'bq_to_float64',
  STRING: 'bq_to_string',
  IS_NULL: 'bq_is_null',
};

/** BigQuery format elements → DuckDB strftime/strptime specifiers (DuckDB needs a constant format, so this runs at translation). */
const FORMAT_ELEMENTS: Record<string, string> = {
  '%E*S': '%S.%f',
  '%E6S': '%S.%f',
  '%E3S': '%S.%g',
  '%E1S': '%S.%g',
  '%E2S': '%S.%g',
  '%F': '%Y-%m-%d',
  '%T': '%H:%M:%S',
  '%D': '%m/%d/%y',
  '%R': '%H:%M',
  '%e': '%-d',
  '%k': '%-H',
  '%l': '%-I',
  '%h': '%b',
  '%Z': 'UTC',
  '%Ez': '+00:00',
  '%Ey': '%Y',
  '%EY': '%Y',
  '%C': '%C',
};

export function convertFormat(f: string): string {
  return f.replace(/%(E[0-9*]S|E[zyY]|.)/g, (m) => FORMAT_ELEMENTS[m] ?? m);
}

/** Functions whose first argument is a format string (converted when it is a literal). */
export const FORMAT_FIRST_ARG = new Set([
  'FORMAT_TIMESTAMP',
  'FORMAT_DATE',
  'FORMAT_DATETIME',
  'FORMAT_TIME',
  'PARSE_TIMESTAMP',
  'PARSE_DATE',
  'PARSE_DATETIME',
  'PARSE_TIME',
]);

/**
 * DuckDB macros implementing BigQuery semantics. Run them once per connection (TEMP macros live with the connection);
 * the server helper does this for every DuckDB connection it opens.
 */
export const DUCKDB_MACROS: string[] = [
  `CREATE OR REPLACE TEMP MACRO bq_format_timestamp(f, ts) AS strftime(CAST(ts AS TIMESTAMPTZ), f),
     (f, ts, tz) AS strftime(CAST(timezone(tz, CAST(ts AS TIMESTAMPTZ)) AS TIMESTAMP), f)`,
  `CREATE OR REPLACE TEMP MACRO bq_format_date(f, d) AS strftime(CAST(d AS DATE), f)`,
  `CREATE OR REPLACE TEMP MACRO bq_format_datetime(f, d) AS strftime(CAST(d AS TIMESTAMP), f)`,
  `CREATE OR REPLACE TEMP MACRO bq_format_time(f, t) AS strftime(CAST('1970-01-01' AS DATE) + CAST(t AS TIME), f)`,
  // BigQuery returns the first capturing group when there is one, else the whole match, and NULL when nothing matches
  `CREATE OR REPLACE TEMP MACRO bq_re_has_group(r) AS regexp_matches(regexp_replace(r, '\\\\.', '', 'g'), '\\((?:[^?]|$)')`,
  `CREATE OR REPLACE TEMP MACRO bq_regexp_extract(s, r) AS
     CASE WHEN NOT regexp_matches(s, r) THEN NULL
          WHEN bq_re_has_group(r) THEN regexp_extract(s, r, 1) ELSE regexp_extract(s, r, 0) END,
     (s, r, pos) AS
     CASE WHEN NOT regexp_matches(substr(s, pos), r) THEN NULL
          WHEN bq_re_has_group(r) THEN regexp_extract(substr(s, pos), r, 1) ELSE regexp_extract(substr(s, pos), r, 0) END,
     (s, r, pos, occ) AS (CASE WHEN bq_re_has_group(r)
          THEN regexp_extract_all(substr(s, pos), r, 1) ELSE regexp_extract_all(substr(s, pos), r, 0) END)[occ]`,
  `CREATE OR REPLACE TEMP MACRO bq_strftime_utc_usec(ts, f) AS strftime(CAST(ts AS TIMESTAMPTZ), f)`,
  `CREATE OR REPLACE TEMP MACRO bq_timestamp_to_usec(ts) AS epoch_us(CAST(ts AS TIMESTAMPTZ))`,
  `CREATE OR REPLACE TEMP MACRO bq_usec_to_timestamp(u) AS make_timestamptz(CAST(u AS BIGINT))`,
  `CREATE OR REPLACE TEMP MACRO bq_format_utc_usec(u) AS strftime(make_timestamptz(CAST(u AS BIGINT)), '%Y-%m-%d %H:%M:%S.%f')`,
  `CREATE OR REPLACE TEMP MACRO bq_utc_usec_to_day(u) AS epoch_us(date_trunc('day', make_timestamptz(CAST(u AS BIGINT))))`,
  `CREATE OR REPLACE TEMP MACRO bq_now_usec() AS epoch_us(now())`,
  `CREATE OR REPLACE TEMP MACRO bq_to_int64(x) AS CAST(x AS BIGINT)`,
  `CREATE OR REPLACE TEMP MACRO bq_to_float64(x) AS CAST(x AS DOUBLE)`,
  `CREATE OR REPLACE TEMP MACRO bq_to_string(x) AS CAST(x AS VARCHAR)`,
  `CREATE OR REPLACE TEMP MACRO bq_is_null(x) AS x IS NULL`,
];
