/**
 * A small evaluator for the expression languages an Argo Workflow uses:
 * - `expr` mode: expr-lang (https://expr-lang.org) as used by `{{= ...}}` tags and `retryStrategy.expression`;
 * - `govaluate` mode: the language of a substituted `when:` (bare words are strings, as Argo rewrites govaluate
 *   variables into strings).
 * Only the subset our workflows and tests need is implemented; anything else is a clear `ExprError`.
 *
 * Values: expr-lang distinguishes int from float, so ints are `bigint` and floats are `number`.
 */

import { ExprError, GoTime, parseGoDuration, timeMethod } from './godate.js';

// `@data-pipeline/local/expr` (what `dp lint` imports without the engine): Go durations are part of the language.
export { ExprError, GoTime, parseGoDuration };

export type Value =
  | null
  | boolean
  | bigint
  | number
  | string
  | GoTime
  | Value[]
  | { readonly [k: string]: Value }
  | ExprFunction;

export type ExprFunction = (...args: Value[]) => Value;

type Mode = 'expr' | 'govaluate';

type Token =
  | { kind: 'num'; value: bigint | number; pos: number }
  | { kind: 'str'; value: string; pos: number }
  | { kind: 'ident'; value: string; pos: number }
  | { kind: 'op'; value: string; pos: number }
  | { kind: 'eof'; pos: number };

const OPERATORS = [
  '===',
  '!==',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '??',
  '?.',
  '..',
  '**',
  '=~',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  '|',
  '!',
  '?',
  ':',
  '(',
  ')',
  '[',
  ']',
  '.',
  ',',
  '{',
  '}',
];

function tokenize(src: string, mode: Mode): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^(\d+\.(?!\.)\d*(?:[eE][-+]?\d+)?|\d+[eE][-+]?\d+|\d+)/.exec(src.slice(i))!;
      const text = m[0];
      const isFloat = /[.eE]/.test(text) || mode === 'govaluate';
      tokens.push({ kind: 'num', value: isFloat ? Number(text) : BigInt(text), pos: i });
      i += text.length;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      let out = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\' && c !== '`') {
          const n = src[j + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"', "'": "'" };
          if (n === undefined) break;
          out += map[n] ?? n;
          j += 2;
        } else {
          out += src[j];
          j++;
        }
      }
      if (j >= src.length) throw new ExprError(`unterminated string starting at column ${i + 1}`);
      tokens.push({ kind: 'str', value: out, pos: i });
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      const re = mode === 'govaluate' ? /^[A-Za-z_$][A-Za-z0-9_$.]*/ : /^[A-Za-z_$][A-Za-z0-9_$]*/;
      const text = re.exec(src.slice(i))![0];
      tokens.push({ kind: 'ident', value: text, pos: i });
      i += text.length;
      continue;
    }
    if (c === '#' && mode === 'expr') {
      // a closure's element (`#`), index (`#index`) or accumulator (`#acc`)
      const text = /^#[A-Za-z_]*/.exec(src.slice(i))![0];
      tokens.push({ kind: 'ident', value: text, pos: i });
      i += text.length;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExprError(`unexpected character '${c}' at column ${i + 1}`);
    tokens.push({ kind: 'op', value: op, pos: i });
    i += op.length;
  }
  tokens.push({ kind: 'eof', pos: src.length });
  return tokens;
}

type Node =
  | { t: 'lit'; v: Value }
  | { t: 'var'; name: string }
  | { t: 'member'; obj: Node; key: Node; optional: boolean }
  | { t: 'call'; fn: Node; args: Node[] }
  | { t: 'unary'; op: string; arg: Node }
  | { t: 'bin'; op: string; l: Node; r: Node }
  | { t: 'cond'; c: Node; a: Node; b: Node }
  | { t: 'array'; items: Node[] }
  | { t: 'map'; entries: [Node, Node][] }
  /** `{ # > 1 }` / `# > 1` as a predicate builtin's argument: parsed (for `dp lint`), not evaluated by `dp run`. */
  | { t: 'closure'; body: Node };

