import { invalidQuery } from '../errors.js';
import { decodeStringLiteral } from '../sql/literals.js';
import { isPunct, isWord, matchClose, nextSig, type Token, tokenize } from '../sql/tokenize.js';

/**
 * `CREATE [OR REPLACE] {TEMP|TEMPORARY} FUNCTION [IF NOT EXISTS] name(p T, …) [RETURNS T] [LANGUAGE js] AS …`, and the
 * persistent form `CREATE … FUNCTION [project.]dataset.name …`, parsed into a plain definition. A SQL body is kept as
 * GoogleSQL text (expanded at each call by ./expand.ts); a JavaScript body as its source (./js.ts).
 */
export interface UdfDef {
  /** the function's name as written (temp: one part; persistent: the last part) */
  name: string;
  /** persistent functions: where it lives */
  dataset?: string;
  project?: string;
  temp: boolean;
  replace: boolean;
  ifNotExists: boolean;
  params: { name: string; type: string }[];
  returns?: string;
  language: 'SQL' | 'JAVASCRIPT';
  body: string;
}

const fail = (message: string): never => {
  throw invalidQuery(message);
};

/** Is this statement a CREATE FUNCTION (temp or not)? Cheap token check. */
export function isCreateFunction(text: string): boolean {
  return /^\s*CREATE\s+(OR\s+REPLACE\s+)?((TEMP|TEMPORARY)\s+)?FUNCTION\b/i.test(stripComments(text));
}

/** Is this `DROP FUNCTION [IF EXISTS] name`? Returns the parts, or undefined. */
export function parseDropFunction(text: string): { ifExists: boolean; parts: string[] } | undefined {
  const m = /^\s*DROP\s+FUNCTION\s+(IF\s+EXISTS\s+)?([`A-Za-z0-9_.\-`]+)\s*;?\s*$/i.exec(stripComments(text));
  if (!m) return undefined;
  return { ifExists: !!m[1], parts: splitPath(m[2] as string) };
}

