import nunjucks from 'nunjucks';

/**
 * Jinja2 syntax nunjucks lacks, added to nunjucks' parser and compiler only while one of OUR templates compiles
 * (`withPythonSyntax`; compilation is synchronous), so other nunjucks users in the process keep stock behaviour:
 *  - slices `x[a:b]`, `x[a:b:c]`, `x[::-1]` → a call of the context's `__py_slice__`;
 *  - a parenthesised list `(a, b)` is a tuple (nunjucks: JavaScript's comma operator, the last value): an array
 *    marked by `runtime.pyTuple`, printed `(a, b)`;
 *  - the arithmetic operators `+ - * / // %` → `runtime.pyBinOp(op, a, b)` (Python semantics, `str % args` included),
 *    and `~` → `runtime.pyConcat(a, b)` (both sides through Python's `str()`).
 */

/** The context name the slice syntax calls (render.ts puts `pySlice` there). */
export const SLICE_FN = '__py_slice__';

interface Token {
  type: string;
  value: string;
  lineno: number;
  colno: number;
}
type Node = object;
interface NodeCtor {
  new (lineno: number, colno: number, ...fields: unknown[]): Node;
}
interface ParserLike {
  peekToken(): Token | null;
  nextToken(): Token | null;
  skip(type: string): boolean;
  fail(message: string, lineno?: number, colno?: number): never;
  parseExpression(): Node;
  parseSignature(): Node;
}
interface CompilerLike {
  _emit(code: string): void;
  compile(node: Node, frame: unknown): void;
}
interface BinNode {
  left: Node;
  right: Node;
}

const lib = nunjucks as unknown as {
  lexer: Record<string, string>;
  nodes: Record<'FunCall' | 'LookupVal' | 'Literal' | 'Symbol' | 'NodeList', NodeCtor>;
  parser: { Parser: { prototype: Record<string, unknown> } };
  compiler: { Compiler: { prototype: Record<string, unknown> } };
};
const { lexer, nodes } = lib;
const T = {
  paren: lexer.TOKEN_LEFT_PAREN as string,
  bracket: lexer.TOKEN_LEFT_BRACKET as string,
  rbracket: lexer.TOKEN_RIGHT_BRACKET as string,
  colon: lexer.TOKEN_COLON as string,
  operator: lexer.TOKEN_OPERATOR as string,
  symbol: lexer.TOKEN_SYMBOL as string,
};

let compiling = 0;

/** Runs `compile` (a synchronous nunjucks compilation) with the Python syntax above. */
export function withPythonSyntax<R>(compile: () => R): R {
  compiling++;
  try {
    return compile();
  } finally {
    compiling--;
  }
}

const parserProto = lib.parser.Parser.prototype;
const stockPostfix = parserProto.parsePostfix as (this: ParserLike, node: Node) => Node;

/** `[index]` or `[start:stop:step]` after `[` was consumed; returns the lookup or slice node. */
function parseSubscript(p: ParserLike, target: Node, open: Token): Node {
  const parts: (Node | null)[] = [null];
  for (;;) {
    if (p.skip(T.rbracket)) break;
    if (p.skip(T.colon)) {
      if (parts.length === 3) p.fail('invalid slice: too many colons', open.lineno, open.colno);
      parts.push(null);
      continue;
    }
    if (parts[parts.length - 1] !== null) p.fail('expected ] or : in a subscript', open.lineno, open.colno);
    parts[parts.length - 1] = p.parseExpression();
  }
  if (parts.length === 1) {
    const index = parts[0];
    if (!index) return p.fail('expected an index inside []', open.lineno, open.colno);
    return new nodes.LookupVal(open.lineno, open.colno, target, index);
  }
  const none = (): Node => new nodes.Literal(open.lineno, open.colno, null);
  const args = [target, parts[0] ?? none(), parts[1] ?? none(), parts[2] ?? none()];
  return new nodes.FunCall(
    open.lineno,
    open.colno,
    new nodes.Symbol(open.lineno, open.colno, SLICE_FN),
    new nodes.NodeList(open.lineno, open.colno, args),
  );
}

parserProto.parsePostfix = function parsePostfix(this: ParserLike, start: Node): Node {
  if (compiling === 0) return stockPostfix.call(this, start);
  let node = start;
  for (let tok = this.peekToken(); tok; tok = this.peekToken()) {
    if (tok.type === T.paren) {
      node = new nodes.FunCall(tok.lineno, tok.colno, node, this.parseSignature());
    } else if (tok.type === T.bracket) {
      this.nextToken();
      node = parseSubscript(this, node, tok);
    } else if (tok.type === T.operator && tok.value === '.') {
      this.nextToken();
      const name = this.nextToken();
      if (!name || name.type !== T.symbol) {
        this.fail(
          `expected name as lookup value, got ${name?.value ?? 'end of input'}`,
          tok.lineno,
          tok.colno,
        );
      }
      node = new nodes.LookupVal(
        tok.lineno,
        tok.colno,
        node,
        new nodes.Literal(name.lineno, name.colno, name.value),
      );
    } else {
      break;
    }
  }
  return node;
};

const compilerProto = lib.compiler.Compiler.prototype;

function routeThroughRuntime(method: string, call: (op: string) => string, op: string): void {
  const stock = compilerProto[method] as (this: CompilerLike, node: BinNode, frame: unknown) => void;
  compilerProto[method] = function compileBinOp(this: CompilerLike, node: BinNode, frame: unknown): void {
    if (compiling === 0) {
      stock.call(this, node, frame);
      return;
    }
    this._emit(call(op));
    this.compile(node.left, frame);
    this._emit(', ');
    this.compile(node.right, frame);
    this._emit(')');
  };
}

for (const [method, op] of [
  ['compileAdd', '+'],
  ['compileSub', '-'],
  ['compileMul', '*'],
  ['compileDiv', '/'],
  ['compileFloorDiv', '//'],
  ['compileMod', '%'],
] as const) {
  routeThroughRuntime(method, (o) => `runtime.pyBinOp(${JSON.stringify(o)}, `, op);
}
routeThroughRuntime('compileConcat', () => 'runtime.pyConcat(', '~');

const stockGroup = compilerProto.compileGroup as (
  this: CompilerLike,
  node: { children: Node[] },
  frame: unknown,
) => void;
compilerProto.compileGroup = function compileGroup(
  this: CompilerLike,
  node: { children: Node[] },
  frame: unknown,
): void {
  if (compiling === 0 || node.children.length < 2) {
    stockGroup.call(this, node, frame);
    return;
  }
  this._emit('runtime.pyTuple([');
  node.children.forEach((child, i) => {
    if (i > 0) this._emit(',');
    this.compile(child, frame);
  });
  this._emit('])');
};
