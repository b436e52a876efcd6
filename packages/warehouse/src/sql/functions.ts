import { RAISE_MARKER } from './errors.js';
import { decodeStringLiteral, encodeStringLiteral } from './literals.js';
import { isPunct, isWord, matchClose, nextSig, type Token } from './tokenize.js';

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
  DATE_TRUNC: 'bq_date_trunc',
  DATETIME_TRUNC: 'bq_datetime_trunc',
  TIMESTAMP_TRUNC: 'bq_timestamp_trunc',
  TIME_TRUNC: 'bq_time_trunc',
  DATE_DIFF: 'bq_date_diff',
  DATETIME_DIFF: 'bq_datetime_diff',
  TIMESTAMP_DIFF: 'bq_timestamp_diff',
  TIME_DIFF: 'bq_time_diff',
  LAST_DAY: 'bq_last_day',
  NORMALIZE: 'bq_normalize',
  NORMALIZE_AND_CASEFOLD: 'bq_normalize_and_casefold',
  JSON_QUERY: 'bq_json_query',
  JSON_EXTRACT: 'bq_json_query',
  JSON_VALUE: 'bq_json_value',
  JSON_EXTRACT_SCALAR: 'bq_json_value',
  JSON_QUERY_ARRAY: 'bq_json_query_array',
  JSON_EXTRACT_ARRAY: 'bq_json_query_array',
  JSON_VALUE_ARRAY: 'bq_json_value_array',
  JSON_EXTRACT_STRING_ARRAY: 'bq_json_value_array',
  BOOL: 'bq_json_bool',
  FLOAT64: 'bq_json_float64',
  INT64: 'bq_json_int64',
  MD5: 'bq_md5',
  SHA1: 'bq_sha1',
  SHA256: 'bq_sha256',
  BYTE_LENGTH: 'bq_byte_length',
  OCTET_LENGTH: 'bq_byte_length',
  LENGTH: 'bq_length',
  CHAR_LENGTH: 'bq_length',
  CHARACTER_LENGTH: 'bq_length',
  LPAD: 'bq_lpad',
  RPAD: 'bq_rpad',
  PARSE_NUMERIC: 'bq_parse_numeric',
  PARSE_BIGNUMERIC: 'bq_parse_numeric',
  PERCENTILE_DISC: 'quantile_disc',
  PERCENTILE_CONT: 'quantile_cont',
  DATE_FROM_UNIX_DATE: 'bq_date_from_unix_date',
  UNIX_DATE: 'bq_unix_date',
  FORMAT: 'printf',
  TO_CODE_POINTS: 'bq_to_code_points',
  CODE_POINTS_TO_STRING: 'bq_code_points_to_string',
  UNICODE: 'bq_unicode',
  CHR: 'bq_chr',
  REGEXP_REPLACE: 'bq_regexp_replace',
  REGEXP_INSTR: 'bq_regexp_instr',
  INITCAP: 'bq_initcap',
  CODE_POINTS_TO_BYTES: 'bq_code_points_to_bytes',
  APPROX_QUANTILES: 'bq_approx_quantiles',
  APPROX_TOP_COUNT: 'bq_approx_top_count',
  APPROX_TOP_SUM: 'bq_approx_top_sum',
  LEFT: 'bq_left',
  RIGHT: 'bq_right',
  REVERSE: 'bq_reverse',
  PARSE_TIME: 'bq_parse_time',
  INSTR: 'bq_instr',
  IEEE_DIVIDE: 'bq_ieee_divide',
  // BigQuery's errors where DuckDB answers Infinity, NaN or NULL (RAISING_MACROS)
  SAFE_DIVIDE: 'bq_safe_divide',
  // as calls, not the transpiler's `//` and `%`, which it prints without parentheses (`x / MOD(a, b)` → `x / a % b`)
  DIV: 'bq_div',
  MOD: 'bq_mod',
  SAFE_ADD: 'bq_safe_add',
  SAFE_SUBTRACT: 'bq_safe_subtract',
  SAFE_MULTIPLY: 'bq_safe_multiply',
  SAFE_NEGATE: 'bq_safe_negate',
  POW: 'bq_pow',
  POWER: 'bq_pow',
  EXP: 'bq_exp',
  COSH: 'bq_cosh',
  SINH: 'bq_sinh',
  ACOSH: 'bq_acosh',
  ATANH: 'bq_atanh',
  SQRT: 'bq_sqrt',
  LN: 'bq_ln',
  LOG: 'bq_log',
  LOG10: 'bq_log10',
  STRING: 'bq_string',
  IS_NAN: 'bq_is_nan',
  IS_INF: 'bq_is_inf',
  ARRAY_FIRST: 'bq_array_first',
  ARRAY_LAST: 'bq_array_last',
  COSINE_DISTANCE: 'bq_cosine_distance',
  EUCLIDEAN_DISTANCE: 'bq_euclidean_distance',
  RANGE_BUCKET: 'bq_range_bucket',
  SEC: 'bq_sec',
  CSC: 'bq_csc',
  SECH: 'bq_sech',
  CSCH: 'bq_csch',
  COTH: 'bq_coth',
  EDIT_DISTANCE: 'bq_edit_distance',
  // GoogleSQL's TO_JSON is JSON (the transpiler made it text, so a nested TO_JSON was embedded as a string)
  TO_JSON: 'bq_to_json',
  JUSTIFY_HOURS: 'bq_justify_hours',
  JUSTIFY_DAYS: 'bq_justify_days',
  JUSTIFY_INTERVAL: 'bq_justify_interval',
  // JavaScript scalar functions behind these macros (native.ts)
  SHA512: 'bq_sha512',
  FARM_FINGERPRINT: 'bq_farm_fingerprint',
  TO_BASE32: 'bq_js_to_base32',
  FROM_BASE32: 'bq_js_from_base32',
  SAFE_CONVERT_BYTES_TO_STRING: 'bq_js_safe_convert_bytes_to_string',
  SOUNDEX: 'bq_js_soundex',
};

/** Calls wrapped in a conversion: [outer macro, replacement name (default: unchanged)]. */
export const WRAPS: Record<string, [string, string?]> = {
  DATE_ADD: ['bq_date'],
  DATE_SUB: ['bq_date'],
  TIMESTAMP_MICROS: ['bq_tstz'],
  TIMESTAMP_MILLIS: ['bq_tstz'],
  TIMESTAMP_SECONDS: ['bq_tstz'],
  PARSE_TIMESTAMP: ['bq_tstz'],
  GENERATE_TIMESTAMP_ARRAY: ['bq_tstz_array'],
  COUNTIF: ['bq_zero'],
  ARRAY_AGG: ['bq_no_null_elements'],
};

/** Token ranges [start, end) of the top-level arguments of the call whose '(' is at `open`. */
export function callArgs(tokens: Token[], open: number): [number, number][] {
  const close = matchClose(tokens, open);
  if (close < 0) return [];
  const args: [number, number][] = [];
  let depth = 0;
  let start = open + 1;
  for (let k = open + 1; k < close; k++) {
    const t = tokens[k] as Token;
    if (t.kind !== 'punct') continue;
    if (t.text === '(' || t.text === '[') depth++;
    else if (t.text === ')' || t.text === ']') depth--;
    else if (t.text === ',' && depth === 0) {
      args.push([start, k]);
      start = k + 1;
    }
  }
  if (nextSig(tokens, start) !== -1 && nextSig(tokens, start) < close) args.push([start, close]);
  return args;
}

/** A date-part argument (`MONTH`, `WEEK(MONDAY)`) becomes a string literal our macros switch on. */
function partArg(index: number) {
  return (tokens: Token[], _fn: number, open: number, out: string[]) => {
    const arg = callArgs(tokens, open)[index];
    if (!arg) return;
    const k = nextSig(tokens, arg[0]);
    const t = tokens[k];
    if (t?.kind !== 'ident') return;
    let text = t.text.toUpperCase();
    let end = k + 1;
    const p = nextSig(tokens, k + 1);
    if (isPunct(tokens[p], '(')) {
      const c = matchClose(tokens, p);
      const inner = tokens[nextSig(tokens, p + 1)];
      if (c < 0 || !inner) return;
      text = `${text}(${inner.text.toUpperCase()})`;
      end = c + 1;
    }
    if (nextSig(tokens, end) !== -1 && nextSig(tokens, end) < arg[1]) return; // not a bare part name
    for (let m = k; m < end; m++) out[m] = '';
    out[k] = `'${text.replace(/[^A-Z0-9_()]/g, '')}'`;
  };
}

/** Per-function token surgery before transpiling. */
export const SPECIAL_CALLS: Record<
  string,
  (tokens: Token[], fn: number, open: number, out: string[]) => void
