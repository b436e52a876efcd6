import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const fixtures = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

export type Obj = Record<string, unknown>;
export const obj = (v: unknown): Obj => v as Obj;
export const list = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);

export function loadYaml(relative: string): Obj {
  return parse(readFileSync(join(repoRoot, relative), 'utf8'), { maxAliasCount: 1000 }) as Obj;
}

export function loadYamlDocs(relative: string): Obj[] {
  return parseAllDocuments(readFileSync(join(repoRoot, relative), 'utf8')).map((d) => d.toJS() as Obj);
}

export function templatesOf(workflow: Obj): Map<string, Obj> {
  return new Map(list(obj(workflow.spec).templates).map((t) => [String(t.name), t]));
}

export function paramDefaults(workflow: Obj): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const p of list(obj(obj(workflow.spec).arguments).parameters)) {
    out[String(p.name)] = p.value === undefined ? undefined : String(p.value);
  }
  return out;
}

/** The value following `flag` in args: `--flag=value` or `--flag value`. */
export function flagValue(args: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === flag) return args[i + 1];
    if (a.startsWith(`${flag}=`)) return a.slice(flag.length + 1);
  }
  return undefined;
}

/** Go time layouts used by our expressions: 20060102 and 20060102-0700. */
function parseLayout(layout: string, value: string): number {
  if (layout === '20060102' && /^\d{8}$/.test(value)) {
    return Date.UTC(+value.slice(0, 4), +value.slice(4, 6) - 1, +value.slice(6, 8)) / 1000;
  }
  const m = /^(\d{4})(\d{2})(\d{2})([+-])(\d{2})(\d{2})$/.exec(value);
  if (layout === '20060102-0700' && m) {
    const offset = (m[4] === '-' ? -1 : 1) * (Number(m[5]) * 3600 + Number(m[6]) * 60);
    return Date.UTC(+(m[1] as string), +(m[2] as string) - 1, +(m[3] as string)) / 1000 - offset;
  }
  throw new Error(`tiny evaluator: cannot parse ${value} with layout ${layout}`);
}

function formatUtc(layout: string, epochSeconds: number): string {
  if (layout !== '20060102') throw new Error(`tiny evaluator: layout ${layout}`);
  return new Date(epochSeconds * 1000).toISOString().slice(0, 10).replaceAll('-', '');
}

/**
 * A tiny evaluator for the expr-lang expressions our workflows use (`{{=...}}`, retry `expression`), by running them
 * as JavaScript: their syntax (ternary, + * <, != '', calls, member access) means the same in both languages for the
 * string/int values involved. Times are epoch seconds, zones UTC/fixed offsets.
 */
export function evaluateExpression(expression: string, env: Obj): unknown {
  const sprig = {
    toDate: (layout: string, value: string) => parseLayout(layout, value),
    dateModify: (duration: string, t: number) => {
      const m = /^([+-]?)(\d+)h$/.exec(duration);
      if (!m) throw new Error(`tiny evaluator: duration ${duration}`);
      return t + (m[1] === '-' ? -1 : 1) * Number(m[2]) * 3600;
    },
    // sprig's div on ints: Go integer division, truncating toward zero
    div: (a: number, b: number) => Math.trunc(a / b),
    dateInZone: (layout: string, t: number, zone: string) => {
      if (zone !== 'UTC') throw new Error(`tiny evaluator: zone ${zone}`);
      return formatUtc(layout, t);
    },
  };
  const asInt = (v: unknown) => {
    const n = typeof v === 'number' ? v : Number.parseInt(String(v), 10);
    if (!Number.isInteger(n)) throw new Error(`asInt(${String(v)})`);
    return n;
  };
  const string = (v: unknown) => String(v);
  const names = Object.keys(env);
  const fn = new Function(...names, 'asInt', 'string', 'sprig', `"use strict"; return (${expression});`);
  return fn(...names.map((n) => env[n]), asInt, string, sprig);
}

/** Evaluates `{{=expr}}` tags and substitutes simple tags from `values`; unknown simple tags stay (Argo non-strict). */
export function resolveArgo(s: string, values: Record<string, string>, env: Obj): string {
  return s.replace(/\{\{(=?)([^}]*)\}\}/g, (whole, eq: string, body: string) => {
    if (eq === '=') return String(evaluateExpression(body, env));
    return values[body.trim()] ?? whole;
  });
}
