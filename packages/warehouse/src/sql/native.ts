import { createHash } from 'node:crypto';
import type {
  DuckDBBlobVector,
  DuckDBConnection,
  DuckDBScalarFunction,
  DuckDBType,
  DuckDBVarCharVector,
  DuckDBVector,
} from '@duckdb/node-api';
import { RAISE_MARKER } from './errors.js';
import { farmFingerprint64 } from './farmhash.js';

/**
 * GoogleSQL functions no DuckDB macro can express (a hash DuckDB lacks, Unicode normalisation beyond NFC, base32,
 * lenient UTF-8 decoding, SOUNDEX), as DuckDB scalar functions written in JavaScript. They are registered once per
 * DuckDB instance (registerNativeFunctions, before its configuration is locked) and reached only through the `bq_*`
 * macros of functions.ts, so their STRING/BYTES overloads are decided there. NULL in gives NULL out (DuckDB's default);
 * an error is BigQuery's invalidQuery with the thrown message. DuckDB's API is imported when they are registered, not
 * with this module: the translator's worker threads load ./index.js and need no DuckDB.
 */

type Value = string | Uint8Array | bigint | null;
type TypeName = 'BLOB' | 'VARCHAR' | 'BIGINT';

interface NativeFunction {
  name: string;
  params: TypeName[];
  returns: TypeName;
  fn: (...args: Value[]) => Value;
}

type Api = typeof import('@duckdb/node-api');

function read(v: DuckDBVector, type: TypeName, i: number): Value {
  if (type === 'BLOB') return (v as DuckDBBlobVector).getItemBytes(i);
  return (v as DuckDBVarCharVector).getItem(i) as string | null;
}

function toScalar(api: Api, f: NativeFunction): DuckDBScalarFunction {
  const type = (t: TypeName): DuckDBType => api[t];
  return api.DuckDBScalarFunction.create({
    name: f.name,
    returnType: type(f.returns),
    parameterTypes: f.params.map(type),
    mainFunction: (info, input, output) => {
      const cols = f.params.map((_, c) => input.getColumnVector(c));
      try {
        for (let i = 0; i < input.rowCount; i++) {
          const args = cols.map((v, c) => read(v, f.params[c] as TypeName, i));
          const r = args.includes(null) ? null : f.fn(...args);
          if (r === null) output.setItem(i, null);
          else if (f.returns === 'BLOB') output.setItem(i, api.blobValue(r as Uint8Array));
          else output.setItem(i, r as never);
        }
        output.flush();
      } catch (e) {
        info.setError(RAISE_MARKER + (e instanceof Error ? e.message : String(e)));
      }
    },
  });
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 with '=' padding (TO_BASE32). */
export function toBase32(b: Uint8Array): string {
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const byte of b) {
    acc = ((acc << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(acc << (5 - bits)) & 31];
  return out.padEnd(Math.ceil(out.length / 8) * 8, '=');
}

/** FROM_BASE32: the padding is optional; anything else outside the alphabet is an error. */
export function fromBase32(s: string): Uint8Array {
  const body = s.replace(/=+$/, '');
  const bytes: number[] = [];
  let bits = 0;
  let acc = 0;
  for (const ch of body) {
    const v = BASE32.indexOf(ch.toUpperCase());
    if (v < 0) throw new Error(`Failed to decode invalid base32 string "${s}"`);
    acc = ((acc << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bytes.push((acc >> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Uint8Array.from(bytes);
}

const SOUNDEX_CODES: Record<string, string> = {};
for (const [letters, code] of [
  ['BFPV', '1'],
  ['CGJKQSXZ', '2'],
  ['DT', '3'],
  ['L', '4'],
  ['MN', '5'],
  ['R', '6'],
  ['AEIOUY', '0'],
] as const) {
  for (const l of letters) SOUNDEX_CODES[l] = code;
}

/**
 * SOUNDEX as GoogleSQL documents it: non-Latin letters are skipped, the first letter is kept as written, then the
 * codes of the following letters with adjacent equal codes collapsed (H and W do not separate them, vowels do),
 * vowels dropped, padded with 0 to four characters; no Latin letter gives ''.
 */
export function soundex(s: string): string {
  const letters = [...s].filter((c) => /^[A-Za-z]$/.test(c));
  const first = letters[0];
  if (first === undefined) return '';
  let out = first;
  let last = SOUNDEX_CODES[first.toUpperCase()] ?? '';
  for (const c of letters.slice(1)) {
    const u = c.toUpperCase();
    if (u === 'H' || u === 'W') continue;
    const code = SOUNDEX_CODES[u] as string;
    if (code !== '0' && code !== last) out += code;
    last = code;
    if (out.length === 4) break;
  }
  return out.padEnd(4, '0');
}

const NORMAL_FORMS = new Set(['NFC', 'NFD', 'NFKC', 'NFKD']);

function normalForm(mode: string): 'NFC' | 'NFD' | 'NFKC' | 'NFKD' {
  if (!NORMAL_FORMS.has(mode)) throw new Error(`Invalid normalization mode: ${mode}`);
  return mode as 'NFC' | 'NFD' | 'NFKC' | 'NFKD';
}

/**
 * Unicode full case folding, as far as JavaScript offers it: upper then lower case maps the characters whose folding
 * differs from their lower case (ß → ss, final ς → σ, ﬁ → fi) the way CaseFolding.txt does.
 */
const caseFold = (s: string): string => s.toUpperCase().toLowerCase();

export const NATIVE_FUNCTIONS: readonly NativeFunction[] = [
  {
    name: 'bq_js_sha512',
    params: ['BLOB'],
    returns: 'BLOB',
    fn: (b) =>
      createHash('sha512')
        .update(b as Uint8Array)
        .digest(),
  },
  {
    name: 'bq_js_farm_fingerprint',
    params: ['BLOB'],
    returns: 'BIGINT',
    fn: (b) => farmFingerprint64(b as Uint8Array),
  },
  { name: 'bq_js_to_base32', params: ['BLOB'], returns: 'VARCHAR', fn: (b) => toBase32(b as Uint8Array) },
  { name: 'bq_js_from_base32', params: ['VARCHAR'], returns: 'BLOB', fn: (s) => fromBase32(s as string) },
  {
    name: 'bq_js_safe_convert_bytes_to_string',
    params: ['BLOB'],
    returns: 'VARCHAR',
    fn: (b) => new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(b as Uint8Array),
  },
  { name: 'bq_js_soundex', params: ['VARCHAR'], returns: 'VARCHAR', fn: (s) => soundex(s as string) },
  {
    name: 'bq_js_normalize',
    params: ['VARCHAR', 'VARCHAR'],
    returns: 'VARCHAR',
    fn: (s, m) => (s as string).normalize(normalForm(m as string)),
  },
  {
    name: 'bq_js_normalize_and_casefold',
    params: ['VARCHAR', 'VARCHAR'],
    returns: 'VARCHAR',
    fn: (s, m) =>
      caseFold((s as string).normalize(normalForm(m as string))).normalize(normalForm(m as string)),
  },
];

/** Registers NATIVE_FUNCTIONS in the connection's instance (they are then visible to every connection). */
export async function registerNativeFunctions(conn: DuckDBConnection): Promise<void> {
  const api = await import('@duckdb/node-api');
  for (const f of NATIVE_FUNCTIONS) conn.registerScalarFunction(toScalar(api, f));
}