/** A parsed expression (see `parseExpression`). */
export type ExprNode = Node;

const BINARY_PRECEDENCE: Record<string, number> = {
  '??': 1,
  '||': 2,
  or: 2,
  '&&': 3,
  and: 3,
  '==': 4,
  '!=': 4,
  '<': 5,
  '>': 5,
  '<=': 5,
  '>=': 5,
  in: 5,
  matches: 5,
  '=~': 5,
  contains: 5,
  startsWith: 5,
  endsWith: 5,
  '..': 6,
  '+': 7,
  '-': 7,
  '*': 8,
  '/': 8,
  '%': 8,
  '**': 9,
};

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly mode: Mode,
  ) {}

  private peek(): Token {
    return this.tokens[this.i]!;
  }
  private next(): Token {
    return this.tokens[this.i++]!;
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t.kind === 'op' && t.value === v;
  }
  private expectOp(v: string): void {
    const t = this.next();
    if (t.kind !== 'op' || t.value !== v) throw new ExprError(`expected '${v}' at column ${t.pos + 1}`);
  }

  parseAll(): Node {
    const n = this.parseExpr();
    const t = this.peek();
    if (t.kind !== 'eof') throw new ExprError(`unexpected token at column ${t.pos + 1}`);
    return n;
  }

  private parseExpr(): Node {
    let node = this.parseTernary();
    // `x | f(y)` is `f(x, y)`
    while (this.mode === 'expr' && this.isOp('|')) {
      this.next();
      const call = this.parsePostfix(this.parsePrimary());
      if (call.t !== 'call') throw new ExprError(`expected a function call after '|'`);
      node = { t: 'call', fn: call.fn, args: [node, ...call.args] };
    }
    return node;
  }

  private parseTernary(): Node {
    const c = this.parseBinary(0);
    if (this.isOp('?')) {
      this.next();
      const a = this.parseTernary();
      this.expectOp(':');
      const b = this.parseTernary();
      return { t: 'cond', c, a, b };
    }
    return c;
  }

  private binaryOp(): string | undefined {
    const t = this.peek();
    if (t.kind === 'op' && t.value in BINARY_PRECEDENCE) return t.value;
    if (t.kind === 'ident' && this.mode === 'expr' && t.value in BINARY_PRECEDENCE) return t.value;
    if (t.kind === 'ident' && t.value === 'not' && this.mode === 'expr') {
      const n = this.tokens[this.i + 1];
      if (n?.kind === 'ident' && (n.value === 'in' || n.value === 'matches')) return `not ${n.value}`;
    }
    return undefined;
  }

  private parseBinary(minPrec: number): Node {
    let left = this.parseUnary();
    for (;;) {
      const op = this.binaryOp();
      if (!op) return left;
      const base = op.startsWith('not ') ? op.slice(4) : op;
      const prec = BINARY_PRECEDENCE[base]!;
      if (prec < minPrec) return left;
      this.next();
      if (op.startsWith('not ')) this.next();
      const right = this.parseBinary(op === '**' ? prec : prec + 1);
      left = op.startsWith('not ')
        ? { t: 'unary', op: '!', arg: { t: 'bin', op: base, l: left, r: right } }
        : { t: 'bin', op, l: left, r: right };
    }
  }

  private parseUnary(): Node {
    const t = this.peek();
    if (t.kind === 'op' && (t.value === '!' || t.value === '-' || t.value === '+')) {
      this.next();
      return { t: 'unary', op: t.value, arg: this.parseUnary() };
    }
    if (t.kind === 'ident' && t.value === 'not' && this.mode === 'expr') {
      this.next();
      return { t: 'unary', op: '!', arg: this.parseUnary() };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  private parsePrimary(): Node {
    const t = this.next();
    switch (t.kind) {
      case 'num':
      case 'str':
        return { t: 'lit', v: t.value };
      case 'ident': {
        if (t.value === 'true') return { t: 'lit', v: true };
        if (t.value === 'false') return { t: 'lit', v: false };
        if (t.value === 'nil' && this.mode === 'expr') return { t: 'lit', v: null };
        // Argo turns govaluate variables into strings: `when: foo == foo` compares two strings.
        if (this.mode === 'govaluate') return { t: 'lit', v: t.value };
        return { t: 'var', name: t.value };
      }
      case 'op': {
        if (t.value === '(') {
          const e = this.parseExpr();
          this.expectOp(')');
          return e;
        }
        if (t.value === '[' && this.mode === 'expr') {
          const items: Node[] = [];
          while (!this.isOp(']')) {
            items.push(this.parseExpr());
            if (!this.isOp(']')) this.expectOp(',');
          }
          this.next();
          return { t: 'array', items };
        }
        if (t.value === '{' && this.mode === 'expr' && !this.startsMap()) {
          const body = this.parseExpr();
          this.expectOp('}');
          return { t: 'closure', body };
        }
        if (t.value === '.' && this.mode === 'expr') {
          // `.field` inside a closure: a member of the element `#`
          const name = this.next();
          if (name.kind !== 'ident')
            throw new ExprError(`expected a name after '.' at column ${name.pos + 1}`);
          return {
            t: 'member',
            obj: { t: 'var', name: '#' },
            key: { t: 'lit', v: name.value },
            optional: false,
          };
        }
        if (t.value === '{' && this.mode === 'expr') {
          const entries: [Node, Node][] = [];
          while (!this.isOp('}')) {
            const k = this.next();
            if (k.kind !== 'ident' && k.kind !== 'str')
              throw new ExprError(`bad map key at column ${k.pos + 1}`);
            this.expectOp(':');
            entries.push([{ t: 'lit', v: k.value as string }, this.parseExpr()]);
            if (!this.isOp('}')) this.expectOp(',');
          }
          this.next();
          return { t: 'map', entries };
        }
        throw new ExprError(`unexpected '${t.value}' at column ${t.pos + 1}`);
      }
      case 'eof':
        throw new ExprError('unexpected end of expression');
    }
  }

  /** After `{`: a map literal is `}` or `key:`; anything else is a closure body. */
  private startsMap(): boolean {
    const a = this.peek();
    const b = this.tokens[this.i + 1];
    if (a.kind === 'op' && a.value === '}') return true;
    return (
      (a.kind === 'ident' || a.kind === 'str' || a.kind === 'num') && b?.kind === 'op' && b.value === ':'
    );
  }

  /** Whether the bracket just opened is a slice `[i:j]` (a `:` before the matching `]` at depth 0, no `?`). */
  private slice(): boolean {
    let depth = 0;
    for (let j = this.i; j < this.tokens.length; j++) {
      const t = this.tokens[j]!;
      if (t.kind !== 'op') continue;
      if (t.value === '(' || t.value === '[' || t.value === '{') depth++;
      else if (t.value === ')' || t.value === ']' || t.value === '}') {
        if (depth === 0) return false;
        depth--;
      } else if (depth === 0 && t.value === '?') return false;
      else if (depth === 0 && t.value === ':') return true;
    }
    return false;
  }

  private parsePostfix(node: Node): Node {
    if (this.mode === 'govaluate') return node;
    for (;;) {
      if (this.isOp('.') || this.isOp('?.')) {
        const optional = this.isOp('?.');
        this.next();
        if (optional && this.isOp('[')) continue;
        const name = this.next();
        if (name.kind !== 'ident') throw new ExprError(`expected a name after '.' at column ${name.pos + 1}`);
        node = { t: 'member', obj: node, key: { t: 'lit', v: name.value }, optional };
      } else if (this.isOp('[')) {
        this.next();
        if (this.isOp(':') || this.slice()) {
          // `a[i:j]` slices: parsed, bounds optional
          const from = this.isOp(':') ? undefined : this.parseExpr();
          this.expectOp(':');
          const to = this.isOp(']') ? undefined : this.parseExpr();
          this.expectOp(']');
          node = {
            t: 'call',
            fn: { t: 'var', name: '$slice' },
            args: [node, from ?? { t: 'lit', v: null }, to ?? { t: 'lit', v: null }],
          };
          continue;
        }
        const key = this.parseExpr();
        this.expectOp(']');
        node = { t: 'member', obj: node, key, optional: false };
      } else if (this.isOp('(')) {
        this.next();
        const args: Node[] = [];
        while (!this.isOp(')')) {
          args.push(this.parseExpr());
          if (!this.isOp(')')) this.expectOp(',');
        }
        this.next();
        node = { t: 'call', fn: node, args };
      } else {
        return node;
      }
    }
  }
}

export function typeName(v: Value): string {
  if (v === null) return 'nil';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'float';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'function') return 'func';
  if (v instanceof GoTime) return 'time.Time';
  if (Array.isArray(v)) return 'array';
  return 'map';
}

