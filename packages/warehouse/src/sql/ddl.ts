import { SqlError, syntaxError } from './errors.js';
import { decodeStringLiteral } from './literals.js';
import { readPath } from './rewrite.js';
import { tableRefFromParts } from './tables.js';
import { isPunct, isWord, nextSig, type Token, tokenize } from './tokenize.js';

/**
 * GoogleSQL DDL parsed into a plain description (never translated to DuckDB text): the storage layer carries it out
 * with its own catalog operations, so no part of a DDL statement reaches DuckDB except the query of a
 * `CREATE TABLE … AS` or `CREATE VIEW`, which goes through translateQuery (and its sandbox) like any other query.
 */

/** A column definition, in the REST API's spelling (INTEGER, FLOAT, BOOLEAN, RECORD; mode REPEATED for ARRAY). */
export interface DdlColumn {
  name: string;
  type: string;
  mode: 'NULLABLE' | 'REQUIRED' | 'REPEATED';
  fields?: DdlColumn[];
  description?: string;
}

/** `PARTITION BY`: a time unit over a column (or ingestion time when `field` is absent), or integer ranges. */
export type DdlPartition =
  | {
      kind: 'time';
      type: 'DAY' | 'HOUR' | 'MONTH' | 'YEAR';
      field?: string;
      /** how the column was named: `col`, `DATE(col)`, `TIMESTAMP_TRUNC(col, …)`… (the column's type must fit) */
      fn: 'COLUMN' | 'DATE' | 'TIMESTAMP_TRUNC' | 'DATE_TRUNC' | 'DATETIME_TRUNC';
    }
  | { kind: 'range'; field: string; start: string; end: string; interval: string };

/** An OPTIONS value: literals only (strings, numbers, booleans, NULL, label pairs, a TIMESTAMP literal). */
export type DdlOptionValue = string | number | boolean | null | [string, string][] | { timestamp: string };

export interface DdlTarget {
  project?: string;
  dataset: string;
  table: string;
}

export type DdlStatement =
  | {
      kind: 'CREATE_TABLE';
      replace: boolean;
      ifNotExists: boolean;
      target: DdlTarget;
      columns?: DdlColumn[];
      partition?: DdlPartition;
      clusterBy?: string[];
      options: Record<string, DdlOptionValue>;
      /** the text of `AS query` (CREATE TABLE … AS SELECT) */
      query?: string;
    }
  | {
      kind: 'CREATE_VIEW';
      replace: boolean;
      ifNotExists: boolean;
      target: DdlTarget;
      options: Record<string, DdlOptionValue>;
      query: string;
    }
  | { kind: 'DROP_TABLE' | 'DROP_VIEW'; ifExists: boolean; target: DdlTarget }
  | { kind: 'TRUNCATE_TABLE'; target: DdlTarget }
  | {
      kind: 'ALTER_TABLE' | 'ALTER_VIEW';
      ifExists: boolean;
      target: DdlTarget;
      addColumns: { ifNotExists: boolean; column: DdlColumn }[];
      options?: Record<string, DdlOptionValue>;
    }
  | {
      kind: 'CREATE_SCHEMA';
      ifNotExists: boolean;
      project?: string;
      dataset: string;
      options: Record<string, DdlOptionValue>;
    }
  | { kind: 'DROP_SCHEMA'; ifExists: boolean; project?: string; dataset: string; cascade: boolean };

const SIMPLE_TYPES: Record<string, string> = {
  INT64: 'INTEGER',
  INT: 'INTEGER',
  SMALLINT: 'INTEGER',
  INTEGER: 'INTEGER',
  BIGINT: 'INTEGER',
  TINYINT: 'INTEGER',
  BYTEINT: 'INTEGER',
  FLOAT64: 'FLOAT',
  NUMERIC: 'NUMERIC',
  DECIMAL: 'NUMERIC',
  BIGNUMERIC: 'BIGNUMERIC',
  BIGDECIMAL: 'BIGNUMERIC',
  BOOL: 'BOOLEAN',
  BOOLEAN: 'BOOLEAN',
  STRING: 'STRING',
  BYTES: 'BYTES',
  DATE: 'DATE',
  DATETIME: 'DATETIME',
  TIME: 'TIME',
  TIMESTAMP: 'TIMESTAMP',
  JSON: 'JSON',
  GEOGRAPHY: 'GEOGRAPHY',
  INTERVAL: 'INTERVAL',
};

