import { createHash } from 'node:crypto';
import { createContext, Script } from 'node:vm';
import {
  BIGINT,
  BOOLEAN,
  DECIMAL,
  DOUBLE,
  DuckDBScalarFunction,
  type DuckDBType,
  LIST,
  listValue,
  STRUCT,
  structValue,
  VARCHAR,
} from '@duckdb/node-api';
import type { Database } from '../db.js';
import { invalidQuery } from '../errors.js';
import { splitTypeList } from '../sql/type-names.js';
import type { UdfDef } from './define.js';

/**
 * JavaScript UDFs (`LANGUAGE js`): each definition becomes a DuckDB scalar function `bq_jsudf_<hash>` whose rows are
 * computed by the user's code in its own node:vm context:
 * - the context is a fresh realm with only ECMAScript's built-ins: no `require`, `process`, `module`, timers or
 *   host objects; code generation from strings (`eval`, `Function('…')`, so `this.constructor.constructor(…)`) and
 *   WebAssembly are off; arguments go in and results come out as JSON text, so no host object ever enters the realm;
 * - each call runs under a time limit (JS_UDF_TIMEOUT_MS): an endless loop fails the query with a clear error;
 * - types as BigQuery maps them: FLOAT64 → Number, STRING → String, BOOL → Boolean, NUMERIC/BIGNUMERIC → Number,
 *   ARRAY → Array, STRUCT → Object; INT64 is refused as a parameter type (BigQuery: use FLOAT64 or STRING) and
 *   accepted as the return type (a Number or a numeric String, converted to INT64). Other types are refused.
 */

export const JS_UDF_TIMEOUT_MS = 1_000;

interface JsType {
  duck: DuckDBType;
  text: string;
  /** DuckDB value → JSON-able value */
  toJs: (v: unknown) => unknown;
  /** JSON value from the function → DuckDB value */
  fromJs: (v: unknown, fn: string) => unknown;
}

const bad = (fn: string, what: string): never => {
  throw invalidQuery(`JavaScript UDF ${fn}: ${what}`);
};

function parseType(text: string, fn: string, role: 'param' | 'return'): JsType {
  const t = text.trim();
  const upper = t.toUpperCase();
  const generic = /^(ARRAY|STRUCT)\s*<([\s\S]*)>$/i.exec(t);
  if (generic) {
    if ((generic[1] as string).toUpperCase() === 'ARRAY') {
      const item = parseType(generic[2] as string, fn, role);
      return {
        duck: LIST(item.duck),
        text: t,
        toJs: (v) => (v === null ? null : (v as { items: unknown[] }).items.map((x) => item.toJs(x))),
        fromJs: (v, f) => {
          if (v === null || v === undefined) return null;
          if (!Array.isArray(v)) return bad(f, `returned ${typeof v} where ${t} was declared`);
          return listValue(v.map((x) => item.fromJs(x, f) as never));
        },
      };
    }
    const fields = splitTypeList(generic[2] as string).map((f) => {
      const m = /^`?([A-Za-z_][A-Za-z0-9_]*)`?\s+([\s\S]+)$/.exec(f.trim());
      if (!m) return bad(fn, `STRUCT fields need names in ${t}`);
      return { name: m[1] as string, type: parseType(m[2] as string, fn, role) };
    });
    return {
      duck: STRUCT(Object.fromEntries(fields.map((f) => [f.name, f.type.duck]))),
      text: t,
      toJs: (v) =>
        v === null
          ? null
          : Object.fromEntries(
              fields.map((f) => [
                f.name,
                f.type.toJs((v as { entries: Record<string, unknown> }).entries[f.name]),
              ]),
            ),
      fromJs: (v, f) => {
        if (v === null || v === undefined) return null;
        if (typeof v !== 'object' || Array.isArray(v))
          return bad(f, `returned ${typeof v} where ${t} was declared`);
        const o = v as Record<string, unknown>;
        return structValue(
          Object.fromEntries(fields.map((x) => [x.name, x.type.fromJs(o[x.name], f) as never])),
        );
      },
    };
  }
  switch (upper) {
    case 'FLOAT64':
      return {
        duck: DOUBLE,
        text: t,
        toJs: (v) => v,
        fromJs: (v, f) => {
          if (v === null || v === undefined) return null;
          const n = Number(v);
          if (typeof v !== 'number' && typeof v !== 'string')
            return bad(f, `returned ${typeof v} where FLOAT64 was declared`);
          return n;
        },
      };
    case 'STRING':
      return {
        duck: VARCHAR,
        text: t,
        toJs: (v) => v,
        fromJs: (v) => (v === null || v === undefined ? null : typeof v === 'string' ? v : JSON.stringify(v)),
      };
    case 'BOOL':
      return {
        duck: BOOLEAN,
        text: t,
        toJs: (v) => v,
        fromJs: (v) => (v === null || v === undefined ? null : !!v),
      };
    case 'NUMERIC':
    case 'BIGNUMERIC':
      if (role === 'return') return bad(fn, `${upper} is not supported as a return type by this warehouse`);
      return {
        duck: DECIMAL(38, upper === 'NUMERIC' ? 9 : 18),
        text: t,
        toJs: (v) => (v === null ? null : Number(String(v))),
        fromJs: () => null,
      };
    case 'INT64':
      if (role === 'param')
        return bad(
          fn,
          'INT64 is not supported as a parameter type of JavaScript UDFs; use FLOAT64 or STRING',
        );
      return {
        duck: BIGINT,
        text: t,
        toJs: (v) => v,
        fromJs: (v, f) => {
          if (v === null || v === undefined) return null;
          const s =
            typeof v === 'number'
              ? Number.isInteger(v)
                ? String(v)
                : ''
              : typeof v === 'string'
                ? v.trim()
                : '';
          if (!/^-?\d+$/.test(s))
            return bad(f, `returned ${JSON.stringify(v)?.slice(0, 40)}, which is not an INT64`);
          return BigInt(s);
        },
      };
    default:
      return bad(fn, `type ${t.slice(0, 40)} is not supported by this warehouse's JavaScript UDFs`);
  }
}

