import { SqlError, syntaxError } from './errors.js';
import { NET_FUNCTIONS } from './functions.js';
import { isPunct, isWord, matchClose, nextSig, prevSig, type Token } from './tokenize.js';

/**
 * Layer 1 of "user SQL reaches only BigQuery tables" (layer 2 is DuckDB's own configuration, see ../db.ts).
 *
 * The translator hands DuckDB whatever it does not rewrite, and DuckDB can read files, URLs, its catalog and settings
 * through functions (`read_text`, `glob`, `duckdb_settings()`, `getenv`...) and bare names (`duckdb_tables`,
 * `information_schema.tables`, `'x.csv'`). So the user's text is checked against what BigQuery has, before anything
 * is rewritten:
 * - every call `name(` must be a GoogleSQL (or, in legacy SQL, a legacy SQL) function, or a keyword that takes a
 *   parenthesis; `SAFE.fn(` and `NET.fn(` are checked on `fn`; any other dotted call or `x.fn()` method call is refused;
 * - a FROM item is a table path, a subquery, `UNNEST(...)` or a CTE in scope (checkFromItem, called by the rewrite);
 * - `FROM` only opens a FROM clause of a SELECT (DuckDB's FROM-first queries are refused), and DuckDB-only statement
 *   forms inside parentheses (`(PIVOT x ON ...)`) are refused.
 * Our `bq_*` macros are not on the list: they are reached only through translation. Refusals are BigQuery's
 * `invalidQuery` with its wording (`Function not found: read_text at [1:21]`).
 */