function isNum(v: Value): v is bigint | number {
  return typeof v === 'bigint' || typeof v === 'number';
}

function truthy(v: Value, what: string): boolean {
  if (typeof v !== 'boolean') throw new ExprError(`${what}: expected bool, got ${typeName(v)}`);
  return v;
}

function equals(a: Value, b: Value): boolean {
  if (isNum(a) && isNum(b)) return Number(a) === Number(b);
  if (a instanceof GoTime && b instanceof GoTime) return a.ms === b.ms;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => equals(x, b[i]!));
  return a === b;
}

function arith(op: string, a: Value, b: Value): Value {
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (!isNum(a) || !isNum(b)) throw new ExprError(`invalid operation: ${typeName(a)} ${op} ${typeName(b)}`);
  if (typeof a === 'bigint' && typeof b === 'bigint' && op !== '/' && op !== '**') {
    switch (op) {
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      case '%':
        if (b === 0n) throw new ExprError('integer divide by zero');
        return a % b;
    }
  }
  const x = Number(a);
  const y = Number(b);
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      return x / y;
    case '%':
      return x % y;
    default:
      return x ** y;
  }
}

function compare(op: string, a: Value, b: Value): boolean {
  let x: number | string;
  let y: number | string;
  if (isNum(a) && isNum(b)) {
    x = Number(a);
    y = Number(b);
  } else if (typeof a === 'string' && typeof b === 'string') {
    x = a;
    y = b;
  } else if (a instanceof GoTime && b instanceof GoTime) {
    x = a.ms;
    y = b.ms;
  } else {
    throw new ExprError(`invalid operation: ${typeName(a)} ${op} ${typeName(b)}`);
  }
  switch (op) {
    case '<':
      return x < y;
    case '>':
      return x > y;
    case '<=':
      return x <= y;
    default:
      return x >= y;
  }
}