function stripComments(text: string): string {
  return text.replace(/^(\s*(--[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\/))*/, '');
}

function splitPath(path: string): string[] {
  return path
    .split('.')
    .map((p) => p.replace(/`/g, ''))
    .filter((p) => p !== '');
}

export function parseCreateFunction(text: string): UdfDef {
  const tokens = tokenize(text);
  let k = nextSig(tokens, 0);
  const word = (...w: string[]) => isWord(tokens[k], ...w);
  const step = () => {
    k = nextSig(tokens, k + 1);
  };
  const expect = (w: string) => {
    if (!word(w)) fail(`Syntax error: Expected keyword ${w} at ${pos(text, tokens[k])}`);
    step();
  };
  expect('CREATE');
  let replace = false;
  if (word('OR')) {
    step();
    expect('REPLACE');
    replace = true;
  }
  let temp = false;
  if (word('TEMP', 'TEMPORARY')) {
    temp = true;
    step();
  }
  if (word('AGGREGATE', 'TABLE'))
    fail(`${tokens[k]?.text.toUpperCase()} functions are not supported by this warehouse`);
  expect('FUNCTION');
  let ifNotExists = false;
  if (word('IF')) {
    step();
    expect('NOT');
    expect('EXISTS');
    ifNotExists = true;
  }
  // name: ident(.ident)* or backticked path
  const parts: string[] = [];
  for (;;) {
    const t = tokens[k];
    if (!t || (t.kind !== 'ident' && t.kind !== 'quoted'))
      fail(`Syntax error: Expected a function name at ${pos(text, t)}`);
    parts.push(...splitPath((t as Token).text));
    step();
    if (isPunct(tokens[k], '.')) {
      step();
      continue;
    }
    break;
  }
  if (!isPunct(tokens[k], '(')) fail(`Syntax error: Expected "(" at ${pos(text, tokens[k])}`);
  const close = matchClose(tokens, k);
  if (close < 0) fail('Syntax error: Unclosed parenthesis in the function parameters');
  const params = splitTopLevel(tokens, k + 1, close, true).map((span) => {
    const s = text.slice(span[0], span[1]).trim();
    const m = /^`?([A-Za-z_][A-Za-z0-9_]*)`?\s+([\s\S]+)$/.exec(s);
    if (!m) return fail(`Syntax error: Expected a parameter name and type, got "${s.slice(0, 40)}"`);
    return { name: m[1] as string, type: (m[2] as string).trim() };
  });
  k = nextSig(tokens, close + 1);
  let returns: string | undefined;
  let language: UdfDef['language'] = 'SQL';
  for (;;) {
    if (word('RETURNS')) {
      step();
      const start = tokens[k]?.pos ?? text.length;
      let end = start;
      // a type: words, <…>, (…) up to LANGUAGE / AS / OPTIONS
      while (tokens[k] && !word('LANGUAGE', 'AS', 'OPTIONS', 'DETERMINISTIC', 'NOT')) {
        const t = tokens[k] as Token;
        end = t.pos + t.text.length;
        step();
      }
      returns = text.slice(start, end).trim();
      continue;
    }
    if (word('LANGUAGE')) {
      step();
      const lang = tokens[k]?.text.toLowerCase();
      if (lang !== 'js' && lang !== 'javascript')
        fail(
          `Unsupported function language ${tokens[k]?.text ?? ''}; this warehouse runs SQL and js functions`,
        );
      language = 'JAVASCRIPT';
      step();
      continue;
    }
    if (word('DETERMINISTIC')) {
      step();
      continue;
    }
    if (word('NOT')) {
      step();
      expect('DETERMINISTIC');
      continue;
    }
    break;
  }
  expect('AS');
  let body: string;
  let after: number;
  if (language === 'JAVASCRIPT') {
    const t = tokens[k];
    if (t?.kind !== 'string')
      return fail(`Syntax error: Expected the JavaScript body as a string literal at ${pos(text, t)}`);
    body = decodeStringLiteral(t, text);
    after = nextSig(tokens, k + 1);
  } else {
    if (!isPunct(tokens[k], '(')) return fail(`Syntax error: Expected "(" at ${pos(text, tokens[k])}`);
    const end = matchClose(tokens, k);
    if (end < 0) return fail('Syntax error: Unclosed parenthesis in the function body');
    body = text.slice((tokens[k] as Token).pos + 1, (tokens[end] as Token).pos);
    after = nextSig(tokens, end + 1);
  }
  if (isWord(tokens[after], 'OPTIONS')) {
    const open = nextSig(tokens, after + 1);
    const end = isPunct(tokens[open], '(') ? matchClose(tokens, open) : -1;
    after = end < 0 ? after : nextSig(tokens, end + 1);
  }
  if (isPunct(tokens[after], ';')) after = nextSig(tokens, after + 1);
  if (after >= 0)
    fail(`Syntax error: Unexpected ${tokens[after]?.text.slice(0, 20)} at ${pos(text, tokens[after])}`);
  if (language === 'SQL' && params.some((p) => /^ANY\s+TYPE$/i.test(p.type)) && returns)
    fail('A function with ANY TYPE parameters cannot declare RETURNS');
  const name = parts[parts.length - 1] as string;
  if (temp && parts.length > 1) fail(`Temporary functions cannot be qualified: ${parts.join('.')}`);
  if (!temp && parts.length < 2) fail(`Function ${name} must be qualified with a dataset (or created TEMP)`);
  return {
    name,
    ...(parts.length >= 2 ? { dataset: parts[parts.length - 2] as string } : {}),
    ...(parts.length >= 3 ? { project: parts.slice(0, -2).join('.') } : {}),
    temp,
    replace,
    ifNotExists,
    params,
    ...(returns ? { returns } : {}),
    language,
    body,
  };
}

function pos(text: string, t: Token | undefined): string {
  const offset = t?.pos ?? text.length;
  const before = text.slice(0, offset);
  return `[${before.split('\n').length}:${offset - before.lastIndexOf('\n')}]`;
}

/** [start, end) offsets of the comma-separated items between tokens `from` (inclusive) and `to` (exclusive). */
export function splitTopLevel(tokens: Token[], from: number, to: number, angles = false): [number, number][] {
  const out: [number, number][] = [];
  let depth = 0;
  let start = (tokens[from] as Token | undefined)?.pos ?? 0;
  let any = false;
  for (let k = from; k < to; k++) {
    const t = tokens[k] as Token;
    if (isPunct(t, '(') || isPunct(t, '[') || (angles && isPunct(t, '<'))) depth++;
    else if (isPunct(t, ')') || isPunct(t, ']') || (angles && isPunct(t, '>'))) depth--;
    else if (angles && isPunct(t, '>>')) depth -= 2;
    if (depth === 0 && isPunct(t, ',')) {
      out.push([start, t.pos]);
      start = t.pos + 1;
      continue;
    }
    if (t.kind !== 'ws') any = true;
  }
  const endPos = (tokens[to] as Token | undefined)?.pos ?? start;
  if (any) out.push([start, endPos]);
  return out;
}