const STANDARD_FUNCTIONS = words(`
  ABS ACOS ACOSH ANY_VALUE APPROX_COUNT_DISTINCT APPROX_QUANTILES APPROX_TOP_COUNT APPROX_TOP_SUM ARRAY ARRAY_AGG
  ARRAY_CONCAT ARRAY_CONCAT_AGG ARRAY_FIRST ARRAY_LAST ARRAY_LENGTH ARRAY_REVERSE ARRAY_SLICE ARRAY_TO_STRING ASCII
  ASIN ASINH ATAN ATAN2 ATANH AVG BIT_AND BIT_COUNT BIT_OR BIT_XOR BOOL BYTE_LENGTH CAST CBRT CEIL CEILING CHAR_LENGTH
  CHARACTER_LENGTH CHR CODE_POINTS_TO_BYTES CODE_POINTS_TO_STRING COALESCE COLLATE CONCAT CONTAINS_SUBSTR CORR COS COSH
  COSINE_DISTANCE COT COTH COUNT COUNTIF COVAR_POP COVAR_SAMP CSC CSCH CUME_DIST CURRENT_DATE CURRENT_DATETIME
  CURRENT_TIME CURRENT_TIMESTAMP DATE DATE_ADD DATE_BUCKET DATE_DIFF DATE_FROM_UNIX_DATE DATE_SUB DATE_TRUNC DATETIME
  DATETIME_ADD DATETIME_BUCKET DATETIME_DIFF DATETIME_SUB DATETIME_TRUNC DENSE_RANK DIV EDIT_DISTANCE ENDS_WITH ERROR
  EUCLIDEAN_DISTANCE EXP EXTRACT FARM_FINGERPRINT FIRST_VALUE FLOAT64 FLOOR FORMAT FORMAT_DATE FORMAT_DATETIME
  FORMAT_TIME FORMAT_TIMESTAMP FROM_BASE32 FROM_BASE64 FROM_HEX GENERATE_ARRAY GENERATE_DATE_ARRAY
  GENERATE_RANGE_ARRAY GENERATE_TIMESTAMP_ARRAY GENERATE_UUID GREATEST GROUPING IEEE_DIVIDE IF IFNULL INITCAP INSTR
  INT64 IS_INF IS_NAN JSON_ARRAY JSON_ARRAY_APPEND JSON_ARRAY_INSERT JSON_EXTRACT JSON_EXTRACT_ARRAY
  JSON_EXTRACT_SCALAR JSON_EXTRACT_STRING_ARRAY JSON_KEYS JSON_OBJECT JSON_QUERY JSON_QUERY_ARRAY JSON_REMOVE JSON_SET
  JSON_STRIP_NULLS JSON_TYPE JSON_VALUE JSON_VALUE_ARRAY JUSTIFY_DAYS JUSTIFY_HOURS JUSTIFY_INTERVAL LAG LAST_DAY
  LAST_VALUE LAX_BOOL LAX_FLOAT64 LAX_INT64 LAX_STRING LEAD LEAST LEFT LENGTH LN LOG LOG10 LOGICAL_AND LOGICAL_OR
  LOWER LPAD LTRIM MAKE_INTERVAL MAX MAX_BY MD5 MIN MIN_BY MOD NORMALIZE NORMALIZE_AND_CASEFOLD NTH_VALUE NTILE
  NULLIF NULLIFZERO OCTET_LENGTH OFFSET ORDINAL PARSE_BIGNUMERIC PARSE_DATE PARSE_DATETIME PARSE_JSON PARSE_NUMERIC
  PARSE_TIME PARSE_TIMESTAMP PERCENT_RANK PERCENTILE_CONT PERCENTILE_DISC POW POWER RAND RANGE RANGE_BUCKET
  RANGE_CONTAINS RANGE_END RANGE_INTERSECT RANGE_OVERLAPS RANGE_START RANK REGEXP_CONTAINS REGEXP_EXTRACT
  REGEXP_EXTRACT_ALL REGEXP_INSTR REGEXP_REPLACE REGEXP_SUBSTR REPEAT REPLACE REVERSE RIGHT ROUND ROW_NUMBER RPAD
  RTRIM SAFE_ADD SAFE_CAST SAFE_CONVERT_BYTES_TO_STRING SAFE_DIVIDE SAFE_MULTIPLY SAFE_NEGATE SAFE_OFFSET
  SAFE_ORDINAL SAFE_SUBTRACT SEC SECH SESSION_USER SHA1 SHA256 SHA512 SIGN SIN SINH SOUNDEX SPLIT SQRT STARTS_WITH
  STDDEV STDDEV_POP STDDEV_SAMP STRING STRING_AGG STRPOS STRUCT SUBSTR SUBSTRING SUM TAN TANH TIME TIME_ADD TIME_DIFF
  TIME_SUB TIME_TRUNC TIMESTAMP TIMESTAMP_ADD TIMESTAMP_BUCKET TIMESTAMP_DIFF TIMESTAMP_MICROS TIMESTAMP_MILLIS
  TIMESTAMP_SECONDS TIMESTAMP_SUB TIMESTAMP_TRUNC TO_BASE32 TO_BASE64 TO_CODE_POINTS TO_HEX TO_JSON TO_JSON_STRING
  TRANSLATE TRIM TRUNC UNICODE UNIX_DATE UNIX_MICROS UNIX_MILLIS UNIX_SECONDS UPPER VAR_POP VAR_SAMP VARIANCE
  ZEROIFNULL
`);

/**
 * A JavaScript UDF's DuckDB function (../udf/js.ts): the script/UDF layer writes these names for calls of a
 * `LANGUAGE js` function; each runs the user's code in a node:vm sandbox, so naming one directly reaches nothing else.
 */
const JS_UDF_NAME = /^BQ_JSUDF_[0-9A-F]{16}$/;

/** Date parts written with an argument inside EXTRACT / DATE_TRUNC / DATE_DIFF: WEEK(MONDAY). */
const DATE_PART_CALLS = words('WEEK');

/** Parameterised type names: STRING(10), NUMERIC(10, 2), BYTES(5) in casts and schemas. */
const PARAMETERISED_TYPES = words('STRING BYTES NUMERIC DECIMAL BIGNUMERIC BIGDECIMAL');

