import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { FUNCTION_RENAMES, LEGACY_RENAMES, NET_FUNCTIONS, WRAPS } from '../src/sql/functions.js';
import { DUCKDB_MACROS, registerNativeFunctions } from '../src/sql/index.js';

// Every `bq_*` name the translator can emit must be a macro DUCKDB_MACROS defines (or a JavaScript function of
// native.ts): an undefined one is a DuckDB
// catalog error at run time (NET.HOST used to become bq_net_host, which did not exist). Two views of "can emit":
// the tables that map BigQuery functions to macros, and every `bq_…` word written anywhere in src/sql, so a name
// built at run time (`bq_net_${name}`) or a new table fails here.
const SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), '../src/sql');

async function definedMacros(): Promise<Set<string>> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await registerNativeFunctions(conn); // the JavaScript functions the macros call (bq_js_*)
  for (const m of DUCKDB_MACROS) await conn.run(m);
  const r = await conn.runAndReadAll(
    "SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_name LIKE 'bq\\_%' ESCAPE '\\'",
  );
  conn.closeSync();
  return new Set(r.getRows().map((row) => String(row[0])));
}

describe('every emitted macro is defined', () => {
  it('the function tables name only defined macros', async () => {
    const defined = await definedMacros();
    const emitted = new Set<string>();
    for (const v of Object.values(FUNCTION_RENAMES)) if (v.startsWith('bq_')) emitted.add(v);
    for (const v of Object.values(LEGACY_RENAMES)) if (v.startsWith('bq_')) emitted.add(v);
    for (const [outer, inner] of Object.values(WRAPS)) {
      emitted.add(outer);
      if (inner?.startsWith('bq_')) emitted.add(inner);
    }
    for (const v of Object.values(NET_FUNCTIONS)) if ('macro' in v) emitted.add(v.macro);
    expect(emitted.size).toBeGreaterThan(80);
    expect([...emitted].filter((n) => !defined.has(n))).toEqual([]);
  });

  it('every bq_ word in the translator sources is a defined macro, none is built from pieces', async () => {
    const defined = await definedMacros();
    const words = new Set<string>();
    const pieces: string[] = [];
    for (const f of readdirSync(SQL_DIR).filter((n) => n.endsWith('.ts'))) {
      const text = readFileSync(join(SQL_DIR, f), 'utf8');
      for (const m of text.matchAll(/\bbq_[a-z0-9_]*/g)) {
        const after = text[(m.index ?? 0) + m[0].length];
        // `bq_*` in prose is the family, `/^bq_/` a pattern that reads DuckDB's messages: not names
        if (after === '*' || text[(m.index ?? 0) - 1] === '^') continue;
        if (m[0].endsWith('_') || after === '$') pieces.push(`${f}: ${m[0]}`);
        else words.add(m[0]);
      }
    }
    expect(pieces).toEqual([]);
    expect(words.size).toBeGreaterThan(100);
    expect([...words].filter((n) => !defined.has(n)).sort()).toEqual([]);
  });
});
