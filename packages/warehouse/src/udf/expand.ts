import { invalidQuery } from '../errors.js';
import { isPunct, matchClose, nextSig, prevSig, type Token, tokenize } from '../sql/tokenize.js';
import { splitTopLevel, type UdfDef } from './define.js';

/**
 * Calls of user-defined functions, expanded in the GoogleSQL text before it is translated: a SQL function's call
 * becomes its body with each parameter replaced by the parenthesised argument (so the translator and its sandbox
 * see only GoogleSQL they already check), cast to RETURNS when declared; a JavaScript function's call becomes a call
 * of its DuckDB function (./js.ts). Nested calls are expanded up to MAX_DEPTH levels (a function calling itself is an
 * error, not a hang).
 */

export interface UdfScope {
  /** temporary functions of this query or script, by lower-cased name */
  temp: ReadonlyMap<string, UdfDef>;
  /** persistent functions: `[project.]dataset.name` → definition */
  persistent?: (project: string, dataset: string, name: string) => UdfDef | undefined;
  defaultProject: string;
  /** the DuckDB function name of a JavaScript UDF (registered before the query runs) */
  jsFunction: (def: UdfDef) => string;
}

const MAX_DEPTH = 16;

export function expandUdfs(sql: string, scope: UdfScope, depth = 0): string {
  if (scope.temp.size === 0 && !scope.persistent) return sql;
  const tokens = tokenize(sql);
  let out = '';
  let copied = 0;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.kind !== 'ident' && t.kind !== 'quoted') continue;
    const before = prevSig(tokens, k);
    if (before >= 0 && isPunct(tokens[before], '.')) continue;
    // a path ident(.ident)* or `a.b.c`, then "("
    const parts: string[] = [];
    let j = k;
    for (;;) {
      const u = tokens[j] as Token;
      parts.push(...(u.kind === 'quoted' ? u.text.slice(1, -1).split('.') : [u.text]));
      const n = nextSig(tokens, j + 1);
      if (n >= 0 && isPunct(tokens[n], '.')) {
        const m = nextSig(tokens, n + 1);
        if (m >= 0 && (tokens[m]?.kind === 'ident' || tokens[m]?.kind === 'quoted')) {
          j = m;
          continue;
        }
      }
      break;
    }
    const open = nextSig(tokens, j + 1);
    if (open < 0 || !isPunct(tokens[open], '(')) {
      k = j;
      continue;
    }
    const def = lookup(parts, scope);
    if (!def) {
      k = j;
      continue;
    }
    const close = matchClose(tokens, open);
    if (close < 0) continue; // the translator reports the unclosed parenthesis
    if (depth >= MAX_DEPTH)
      throw invalidQuery(
        `Function ${parts.join('.')} calls itself (or nests deeper than ${MAX_DEPTH} levels)`,
      );
    const args = splitTopLevel(tokens, open + 1, close).map(([a, b]) =>
      expandUdfs(sql.slice(a, b).trim(), scope, depth + 1),
    );
    if (args.length !== def.params.length) {
      throw invalidQuery(
        `No matching signature for function ${parts.join('.')}: it takes ${def.params.length} argument(s), ${args.length} given at ${at(sql, t.pos)}`,
      );
    }
    out += sql.slice(copied, t.pos) + callText(def, args, scope, depth);
    copied = (tokens[close] as Token).pos + 1;
    k = close;
  }
  return copied === 0 ? sql : out + sql.slice(copied);
}

function lookup(parts: string[], scope: UdfScope): UdfDef | undefined {
  if (parts.length === 1) return scope.temp.get((parts[0] as string).toLowerCase());
  if (!scope.persistent || parts.length > 3) return undefined;
  const name = parts[parts.length - 1] as string;
  const dataset = parts[parts.length - 2] as string;
  const project = parts.length === 3 ? (parts[0] as string) : scope.defaultProject;
  return scope.persistent(project, dataset, name);
}

function callText(def: UdfDef, args: string[], scope: UdfScope, depth: number): string {
  if (def.language === 'JAVASCRIPT') return `${scope.jsFunction(def)}(${args.join(', ')})`;
  const byName = new Map(def.params.map((p, i) => [p.name.toLowerCase(), `(${args[i]})`]));
  const body = tokenize(def.body);
  let text = '';
  for (let k = 0; k < body.length; k++) {
    const t = body[k] as Token;
    const prev = prevSig(body, k);
    const arg =
      t.kind === 'ident' && !(prev >= 0 && isPunct(body[prev], '.'))
        ? byName.get(t.text.toLowerCase())
        : undefined;
    text += arg ?? t.text;
  }
  const expanded = expandUdfs(text, scope, depth + 1);
  return def.returns ? `CAST((${expanded}) AS ${def.returns})` : `(${expanded})`;
}

function at(text: string, offset: number): string {
  const before = text.slice(0, offset);
  return `[${before.split('\n').length}:${offset - before.lastIndexOf('\n')}]`;
}
