import type { CommandContext } from './backfill.js';
import type { PlainConnection } from './db.js';
import { parseConnUri } from './uri.js';

export interface ConnectionsArgs {
  readonly list_connections: boolean;
  readonly add_connection: boolean;
  readonly delete_connection: boolean;
  readonly conn_id: string | undefined;
  readonly conn_uri: string | undefined;
  readonly conn_extra: string | undefined;
}

const say = (ctx: CommandContext, msg: string) => ctx.io.out(`\n\t${msg}\n\n`);
const pyList = (items: readonly string[]) => `[${items.map((i) => `'${i}'`).join(', ')}]`;

/** reprlib.repr: strings quoted (Python repr) and elided to 30 characters; None/True/False/ints as Python shows them. */
function reprlib(v: string | number | boolean | null): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return String(v);
  const quote = v.includes("'") && !v.includes('"') ? '"' : "'";
  const body = v
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(quote === "'" ? /'/g : /"/g, quote === "'" ? "\\'" : '\\"');
  const s = `${quote}${body}${quote}`;
  if (s.length <= 30) return s;
  const i = Math.max(0, Math.floor((30 - 3) / 2));
  const j = Math.max(0, 30 - 3 - i);
  return `${s.slice(0, i)}...${s.slice(s.length - j)}`;
}

/** tabulate(..., tablefmt="fancy_grid") with tabulate's default alignment (numbers right, text left). */
export function fancyGrid(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const numeric = headers.map(
    (_, c) => rows.length > 0 && rows.every((r) => /^-?\d+(\.\d+)?$/.test(r[c] ?? '')),
  );
  const width = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const cell = (text: string, c: number) => (numeric[c] ? text.padStart(width[c]!) : text.padEnd(width[c]!));
  const line = (l: string, m: string, r: string, f: string) =>
    l + width.map((w) => f.repeat(w + 2)).join(m) + r;
  const row = (cells: readonly string[]) => `│ ${cells.map((t, c) => cell(t, c)).join(' │ ')} │`;
  const out = [line('╒', '╤', '╕', '═'), row(headers), line('╞', '╪', '╡', '═')];
  rows.forEach((r, k) => {
    out.push(row(r));
    if (k < rows.length - 1) out.push(line('├', '┼', '┤', '─'));
  });
  out.push(line('╘', '╧', '╛', '═'));
  return out.join('\n');
}

/** `airflow connections` of 1.8.2 (reference §1.4): every usage mistake is a message and exit 0. */
export function connections(args: ConnectionsArgs, ctx: CommandContext): number {
  if (args.list_connections) {
    const invalid = (['conn_id', 'conn_uri', 'conn_extra'] as const).filter((k) => args[k] !== undefined);
    if (invalid.length) {
      say(ctx, `The following args are not compatible with the --list flag: ${pyList(invalid)}`);
      return 0;
    }
    const db = ctx.db();
    const doc = db.tables('connection', 'SELECT connection.conn_id, connection.conn_type FROM connection');
    // The query selects the stored `extra` column: a Fernet token when the extra is encrypted, as 1.8.2 lists it.
    const rows = doc.connections.map((c) =>
      [
        reprlib(c.conn_id),
        reprlib(c.conn_type),
        reprlib(c.host),
        reprlib(c.port),
        reprlib(c.is_encrypted),
        reprlib(c.is_extra_encrypted),
        reprlib(c.extra),
      ].map(String),
    );
    ctx.io.out(
      fancyGrid(
        ['Conn Id', 'Conn Type', 'Host', 'Port', 'Is Encrypted', 'Is Extra Encrypted', 'Extra'],
        rows,
      ),
    );
    return 0;
  }
  if (args.delete_connection) {
    const invalid = (['conn_uri', 'conn_extra'] as const).filter((k) => args[k] !== undefined);
    if (invalid.length) {
      say(ctx, `The following args are not compatible with the --delete flag: ${pyList(invalid)}`);
      return 0;
    }
    if (args.conn_id === undefined) {
      say(ctx, 'To delete a connection, you Must provide a value for the --conn_id flag.');
      return 0;
    }
    const db = ctx.db();
    const plain = db.plainConnections(ctx.fernet);
    const hits = plain.filter((c) => c.conn_id === args.conn_id);
    if (hits.length === 0) say(ctx, `Did not find a connection with \`conn_id\`=${args.conn_id}`);
    else if (hits.length > 1) say(ctx, `Found more than one connection with \`conn_id\`=${args.conn_id}`);
    else {
      db.storeConnections(
        plain.filter((c) => c !== hits[0]),
        ctx.fernet,
      );
      db.commit();
      say(ctx, `Successfully deleted \`conn_id\`=${args.conn_id}`);
    }
    return 0;
  }
  if (args.add_connection) {
    const missing = (['conn_id', 'conn_uri'] as const).filter((k) => args[k] === undefined);
    if (missing.length) {
      say(ctx, `The following args are required to add a connection: ${pyList(missing)}`);
      return 0;
    }
    const db = ctx.db();
    const plain = db.plainConnections(ctx.fernet);
    const fields = parseConnUri(args.conn_uri!);
    if (plain.some((c) => c.conn_id === args.conn_id)) {
      say(ctx, `A connection with \`conn_id\`=${args.conn_id} already exists`);
      return 0;
    }
    const id = Math.max(0, ...plain.map((c) => c.id)) + 1;
    const row: PlainConnection = {
      id,
      conn_id: args.conn_id!,
      conn_type: fields.conn_type,
      host: fields.host,
      schema: fields.schema,
      login: fields.login,
      password: fields.password,
      port: fields.port,
      extra: args.conn_extra ?? null,
    };
    db.storeConnections([...plain, row], ctx.fernet);
    db.commit();
    say(ctx, `Successfully added \`conn_id\`=${args.conn_id} : ${args.conn_uri}`);
    return 0;
  }
  return 0;
}