> = {
  DATE_TRUNC: partArg(1),
  DATETIME_TRUNC: partArg(1),
  TIMESTAMP_TRUNC: partArg(1),
  TIME_TRUNC: partArg(1),
  DATE_DIFF: partArg(2),
  DATETIME_DIFF: partArg(2),
  TIMESTAMP_DIFF: partArg(2),
  TIME_DIFF: partArg(2),
  LAST_DAY: partArg(1),
  NORMALIZE: partArg(1),
  NORMALIZE_AND_CASEFOLD: partArg(1),
  FORMAT: (tokens, _fn, open, out) => {
    // printf has no %t (text form) nor %T (literal form): %s over the text, or over bq_sql_literal(arg) for %T
    const k = nextSig(tokens, open + 1);
    const t = tokens[k];
    if (t?.kind !== 'string' || out[k] !== t.text || /^[bB]/.test(t.text)) return;
    const f = decodeStringLiteral(t, '');
    const args = callArgs(tokens, open);
    let n = 0;
    for (const m of f.matchAll(/%([-+ #0-9.']*)([a-zA-Z%])/g)) {
      if (m[2] === '%') continue;
      n++;
      const a = args[n];
      const grouped = m[1]?.includes("'") && (m[2] === 'd' || m[2] === 'i');
      if ((m[2] === 'T' || grouped) && a) {
        // decorate the delimiters around the argument: its own tokens may still be renamed by the main pass
        out[a[0] - 1] = `${out[a[0] - 1]} ${grouped ? 'bq_group_digits' : 'bq_sql_literal'}(`;
        out[a[1]] = `)${out[a[1]]}`;
      }
    }
    // %'d: the integer with thousands separators (bq_group_digits), printed as text
    out[k] = encodeStringLiteral(
      f
        .replace(/%([-+ #0-9.']*)[tT]/g, '%$1s')
        .replace(/%([-0-9]*)'([-0-9]*)[di]/g, '%$1$2s')
        .replace(/%'/g, '%'),
    );
  },
  JSON_QUERY: jsonPathArg,
  JSON_EXTRACT: jsonPathArg,
  JSON_VALUE: jsonPathArg,
  JSON_EXTRACT_SCALAR: jsonPathArg,
  JSON_QUERY_ARRAY: jsonPathArg,
  JSON_EXTRACT_ARRAY: jsonPathArg,
  JSON_VALUE_ARRAY: jsonPathArg,
  JSON_EXTRACT_STRING_ARRAY: jsonPathArg,
  EXTRACT: extractPart,
  ARRAY_AGG: (tokens, fn, open, out) => {
    distinctInOrder(tokens, fn, open, out);
    aggregateLimit(tokens, fn, open, out);
  },
  STRING_AGG: (tokens, fn, open, out) => {
    if (!distinctInOrder(tokens, fn, open, out)) stringAggLimit(tokens, fn, open, out);
  },
  BIT_XOR: (tokens, fn, open, out) =>
    distinctOverList(tokens, fn, open, out, 'list_aggregate(ARRAY_AGG', ", 'bit_xor'"),
  APPROX_QUANTILES: (tokens, fn, open, out) =>
    distinctOverList(tokens, fn, open, out, 'bq_quantiles_of_list(ARRAY_AGG', ''),
  CONCAT: (tokens, fn, open, out) => {
    if (callArgs(tokens, open).length === 1) out[fn] = 'bq_concat1'; // CONCAT(NULL) is NULL, not ''
  },
  ARRAY_CONCAT_AGG: arrayConcatAggLimit,
  MAKE_INTERVAL: (tokens, _fn, open, out) => {
    // positional arguments are named (the transpiler drops a positional day); named ones are left as written
    const names = ['year', 'month', 'day', 'hour', 'minute', 'second'];
    callArgs(tokens, open).forEach(([start, end], k) => {
      const named = tokens.slice(start, end).some((t) => isPunct(t, '=>'));
      const name = names[k];
      if (!named && name) out[start] = `${name} => ${out[start]}`;
    });
  },
};

/**
 * The top level of an aggregate call: where DISTINCT (first word), ORDER BY, LIMIT n (or another modifier) and the
 * first comma are; `close` is -1 for an analytic call.
 */
function aggregateParts(tokens: Token[], open: number) {
  const close = matchClose(tokens, open);
  const first = nextSig(tokens, open + 1);
  // an analytic call (… OVER) keeps its aggregate as written
  const windowed = close > 0 && isWord(tokens[nextSig(tokens, close + 1)], 'OVER');
  const parts = {
    close: windowed ? -1 : close,
    distinct: isWord(tokens[first], 'DISTINCT') ? first : -1,
    comma: -1,
    order: -1,
    limit: -1,
  };
  let depth = 0;
  for (let k = open + 1; k < close; k++) {
    const t = tokens[k] as Token;
    if (isPunct(t, '(') || isPunct(t, '[')) depth++;
    else if (isPunct(t, ')') || isPunct(t, ']')) depth--;
    else if (depth !== 0) continue;
    else if (isPunct(t, ',') && parts.comma < 0) parts.comma = k;
    else if (isWord(t, 'ORDER') && parts.order < 0) parts.order = k;
    else if (isWord(t, 'LIMIT', 'IGNORE', 'RESPECT', 'HAVING') && parts.limit < 0) parts.limit = k;
  }
  return parts;
}

/**
 * ARRAY_AGG(DISTINCT x) / STRING_AGG(DISTINCT x[, sep]) without ORDER BY: each value where it first occurs, as
 * BigQuery answers (DuckDB's DISTINCT aggregates come out in hash order). Aggregated in full, then the repeats are
 * removed (bq_distinct_first). True when the call was rewritten.
 */
function distinctInOrder(tokens: Token[], fn: number, open: number, out: string[]): boolean {
  const p = aggregateParts(tokens, open);
  if (p.close < 0 || p.distinct < 0 || p.order >= 0) return false;
  const string = isWord(tokens[fn], 'STRING_AGG');
  if (string && p.limit >= 0) return false;
  out[p.distinct] = '';
  if (!string) {
    out[fn] = 'bq_distinct_first(ARRAY_AGG';
    out[p.close] = `${out[p.close]})`;
    return true;
  }
  const end = p.limit >= 0 ? p.limit : p.close;
  let sep = "','";
  if (p.comma >= 0) {
    sep = out.slice(p.comma + 1, end).join('');
    for (let m = p.comma; m < end; m++) out[m] = '';
  }
  out[fn] = 'bq_string_agg_list(ARRAY_AGG';
  out[p.close] = `${out[p.close]}, ${sep})`;
  return true;
}

/**
 * AGG(DISTINCT x[, args]) for an aggregate the transpiler loses DISTINCT of (BIT_XOR) or one that is a macro
 * (APPROX_QUANTILES): the distinct values as a list, handed to `head … tail`.
 */
function distinctOverList(
  tokens: Token[],
  fn: number,
  open: number,
  out: string[],
  head: string,
  tail: string,
): void {
  const p = aggregateParts(tokens, open);
  if (p.close < 0 || p.distinct < 0 || p.order >= 0 || p.limit >= 0) return;
  out[fn] = head;
  if (p.comma >= 0) {
    out[p.comma] = `)${out[p.comma]}`;
    out[p.close] = `${tail}${out[p.close]}`;
  } else out[p.close] = `)${tail}${out[p.close]}`;
}

/** ARRAY_CONCAT_AGG(x [ORDER BY …] LIMIT n): LIMIT counts arrays, so slice the list of arrays before concatenating. */
function arrayConcatAggLimit(tokens: Token[], fn: number, open: number, out: string[]): void {
  const p = aggregateParts(tokens, open);
  const n = nextSig(tokens, p.limit + 1);
  if (p.close < 0 || p.limit < 0 || !isWord(tokens[p.limit], 'LIMIT') || tokens[n]?.kind !== 'number') return;
  for (let m = p.limit; m <= n; m++) out[m] = '';
  out[fn] = 'bq_concat_arrays(list_slice(ARRAY_AGG';
  out[p.close] = `${out[p.close]}, 1, ${(tokens[n] as Token).text}))`;
}

const WEEKDAYS = ['SUNDAY', 'MONDAY', 'TUESDAY', 'WEDNESDAY', 'THURSDAY', 'FRIDAY', 'SATURDAY'];

/**
 * EXTRACT(part FROM x) where GoogleSQL and DuckDB disagree: DAYOFWEEK is 1-7 from Sunday (DuckDB 0-6), WEEK and
 * WEEK(<day>) count weeks starting on that day with week 0 before the first one (DuckDB's WEEK is ISO), ISOWEEK is
 * DuckDB's WEEK, DATE/TIME/DATETIME are casts.
 */
function extractPart(tokens: Token[], fn: number, open: number, out: string[]): void {
  const close = matchClose(tokens, open);
  const p = nextSig(tokens, open + 1);
  const pt = tokens[p];
  if (close < 0 || pt?.kind !== 'ident') return;
  let part = pt.text.toUpperCase();
  let from = nextSig(tokens, p + 1);
  let weekday = 0;
  if (part === 'WEEK' && isPunct(tokens[from], '(')) {
    const c = matchClose(tokens, from);
    weekday = Math.max(0, WEEKDAYS.indexOf((tokens[nextSig(tokens, from + 1)]?.text ?? '').toUpperCase()));
    for (let m = from; m <= c; m++) out[m] = '';
    from = nextSig(tokens, c + 1);
  }
  const ft = tokens[from];
  if (ft?.kind !== 'ident' || ft.text.toUpperCase() !== 'FROM') return;
  const clear = () => {
    for (let m = open; m <= from; m++) out[m] = '';
  };
  switch (part) {
    case 'DAYOFWEEK':
      out[fn] = `(${out[fn]}`;
      out[close] = `${out[close]} + 1)`;
      return;
    case 'ISOWEEK':
      out[p] = 'WEEK';
      return;
    case 'WEEK':
      clear();
      out[fn] = 'bq_week(';
      out[close] = `, ${weekday})`;
      return;
    case 'DATE':
    case 'TIME':
    case 'DATETIME':
      clear();
      part = part === 'DATE' ? 'bq_date' : part === 'TIME' ? 'bq_time' : 'bq_datetime';
      out[fn] = `${part}(`;
      return;
  }
}

/** JSONPath `$['a.b']` (BigQuery's legacy JSON functions) → `$."a.b"` (DuckDB). */
function jsonPathArg(tokens: Token[], _fn: number, open: number, out: string[]): void {
  const arg = callArgs(tokens, open)[1];
  if (!arg) return;
  const k = nextSig(tokens, arg[0]);
  const t = tokens[k];
  if (t?.kind !== 'string' || out[k] !== t.text || /^[bB]/.test(t.text)) return;
  const path = decodeStringLiteral(t, '');
  out[k] = encodeStringLiteral(path.replace(/\['([^']*)'\]/g, '."$1"').replace(/\["([^"]*)"\]/g, '."$1"'));
}

/** STRING_AGG(x, sep [ORDER BY ...] LIMIT n) → array_to_string(list_slice(ARRAY_AGG(x [ORDER BY ...]), 1, n), sep). */
function stringAggLimit(tokens: Token[], fn: number, open: number, out: string[]): void {
  const close = matchClose(tokens, open);
  let depth = 0;
  let comma = -1;
  let orderAt = -1;
  for (let k = open + 1; k < close; k++) {
    const t = tokens[k] as Token;
    if (isPunct(t, '(') || isPunct(t, '[')) depth++;
    else if (isPunct(t, ')') || isPunct(t, ']')) depth--;
    else if (depth !== 0) continue;
    else if (isPunct(t, ',') && comma < 0) comma = k;
    else if (t.kind === 'ident' && t.text.toUpperCase() === 'ORDER' && orderAt < 0) orderAt = k;
    else if (t.kind === 'ident' && t.text.toUpperCase() === 'LIMIT') {
      const n = nextSig(tokens, k + 1);
      const nt = tokens[n];
      if (nt?.kind !== 'number') return;
      const sepEnd = orderAt > comma ? orderAt : k;
      let sep = "','";
      if (comma >= 0) {
        sep = out.slice(comma + 1, sepEnd).join('');
        for (let m = comma; m < sepEnd; m++) out[m] = '';
        out[comma] = ' ';
      }
      for (let m = k; m <= n; m++) out[m] = '';
      out[fn] = 'array_to_string(list_slice(ARRAY_AGG';
      out[close] = `${out[close]}, 1, ${nt.text}), ${sep})`;
      return;
    }
  }
}

/** ARRAY_AGG(x ... LIMIT n): DuckDB has no LIMIT inside aggregates, so slice the result. */
function aggregateLimit(tokens: Token[], fn: number, open: number, out: string[]): void {
  const close = matchClose(tokens, open);
  let depth = 0;
  for (let k = open + 1; k < close; k++) {
    const t = tokens[k] as Token;
    if (isPunct(t, '(') || isPunct(t, '[')) depth++;
    else if (isPunct(t, ')') || isPunct(t, ']')) depth--;
    else if (depth === 0 && t.kind === 'ident' && t.text.toUpperCase() === 'LIMIT') {
      const n = nextSig(tokens, k + 1);
      const nt = tokens[n];
      if (nt?.kind !== 'number') return;
      for (let m = k; m <= n; m++) out[m] = '';
      out[fn] = `list_slice(${out[fn]}`;
      out[close] = `${out[close]}, 1, ${nt.text})`;
      return;
    }
  }
}

/**
 * `NET.fn(...)`: the macro each GoogleSQL NET function becomes, or why the local warehouse refuses it. The sandbox
 * accepts exactly these names and the rewrite emits exactly these macros (a test checks each is defined).
 */
export const NET_FUNCTIONS: Record<string, { macro: string } | { unsupported: string }> = {
  HOST: { macro: 'bq_net_host' },
  IP_FROM_STRING: { macro: 'bq_net_ip_from_string' },
  SAFE_IP_FROM_STRING: { macro: 'bq_net_safe_ip_from_string' },
  IP_TO_STRING: { macro: 'bq_net_ip_to_string' },
  IP_NET_MASK: { macro: 'bq_net_ip_net_mask' },
  IP_TRUNC: { macro: 'bq_net_ip_trunc' },
  IPV4_FROM_INT64: { macro: 'bq_net_ipv4_from_int64' },
  IPV4_TO_INT64: { macro: 'bq_net_ipv4_to_int64' },
  // the deprecated forms: packed = BYTES, plain = an IPv4 address as INT64
  PARSE_PACKED_IP: { macro: 'bq_net_ip_from_string' },
  FORMAT_PACKED_IP: { macro: 'bq_net_ip_to_string' },
  PARSE_IP: { macro: 'bq_net_parse_ip' },
  FORMAT_IP: { macro: 'bq_net_format_ip' },
  PUBLIC_SUFFIX: { unsupported: 'it needs the Public Suffix List, which the local warehouse does not carry' },
  REG_DOMAIN: { unsupported: 'it needs the Public Suffix List, which the local warehouse does not carry' },
  IP_IN_NET: { unsupported: 'not implemented' },
  MAKE_NET: { unsupported: 'not implemented' },
};

/**
 * Each value these macros name twice is bound once, as the element of a one-element list a lambda reads
 * (`list_transform([x], v -> …)[1]`): a macro body that repeats a macro call repeats its whole expansion, and nested
 * repetitions made the plan of one IPv6 round trip take seconds.
 */
const NET_MACROS = [
  // IPv4 dotted quad → 4 bytes, NULL when it is not one
  `CREATE OR REPLACE TEMP MACRO bq_net_v4(s) AS CASE
     WHEN regexp_full_match(s, '[0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}[.][0-9]{1,3}')
       AND list_max(list_transform(string_split(s, '.'), x -> CAST(x AS INTEGER))) <= 255
     THEN unhex(array_to_string(list_transform(string_split(s, '.'), x -> printf('%02x', CAST(x AS INTEGER))), '')) END`,
  `CREATE OR REPLACE TEMP MACRO bq_net_words(s) AS CASE WHEN s = '' THEN [] ELSE string_split(s, ':') END`,
  // IPv6 text (no embedded IPv4 part) → its 8 hex groups with :: expanded; anything else is not 8 groups
  `CREATE OR REPLACE TEMP MACRO bq_net_v6_groups(s) AS CASE
     WHEN s LIKE '%::%::%' THEN NULL
     WHEN s LIKE '%::%' THEN list_transform(
       [{'l': bq_net_words(split_part(s, '::', 1)), 'r': bq_net_words(split_part(s, '::', 2))}],
       p -> list_concat(p.l, list_transform(range(greatest(0, 8 - len(p.l) - len(p.r))), x -> '0'), p.r))[1]
     ELSE string_split(s, ':') END`,
  `CREATE OR REPLACE TEMP MACRO bq_net_v6(s) AS list_transform([bq_net_v6_groups(s)], g -> CASE
     WHEN len(g) = 8 AND len(list_filter(g, x -> NOT regexp_full_match(x, '[0-9a-fA-F]{1,4}'))) = 0
     THEN unhex(array_to_string(list_transform(g, x -> lpad(x, 4, '0')), '')) END)[1]`,
  // an IPv6 address may end in an IPv4 one (`::ffff:192.0.2.128`): its two last groups in dotted form
  `CREATE OR REPLACE TEMP MACRO bq_net_v4_tail(s) AS CASE WHEN regexp_matches(s, ':[0-9]+[.][0-9.]*$')
     THEN list_transform([{'p': regexp_replace(s, '[^:]*$', ''), 'v': hex(bq_net_v4(regexp_replace(s, '^.*:', '')))}],
       x -> CASE WHEN x.v IS NULL THEN 'x' ELSE x.p || substr(x.v, 1, 4) || ':' || substr(x.v, 5, 4) END)[1]
     ELSE s END`,
  `CREATE OR REPLACE TEMP MACRO bq_net_parse(s) AS CASE WHEN s LIKE '%:%' THEN bq_net_v6(bq_net_v4_tail(s)) ELSE bq_net_v4(s) END`,
  `CREATE OR REPLACE TEMP MACRO bq_net_safe_ip_from_string(s) AS bq_net_parse(s)`,
  `CREATE OR REPLACE TEMP MACRO bq_net_ip_from_string(s) AS list_transform([{'s': s, 'v': bq_net_parse(s)}], p -> CASE
     WHEN bq_fail_if(p.s IS NOT NULL AND p.v IS NULL, 'NET.IP_FROM_STRING() encountered an unparseable IP-address: ' || p.s)
     THEN NULL ELSE p.v END)[1]`,
  // 16 bytes → groups without leading zeros; the longest run of two or more zero groups (the first of equals) is ::
  `CREATE OR REPLACE TEMP MACRO bq_net_groups(b) AS
     list_transform(range(8), i -> coalesce(nullif(ltrim(lower(substr(hex(b), 4 * i + 1, 4)), '0'), ''), '0'))`,
  // the longest zero run as run * 16 + (15 - start), so the maximum is the longest and, among equals, the first
  `CREATE OR REPLACE TEMP MACRO bq_net_best_run(g) AS list_max(list_transform(range(8), i ->
     coalesce(list_position(list_transform(list_slice(g, i + 1, 8), x -> x <> '0'), true) - 1, 8 - i) * 16 + (15 - i)))`,
  `CREATE OR REPLACE TEMP MACRO bq_net_v6_text(g) AS list_transform([{'g': g, 'r': bq_net_best_run(g)}], p ->
     CASE WHEN p.r // 16 < 2 THEN array_to_string(p.g, ':')
     ELSE array_to_string(list_slice(p.g, 1, 15 - p.r % 16), ':') || '::'
       || array_to_string(list_slice(p.g, 15 - p.r % 16 + p.r // 16 + 1, 8), ':') END)[1]`,
  `CREATE OR REPLACE TEMP MACRO bq_net_ip_to_string(b) AS CASE
     WHEN bq_fail_if(octet_length(b) NOT IN (4, 16), 'NET.IP_TO_STRING() encountered a non-IPv4/IPv6 address. Expected 4 or 16 bytes but got ' || octet_length(b))
     THEN NULL
     WHEN octet_length(b) = 4 THEN array_to_string(list_transform(range(4), i -> CAST(bq_byte_at(b, i) AS VARCHAR)), '.')
     WHEN substr(hex(b), 1, 24) = '00000000000000000000FFFF'
     THEN '::ffff:' || array_to_string(list_transform(range(12, 16), i -> CAST(bq_byte_at(b, i) AS VARCHAR)), '.')
     ELSE bq_net_v6_text(bq_net_groups(b)) END`,
  `CREATE OR REPLACE TEMP MACRO bq_net_parse_ip(s) AS CASE
     WHEN bq_fail_if(s IS NOT NULL AND bq_net_v4(s) IS NULL, 'NET.PARSE_IP() encountered an unparseable IPv4 address: ' || s)
     THEN NULL ELSE CAST('0x' || hex(bq_net_v4(s)) AS BIGINT) END`,
  `CREATE OR REPLACE TEMP MACRO bq_net_format_ip(v) AS CASE
     WHEN bq_fail_if(v < 0 OR v > 4294967295, 'NET.FORMAT_IP() encountered a value out of the IPv4 range: ' || v) THEN NULL
     ELSE bq_net_ip_to_string(unhex(printf('%08x', v))) END`,
  // the host of a URL: scheme, user info, port, path, query and fragment removed; case and IDN text kept
  `CREATE OR REPLACE TEMP MACRO bq_net_host_part(a) AS CASE WHEN a LIKE '[%]%' THEN regexp_extract(a, '^\\[[^\\]]*\\]')
     ELSE split_part(a, ':', 1) END`,
  `CREATE OR REPLACE TEMP MACRO bq_net_authority(u) AS regexp_replace(
     regexp_extract(regexp_replace(regexp_replace(u, '^[A-Za-z][A-Za-z0-9+.-]*://', ''), '^//', ''), '^[^/?#]*'), '^.*@', '')`,
  `CREATE OR REPLACE TEMP MACRO bq_net_host(u) AS nullif(bq_net_host_part(bq_net_authority(trim(u))), '')`,
];

/** GoogleSQL functions DuckDB has under another name or shape. */
const SMALL_FUNCTIONS = [
  `CREATE OR REPLACE TEMP MACRO bq_is_nan(x) AS isnan(CAST(x AS DOUBLE))`,
  `CREATE OR REPLACE TEMP MACRO bq_is_inf(x) AS isinf(CAST(x AS DOUBLE))`,
  `CREATE OR REPLACE TEMP MACRO bq_array_first(a) AS CASE
     WHEN bq_fail_if(len(a) = 0, 'ARRAY_FIRST cannot get the first element of an empty array') THEN NULL ELSE a[1] END`,
  `CREATE OR REPLACE TEMP MACRO bq_array_last(a) AS CASE
     WHEN bq_fail_if(len(a) = 0, 'ARRAY_LAST cannot get the last element of an empty array') THEN NULL ELSE a[len(a)] END`,
  // vectors: equal lengths, no NULL element; cosine of a zero vector is undefined (an error)
  `CREATE OR REPLACE TEMP MACRO bq_vectors_ok(f, a, b) AS bq_fail_if(len(a) <> len(b),
       f || ': the two arrays must have the same length, got ' || len(a) || ' and ' || len(b))
     OR bq_fail_if(len(list_filter(list_concat(a, b), e -> e IS NULL)) > 0, f || ': the arrays cannot contain NULL elements')`,
  `CREATE OR REPLACE TEMP MACRO bq_cosine_distance(a, b) AS CASE WHEN bq_vectors_ok('COSINE_DISTANCE', a, b)
       OR bq_fail_if(list_max(list_transform(a, e -> abs(e))) = 0 OR list_max(list_transform(b, e -> abs(e))) = 0,
         'COSINE_DISTANCE: cannot compute the cosine distance of a zero vector')
     THEN NULL ELSE list_cosine_distance(CAST(a AS DOUBLE[]), CAST(b AS DOUBLE[])) END`,
  `CREATE OR REPLACE TEMP MACRO bq_euclidean_distance(a, b) AS CASE WHEN bq_vectors_ok('EUCLIDEAN_DISTANCE', a, b)
     THEN NULL ELSE list_distance(CAST(a AS DOUBLE[]), CAST(b AS DOUBLE[])) END`,
  // the number of boundaries at or below the point: 0 before the first, len(a) from the last on
  `CREATE OR REPLACE TEMP MACRO bq_range_bucket(p, a) AS CASE WHEN p IS NULL OR a IS NULL THEN NULL
     WHEN bq_fail_if(a <> list_sort(a), 'RANGE_BUCKET: the boundaries array must be sorted in ascending order') THEN NULL
     ELSE CAST(len(list_filter(a, e -> e <= p)) AS BIGINT) END`,
  `CREATE OR REPLACE TEMP MACRO bq_sec(x) AS 1 / cos(CAST(x AS DOUBLE))`,
  `CREATE OR REPLACE TEMP MACRO bq_csc(x) AS 1 / sin(CAST(x AS DOUBLE))`,
  `CREATE OR REPLACE TEMP MACRO bq_sech(x) AS 1 / cosh(CAST(x AS DOUBLE))`,
  `CREATE OR REPLACE TEMP MACRO bq_csch(x) AS 1 / sinh(CAST(x AS DOUBLE))`,
  `CREATE OR REPLACE TEMP MACRO bq_coth(x) AS cosh(CAST(x AS DOUBLE)) / sinh(CAST(x AS DOUBLE))`,
  `CREATE OR REPLACE TEMP MACRO bq_edit_distance(a, b) AS CAST(levenshtein(a, b) AS BIGINT)`,
];

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
  // space-padded to two characters: SPACE_PAD marks the number, bq_space_pad pads it after strftime
  '%e': '\u0001%-d',
  '%k': '\u0001%-H',
  '%l': '\u0001%-I',
  '%h': '%b',
  '%Z': 'UTC',
  '%Ez': '+00:00',
  '%Ey': '%Y',
  '%EY': '%Y',
  '%E4Y': '%Y',
  '%x': '%m/%d/%y',
  '%X': '%H:%M:%S',
  '%c': '%a %b %-d %H:%M:%S %Y',
  '%C': '%C',
};

export function convertFormat(f: string, parsing = false): string {
  return f.replace(/%(E[0-9*]S|E4Y|E[zyY]|.)/g, (m) => {
    if (parsing && m === '%Ez') return '%z';
    const e = FORMAT_ELEMENTS[m] ?? m;
    return parsing ? e.replace(SPACE_PAD, '') : e;
  });
}

/** Marks a number strftime prints unpadded that BigQuery pads with a space (%e, %k, %l); see bq_space_pad. */
export const SPACE_PAD = '\u0001';

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
const TRUNC_PARTS = "('MICROSECOND','MILLISECOND','SECOND','MINUTE','HOUR','DAY','MONTH','QUARTER','YEAR')";
const UNIT_US =
  "CASE part WHEN 'MICROSECOND' THEN 1 WHEN 'MILLISECOND' THEN 1000 WHEN 'SECOND' THEN 1000000 WHEN 'MINUTE' THEN 60000000 " +
  "WHEN 'HOUR' THEN 3600000000 WHEN 'DAY' THEN 86400000000 ELSE NULL END";

/** A JSON macro with the path argument optional (default '$'); DuckDB macros cannot call themselves. */
function jsonMacro(name: string, body: (path: string) => string): string {
  return `CREATE OR REPLACE TEMP MACRO ${name}(j) AS ${body("'$'")}, (j, p) AS ${body('p')}`;
}

/** REGEXP_INSTR(s, r, pos, occurrence, occurrence_position) from match and split lists. */
function regexpInstr(p: string, o: string, op: string): string {
  const sub = `substr(s, ${p})`;
  const lens = (list: string) => `coalesce(list_sum(list_transform(${list}, x -> length(x))), 0)`;
  return `CASE WHEN s IS NULL OR r IS NULL OR ${p} IS NULL OR ${o} IS NULL OR ${op} IS NULL THEN NULL
    WHEN ${p} > length(s) OR len(regexp_extract_all(${sub}, r)) < ${o} THEN 0
    ELSE ${p} - 1 + ${lens(`list_slice(regexp_split_to_array(${sub}, r), 1, ${o})`)}
      + ${lens(`list_slice(regexp_extract_all(${sub}, r), 1, ${o} - 1)`)} + 1
      + CASE WHEN ${op} = 1 THEN length(regexp_extract_all(${sub}, r)[${o}]) ELSE 0 END END`;
}

/** APPROX_TOP_COUNT / APPROX_TOP_SUM from a list aggregate `agg` (bound as l) and a per-key measure (k = the key). */
function topK(agg: string, measure: string, field: string, key = 'e'): string {
  const keys = `list_concat(list_distinct(list_transform(l, e -> ${key})), CASE WHEN len(list_filter(l, e -> ${key} IS NULL)) > 0 THEN [NULL] ELSE [] END)`;
  const scored = `list_transform(${keys}, k -> {'nn': (${measure}) IS NOT NULL, 'm': ${measure}, 'k': k})`;
  return `(SELECT list_transform(list_slice(list_sort(${scored}, 'DESC'), 1, n), e -> {'value': e.k, '${field}': e.m})
    FROM (SELECT ${agg} AS l))`;
}

const INITCAP_DELIMS = ` []{}()/|\\<>!?@"^#$&~_,.:;*%+-`;
/**
 * INITCAP: whitespace is a delimiter only in the default set, explicit delimiters replace it; a delimiter character
 * is kept as written (INITCAP('tHisEis', 'E') = 'ThisEIs').
 */
function initcap(delims: string, whitespace = true): string {
  const ws = whitespace ? ` OR regexp_matches(substr(s, i - 1, 1), '\\s')` : '';
  return `array_to_string(list_transform(range(1, length(s) + 1), i -> CASE
    WHEN ${delims} <> '' AND contains(${delims}, substr(s, i, 1)) THEN substr(s, i, 1)
    WHEN i = 1 OR contains(${delims}, substr(s, i - 1, 1)) ${ws} THEN upper(substr(s, i, 1)) ELSE lower(substr(s, i, 1)) END), '')`;
}

/** INSTR(s, sub, pos, occurrence): overlapping occurrences; a negative pos searches backwards from the end. */
function instr(p: string, o: string): string {
  const match = 'i -> substr(s, i, length(sub)) = sub';
  return `CASE WHEN s IS NULL OR sub IS NULL OR ${p} IS NULL OR ${o} IS NULL THEN NULL
    WHEN ${p} > 0 THEN coalesce(list_filter(range(${p}, length(s) - length(sub) + 2), ${match})[${o}], 0)
    ELSE coalesce(list_filter(list_reverse(range(1, least(length(s) + ${p} + 2, length(s) - length(sub) + 2))), ${match})[${o}], 0) END`;
}

/** A decimal number's text (digits, optional fraction and exponent) and a year 0001-9999, for the CAST macros. */
const DECIMAL_TEXT = '([0-9]+\\.?[0-9]*|\\.[0-9]+)(e[+-]?[0-9]+)?';
const YEAR = '([0-9]{3}[1-9]|[0-9]{2}[1-9][0-9]|[0-9][1-9][0-9]{2}|[1-9][0-9]{3})';

/**
 * Raising BigQuery's errors. DuckDB's error() is volatile, which TRY (our SAFE. prefix) refuses and the optimizer
 * cannot fold, so a failed check raises by casting the marked message to BOOLEAN instead; src/errors.ts turns DuckDB's
 * "Could not convert string '<marker>message' to BOOL" back into the message. A NULL message raises nothing: the
 * operators below build it from their operands, so NULL / 0 is NULL as in BigQuery.
 */
const N = 'DECIMAL(38, 9)';
const BN_NAME = 'DECIMAL(38,18)';
const P9 = 'CAST(1000000000 AS HUGEINT)';

const RAISING_MACROS: string[] = [
  `CREATE OR REPLACE TEMP MACRO bq_raise(m) AS CAST('${RAISE_MARKER}' || m AS BOOLEAN)`,
  `CREATE OR REPLACE TEMP MACRO bq_fail_if(c, m) AS CASE WHEN c THEN bq_raise(m) ELSE false END`,
  // + - * of finite FLOAT64 values that is ±Infinity (./float-overflow.ts); folded away for any other type
  `CREATE OR REPLACE TEMP MACRO bq_finite(x) AS isfinite(TRY_CAST(x AS DOUBLE)) IS NOT FALSE`,
  `CREATE OR REPLACE TEMP MACRO bq_double_check(r, finite_args, m) AS
     CASE WHEN typeof(r) <> 'DOUBLE' OR isfinite(TRY_CAST(r AS DOUBLE)) IS NOT FALSE OR NOT finite_args THEN r
       WHEN bq_raise(m) THEN r ELSE r END`,
  // NUMERIC (DECIMAL(38, 9)) and BIGNUMERIC (DECIMAL(38, 18)) `/` and DIV stay exact and keep their type, as in BigQuery
  // (DuckDB's DECIMAL division answers DOUBLE). Typed overloads pick the variant while binding; the digits come from
  // HUGEINT arithmetic on the unscaled values, rounded half away from zero. A value HUGEINT cannot hold fails.
  `CREATE OR REPLACE TEMP MACRO bq_unscaled(x, p) AS
     CAST(trunc(x) AS HUGEINT) * p + CAST((x - trunc(x)) * p AS HUGEINT)`,
  `CREATE OR REPLACE TEMP MACRO bq_exact_quot(ua, ub, p) AS
     (abs(ua) // abs(ub)) * p + (abs(ua) % abs(ub)) * p // abs(ub)
       + CASE WHEN 2 * ((abs(ua) % abs(ub)) * p % abs(ub)) >= abs(ub) THEN 1 ELSE 0 END`,
  `CREATE OR REPLACE TEMP MACRO bq_scaled_text(q, neg, p, s) AS
     CASE WHEN neg AND q <> 0 THEN '-' ELSE '' END || CAST(q // p AS VARCHAR) || '.' || lpad(CAST(q % p AS VARCHAR), s, '0')`,
  // the quotient leaves NUMERIC (29 integer digits); the remainder step needs |b| * 1e9 < 2^127 unscaled, i.e. |b| < 1e20
  `CREATE OR REPLACE TEMP MACRO bq_numeric_quot(a, b) AS CASE
     WHEN bq_fail_if(abs(b) >= CAST('1e20' AS ${N}), 'NUMERIC division by 1e20 or more is not supported by the local warehouse')
       THEN NULL
     WHEN bq_fail_if(abs(a) >= abs(b) * CAST('1e29' AS DOUBLE), 'numeric overflow: ' || a || ' / ' || b) THEN NULL
     ELSE CAST(bq_scaled_text(
     bq_exact_quot(bq_unscaled(a, ${P9}), bq_unscaled(b, ${P9}), ${P9}), (a < 0) <> (b < 0), ${P9}, 9) AS ${N}) END`,
  // overloads cannot tell DECIMAL scales apart (a BIGNUMERIC argument would be rounded to NUMERIC), so the operands'
  // type names come along (constants once bound) and a BIGNUMERIC operand fails instead
  `CREATE OR REPLACE TEMP MACRO bq_not_bignumeric(ta, tb) AS
     bq_fail_if(ta = '${BN_NAME}' OR tb = '${BN_NAME}', 'BIGNUMERIC division is not supported by the local warehouse')`,
  `CREATE OR REPLACE TEMP MACRO bq_quot(a DOUBLE, b DOUBLE, ta, tb) AS
       bq_double_check(a / b, bq_finite(a), 'double overflow: ' || a || ' / ' || b),
     (a INTERVAL, b DOUBLE, ta, tb) AS a / b,
     (a ${N}, b ${N}, ta, tb) AS CASE WHEN bq_not_bignumeric(ta, tb) THEN NULL ELSE bq_numeric_quot(a, b) END`,
  // DIV truncates toward zero; on NUMERIC the unscaled values (same scale) give the same integer quotient
  `CREATE OR REPLACE TEMP MACRO bq_int_quot(a BIGINT, b BIGINT, ta, tb) AS a // b,
     (a ${N}, b ${N}, ta, tb) AS CASE WHEN bq_not_bignumeric(ta, tb) THEN NULL
       ELSE CAST(bq_unscaled(a, ${P9}) // bq_unscaled(b, ${P9}) AS ${N}) END`,
  // x / y (also on integers: FLOAT64 in both), DIV (`//` after transpiling), MOD (`%`); see ./arith.ts
  // the same without the typed dispatch, for operands whose type DuckDB only knows after binding the macro (aggregates,
  // windows, subqueries, lambda parameters: a typed overload cannot be chosen for them); ./arith.ts picks which
  `CREATE OR REPLACE TEMP MACRO bq_divide_any(a, b) AS
     CASE WHEN bq_fail_if(b = 0, 'division by zero: ' || a || ' / 0') THEN NULL ELSE a / b END`,
  `CREATE OR REPLACE TEMP MACRO bq_div_any(a, b) AS
     CASE WHEN bq_fail_if(b = 0, 'division by zero: DIV(' || a || ', 0)') THEN NULL ELSE a // b END`,
  `CREATE OR REPLACE TEMP MACRO bq_divide(a, b) AS
     CASE WHEN bq_fail_if(b = 0, 'division by zero: ' || a || ' / 0') THEN NULL ELSE bq_quot(a, b, typeof(a), typeof(b)) END`,
  `CREATE OR REPLACE TEMP MACRO bq_div(a, b) AS
     CASE WHEN bq_fail_if(b = 0, 'division by zero: DIV(' || a || ', 0)') THEN NULL ELSE bq_int_quot(a, b, typeof(a), typeof(b)) END`,
  // MOD(x, -1) is 0 in BigQuery; DuckDB's % overflows on MIN_INT64 % -1
  `CREATE OR REPLACE TEMP MACRO bq_mod(a, b) AS
     CASE WHEN bq_fail_if(b = 0, 'division by zero: MOD(' || a || ', 0)') THEN NULL WHEN b = -1 THEN a % 1 ELSE a % b END`,
  // deeply nested dividends (./arith.ts DEEP): bound once, as the lambda's parameter, so the plan does not double
  ...['bq_divide', 'bq_div', 'bq_mod'].map(
    (m) =>
      // both operands go into the list: a lambda's body may not hold subqueries (`a / (SELECT n)` is common)
      `CREATE OR REPLACE TEMP MACRO ${m}_deep(a, b) AS
         list_transform([{'dp_a': a, 'dp_b': b}], dp_ops -> ${m === 'bq_mod' ? m : `${m}_any`}(dp_ops.dp_a, dp_ops.dp_b))[1]`,
  ),
  // SUM over INT64 is HUGEINT in DuckDB; BigQuery's INT64 SUM fails once it leaves INT64
  `CREATE OR REPLACE TEMP MACRO bq_int64_sum(s) AS CASE WHEN bq_fail_if(typeof(s) = 'HUGEINT'
       AND TRY_CAST(CAST(s AS VARCHAR) AS BIGINT) IS NULL, 'int64 overflow: SUM of INT64 values is ' || s) THEN NULL ELSE s END`,
  // a floating-point function whose result is Infinity or NaN for finite arguments is an error in BigQuery
  `CREATE OR REPLACE TEMP MACRO bq_fp_check(r, finite_args, call) AS
     CASE WHEN bq_fail_if(NOT isfinite(r) AND finite_args, 'Floating point error in function: ' || call) THEN NULL ELSE r END`,
  `CREATE OR REPLACE TEMP MACRO bq_pow(x, y) AS
     bq_fp_check(power(x, y), isfinite(x) AND isfinite(y), 'POW(' || x || ', ' || y || ')')`,
  `CREATE OR REPLACE TEMP MACRO bq_exp(x) AS bq_fp_check(exp(x), isfinite(x), 'EXP(' || x || ')')`,
  `CREATE OR REPLACE TEMP MACRO bq_cosh(x) AS bq_fp_check(cosh(x), isfinite(x), 'COSH(' || x || ')')`,
  `CREATE OR REPLACE TEMP MACRO bq_sinh(x) AS bq_fp_check(sinh(x), isfinite(x), 'SINH(' || x || ')')`,
  `CREATE OR REPLACE TEMP MACRO bq_acosh(x) AS bq_fp_check(acosh(x), isfinite(x), 'ACOSH(' || x || ')')`,
  `CREATE OR REPLACE TEMP MACRO bq_atanh(x) AS
     CASE WHEN bq_fail_if(abs(x) >= 1, 'Floating point error in function: ATANH(' || x || ')') THEN NULL ELSE atanh(x) END`,
  `CREATE OR REPLACE TEMP MACRO bq_sqrt(x) AS
     CASE WHEN bq_fail_if(x < 0, 'Argument to SQRT cannot be negative: ' || x) THEN NULL ELSE sqrt(x) END`,
  `CREATE OR REPLACE TEMP MACRO bq_ln(x) AS
     CASE WHEN bq_fail_if(x <= 0, 'Floating point error in function: LN(' || x || ')') THEN NULL ELSE ln(x) END`,
  `CREATE OR REPLACE TEMP MACRO bq_log10(x) AS
     CASE WHEN bq_fail_if(x <= 0, 'Floating point error in function: LOG10(' || x || ')') THEN NULL ELSE log10(x) END`,
  // LOG(x) is LN(x); LOG(x, base) fails for x <= 0, base <= 0 and base = 1
  `CREATE OR REPLACE TEMP MACRO bq_log(x) AS bq_ln(x), (x, b) AS CASE WHEN bq_fail_if(x <= 0 OR b <= 0 OR b = 1,
       'Floating point error in function: LOG(' || x || ', ' || b || ')') THEN NULL ELSE ln(x) / ln(b) END`,
  // SAFE_ADD & co. are NULL where the operator would fail
  // FLOAT64 overflow is NULL here too (a non-finite result of finite operands)
  `CREATE OR REPLACE TEMP MACRO bq_double_null(r, a, b) AS
     CASE WHEN typeof(r) <> 'DOUBLE' OR bq_finite(r) OR NOT (bq_finite(a) AND bq_finite(b)) THEN r END`,
  `CREATE OR REPLACE TEMP MACRO bq_safe_add(a, b) AS bq_double_null(TRY(a + b), a, b)`,
  `CREATE OR REPLACE TEMP MACRO bq_safe_subtract(a, b) AS bq_double_null(TRY(a - b), a, b)`,
  `CREATE OR REPLACE TEMP MACRO bq_safe_multiply(a, b) AS bq_double_null(TRY(a * b), a, b)`,
  `CREATE OR REPLACE TEMP MACRO bq_safe_negate(a) AS TRY(-a)`,
  `CREATE OR REPLACE TEMP MACRO bq_safe_divide(a, b) AS CASE WHEN b = 0 THEN NULL ELSE bq_double_null(a / b, a, b) END`,
  // CAST (rewrite.ts CAST_MACROS): strings are checked as BigQuery parses them; typeof() picks the branch, which the
  // optimizer folds. Floats round halves away from zero (DuckDB's cast rounds to even); other types cast exactly.
  `CREATE OR REPLACE TEMP MACRO bq_string_to_int64(s) AS CASE
     WHEN bq_fail_if(NOT regexp_full_match(s, '\\s*[+-]?(0[xX][0-9a-fA-F]+|[0-9]+)\\s*'), 'Bad int64 value: ' || s) THEN NULL
     WHEN regexp_full_match(s, '\\s*-0[xX].*') THEN -CAST(replace(s, '-', '') AS BIGINT) ELSE CAST(s AS BIGINT) END`,
  `CREATE OR REPLACE TEMP MACRO bq_cast_int64(x) AS CASE
     WHEN typeof(x) IN ('DOUBLE', 'FLOAT') THEN CAST(round(TRY_CAST(x AS DOUBLE)) AS BIGINT)
     WHEN typeof(x) = 'VARCHAR' THEN bq_string_to_int64(CAST(x AS VARCHAR)) ELSE CAST(x AS BIGINT) END`,
  `CREATE OR REPLACE TEMP MACRO bq_cast_bool(x) AS CASE WHEN typeof(x) = 'VARCHAR' THEN
       (CASE WHEN bq_fail_if(lower(CAST(x AS VARCHAR)) NOT IN ('true', 'false'), 'Bad bool value: ' || x) THEN NULL
        ELSE lower(CAST(x AS VARCHAR)) = 'true' END)
     ELSE CAST(x AS BOOLEAN) END`,
  `CREATE OR REPLACE TEMP MACRO bq_cast_float64(x) AS CASE WHEN typeof(x) = 'VARCHAR' THEN
       (CASE WHEN bq_fail_if(NOT regexp_full_match(CAST(x AS VARCHAR), '(?i)\\s*[+-]?(${DECIMAL_TEXT}|inf|infinity|nan)\\s*'),
          'Bad double value: ' || x) THEN NULL ELSE CAST(x AS DOUBLE) END)
     ELSE CAST(x AS DOUBLE) END`,
  `CREATE OR REPLACE TEMP MACRO bq_cast_numeric(x) AS CASE WHEN typeof(x) = 'VARCHAR' THEN
       (CASE WHEN bq_fail_if(NOT regexp_full_match(CAST(x AS VARCHAR), '(?i)\\s*[+-]?${DECIMAL_TEXT}\\s*'),
          'Invalid NUMERIC value: ' || x) THEN NULL ELSE CAST(x AS DECIMAL(38, 9)) END)
     ELSE CAST(x AS DECIMAL(38, 9)) END`,
  `CREATE OR REPLACE TEMP MACRO bq_cast_bignumeric(x) AS CASE WHEN typeof(x) = 'VARCHAR' THEN
       (CASE WHEN bq_fail_if(NOT regexp_full_match(CAST(x AS VARCHAR), '(?i)\\s*[+-]?${DECIMAL_TEXT}\\s*'),
          'Invalid BIGNUMERIC value: ' || x) THEN NULL ELSE CAST(x AS DECIMAL(38, 18)) END)
     ELSE CAST(x AS DECIMAL(38, 18)) END`,
  // dates and timestamps start with a 4-digit year from 0001 (DuckDB also takes 'infinity', 'epoch', years 0 and 10000+)
  `CREATE OR REPLACE TEMP MACRO bq_cast_date(x) AS CASE WHEN typeof(x) = 'VARCHAR' THEN
       (CASE WHEN bq_fail_if(NOT regexp_full_match(CAST(x AS VARCHAR), '\\s*${YEAR}-[0-9]{1,2}-[0-9]{1,2}\\s*'),
          'Invalid date: ''' || x || '''') THEN NULL ELSE CAST(x AS DATE) END)
     ELSE CAST(x AS DATE) END`,
  `CREATE OR REPLACE TEMP MACRO bq_cast_timestamp(x) AS CASE WHEN typeof(x) = 'VARCHAR' THEN
       (CASE WHEN bq_fail_if(NOT regexp_matches(CAST(x AS VARCHAR), '^\\s*${YEAR}-[0-9]{1,2}-[0-9]{1,2}([ Tt][0-9]|\\s*$)'),
          'Invalid timestamp: ''' || x || '''') THEN NULL ELSE CAST(x AS TIMESTAMPTZ) END)
     ELSE CAST(x AS TIMESTAMPTZ) END`,
];

export const DUCKDB_MACROS: string[] = [
  ...RAISING_MACROS,
  `CREATE OR REPLACE TEMP MACRO bq_offset(a, i) AS CASE WHEN a IS NULL OR i IS NULL THEN NULL
     WHEN i < 0 OR i >= len(a) THEN error('Array index ' || i || ' is out of bounds (overflow)') ELSE a[i + 1] END`,
  `CREATE OR REPLACE TEMP MACRO bq_ordinal(a, i) AS CASE WHEN a IS NULL OR i IS NULL THEN NULL
     WHEN i < 1 OR i > len(a) THEN error('Array index ' || i || ' is out of bounds (overflow)') ELSE a[i] END`,
  `CREATE OR REPLACE TEMP MACRO bq_week(d, wd) AS CASE
     WHEN CAST(d AS DATE) < CAST(date_trunc('year', CAST(d AS DATE)) AS DATE) + CAST((wd - dayofweek(date_trunc('year', CAST(d AS DATE))) + 7) % 7 AS INTEGER) THEN 0
     ELSE (CAST(d AS DATE) - (CAST(date_trunc('year', CAST(d AS DATE)) AS DATE) + CAST((wd - dayofweek(date_trunc('year', CAST(d AS DATE))) + 7) % 7 AS INTEGER))) // 7 + 1 END`,
  `CREATE OR REPLACE TEMP MACRO bq_time(x TIMESTAMPTZ) AS CAST(CAST(x AS TIMESTAMP) AS TIME), (x) AS CAST(x AS TIME)`,
  `CREATE OR REPLACE TEMP MACRO bq_datetime(x) AS CAST(x AS TIMESTAMP)`,
  // DuckDB's DOUBLE division is IEEE 754: ±Infinity for x / 0, NaN for 0 / 0 and NaN / 0, NULL for NULL
  `CREATE OR REPLACE TEMP MACRO bq_ieee_divide(a, b) AS CAST(a AS DOUBLE) / CAST(b AS DOUBLE)`,
  `CREATE OR REPLACE TEMP MACRO bq_tz_offset_min(x, tz) AS
     CAST((epoch(CAST(timezone(tz, CAST(x AS TIMESTAMPTZ)) AS TIMESTAMP)) - epoch(CAST(x AS TIMESTAMPTZ))) // 60 AS BIGINT)`,
  `CREATE OR REPLACE TEMP MACRO bq_instr(s, sub) AS ${instr('1', '1')}, (s, sub, p) AS ${instr('p', '1')},
     (s, sub, p, o) AS ${instr('p', 'o')}`,
  `CREATE OR REPLACE TEMP MACRO bq_no_null_elements(l) AS CASE WHEN len(list_filter(l, e -> e IS NULL)) > 0
     THEN error('Array cannot have a null element; error in writing field') ELSE l END`,
  // FORMAT('%T'): the value as a GoogleSQL literal
  `CREATE OR REPLACE TEMP MACRO bq_byte_at(b, i) AS CAST('0x' || substr(hex(b), 2 * i + 1, 2) AS INTEGER)`,
  `CREATE OR REPLACE TEMP MACRO bq_sql_literal(x BLOB) AS 'b"' || array_to_string(list_transform(range(octet_length(x)), i ->
       CASE WHEN bq_byte_at(x, i) = 34 THEN '\\"' WHEN bq_byte_at(x, i) = 92 THEN '\\\\'
            WHEN bq_byte_at(x, i) BETWEEN 32 AND 126 THEN chr(bq_byte_at(x, i))
            ELSE '\\x' || lower(substr(hex(x), 2 * i + 1, 2)) END), '') || '"',
     (x VARCHAR) AS '"' || replace(replace(x, '\\', '\\\\'), '"', '\\"') || '"',
     (x) AS CAST(x AS VARCHAR)`,
  // NET.* for IPv4 and masks (IPv6 text forms are not implemented)
  `CREATE OR REPLACE TEMP MACRO bq_mask_byte(p, i) AS
     CASE WHEN p >= 8 * (i + 1) THEN 255 WHEN p <= 8 * i THEN 0 ELSE (255 << (8 - (p - 8 * i))) & 255 END`,
  `CREATE OR REPLACE TEMP MACRO bq_net_ip_net_mask(n, p) AS CASE WHEN n NOT IN (4, 16) OR p < 0 OR p > n * 8
       THEN error('NET.IP_NET_MASK: invalid output length or prefix length')
       ELSE unhex(array_to_string(list_transform(range(n), i -> printf('%02x', bq_mask_byte(p, i))), '')) END`,
  `CREATE OR REPLACE TEMP MACRO bq_net_ip_trunc(b, p) AS CASE WHEN octet_length(b) NOT IN (4, 16) OR p < 0 OR p > octet_length(b) * 8
       THEN error('NET.IP_TRUNC: invalid address length or prefix length')
       ELSE unhex(array_to_string(list_transform(range(octet_length(b)), i -> printf('%02x', bq_byte_at(b, i) & bq_mask_byte(p, i))), '')) END`,
  `CREATE OR REPLACE TEMP MACRO bq_net_ipv4_from_int64(v) AS CASE WHEN v < -2147483648 OR v > 4294967295
       THEN error('NET.IPV4_FROM_INT64: value out of range')
       ELSE unhex(printf('%08x', CASE WHEN v < 0 THEN v + 4294967296 ELSE v END)) END`,
  `CREATE OR REPLACE TEMP MACRO bq_net_ipv4_to_int64(b) AS CASE WHEN octet_length(b) <> 4
       THEN error('NET.IPV4_TO_INT64: the input must be 4 bytes') ELSE CAST('0x' || hex(b) AS BIGINT) END`,
  ...NET_MACROS,
  ...SMALL_FUNCTIONS,
  // GoogleSQL sorts NULLs first ascending and last descending
  `SET default_null_order = 'nulls_first_on_asc_last_on_desc'`,
  `CREATE OR REPLACE TEMP MACRO bq_zero(x) AS coalesce(x, 0)`,
  `CREATE OR REPLACE TEMP MACRO bq_regexp_replace(s, r, t) AS regexp_replace(s, r, t, 'g')`,
  `CREATE OR REPLACE TEMP MACRO bq_regexp_instr(s, r) AS ${regexpInstr('1', '1', '0')},
     (s, r, p) AS ${regexpInstr('p', '1', '0')}, (s, r, p, o) AS ${regexpInstr('p', 'o', '0')},
     (s, r, p, o, op) AS ${regexpInstr('p', 'o', 'op')}`,
  `CREATE OR REPLACE TEMP MACRO bq_initcap(s) AS ${initcap(`'${INITCAP_DELIMS.replace(/'/g, "''")}'`)},
     (s, d) AS CASE WHEN d IS NOT NULL THEN ${initcap('d', false)} END`,
  `CREATE OR REPLACE TEMP MACRO bq_code_points_to_bytes(a) AS unhex(array_to_string(list_transform(a, c -> printf('%02x', c)), ''))`,
  // a SPACE_PAD mark before one digit becomes a space, before two digits nothing
  `CREATE OR REPLACE TEMP MACRO bq_space_pad(r) AS
     replace(regexp_replace(r, chr(1) || '([0-9][0-9])', '\\1', 'g'), chr(1), ' ')`,
  // INTERVAL parts (months, days, microseconds) and JUSTIFY_*: whole days out of 24 hours, whole months out of 30
  // days, truncated toward zero so each part keeps its sign
  `CREATE OR REPLACE TEMP MACRO bq_iv_us(i) AS CAST(datepart('hour', i) AS BIGINT) * 3600000000
     + datepart('minute', i) * 60000000 + datepart('microseconds', i)`,
  `CREATE OR REPLACE TEMP MACRO bq_iv_make(m, d, us) AS
     to_months(CAST(m AS INTEGER)) + to_days(CAST(d AS INTEGER)) + to_microseconds(CAST(us AS BIGINT))`,
  `CREATE OR REPLACE TEMP MACRO bq_justify_hours(i) AS bq_iv_make(datepart('year', i) * 12 + datepart('month', i),
     datepart('day', i) + (bq_iv_us(i) - bq_iv_us(i) % 86400000000) // 86400000000, bq_iv_us(i) % 86400000000)`,
  `CREATE OR REPLACE TEMP MACRO bq_justify_days(i) AS bq_iv_make(
     datepart('year', i) * 12 + datepart('month', i) + (datepart('day', i) - datepart('day', i) % 30) // 30,
     datepart('day', i) % 30, bq_iv_us(i))`,
  `CREATE OR REPLACE TEMP MACRO bq_justify_interval(i) AS bq_justify_days(bq_justify_hours(i))`,
  `CREATE OR REPLACE TEMP MACRO bq_to_json(x) AS coalesce(to_json(x), JSON 'null')`,
  `CREATE OR REPLACE TEMP MACRO bq_group_digits(x) AS format('{:,}', CAST(x AS BIGINT))`,
  // first occurrences, in order (list_position finds the first equal element, NULL included)
  `CREATE OR REPLACE TEMP MACRO bq_distinct_first(l) AS list_filter(l, (e, i) -> list_position(l, e) = i)`,
  `CREATE OR REPLACE TEMP MACRO bq_string_agg_list(l, sep) AS CASE WHEN len(list_filter(l, e -> e IS NOT NULL)) > 0
     THEN array_to_string(bq_distinct_first(list_filter(l, e -> e IS NOT NULL)), sep) END`,
  `CREATE OR REPLACE TEMP MACRO bq_concat_arrays(l) AS flatten(list_filter(l, e -> e IS NOT NULL))`,
  `CREATE OR REPLACE TEMP MACRO bq_quantiles_of_list(l, n) AS
     list_aggregate(l, 'quantile_disc', list_transform(range(n + 1), i -> i / n))`,
  `CREATE OR REPLACE TEMP MACRO bq_approx_quantiles(x, n) AS quantile_disc(x, list_transform(range(n + 1), i -> i / n))`,
  // top-k over the aggregated list, NULL keys included (histogram() would drop them); ties by value, NULL sums last
  `CREATE OR REPLACE TEMP MACRO bq_approx_top_count(x, n) AS ${topK('list(x)', 'len(list_filter(l, e -> e IS NOT DISTINCT FROM k))', 'count')}`,
  `CREATE OR REPLACE TEMP MACRO bq_approx_top_sum(x, w, n) AS ${topK("list({'v': x, 'w': w})", 'list_sum(list_transform(list_filter(l, e -> e.v IS NOT DISTINCT FROM k), e -> e.w))', 'sum', 'e.v')}`,
  `CREATE OR REPLACE TEMP MACRO bq_to_bytes(x BLOB) AS x, (x VARCHAR) AS encode(x)`,
  // NFD, NFKC, NFKD and case folding through JavaScript (native.ts); DuckDB has NFC only
  `CREATE OR REPLACE TEMP MACRO bq_normalize(s) AS nfc_normalize(s), (s, mode) AS bq_js_normalize(s, mode)`,
  `CREATE OR REPLACE TEMP MACRO bq_normalize_and_casefold(s) AS bq_js_normalize_and_casefold(s, 'NFC'),
     (s, mode) AS bq_js_normalize_and_casefold(s, mode)`,
  `CREATE OR REPLACE TEMP MACRO bq_sha512(x BLOB) AS bq_js_sha512(x), (x VARCHAR) AS bq_js_sha512(encode(x))`,
  `CREATE OR REPLACE TEMP MACRO bq_farm_fingerprint(x BLOB) AS bq_js_farm_fingerprint(x),
     (x VARCHAR) AS bq_js_farm_fingerprint(encode(x))`,
  // JSON: BigQuery answers NULL (not an error) for malformed input, JSON null and type mismatches
  `CREATE OR REPLACE TEMP MACRO bq_json_at(j, p) AS CASE WHEN json_valid(CAST(j AS VARCHAR)) THEN json_extract(CAST(j AS VARCHAR), p) END`,
  jsonMacro(
    'bq_json_query',
    (p) => `CASE WHEN json_type(bq_json_at(j, ${p})) <> 'NULL' THEN bq_json_at(j, ${p}) END`,
  ),
  jsonMacro(
    'bq_json_value',
    (p) =>
      `CASE WHEN json_type(bq_json_at(j, ${p})) NOT IN ('OBJECT', 'ARRAY', 'NULL') THEN json_extract_string(bq_json_at(j, ${p}), '$') END`,
  ),
  jsonMacro(
    'bq_json_query_array',
    (p) =>
      `CASE WHEN json_type(bq_json_at(j, ${p})) = 'ARRAY' THEN from_json(bq_json_at(j, ${p}), '["JSON"]') END`,
  ),
  jsonMacro(
    'bq_json_value_array',
    (p) => `CASE WHEN json_type(bq_json_at(j, ${p})) = 'ARRAY'
       AND len(list_filter(from_json(bq_json_at(j, ${p}), '["JSON"]'), e -> json_type(e) IN ('OBJECT', 'ARRAY'))) = 0
     THEN list_transform(from_json(bq_json_at(j, ${p}), '["JSON"]'), e -> json_extract_string(e, '$')) END`,
  ),
  `CREATE OR REPLACE TEMP MACRO bq_json_bool(j) AS CAST(CAST(j AS VARCHAR) AS BOOLEAN)`,
  `CREATE OR REPLACE TEMP MACRO bq_json_float64(j) AS CAST(CAST(j AS VARCHAR) AS DOUBLE)`,
  `CREATE OR REPLACE TEMP MACRO bq_json_int64(j) AS CAST(CAST(j AS VARCHAR) AS BIGINT)`,
  `CREATE OR REPLACE TEMP MACRO bq_md5(x) AS unhex(md5(x))`,
  `CREATE OR REPLACE TEMP MACRO bq_sha1(x) AS unhex(sha1(x))`,
  `CREATE OR REPLACE TEMP MACRO bq_sha256(x) AS unhex(sha256(x))`,
  // STRING and BYTES share these names in BigQuery: typed macro overloads dispatch (BYTES work on their hex text)
  `CREATE OR REPLACE TEMP MACRO bq_byte_length(x BLOB) AS octet_length(x), (x VARCHAR) AS strlen(x)`,
  `CREATE OR REPLACE TEMP MACRO bq_length(x BLOB) AS octet_length(x), (x VARCHAR) AS length(x)`,
  `CREATE OR REPLACE TEMP MACRO bq_left(x BLOB, n) AS unhex(left(hex(x), 2 * n)), (x VARCHAR, n) AS left(x, n)`,
  `CREATE OR REPLACE TEMP MACRO bq_right(x BLOB, n) AS unhex(right(hex(x), 2 * n)), (x VARCHAR, n) AS right(x, n)`,
  `CREATE OR REPLACE TEMP MACRO bq_reverse(x BLOB) AS unhex(array_to_string(list_reverse(
       list_transform(range(octet_length(x)), i -> substr(hex(x), 2 * i + 1, 2))), '')),
     (x VARCHAR) AS reverse(x)`,
  `CREATE OR REPLACE TEMP MACRO bq_lpad(x BLOB, n) AS unhex(lpad(hex(x), CAST(2 * n AS INTEGER), '20')),
     (x VARCHAR, n) AS lpad(x, CAST(n AS INTEGER), ' '),
     (x BLOB, n, p BLOB) AS unhex(lpad(hex(x), CAST(2 * n AS INTEGER), hex(p))),
     (x VARCHAR, n, p VARCHAR) AS lpad(x, CAST(n AS INTEGER), p)`,
  `CREATE OR REPLACE TEMP MACRO bq_rpad(x BLOB, n) AS unhex(rpad(hex(x), CAST(2 * n AS INTEGER), '20')),
     (x VARCHAR, n) AS rpad(x, CAST(n AS INTEGER), ' '),
     (x BLOB, n, p BLOB) AS unhex(rpad(hex(x), CAST(2 * n AS INTEGER), hex(p))),
     (x VARCHAR, n, p VARCHAR) AS rpad(x, CAST(n AS INTEGER), p)`,
  `CREATE OR REPLACE TEMP MACRO bq_concat1(x) AS CAST(x AS VARCHAR)`,
  `CREATE OR REPLACE TEMP MACRO bq_parse_time(f, s) AS CAST(strptime('1970-01-01 ' || s, '%Y-%m-%d ' || f) AS TIME)`,
  `CREATE OR REPLACE TEMP MACRO bq_parse_numeric(s) AS CAST(trim(s) AS DECIMAL(38, 9))`,
  `CREATE OR REPLACE TEMP MACRO bq_date_from_unix_date(n) AS CAST(DATE '1970-01-01' + CAST(n AS INTEGER) AS DATE)`,
  `CREATE OR REPLACE TEMP MACRO bq_unix_date(d) AS CAST(CAST(d AS DATE) - DATE '1970-01-01' AS BIGINT)`,
  `CREATE OR REPLACE TEMP MACRO bq_to_code_points(s BLOB) AS
       coalesce(list_transform(range(octet_length(s)), i -> CAST(CAST('0x' || substr(hex(s), 2 * i + 1, 2) AS INTEGER) AS BIGINT)), []),
     (s VARCHAR) AS coalesce(list_transform(string_split(s, ''), c -> CAST(unicode(c) AS BIGINT)), [])`,
  // STRING(json) is the JSON string's value; STRING(timestamp, zone) the local time with its offset
  `CREATE OR REPLACE TEMP MACRO bq_string(x JSON) AS json_extract_string(x, '$'), (x) AS CAST(x AS VARCHAR),
     (x, tz) AS strftime(CAST(timezone(tz, CAST(x AS TIMESTAMPTZ)) AS TIMESTAMP), '%Y-%m-%d %H:%M:%S')
       || CASE WHEN bq_tz_offset_min(x, tz) < 0 THEN '-' ELSE '+' END
       || lpad(CAST(abs(bq_tz_offset_min(x, tz)) // 60 AS VARCHAR), 2, '0')
       || CASE WHEN abs(bq_tz_offset_min(x, tz)) % 60 = 0 THEN '' ELSE ':' || lpad(CAST(abs(bq_tz_offset_min(x, tz)) % 60 AS VARCHAR), 2, '0') END`,
  `CREATE OR REPLACE TEMP MACRO bq_code_points_to_string(a) AS CASE WHEN len(list_filter(a, c -> c IS NULL)) > 0 THEN NULL
     ELSE array_to_string(list_transform(a, c -> CASE WHEN c = 0 THEN '' ELSE chr(CAST(c AS INTEGER)) END), '') END`,
  `CREATE OR REPLACE TEMP MACRO bq_unicode(s) AS CASE WHEN s = '' THEN 0 ELSE unicode(s) END`,
  `CREATE OR REPLACE TEMP MACRO bq_chr(n) AS CASE WHEN n = 0 THEN '' ELSE chr(CAST(n AS INTEGER)) END`,
  // DATE_ADD / DATE_SUB / EXTRACT(DATE ...): BigQuery's DATE ends at 9999-12-31, DuckDB's goes on
  `CREATE OR REPLACE TEMP MACRO bq_date(x) AS CASE WHEN bq_fail_if(CAST(x AS DATE) NOT BETWEEN DATE '0001-01-01' AND
       DATE '9999-12-31', 'Date out of range: ' || CAST(x AS DATE)) THEN NULL ELSE CAST(x AS DATE) END`,
  `CREATE OR REPLACE TEMP MACRO bq_tstz(x) AS CAST(x AS TIMESTAMPTZ)`,
  `CREATE OR REPLACE TEMP MACRO bq_tstz_array(x) AS CAST(x AS TIMESTAMPTZ[])`,
  `CREATE OR REPLACE TEMP MACRO bq_weekday(part) AS CASE part WHEN 'WEEK(MONDAY)' THEN 1 WHEN 'WEEK(TUESDAY)' THEN 2
     WHEN 'WEEK(WEDNESDAY)' THEN 3 WHEN 'WEEK(THURSDAY)' THEN 4 WHEN 'WEEK(FRIDAY)' THEN 5 WHEN 'WEEK(SATURDAY)' THEN 6 ELSE 0 END`,
  // truncation of a naive TIMESTAMP to a BigQuery date part (WEEK = WEEK(SUNDAY), ISOWEEK, ISOYEAR included)
  `CREATE OR REPLACE TEMP MACRO bq_trunc(ts, part) AS CASE
     WHEN part LIKE 'WEEK%' THEN date_trunc('day', ts) - to_days(CAST((dayofweek(ts) - bq_weekday(part) + 7) % 7 AS INTEGER))
     WHEN part = 'ISOWEEK' THEN date_trunc('week', ts)
     WHEN part = 'ISOYEAR' THEN CAST(date_trunc('week', make_date(CAST(isoyear(ts) AS BIGINT), 1, 4)) AS TIMESTAMP)
     ELSE date_trunc(CASE WHEN part IN ${TRUNC_PARTS} THEN part ELSE 'DAY' END, ts) END`,
  `CREATE OR REPLACE TEMP MACRO bq_date_trunc(d, part) AS CAST(bq_trunc(CAST(CAST(d AS DATE) AS TIMESTAMP), part) AS DATE)`,
  `CREATE OR REPLACE TEMP MACRO bq_datetime_trunc(d, part) AS bq_trunc(CAST(d AS TIMESTAMP), part)`,
  `CREATE OR REPLACE TEMP MACRO bq_timestamp_trunc(t, part) AS CAST(bq_trunc(CAST(CAST(t AS TIMESTAMPTZ) AS TIMESTAMP), part) AS TIMESTAMPTZ),
     (t, part, tz) AS timezone(tz, bq_trunc(timezone(tz, CAST(t AS TIMESTAMPTZ)), part))`,
  `CREATE OR REPLACE TEMP MACRO bq_time_trunc(t, part) AS CAST(bq_trunc(CAST('1970-01-01' AS DATE) + CAST(t AS TIME), part) AS TIME)`,
  // DATE_DIFF/DATETIME_DIFF count part boundaries from DAY up; TIMESTAMP_DIFF and sub-day parts count whole elapsed units
  `CREATE OR REPLACE TEMP MACRO bq_boundaries(a, b, part) AS CASE
     WHEN part LIKE 'WEEK%' OR part = 'ISOWEEK' THEN (CAST(bq_trunc(a, part) AS DATE) - CAST(bq_trunc(b, part) AS DATE)) // 7
     WHEN part = 'ISOYEAR' THEN isoyear(a) - isoyear(b)
     WHEN part = 'DAY' THEN CAST(a AS DATE) - CAST(b AS DATE)
     WHEN part IN ('MONTH', 'QUARTER', 'YEAR') THEN date_diff(part, b, a)
     ELSE (epoch_us(a) - epoch_us(b)) // (${UNIT_US}) END`,
  `CREATE OR REPLACE TEMP MACRO bq_date_diff(a, b, part) AS bq_boundaries(CAST(CAST(a AS DATE) AS TIMESTAMP), CAST(CAST(b AS DATE) AS TIMESTAMP), part)`,
  `CREATE OR REPLACE TEMP MACRO bq_datetime_diff(a, b, part) AS bq_boundaries(CAST(a AS TIMESTAMP), CAST(b AS TIMESTAMP), part)`,
  `CREATE OR REPLACE TEMP MACRO bq_timestamp_diff(a, b, part) AS CASE
     WHEN part LIKE 'WEEK%' OR part IN ('ISOWEEK', 'MONTH', 'QUARTER', 'YEAR', 'ISOYEAR')
     THEN bq_boundaries(CAST(CAST(a AS TIMESTAMPTZ) AS TIMESTAMP), CAST(CAST(b AS TIMESTAMPTZ) AS TIMESTAMP), part)
     ELSE (epoch_us(CAST(a AS TIMESTAMPTZ)) - epoch_us(CAST(b AS TIMESTAMPTZ))) // (${UNIT_US}) END`,
  `CREATE OR REPLACE TEMP MACRO bq_time_diff(a, b, part) AS (epoch_us(CAST('1970-01-01' AS DATE) + CAST(a AS TIME)) - epoch_us(CAST('1970-01-01' AS DATE) + CAST(b AS TIME))) // (${UNIT_US})`,
  `CREATE OR REPLACE TEMP MACRO bq_last_day(d) AS last_day(CAST(d AS DATE)),
     (d, part) AS CASE part WHEN 'MONTH' THEN last_day(CAST(d AS DATE))
       WHEN 'YEAR' THEN make_date(year(CAST(d AS DATE)), 12, 31)
       WHEN 'QUARTER' THEN CAST(date_trunc('quarter', CAST(d AS DATE)) + INTERVAL 3 MONTH - INTERVAL 1 DAY AS DATE)
       ELSE CAST(bq_trunc(CAST(CAST(d AS DATE) AS TIMESTAMP), part) + INTERVAL 6 DAY AS DATE) END`,
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