/** One compiled function in its own realm; `call` runs it on JSON-encoded arguments under the time limit. */
export class JsSandbox {
  private readonly context: Record<string, unknown>;
  private readonly invoke: Script;

  constructor(
    readonly name: string,
    params: string[],
    body: string,
  ) {
    this.context = createContext(Object.create(null), {
      name: `udf ${name}`,
      codeGeneration: { strings: false, wasm: false },
      microtaskMode: 'afterEvaluate',
    });
    let define: Script;
    try {
      define = new Script(`'use strict'; var __udf = function (${params.join(', ')}) {\n${body}\n};`, {
        filename: `${name}.js`,
      });
    } catch (e) {
      throw invalidQuery(`JavaScript UDF ${name}: SyntaxError: ${(e as Error).message}`);
    }
    define.runInContext(this.context, { timeout: JS_UDF_TIMEOUT_MS });
    this.invoke = new Script(
      `__out = JSON.stringify([__udf.apply(undefined, JSON.parse(__in))]); __in = undefined;`,
    );
  }

  /** Runs the function once; the result as JSON (never a host object). Throws a one-line message. */
  call(argsJson: string): unknown {
    this.context.__in = argsJson;
    try {
      this.invoke.runInContext(this.context, { timeout: JS_UDF_TIMEOUT_MS });
    } catch (e) {
      const err = e as { code?: string; message?: string; name?: string };
      if (err?.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT')
        throw new Error(`JavaScript UDF ${this.name} timed out after ${JS_UDF_TIMEOUT_MS} ms`);
      // an error thrown inside the realm: report its name and message only (no stack, no host paths)
      const text =
        typeof err === 'object' && err !== null ? `${err.name ?? 'Error'}: ${err.message ?? ''}` : String(e);
      throw new Error(`JavaScript UDF ${this.name} failed: ${text.split('\n')[0]?.slice(0, 300)}`);
    }
    const out = this.context.__out;
    this.context.__out = undefined;
    return (JSON.parse(typeof out === 'string' ? out : '[null]') as unknown[])[0];
  }
}

const registered = new WeakMap<Database, Set<string>>();

/** The DuckDB function name of a JavaScript UDF definition (same definition, same name). */
export function jsFunctionName(def: UdfDef): string {
  const h = createHash('sha256')
    .update(JSON.stringify([def.name, def.params, def.returns ?? null, def.body]))
    .digest('hex')
    .slice(0, 16);
  return `bq_jsudf_${h}`;
}

/**
 * Checks a JavaScript UDF (types, that its source compiles) and registers its DuckDB function once per database.
 * Returns the function's name.
 */
export async function registerJsUdf(db: Database, def: UdfDef): Promise<string> {
  const fnName = jsFunctionName(def);
  const set = registered.get(db) ?? new Set<string>();
  registered.set(db, set);
  if (set.has(fnName)) return fnName;
  if (!def.returns) bad(def.name, 'a JavaScript UDF needs RETURNS <type>');
  const params = def.params.map((p) => parseType(p.type, def.name, 'param'));
  const ret = parseType(def.returns as string, def.name, 'return');
  const sandbox = new JsSandbox(
    def.name,
    def.params.map((p) => p.name),
    def.body,
  );
  const f = DuckDBScalarFunction.create({
    name: fnName,
    returnType: ret.duck,
    parameterTypes: params.map((p) => p.duck),
    volatile: true,
    specialHandling: true,
    mainFunction: (info, input, output) => {
      try {
        const columns = params.map((_, i) => input.getColumnVector(i));
        for (let r = 0; r < input.rowCount; r++) {
          const args = params.map((p, i) => p.toJs(columns[i]?.getItem(r) ?? null));
          output.setItem(r, ret.fromJs(sandbox.call(JSON.stringify(args)), def.name) as never);
        }
        output.flush();
      } catch (e) {
        info.setError((e as Error).message ?? String(e));
      }
    },
  });
  await db.registerFunction(f);
  set.add(fnName);
  return fnName;
}