/** Legacy SQL functions besides the standard names above (translated or not: DuckDB's namesakes are harmless). */
const LEGACY_FUNCTIONS = words(`
  STRFTIME_UTC_USEC TIMESTAMP_TO_USEC USEC_TO_TIMESTAMP FORMAT_UTC_USEC UTC_USEC_TO_DAY NOW REGEXP_MATCH INTEGER FLOAT
  IS_NULL YEAR MONTH DAY HOUR MINUTE SECOND DAYOFWEEK DAYOFYEAR QUARTER GROUP_CONCAT GROUP_CONCAT_UNQUOTED DATEDIFF
  HASH NTH TOP EXACT_COUNT_DISTINCT SEC_TO_TIMESTAMP MSEC_TO_TIMESTAMP TIMESTAMP_TO_SEC TIMESTAMP_TO_MSEC
  PARSE_UTC_USEC UTC_USEC_TO_HOUR UTC_USEC_TO_WEEK UTC_USEC_TO_MONTH UTC_USEC_TO_YEAR DOMAIN TLD
`);

/** Keywords that may stand before a parenthesis without being a call. */
const KEYWORDS_BEFORE_PAREN = words(`
  ALL AND ANY AS ASC BETWEEN BY CASE CROSS CUBE CURRENT DESC DISTINCT ELSE END ESCAPE EXCEPT EXCLUDE EXISTS FOLLOWING
  FOR FROM FULL GROUP HAVING IGNORE IN INCLUDE INNER INTERSECT INTERVAL INTO IS JOIN LEFT LIKE LIMIT MATCHED NOT NULLS
  ON OPTIONS OR ORDER OUTER OVER PARTITION PIVOT PRECEDING QUALIFY RECURSIVE RESPECT RETURNS RIGHT ROLLUP ROW ROWS
  SELECT SET SETS SOME SYSTEM BERNOULLI TABLESAMPLE THEN UNBOUNDED UNION UNNEST UNPIVOT USING VALUES WHEN WHERE WINDOW
  WITH FIRST LAST PERCENT
`);

/** A name before `(` that is a table being written with a column list, not a call: INSERT INTO t (a, b). */
const TARGET_KEYWORDS = words('INTO INSERT TABLE EXISTS UPDATE MERGE FUNCTION PROCEDURE VIEW');

/**
 * DuckDB's statement-level PIVOT/UNPIVOT as a subquery, `(PIVOT some_relation ON ...)`: it names a relation outside any
 * FROM clause. (DESCRIBE/SHOW/SUMMARIZE need no rule: the rewrite double-quotes them into column names.)
 */
const DUCKDB_ONLY_AFTER_PAREN = words('PIVOT UNPIVOT');

/** Function calls whose arguments use FROM: EXTRACT(DAY FROM d), TRIM(... FROM ...), SUBSTRING(s FROM 1). */
const FROM_IN_CALL = words('EXTRACT TRIM SUBSTRING SUBSTR POSITION OVERLAY');

function words(list: string): Set<string> {
  return new Set(list.split(/\s+/).filter((w) => w !== ''));
}

function at(sql: string, t: Token): string {
  const before = sql.slice(0, t.pos);
  return `[${before.split('\n').length}:${t.pos - before.lastIndexOf('\n')}]`;
}

function nameOf(t: Token): string {
  return t.kind === 'quoted' ? t.text.slice(1, -1).replace(/\\(.)/g, '$1') : t.text;
}

const functionNotFound = (name: string, sql: string, t: Token) =>
  new SqlError('invalidQuery', `Function not found: ${name.slice(0, 100)} at ${at(sql, t)}`);

/** Is `name` a function this dialect has (upper-cased, without SAFE. / NET.)? */
function isKnownFunction(upper: string, legacy: boolean): boolean {
  return (
    STANDARD_FUNCTIONS.has(upper) ||
    JS_UDF_NAME.test(upper) ||
    DATE_PART_CALLS.has(upper) ||
    PARAMETERISED_TYPES.has(upper) ||
    (legacy && LEGACY_FUNCTIONS.has(upper))
  );
}