function member(obj: Value, key: Value, path: string): Value {
  if (obj === null) throw new ExprError(`cannot fetch ${String(key)} from nil (${path})`);
  if (Array.isArray(obj)) {
    if (!isNum(key)) throw new ExprError(`array index must be int (${path})`);
    let i = Number(key);
    if (i < 0) i += obj.length;
    if (i < 0 || i >= obj.length) throw new ExprError(`index out of range: ${Number(key)} (${path})`);
    return obj[i]!;
  }
  if (obj instanceof GoTime) return timeMethod(obj, String(key));
  if (typeof obj === 'object' && typeof key === 'string') {
    if (!Object.hasOwn(obj, key)) throw new ExprError(`unknown name ${path}`);
    return (obj as Record<string, Value>)[key]!;
  }
  throw new ExprError(`cannot fetch ${String(key)} from ${typeName(obj)} (${path})`);
}

function describe(n: Node): string {
  switch (n.t) {
    case 'var':
      return n.name;
    case 'member':
      return n.key.t === 'lit' && typeof n.key.v === 'string'
        ? `${describe(n.obj)}.${n.key.v}`
        : `${describe(n.obj)}[...]`;
    case 'call':
      return `${describe(n.fn)}(...)`;
    default:
      return 'expression';
  }
}

