import { invalidQuery } from '../errors.js';
import { isPunct, isWord, matchClose, nextSig, type Token, tokenize } from '../sql/tokenize.js';

/**
 * GoogleSQL procedural language (scripting), parsed into a small tree: statements split at top-level `;`, control
 * statements (DECLARE, SET, IF, BEGIN…END, LOOP, WHILE, BREAK/LEAVE, CONTINUE/ITERATE) with their expressions kept as
 * text, every other statement kept as a span of the script. Spans are offsets into the whole script, so errors can
 * name `[line:column]` of the script.
 */

export interface Span {
  start: number;
  end: number;
}

export type Stmt =
  | { kind: 'declare'; span: Span; names: string[]; type?: string; defaultExpr?: Span }
  | { kind: 'set'; span: Span; names: string[]; expr: Span }
  | { kind: 'if'; span: Span; branches: { cond: Span; body: Stmt[] }[]; elseBody?: Stmt[] }
  | { kind: 'block'; span: Span; body: Stmt[] }
  | { kind: 'loop'; span: Span; body: Stmt[] }
  | { kind: 'while'; span: Span; cond: Span; body: Stmt[] }
  | { kind: 'break' | 'continue'; span: Span }
  | { kind: 'sql'; span: Span };

/** `[line:column]` (1-based) of `offset` in `text`, as BigQuery writes positions. */
export function lineCol(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - before.lastIndexOf('\n') };
}

export const at = (text: string, offset: number): string => {
  const { line, column } = lineCol(text, offset);
  return `[${line}:${column}]`;
};

const CONTROL_WORDS = [
  'DECLARE',
  'SET',
  'IF',
  'BEGIN',
  'LOOP',
  'WHILE',
  'BREAK',
  'LEAVE',
  'CONTINUE',
  'ITERATE',
];

class Parser {
  readonly tokens: Token[];
  i = 0;
  constructor(readonly text: string) {
    this.tokens = tokenize(text);
    this.i = this.sig(0);
  }

  sig(k: number): number {
    const n = nextSig(this.tokens, k);
    return n < 0 ? this.tokens.length : n;
  }
  peek(offset = 0): Token | undefined {
    let k = this.i;
    for (let n = 0; n < offset; n++) k = this.sig(k + 1);
    return this.tokens[k];
  }
  advance(): Token {
    const t = this.tokens[this.i] as Token;
    this.i = this.sig(this.i + 1);
    return t;
  }
  get pos(): number {
    return this.tokens[this.i]?.pos ?? this.text.length;
  }
  error(message: string): never {
    throw invalidQuery(`Syntax error: ${message} at ${at(this.text, this.pos)}`);
  }
  expectWord(...words: string[]): Token {
    if (!isWord(this.peek(), ...words)) this.error(`Expected keyword ${words[0]} but got ${this.describe()}`);
    return this.advance();
  }
  describe(): string {
    const t = this.peek();
    if (!t) return 'end of script';
    return t.kind === 'ident' ? `keyword ${t.text.toUpperCase()}` : `"${t.text.slice(0, 20)}"`;
  }
  /** Skips an optional `;`. A statement must end in `;` unless the script (or block) ends there. */
  endStatement(): number {
    const end = this.pos;
    if (isPunct(this.peek(), ';')) this.advance();
    return end;
  }

  /** Offset just past the end of the expression / statement text starting here: the next top-level `;` or stop word. */
  scanTo(stop: (t: Token) => boolean): Span {
    const start = this.pos;
    let last = start;
    while (this.i < this.tokens.length) {
      const t = this.tokens[this.i] as Token;
      if (isPunct(t, ';') || stop(t)) break;
      if (isPunct(t, '(') || isPunct(t, '[')) {
        const close = matchClose(this.tokens, this.i);
        if (close < 0) this.error('Unclosed parenthesis');
        last = (this.tokens[close] as Token).pos + 1;
        this.i = this.sig(close + 1);
        continue;
      }
      // CASE … END inside an expression is not a block end
      if (isWord(t, 'CASE')) {
        let depth = 0;
        for (let k = this.i; k < this.tokens.length; k = this.sig(k + 1)) {
          const u = this.tokens[k] as Token;
          if (isWord(u, 'CASE')) depth++;
          else if (isWord(u, 'END')) depth--;
          if (depth === 0) {
            last = u.pos + u.text.length;
            this.i = this.sig(k + 1);
            break;
          }
        }
        if (depth !== 0) this.error('Expected keyword END');
        continue;
      }
      last = t.pos + t.text.length;
      this.i = this.sig(this.i + 1);
    }
    if (last === start) this.error(`Unexpected ${this.describe()}`);
    return { start, end: last };
  }

  block(terminators: string[]): Stmt[] {
    const out: Stmt[] = [];
    while (this.i < this.tokens.length && !isWord(this.peek(), ...terminators)) {
      if (isPunct(this.peek(), ';')) {
        this.advance();
        continue;
      }
      out.push(this.statement());
    }
    return out;
  }