/** What may follow CREATE / DROP (after OR REPLACE, TEMP): BigQuery's object kinds, not DuckDB's SECRET or MACRO. */
const DDL_OBJECTS = words(`
  TABLE VIEW MATERIALIZED EXTERNAL SNAPSHOT FUNCTION AGGREGATE PROCEDURE SCHEMA MODEL SEARCH VECTOR ROW ALL
`);

/** CREATE SECRET / CREATE MACRO / DROP SECRET ...: a syntax error naming the word, as BigQuery reports it. */
function checkDdlObject(tokens: Token[], sql: string): void {
  let k = nextSig(tokens, 0);
  if (!isWord(tokens[k], 'CREATE', 'DROP')) return;
  k = nextSig(tokens, k + 1);
  for (;;) {
    const t = tokens[k];
    if (isWord(t, 'OR', 'REPLACE', 'TEMP', 'TEMPORARY')) k = nextSig(tokens, k + 1);
    else break;
  }
  const t = tokens[k];
  if (t && !(t.kind === 'ident' && DDL_OBJECTS.has(t.text.toUpperCase()))) {
    const what = t.kind === 'ident' ? `identifier "${t.text.slice(0, 40)}"` : `"${t.text.slice(0, 10)}"`;
    throw syntaxError(`Unexpected ${what}`, sql, t.pos);
  }
}

/** Checks the whole statement's tokens (before any rewriting). Throws SqlError('invalidQuery'). */
export function checkSandbox(tokens: Token[], sql: string, legacy: boolean): void {
  checkDdlObject(tokens, sql);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === 'ident' && t.text.toUpperCase() === 'FROM') checkFromKeyword(tokens, i, sql);
    if (isPunct(t, '(')) {
      const k = nextSig(tokens, i + 1);
      const n = tokens[k];
      const after = tokens[nextSig(tokens, k + 1)];
      if (
        n &&
        n.kind === 'ident' &&
        DUCKDB_ONLY_AFTER_PAREN.has(n.text.toUpperCase()) &&
        after &&
        (after.kind === 'ident' || after.kind === 'quoted' || after.kind === 'string')
      )
        throw syntaxError(`Unexpected keyword ${n.text.toUpperCase()}`, sql, n.pos);
      continue;
    }
    if (t.kind !== 'ident' && t.kind !== 'quoted') continue;
    if (/^__dp_\d+__$/.test(nameOf(t))) {
      // the translator's placeholders for resolved tables (translate.ts fills them in after transpiling)
      throw new SqlError(
        'invalidQuery',
        `Names like ${nameOf(t)} are reserved by this warehouse at ${at(sql, t)}`,
      );
    }
    const open = nextSig(tokens, i + 1);
    if (!isPunct(tokens[open], '(')) continue;
    checkCall(tokens, i, sql, legacy);
  }
}