function evaluate(n: Node, env: Readonly<Record<string, Value>>): Value {
  switch (n.t) {
    case 'lit':
      return n.v;
    case 'var':
      if (!Object.hasOwn(env, n.name)) throw new ExprError(`unknown name ${n.name}`);
      return env[n.name]!;
    case 'member': {
      const obj = evaluate(n.obj, env);
      if (n.optional && obj === null) return null;
      return member(obj, evaluate(n.key, env), describe(n));
    }
    case 'closure':
      throw new ExprError('closures (predicates) are not supported by dp run');
    case 'array':
      return n.items.map((x) => evaluate(x, env));
    case 'map':
      return Object.fromEntries(n.entries.map(([k, v]) => [String(evaluate(k, env)), evaluate(v, env)]));
    case 'call': {
      const fn = evaluate(n.fn, env);
      if (typeof fn !== 'function') throw new ExprError(`${describe(n.fn)} is not a function`);
      const args = n.args.map((a) => evaluate(a, env));
      try {
        return fn(...args);
      } catch (e) {
        if (e instanceof ExprError) throw new ExprError(`${describe(n.fn)}: ${e.message}`);
        throw e;
      }
    }
    case 'cond':
      return truthy(evaluate(n.c, env), 'ternary condition') ? evaluate(n.a, env) : evaluate(n.b, env);
    case 'unary': {
      const v = evaluate(n.arg, env);
      if (n.op === '!') return !truthy(v, "operator '!'");
      if (!isNum(v)) throw new ExprError(`invalid operation: ${n.op}${typeName(v)}`);
      if (n.op === '+') return v;
      return typeof v === 'bigint' ? -v : -v;
    }
    case 'bin': {
      const { op } = n;
      if (op === '&&' || op === 'and')
        return truthy(evaluate(n.l, env), op) && truthy(evaluate(n.r, env), op);
      if (op === '||' || op === 'or') return truthy(evaluate(n.l, env), op) || truthy(evaluate(n.r, env), op);
      if (op === '??') {
        try {
          const l = evaluate(n.l, env);
          if (l !== null) return l;
        } catch (e) {
          if (!(e instanceof ExprError)) throw e;
        }
        return evaluate(n.r, env);
      }
      const l = evaluate(n.l, env);
      const r = evaluate(n.r, env);
      switch (op) {
        case '==':
          return equals(l, r);
        case '!=':
          return !equals(l, r);
        case '<':
        case '>':
        case '<=':
        case '>=':
          return compare(op, l, r);
        case 'in':
          if (Array.isArray(r)) return r.some((x) => equals(x, l));
          if (r && typeof r === 'object' && !(r instanceof GoTime) && typeof l === 'string')
            return Object.hasOwn(r, l);
          throw new ExprError(`invalid operation: ${typeName(l)} in ${typeName(r)}`);
        case 'matches':
        case '=~':
          if (typeof l !== 'string' || typeof r !== 'string') throw new ExprError(`${op} needs strings`);
          return new RegExp(r).test(l);
        case '..': {
          if (typeof l !== 'bigint' || typeof r !== 'bigint') throw new ExprError('.. needs ints');
          const out: Value[] = [];
          for (let x = l; x <= r; x++) out.push(x);
          return out;
        }
        case 'contains':
        case 'startsWith':
        case 'endsWith':
          if (typeof l !== 'string' || typeof r !== 'string') throw new ExprError(`${op} needs strings`);
          return op === 'contains' ? l.includes(r) : op === 'startsWith' ? l.startsWith(r) : l.endsWith(r);
        default:
          return arith(op, l, r);
      }
    }
  }
}

