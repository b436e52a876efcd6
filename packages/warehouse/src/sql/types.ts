/** A BigQuery field type as the REST API spells it in `schema.fields[]` (legacy type names). */
export interface BigQueryFieldType {
  type:
    | 'INTEGER'
    | 'FLOAT'
    | 'NUMERIC'
    | 'BIGNUMERIC'
    | 'BOOLEAN'
    | 'STRING'
    | 'BYTES'
    | 'DATE'
    | 'DATETIME'
    | 'TIME'
    | 'TIMESTAMP'
    | 'GEOGRAPHY'
    | 'JSON'
    | 'INTERVAL'
    | 'RECORD';
  mode?: 'REPEATED';
  fields?: (BigQueryFieldType & { name: string })[];
}

const SCALARS: Record<string, BigQueryFieldType['type']> = {
  BOOLEAN: 'BOOLEAN',
  BOOL: 'BOOLEAN',
  TINYINT: 'INTEGER',
  SMALLINT: 'INTEGER',
  INTEGER: 'INTEGER',
  INT: 'INTEGER',
  BIGINT: 'INTEGER',
  HUGEINT: 'INTEGER', // DuckDB widens SUM(BIGINT) to HUGEINT; BigQuery's SUM(INT64) is INT64
  UTINYINT: 'INTEGER',
  USMALLINT: 'INTEGER',
  UINTEGER: 'INTEGER',
  UBIGINT: 'INTEGER',
  UHUGEINT: 'INTEGER',
  FLOAT: 'FLOAT',
  REAL: 'FLOAT',
  DOUBLE: 'FLOAT',
  VARCHAR: 'STRING',
  TEXT: 'STRING',
  UUID: 'STRING',
  BLOB: 'BYTES',
  BIT: 'BYTES',
  DATE: 'DATE',
  TIME: 'TIME',
  'TIME WITH TIME ZONE': 'TIME',
  TIMESTAMP: 'DATETIME',
  TIMESTAMP_S: 'DATETIME',
  TIMESTAMP_MS: 'DATETIME',
  TIMESTAMP_NS: 'DATETIME',
  'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP',
  TIMESTAMPTZ: 'TIMESTAMP',
  INTERVAL: 'INTERVAL',
  JSON: 'JSON',
  NULL: 'INTEGER', // SELECT NULL is INT64 in BigQuery
  '"NULL"': 'INTEGER',
};

/**
 * Maps a DuckDB type (as `DuckDBType.toString()` prints it, e.g. `STRUCT("a" INTEGER, b VARCHAR[])`) to the BigQuery
 * schema type. DECIMAL with scale ≤ 9 is NUMERIC, wider scales BIGNUMERIC; T[] is mode REPEATED (BigQuery has no
 * nested arrays, so T[][] is reported as a repeated T); MAP and unions are reported as JSON.
 */
export function bigQueryTypeOfDuckType(duckType: string): BigQueryFieldType {
  const p = new TypeParser(duckType);
  const t = p.parseType();
  return t;
}

class TypeParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseType(): BigQueryFieldType {
    this.ws();
    let base: BigQueryFieldType;
    const word = this.word();
    const upper = word.toUpperCase();
    if (upper === 'STRUCT' || upper === 'ROW') {
      base = { type: 'RECORD', fields: this.structFields() };
    } else if (upper === 'DECIMAL' || upper === 'NUMERIC') {
      const args = this.parenArgs();
      const scale = Number(args[1] ?? '3');
      base = { type: scale > 9 ? 'BIGNUMERIC' : 'NUMERIC' };
    } else if (upper === 'MAP' || upper === 'UNION') {
      this.skipParens();
      base = { type: 'JSON' };
    } else {
      let name = upper;
      // multi-word names: TIMESTAMP WITH TIME ZONE, TIME WITH TIME ZONE
      const rest = this.s.slice(this.i);
      const m = /^\s+WITH TIME ZONE/i.exec(rest);
      if (m) {
        name = `${name} WITH TIME ZONE`;
        this.i += m[0].length;
      }
      this.skipParens(); // VARCHAR(10) and the like
      base = { type: SCALARS[name] ?? 'STRING' };
    }
    // array suffixes
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '[') break;
      const close = this.s.indexOf(']', this.i);
      this.i = close < 0 ? this.s.length : close + 1;
      base = { ...base, mode: 'REPEATED' };
    }
    return base;
  }

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i] as string)) this.i++;
  }

  private word(): string {
    this.ws();
    if (this.s[this.i] === '"') return this.quoted();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i));
    if (!m) return '';
    this.i += m[0].length;
    return m[0];
  }

  private quoted(): string {
    let out = '';
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s[this.i] as string;
      if (c === '"') {
        if (this.s[this.i + 1] === '"') {
          out += '"';
          this.i += 2;
          continue;
        }
        this.i++;
        break;
      }
      out += c;
      this.i++;
    }
    return out;
  }

  private parenArgs(): string[] {
    this.ws();
    if (this.s[this.i] !== '(') return [];
    const close = this.s.indexOf(')', this.i);
    const inner = this.s.slice(this.i + 1, close < 0 ? undefined : close);
    this.i = close < 0 ? this.s.length : close + 1;
    return inner.split(',').map((x) => x.trim());
  }

  private skipParens(): void {
    this.ws();
    if (this.s[this.i] !== '(') return;
    let depth = 0;
    for (; this.i < this.s.length; this.i++) {
      const c = this.s[this.i];
      if (c === '"') {
        this.quoted();
        this.i--;
        continue;
      }
      if (c === '(') depth++;
      else if (c === ')') {
        depth--;
        if (depth === 0) {
          this.i++;
          return;
        }
      }
    }
  }

  private structFields(): (BigQueryFieldType & { name: string })[] {
    this.ws();
    const fields: (BigQueryFieldType & { name: string })[] = [];
    if (this.s[this.i] !== '(') return fields;
    this.i++;
    for (;;) {
      this.ws();
      if (this.s[this.i] === ')') {
        this.i++;
        break;
      }
      const name = this.word();
      const t = this.parseType();
      fields.push({ name, ...t });
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] === ')') {
        this.i++;
        break;
      } else break;
    }
    return fields;
  }
}