/** Types that take `(length)` or `(precision[, scale])` parameters (kept as the plain type here). */
const PARAMETERISED = new Set(['STRING', 'BYTES', 'NUMERIC', 'DECIMAL', 'BIGNUMERIC', 'BIGDECIMAL']);

/** Whether `sql` is a DDL statement (its first word CREATE, DROP, ALTER or TRUNCATE). */
export function isDdl(sql: string): boolean {
  const m = /^(?:\s|--[^\n]*\n|#[^\n]*\n|\/\*[\s\S]*?\*\/)*(\w+)/.exec(sql);
  return m !== null && /^(CREATE|DROP|ALTER|TRUNCATE)$/i.test(m[1] as string);
}

/** Parses one DDL statement; undefined when `sql` is not DDL. Throws SqlError (`invalidQuery`) on bad syntax. */
export function parseDdl(sql: string, opts: { defaultDataset?: string } = {}): DdlStatement | undefined {
  if (!isDdl(sql)) return undefined;
  return new Parser(sql, opts.defaultDataset).statement();
}

class Parser {
  private readonly tokens: Token[];
  private p: number;

  constructor(
    private readonly sql: string,
    private readonly defaultDataset: string | undefined,
  ) {
    this.tokens = tokenize(sql);
    this.p = nextSig(this.tokens, 0);
  }

  private peek(offset = 0): Token | undefined {
    let k = this.p;
    for (let n = 0; n < offset && k >= 0; n++) k = nextSig(this.tokens, k + 1);
    return k < 0 ? undefined : this.tokens[k];
  }

  private advance(): Token {
    const t = this.peek();
    if (!t) throw this.unexpected();
    this.p = nextSig(this.tokens, this.p + 1);
    return t;
  }

  private word(...words: string[]): boolean {
    if (!isWord(this.peek(), ...words)) return false;
    this.advance();
    return true;
  }

  private expectWord(...words: string[]): string {
    const t = this.peek();
    if (!isWord(t, ...words)) throw this.unexpected();
    this.advance();
    return (t as Token).text.toUpperCase();
  }

  private punct(p: string): boolean {
    if (!isPunct(this.peek(), p)) return false;
    this.advance();
    return true;
  }

  private expectPunct(p: string): void {
    if (!this.punct(p)) throw this.unexpected();
  }

  /** `>` closing a type: `>>` (one token) closes two levels. */
  private closeAngle(): void {
    const t = this.peek();
    if (isPunct(t, '>>')) {
      (t as Token).text = '>';
      (t as Token).pos += 1;
      return;
    }
    this.expectPunct('>');
  }

  private unexpected(t: Token | undefined = this.peek()): SqlError {
    if (!t) return syntaxError('Unexpected end of statement', this.sql, this.sql.length);
    const what =
      t.kind === 'ident'
        ? `identifier "${t.text.slice(0, 40)}"`
        : t.kind === 'string'
          ? 'string literal'
          : t.kind === 'number'
            ? `integer literal "${t.text.slice(0, 20)}"`
            : `"${t.text.slice(0, 10)}"`;
    return syntaxError(`Unexpected ${what}`, this.sql, t.pos);
  }

  private end(): void {
    this.punct(';');
    if (this.peek()) throw this.unexpected();
  }

  private ifNotExists(): boolean {
    if (!isWord(this.peek(), 'IF')) return false;
    this.advance();
    this.expectWord('NOT');
    this.expectWord('EXISTS');
    return true;
  }

  private ifExists(): boolean {
    if (!isWord(this.peek(), 'IF')) return false;
    this.advance();
    this.expectWord('EXISTS');
    return true;
  }

  statement(): DdlStatement {
    const verb = this.expectWord('CREATE', 'DROP', 'ALTER', 'TRUNCATE');
    if (verb === 'CREATE') return this.create();
    if (verb === 'DROP') return this.drop();
    if (verb === 'TRUNCATE') {
      this.expectWord('TABLE');
      const target = this.tableName();
      this.end();
      return { kind: 'TRUNCATE_TABLE', target };
    }
    return this.alter();
  }

  private create(): DdlStatement {
    let replace = false;
    if (this.word('OR')) {
      this.expectWord('REPLACE');
      replace = true;
    }
    const temp = this.peek();
    if (this.word('TEMP', 'TEMPORARY')) {
      throw new SqlError(
        'invalidQuery',
        `Use of CREATE TEMPORARY TABLE requires a script or session at [${this.at(temp as Token)}]`,
      );
    }
    const what = this.expectWord('TABLE', 'VIEW', 'SCHEMA');
    const ifNotExists = this.ifNotExists();
    if (replace && ifNotExists) {
      throw new SqlError(
        'invalidQuery',
        `CREATE ${what} cannot have both OR REPLACE and IF NOT EXISTS at [${this.at(this.tokens[0] as Token)}]`,
      );
    }
    if (what === 'SCHEMA') {
      const { project, dataset } = this.schemaName();
      const options = this.word('OPTIONS') ? this.options() : {};
      this.end();
      return { kind: 'CREATE_SCHEMA', ifNotExists, ...(project ? { project } : {}), dataset, options };
    }
    const target = this.tableName();
    if (what === 'VIEW') {
      const options = this.word('OPTIONS') ? this.options() : {};
      const query = this.asQuery();
      if (query === undefined) throw this.unexpected();
      return { kind: 'CREATE_VIEW', replace, ifNotExists, target, options, query };
    }
    const stmt: Extract<DdlStatement, { kind: 'CREATE_TABLE' }> = {
      kind: 'CREATE_TABLE',
      replace,
      ifNotExists,
      target,
      options: {},
    };
    if (isPunct(this.peek(), '(')) stmt.columns = this.columnList();
    if (this.word('PARTITION')) {
      this.expectWord('BY');
      stmt.partition = this.partitionBy();
    }
    if (this.word('CLUSTER')) {
      this.expectWord('BY');
      stmt.clusterBy = [this.columnName()];
      while (this.punct(',')) stmt.clusterBy.push(this.columnName());
    }
    if (this.word('OPTIONS')) stmt.options = this.options();
    const query = this.asQuery();
    if (query !== undefined) stmt.query = query;
    else {
      if (!stmt.columns) {
        const t = this.peek();
        if (t) throw this.unexpected();
        throw new SqlError(
          'invalidQuery',
          'A table must have at least one column: give a column list or AS query',
        );
      }
      this.end();
    }
    return stmt;
  }

  /** `AS query` to the end of the statement (the query's text, for translateQuery); undefined without AS. */
  private asQuery(): string | undefined {
    if (!this.word('AS')) return undefined;
    const t = this.peek();
    if (!t) throw this.unexpected();
    const text = this.sql.slice(t.pos).replace(/;\s*$/, '');
    this.p = -1;
    return text;
  }

  private drop(): DdlStatement {
    const what = this.expectWord('TABLE', 'VIEW', 'SCHEMA');
    const ifExists = this.ifExists();
    if (what === 'SCHEMA') {
      const { project, dataset } = this.schemaName();
      const cascade = this.word('CASCADE');
      if (!cascade) this.word('RESTRICT');
      this.end();
      return { kind: 'DROP_SCHEMA', ifExists, ...(project ? { project } : {}), dataset, cascade };
    }
    const target = this.tableName();
    this.end();
    return { kind: what === 'VIEW' ? 'DROP_VIEW' : 'DROP_TABLE', ifExists, target };
  }

  private alter(): DdlStatement {
    const what = this.expectWord('TABLE', 'VIEW');
    const ifExists = this.ifExists();
    const target = this.tableName();
    const stmt: Extract<DdlStatement, { kind: 'ALTER_TABLE' | 'ALTER_VIEW' }> = {
      kind: what === 'VIEW' ? 'ALTER_VIEW' : 'ALTER_TABLE',
      ifExists,
      target,
      addColumns: [],
    };
    do {
      if (what === 'TABLE' && this.word('ADD')) {
        this.expectWord('COLUMN');
        const ifNot = this.ifNotExists();
        stmt.addColumns.push({ ifNotExists: ifNot, column: this.column() });
      } else {
        this.expectWord('SET');
        this.expectWord('OPTIONS');
        stmt.options = { ...(stmt.options ?? {}), ...this.options() };
      }
    } while (this.punct(','));
    this.end();
    return stmt;
  }

  private at(t: Token): string {
    const before = this.sql.slice(0, t.pos);
    return `${before.split('\n').length}:${t.pos - before.lastIndexOf('\n')}`;
  }

  private tableName(): DdlTarget {
    const t = this.peek();
    if (!t || (t.kind !== 'ident' && t.kind !== 'quoted' && t.kind !== 'number')) throw this.unexpected();
    const path = readPath(this.tokens, this.p);
    if (!path) throw this.unexpected();
    const refOpts: Parameters<typeof tableRefFromParts>[1] = { access: 'write', display: path.display };
    if (this.defaultDataset !== undefined) refOpts.defaultDataset = this.defaultDataset;
    const ref = tableRefFromParts(path.parts, refOpts);
    if (ref.decorator !== undefined || ref.wildcardPrefix !== undefined || ref.meta !== undefined) {
      throw new SqlError('invalidQuery', `Invalid table name: ${path.display} at [${this.at(t)}]`);
    }
    this.p = nextSig(this.tokens, path.end);
    const out: DdlTarget = { dataset: ref.dataset, table: ref.table };
    if (ref.project !== undefined) out.project = ref.project;
    return out;
  }

  private schemaName(): { project?: string; dataset: string } {
    const t = this.peek();
    if (!t || (t.kind !== 'ident' && t.kind !== 'quoted')) throw this.unexpected();
    const path = readPath(this.tokens, this.p);
    if (!path) throw this.unexpected();
    const parts = path.parts.flatMap((s) => s.split('.'));
    if (parts.length > 2 || parts.some((s) => s === '')) {
      throw new SqlError('invalidQuery', `Invalid schema name: ${path.display} at [${this.at(t)}]`);
    }
    this.p = nextSig(this.tokens, path.end);
    return parts.length === 2
      ? { project: parts[0] as string, dataset: parts[1] as string }
      : { dataset: parts[0] as string };
  }

  private columnName(): string {
    const t = this.peek();
    if (!t || (t.kind !== 'ident' && t.kind !== 'quoted')) throw this.unexpected();
    this.advance();
    return t.kind === 'quoted' ? t.text.slice(1, -1) : t.text;
  }

  private columnList(): DdlColumn[] {
    this.expectPunct('(');
    const cols = [this.column()];
    while (this.punct(',')) {
      if (isPunct(this.peek(), ')')) break; // a trailing comma is allowed
      cols.push(this.column());
    }
    this.expectPunct(')');
    return cols;
  }

  /** `name type [NOT NULL] [OPTIONS(description = "…")]` */
  private column(): DdlColumn {
    const name = this.columnName();
    const col = this.type(name);
    this.notNullAndOptions(col);
    return col;
  }

  private notNullAndOptions(col: DdlColumn): void {
    const t = this.peek();
    if (this.word('NOT')) {
      this.expectWord('NULL');
      if (col.mode === 'REPEATED') {
        throw new SqlError(
          'invalidQuery',
          `NOT NULL cannot be applied to ARRAY columns at [${this.at(t as Token)}]`,
        );
      }
      col.mode = 'REQUIRED';
    }
    if (this.word('OPTIONS')) {
      const opts = this.options();
      for (const [k, v] of Object.entries(opts)) {
        if (k !== 'description') throw new SqlError('invalidQuery', `Unknown column option: ${k}`);
        if (typeof v === 'string') col.description = v;
        else if (v !== null) throw new SqlError('invalidQuery', 'Column option description must be a STRING');
      }
    }
  }

  private type(name: string): DdlColumn {
    const t = this.peek();
    if (t?.kind !== 'ident') throw this.unexpected();
    const w = t.text.toUpperCase();
    this.advance();
    if (w === 'ARRAY') {
      this.expectPunct('<');
      const inner = this.type(name);
      this.closeAngle();
      if (inner.mode === 'REPEATED') {
        throw new SqlError('invalidQuery', `Arrays of arrays are not supported at [${this.at(t)}]`);
      }
      inner.mode = 'REPEATED';
      return inner;
    }
    if (w === 'STRUCT') {
      this.expectPunct('<');
      const fields: DdlColumn[] = [];
      do {
        const f = this.column();
        fields.push(f);
      } while (this.punct(','));
      this.closeAngle();
      return { name, type: 'RECORD', mode: 'NULLABLE', fields };
    }
    const type = SIMPLE_TYPES[w];
    if (!type)
      throw new SqlError('invalidQuery', `Type not found: ${t.text.slice(0, 40)} at [${this.at(t)}]`);
    if (PARAMETERISED.has(w) && this.punct('(')) {
      // STRING(10), NUMERIC(10, 2): parameters constrain values; the column keeps its type
      do {
        const n = this.advance();
        if (n.kind !== 'number') throw this.unexpected(n);
      } while (this.punct(','));
      this.expectPunct(')');
    }
    return { name, type, mode: 'NULLABLE' };
  }

  private partitionBy(): DdlPartition {
    const t = this.peek();
    if (!t || (t.kind !== 'ident' && t.kind !== 'quoted')) throw this.unexpected();
    const w = t.kind === 'ident' ? t.text.toUpperCase() : '';
    const call = isPunct(this.peek(1), '(');
    if (!call) {
      const name = this.columnName();
      if (name.toUpperCase() === '_PARTITIONDATE') return { kind: 'time', type: 'DAY', fn: 'DATE' };
      return { kind: 'time', type: 'DAY', field: name, fn: 'COLUMN' };
    }
    this.advance();
    this.expectPunct('(');
    if (w === 'RANGE_BUCKET') {
      const field = this.columnName();
      this.expectPunct(',');
      this.expectWord('GENERATE_ARRAY');
      this.expectPunct('(');
      const nums = [this.integer(), ...(this.punct(',') ? [this.integer()] : [])];
      if (this.punct(',')) nums.push(this.integer());
      this.expectPunct(')');
      this.expectPunct(')');
      if (nums.length !== 3) throw partitionSyntax();
      const [start, end, interval] = nums as [string, string, string];
      return { kind: 'range', field, start, end, interval };
    }
    if (w === 'DATE') {
      const field = this.columnName();
      this.expectPunct(')');
      if (field.toUpperCase() === '_PARTITIONTIME') return { kind: 'time', type: 'DAY', fn: 'DATE' };
      return { kind: 'time', type: 'DAY', field, fn: 'DATE' };
    }
    if (w === 'TIMESTAMP_TRUNC' || w === 'DATE_TRUNC' || w === 'DATETIME_TRUNC') {
      const field = this.columnName();
      this.expectPunct(',');
      const unit = this.expectWord('DAY', 'HOUR', 'MONTH', 'YEAR') as 'DAY' | 'HOUR' | 'MONTH' | 'YEAR';
      this.expectPunct(')');
      if (w === 'DATE_TRUNC' && unit !== 'MONTH' && unit !== 'YEAR') throw partitionSyntax();
      if (field.toUpperCase() === '_PARTITIONTIME') {
        if (w !== 'TIMESTAMP_TRUNC') throw partitionSyntax();
        return { kind: 'time', type: unit, fn: 'TIMESTAMP_TRUNC' };
      }
      return { kind: 'time', type: unit, field, fn: w };
    }
    throw partitionSyntax();
  }

  private integer(): string {
    const neg = this.punct('-');
    const t = this.advance();
    if (t.kind !== 'number' || !/^\d+$/.test(t.text)) throw partitionSyntax();
    return `${neg ? '-' : ''}${t.text}`;
  }

  /** `( name = value, … )` after OPTIONS */
  private options(): Record<string, DdlOptionValue> {
    this.expectPunct('(');
    const out: Record<string, DdlOptionValue> = {};
    if (this.punct(')')) return out;
    do {
      const name = this.columnName().toLowerCase();
      this.expectPunct('=');
      out[name] = this.optionValue(name);
    } while (this.punct(','));
    this.expectPunct(')');
    return out;
  }

  private optionValue(name: string): DdlOptionValue {
    const t = this.peek();
    if (!t) throw this.unexpected();
    if (t.kind === 'string' && !/^[bB]/.test(t.text)) {
      this.advance();
      return decodeStringLiteral(t, this.sql);
    }
    if (t.kind === 'number' || isPunct(t, '-')) {
      const neg = this.punct('-');
      const n = this.advance();
      if (n.kind !== 'number' || !Number.isFinite(Number(n.text))) throw this.unexpected(n);
      return (neg ? -1 : 1) * Number(n.text);
    }
    if (this.word('TRUE')) return true;
    if (this.word('FALSE')) return false;
    if (this.word('NULL')) return null;
    if (isWord(t, 'TIMESTAMP') && this.peek(1)?.kind === 'string') {
      this.advance();
      return { timestamp: decodeStringLiteral(this.advance(), this.sql) };
    }
    if (this.punct('[')) {
      const pairs: [string, string][] = [];
      if (this.punct(']')) return pairs;
      do {
        this.word('STRUCT');
        this.expectPunct('(');
        const k = this.stringLiteral(name);
        this.expectPunct(',');
        const v = this.stringLiteral(name);
        this.expectPunct(')');
        pairs.push([k, v]);
      } while (this.punct(','));
      this.expectPunct(']');
      return pairs;
    }
    throw new SqlError(
      'invalidQuery',
      `The value of option ${name} must be a literal in the local warehouse at [${this.at(t)}]`,
    );
  }

  private stringLiteral(option: string): string {
    const t = this.advance();
    if (t.kind !== 'string' || /^[bB]/.test(t.text)) {
      throw new SqlError('invalidQuery', `Option ${option} expects STRING values at [${this.at(t)}]`);
    }
    return decodeStringLiteral(t, this.sql);
  }
}

function partitionSyntax(): SqlError {
  return new SqlError(
    'invalidQuery',
    'PARTITION BY expression must be _PARTITIONDATE, DATE(_PARTITIONTIME), DATE(<timestamp_column>), ' +
      'DATE(<datetime_column>), DATETIME_TRUNC(<datetime_column>, DAY/HOUR/MONTH/YEAR), a DATE column, ' +
      'TIMESTAMP_TRUNC(<timestamp_column>, DAY/HOUR/MONTH/YEAR), DATE_TRUNC(<date_column>, MONTH/YEAR), or ' +
      'RANGE_BUCKET(<int64_column>, GENERATE_ARRAY(<int64_value>, <int64_value>, <int64_value>))',
  );
}