/** `name(` at `i`: a known function, a keyword, a written table's column list, or refused. */
function checkCall(tokens: Token[], i: number, sql: string, legacy: boolean): void {
  const t = tokens[i] as Token;
  // the whole dotted name: a.b.fn( — walk back over `.` name pairs
  const parts = [nameOf(t)];
  let first = i;
  for (;;) {
    const dot = prevSig(tokens, first);
    if (!isPunct(tokens[dot], '.')) break;
    const before = tokens[prevSig(tokens, dot)];
    if (!before || (before.kind !== 'ident' && before.kind !== 'quoted')) {
      // a method call on a value ('x'.fn(), (expr).fn()) is DuckDB syntax
      throw functionNotFound(parts.join('.'), sql, t);
    }
    parts.unshift(nameOf(before));
    first = prevSig(tokens, dot);
  }
  const b = prevSig(tokens, first);
  if (isWord(tokens[b], ...TARGET_KEYWORDS)) {
    // CREATE TABLE IF NOT EXISTS t (...): EXISTS only counts after IF NOT
    const n = prevSig(tokens, b);
    if (
      !isWord(tokens[b], 'EXISTS') ||
      (isWord(tokens[n], 'NOT') && isWord(tokens[prevSig(tokens, n)], 'IF'))
    )
      return;
  }
  const dotted = parts.flatMap((p) => p.split('.'));
  const upper = dotted.map((p) => p.toUpperCase());
  const startTok = tokens[first] as Token;
  if (upper.length === 1) {
    const w = upper[0] as string;
    if (t.kind === 'ident' && KEYWORDS_BEFORE_PAREN.has(w)) return;
    if (isKnownFunction(w, legacy)) return;
    throw functionNotFound(dotted.join('.'), sql, startTok);
  }
  if (upper.length === 2 && upper[0] === 'SAFE' && isKnownFunction(upper[1] as string, legacy)) return;
  if (upper.length === 2 && upper[0] === 'NET' && Object.hasOwn(NET_FUNCTIONS, upper[1] as string)) return;
  throw functionNotFound(dotted.join('.'), sql, startTok);
}

/**
 * `FROM` must open the FROM clause of a SELECT at the same parenthesis depth, or be part of DELETE FROM,
 * IS [NOT] DISTINCT FROM or a call such as EXTRACT(x FROM y). DuckDB's FROM-first queries (`(FROM t)`,
 * `UNION DISTINCT FROM t`) would otherwise reach DuckDB with their relation unresolved.
 */
function checkFromKeyword(tokens: Token[], i: number, sql: string): void {
  const t = tokens[i] as Token;
  const p = prevSig(tokens, i);
  const prev = tokens[p];
  if (isWord(prev, 'DELETE')) return;
  if (isWord(prev, 'DISTINCT')) {
    let q = prevSig(tokens, p);
    if (isWord(tokens[q], 'NOT')) q = prevSig(tokens, q);
    if (isWord(tokens[q], 'IS')) return;
    throw syntaxError('Unexpected keyword FROM', sql, t.pos);
  }
  let depth = 0;
  for (let k = i - 1; k >= 0; k--) {
    const x = tokens[k] as Token;
    if (isPunct(x, ')')) depth++;
    else if (isPunct(x, '(')) {
      if (depth === 0) {
        const fn = tokens[prevSig(tokens, k)];
        if (fn && fn.kind === 'ident' && FROM_IN_CALL.has(fn.text.toUpperCase())) return;
        break;
      }
      depth--;
    } else if (depth === 0 && isWord(x, 'SELECT')) return;
    else if (depth === 0 && isWord(x, 'UPDATE')) {
      throw new SqlError('invalidQuery', `UPDATE ... FROM is not supported here (FROM at ${at(sql, t)})`);
    }
  }
  throw syntaxError('Unexpected keyword FROM', sql, t.pos);
}

/**
 * A FROM item (after FROM, JOIN or a FROM list's comma) as the rewrite meets it: a path (table, or a CTE), a
 * subquery, UNNEST, or a legacy [bracketed] table. A call in FROM position is a table-valued function, and BigQuery's
 * only one here is UNNEST; strings (DuckDB reads a file named by one), parameters and parenthesised joins are refused.
 */