export function evaluateExpr(
  source: string,
  env: Readonly<Record<string, Value>>,
  mode: Mode = 'expr',
): Value {
  return evaluate(parseExpression(source, mode), env);
}

/** Parses an expression without evaluating it: an `ExprError` names the first syntax error (used by `dp lint`). */
export function parseExpression(source: string, mode: Mode = 'expr'): ExprNode {
  return new Parser(tokenize(source, mode), mode).parseAll();
}

/** What a parsed expression reads: the root names it uses as variables and the functions it calls by name. */
export interface ExprNames {
  /** Root variables, e.g. `workflow` for `workflow.parameters.x` (closure names `#...` excluded). */
  readonly variables: string[];
  /** Functions called by name: `asInt`, or `sprig.date` for a member of the `sprig` map; method calls are not listed. */
  readonly calls: string[];
}

export function exprNames(ast: ExprNode): ExprNames {
  const variables = new Set<string>();
  const calls = new Set<string>();
  const walk = (n: Node): void => {
    switch (n.t) {
      case 'var':
        if (!n.name.startsWith('#') && !n.name.startsWith('$')) variables.add(n.name);
        return;
      case 'call':
        if (n.fn.t === 'var') {
          if (!n.fn.name.startsWith('$')) calls.add(n.fn.name);
        } else if (
          n.fn.t === 'member' &&
          n.fn.obj.t === 'var' &&
          n.fn.obj.name === 'sprig' &&
          n.fn.key.t === 'lit'
        ) {
          calls.add(`sprig.${String(n.fn.key.v)}`);
        } else walk(n.fn);
        n.args.forEach(walk);
        return;
      case 'member':
        walk(n.obj);
        walk(n.key);
        return;
      case 'unary':
        walk(n.arg);
        return;
      case 'bin':
        walk(n.l);
        walk(n.r);
        return;
      case 'cond':
        walk(n.c);
        walk(n.a);
        walk(n.b);
        return;
      case 'array':
        n.items.forEach(walk);
        return;
      case 'map':
        for (const [k, v] of n.entries) {
          walk(k);
          walk(v);
        }
        return;
      case 'closure':
        walk(n.body);
        return;
      case 'lit':
        return;
    }
  };
  walk(ast);
  return { variables: [...variables], calls: [...calls] };
}

/** Go's `fmt.Sprintf("%v", v)` for the values expressions produce. */
export function formatValue(v: Value): string {
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return formatGoFloat(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (v instanceof GoTime) return new Date(v.ms).toISOString();
  if (Array.isArray(v)) return `[${v.map(formatValue).join(' ')}]`;
  if (typeof v === 'function') return '<func>';
  return `map[${Object.entries(v)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, x]) => `${k}:${formatValue(x)}`)
    .join(' ')}]`;
}

function formatGoFloat(x: number): string {
  if (Number.isInteger(x) && Math.abs(x) < 1e21) return Math.abs(x) >= 1e21 ? x.toExponential() : String(x);
  const s = String(x);
  return s.replace(/e\+?(-?)(\d)$/, 'e$1+0$2').replace('e+-', 'e-');
}

/** Converts a JSON value (e.g. from `withParam`) into an expression value: integral numbers become floats like Go's JSON. */
export function fromJson(v: unknown): Value {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number')
    return v as Value;
  if (Array.isArray(v)) return v.map(fromJson);
  if (typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromJson(x)]));
  throw new ExprError(`unsupported JSON value ${String(v)}`);
}

export function toJsonCompatible(v: Value): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof GoTime) return new Date(v.ms).toISOString();
  if (Array.isArray(v)) return v.map(toJsonCompatible);
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJsonCompatible(x)]));
  if (typeof v === 'function') return null;
  return v;
}