  statement(): Stmt {
    const t = this.peek() as Token;
    const start = t.pos;
    const word = t.kind === 'ident' ? t.text.toUpperCase() : '';
    if (word === 'DECLARE') {
      this.advance();
      const names = this.names();
      let type: string | undefined;
      if (!isWord(this.peek(), 'DEFAULT') && !isPunct(this.peek(), ';') && this.peek()) {
        const s = this.scanTo((x) => isWord(x, 'DEFAULT'));
        type = this.text.slice(s.start, s.end);
      }
      let defaultExpr: Span | undefined;
      if (isWord(this.peek(), 'DEFAULT')) {
        this.advance();
        defaultExpr = this.scanTo(() => false);
      }
      if (!type && !defaultExpr) this.error('Expected a type or DEFAULT after the variable name');
      const end = this.endStatement();
      return {
        kind: 'declare',
        span: { start, end },
        names,
        ...(type ? { type } : {}),
        ...(defaultExpr ? { defaultExpr } : {}),
      };
    }
    if (word === 'SET') {
      this.advance();
      let names: string[];
      if (isPunct(this.peek(), '(')) {
        this.advance();
        names = this.names();
        if (!isPunct(this.peek(), ')')) this.error(`Expected ")" but got ${this.describe()}`);
        this.advance();
      } else {
        names = [this.name()];
      }
      if (!isPunct(this.peek(), '=')) this.error(`Expected "=" but got ${this.describe()}`);
      this.advance();
      const expr = this.scanTo(() => false);
      return { kind: 'set', span: { start, end: this.endStatement() }, names, expr };
    }
    if (word === 'IF') {
      this.advance();
      const branches: { cond: Span; body: Stmt[] }[] = [];
      let elseBody: Stmt[] | undefined;
      const cond = this.scanTo((x) => isWord(x, 'THEN'));
      this.expectWord('THEN');
      branches.push({ cond, body: this.block(['ELSEIF', 'ELSE', 'END']) });
      while (isWord(this.peek(), 'ELSEIF')) {
        this.advance();
        const c = this.scanTo((x) => isWord(x, 'THEN'));
        this.expectWord('THEN');
        branches.push({ cond: c, body: this.block(['ELSEIF', 'ELSE', 'END']) });
      }
      if (isWord(this.peek(), 'ELSE')) {
        this.advance();
        elseBody = this.block(['END']);
      }
      this.expectWord('END');
      this.expectWord('IF');
      return {
        kind: 'if',
        span: { start, end: this.endStatement() },
        branches,
        ...(elseBody ? { elseBody } : {}),
      };
    }
    if (word === 'BEGIN') {
      if (isWord(this.peek(1), 'TRANSACTION') || isPunct(this.peek(1), ';'))
        throw invalidQuery(
          `Transactions (BEGIN TRANSACTION) are not supported by this warehouse at ${at(this.text, start)}`,
        );
      this.advance();
      const body = this.block(['END', 'EXCEPTION']);
      if (isWord(this.peek(), 'EXCEPTION'))
        throw invalidQuery(
          `BEGIN … EXCEPTION is not supported by this warehouse at ${at(this.text, this.pos)}`,
        );
      this.expectWord('END');
      return { kind: 'block', span: { start, end: this.endStatement() }, body };
    }
    if (word === 'LOOP') {
      this.advance();
      const body = this.block(['END']);
      this.expectWord('END');
      this.expectWord('LOOP');
      return { kind: 'loop', span: { start, end: this.endStatement() }, body };
    }
    if (word === 'WHILE') {
      this.advance();
      const cond = this.scanTo((x) => isWord(x, 'DO'));
      this.expectWord('DO');
      const body = this.block(['END']);
      this.expectWord('END');
      this.expectWord('WHILE');
      return { kind: 'while', span: { start, end: this.endStatement() }, cond, body };
    }
    if (word === 'BREAK' || word === 'LEAVE' || word === 'CONTINUE' || word === 'ITERATE') {
      this.advance();
      return {
        kind: word === 'BREAK' || word === 'LEAVE' ? 'break' : 'continue',
        span: { start, end: this.endStatement() },
      };
    }
    if (
      ['FOR', 'REPEAT', 'RAISE', 'RETURN', 'CALL', 'EXECUTE', 'CASE', 'COMMIT', 'ROLLBACK'].includes(word)
    ) {
      throw invalidQuery(
        `${word} statements are not supported by this warehouse's scripting at ${at(this.text, start)}`,
      );
    }
    const span = this.scanTo(() => false);
    this.endStatement();
    return { kind: 'sql', span };
  }

  name(): string {
    const t = this.peek();
    if (!t || (t.kind !== 'ident' && t.kind !== 'quoted'))
      this.error(`Expected a variable name but got ${this.describe()}`);
    this.advance();
    return t.kind === 'quoted' ? t.text.slice(1, -1) : t.text;
  }

  names(): string[] {
    const out = [this.name()];
    while (isPunct(this.peek(), ',')) {
      this.advance();
      out.push(this.name());
    }
    return out;
  }
}

/** Parses a whole script. */
export function parseScript(text: string): Stmt[] {
  const p = new Parser(text);
  const out = p.block([]);
  if (p.i < p.tokens.length) p.error(`Unexpected ${p.describe()}`);
  return out;
}

/**
 * Whether a query text is a script: more than one statement, or one that only scripting has (DECLARE, SET, IF…).
 * Cheap: stops at the second top-level `;` with something after it.
 */
export function isScript(text: string): boolean {
  if (!/;|^\s*(DECLARE|SET|IF|BEGIN|LOOP|WHILE)\b/i.test(text)) return false;
  let tokens: Token[];
  try {
    tokens = tokenize(text);
  } catch {
    return false; // the translator reports the syntax error
  }
  const first = nextSig(tokens, 0);
  if (first >= 0 && isWord(tokens[first], ...CONTROL_WORDS)) return true;
  let depth = 0;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (isPunct(t, '(')) depth++;
    else if (isPunct(t, ')')) depth--;
    else if (depth === 0 && isPunct(t, ';') && nextSig(tokens, k + 1) >= 0) return true;
  }
  return false;
}