export function checkFromItem(tokens: Token[], k: number, sql: string, legacy: boolean): void {
  const t = tokens[k];
  if (!t) return;
  if (isPunct(t, '(')) {
    let j = k;
    while (isPunct(tokens[j], '(')) j = nextSig(tokens, j + 1);
    if (!isWord(tokens[j], 'SELECT', 'WITH')) {
      throw new SqlError(
        'invalidQuery',
        `Unsupported FROM item at ${at(sql, t)}: only tables, subqueries (SELECT ...) and UNNEST are supported here`,
      );
    }
    return;
  }
  if (isPunct(t, '[') && legacy) return;
  if (t.kind !== 'ident' && t.kind !== 'quoted' && t.kind !== 'number') {
    const what =
      t.kind === 'string' ? 'string literal' : t.kind === 'param' ? 'query parameter' : `"${t.text}"`;
    throw syntaxError(`Unexpected ${what}`, sql, t.pos);
  }
  // a path followed by '(' is a table-valued function call
  let e = k;
  for (;;) {
    const n = nextSig(tokens, e + 1);
    const nt = tokens[n];
    if (nt && (isPunct(nt, '.') || isPunct(nt, '-') || isPunct(nt, ':') || isPunct(nt, '*'))) {
      const after = tokens[n + 1];
      if (after && (after.kind === 'ident' || after.kind === 'quoted' || after.kind === 'number')) {
        e = n + 1;
        continue;
      }
      e = n;
      continue;
    }
    if (isPunct(nt, '(')) {
      if (e === k && isWord(t, 'UNNEST')) return;
      const name = tokens
        .slice(k, e + 1)
        .map((x) => x.text)
        .join('');
      throw new SqlError(
        'invalidQuery',
        `Table-valued function not found: ${name.slice(0, 100)} at ${at(sql, t)}`,
      );
    }
    return;
  }
}

/**
 * Positions (Token.pos) of the names that refer to a CTE in scope. A CTE is visible after its definition until the
 * end of the query expression its WITH belongs to (from its own name on with WITH RECURSIVE). A name outside that
 * range is a table path, resolved like any other: DuckDB never sees a bare name it could bind to its own catalog.
 */
export function cteReferences(tokens: Token[]): Set<number> {
  const refs = new Set<number>();
  // one pass: where each name occurs, and for every token the ')' closing the parenthesis it stands in
  const occurrences = new Map<string, number[]>();
  const scopeEnd = new Array<number>(tokens.length).fill(tokens.length);
  const open: number[] = [];
  const members: number[][] = [[]];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (isPunct(t, ')') && open.length > 0) {
      open.pop();
      for (const m of members.pop() as number[]) scopeEnd[m] = i;
    }
    (members[members.length - 1] as number[]).push(i);
    if (isPunct(t, '(')) {
      open.push(i);
      members.push([]);
    }
    if (t.kind === 'ident' || t.kind === 'quoted') {
      const name = nameOf(t).toLowerCase();
      const list = occurrences.get(name);
      if (list) list.push(i);
      else occurrences.set(name, [i]);
    }
  }
  for (let i = 0; i < tokens.length; i++) {
    if (!isWord(tokens[i], 'WITH')) continue;
    let k = nextSig(tokens, i + 1);
    if (isWord(tokens[k], 'OFFSET')) continue; // UNNEST(...) WITH OFFSET
    const recursive = isWord(tokens[k], 'RECURSIVE');
    if (recursive) k = nextSig(tokens, k + 1);
    // the scope ends at the ')' closing the parenthesis the WITH stands in, or at the end of the statement
    const end = scopeEnd[i] as number;
    for (;;) {
      const nameTok = tokens[k];
      if (!nameTok || (nameTok.kind !== 'ident' && nameTok.kind !== 'quoted')) break;
      const as = nextSig(tokens, k + 1);
      if (!isWord(tokens[as], 'AS')) break;
      const paren = nextSig(tokens, as + 1);
      if (!isPunct(tokens[paren], '(')) break;
      const close = matchClose(tokens, paren);
      if (close < 0) break;
      const from = recursive ? k + 1 : close + 1;
      for (const j of occurrences.get(nameOf(nameTok).toLowerCase()) ?? []) {
        if (j >= from && j < end) refs.add((tokens[j] as Token).pos);
      }
      const comma = nextSig(tokens, close + 1);
      if (!isPunct(tokens[comma], ',')) break;
      k = nextSig(tokens, comma + 1);
    }
  }
  return refs;
}
