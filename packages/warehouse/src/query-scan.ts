import { type Catalog, isIngestionPartitioned, type TableMeta } from './catalog.js';
import { invalidQuery } from './errors.js';
import { estimateRowBytes } from './types.js';

/**
 * What a translated query reads, for two of BigQuery's query-time rules: `requirePartitionFilter` (a query over such a
 * table needs a WHERE filter on its partitioning column) and the bytes a query processes (dry runs report it).
 *
 * The translated DuckDB text names every table it reads by its physical name (`bq."t<uid>"`, see resolve.ts), and a
 * partition decorator's read is `bq."t<uid>" WHERE <partition filter>` — so the tables read, and whether a read is
 * already restricted to one partition, are found in it exactly. Which columns and filters the user wrote are found in
 * the user's text, with strings and comments removed.
 */

export interface TableRead {
  table: TableMeta;
  onePartition: boolean;
}

/** Tables `translated` reads, each once, with whether every read of it is a decorator's one-partition read. */
export function tablesRead(catalog: Catalog, translated: string): TableRead[] {
  if (!translated.includes('bq."t')) return [];
  const out: TableRead[] = [];
  let byUid: Map<number, TableMeta> | undefined;
  const re = /bq\."t(\d+)"( WHERE )?/g;
  const seen = new Map<number, TableRead>();
  for (let m = re.exec(translated); m; m = re.exec(translated)) {
    if (!byUid) {
      byUid = new Map();
      for (const t of catalog.tables.values()) if (!t.view) byUid.set(t.uid, t);
    }
    const t = byUid.get(Number(m[1]));
    if (!t) continue;
    const filtered = m[2] !== undefined;
    const entry = seen.get(t.uid);
    if (entry) entry.onePartition &&= filtered;
    else {
      const e = { table: t, onePartition: filtered };
      seen.set(t.uid, e);
      out.push(e);
    }
  }
  return out;
}

/** The user's SQL without string literals and comments (so a word in a string is not a column). */
export function codeOnly(sql: string): string {
  return sql.replace(
    /'''[\s\S]*?'''|"""[\s\S]*?"""|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|--[^\n]*|#[^\n]*|\/\*[\s\S]*?\*\//g,
    ' ',
  );
}

const CLAUSE_END = /^(GROUP|ORDER|LIMIT|HAVING|QUALIFY|WINDOW|UNION|INTERSECT|EXCEPT)$/i;

/** The text of every WHERE clause of `code` (up to the next clause of the same level, or its closing parenthesis). */
export function whereClauses(code: string): string[] {
  const out: string[] = [];
  const re = /\bWHERE\b/gi;
  for (let m = re.exec(code); m; m = re.exec(code)) {
    let depth = 0;
    let end = code.length;
    const word = /[A-Za-z_]+|[()]/g;
    word.lastIndex = m.index + m[0].length;
    for (let w = word.exec(code); w; w = word.exec(code)) {
      if (w[0] === '(') depth++;
      else if (w[0] === ')') {
        if (depth === 0) {
          end = w.index;
          break;
        }
        depth--;
      } else if (depth === 0 && CLAUSE_END.test(w[0])) {
        end = w.index;
        break;
      }
    }
    out.push(code.slice(m.index + m[0].length, end));
  }
  return out;
}

/** The queries of the views `translated` reads (resolve.ts marks each view's relation with its uid). */
function viewQueries(catalog: Catalog, translated: string): string[] {
  const uids = new Set([...translated.matchAll(/\/\*view:(\d+)\*\//g)].map((m) => Number(m[1])));
  if (uids.size === 0) return [];
  return [...catalog.tables.values()].filter((t) => t.view && uids.has(t.uid)).map((t) => t.view!.query);
}

/** The columns a WHERE filter must name for partition elimination on `t`. */
function partitionColumns(t: TableMeta): string[] {
  if (t.rangePartitioning) return [t.rangePartitioning.field];
  if (t.timePartitioning?.field) return [t.timePartitioning.field];
  return ['_PARTITIONTIME', '_PARTITIONDATE'];
}

const mentions = (text: string, name: string) =>
  new RegExp(`(^|[^A-Za-z0-9_])\`?${name}\`?($|[^A-Za-z0-9_])`, 'i').test(text);

/**
 * BigQuery's `requirePartitionFilter`: a query reading such a table (other than through a one-partition decorator)
 * must have a WHERE filter naming its partitioning column. Checked syntactically: a WHERE clause of the query that
 * names the column (BigQuery also requires that the filter can prune partitions; a filter that names the column but
 * cannot prune is accepted here).
 */
export function checkPartitionFilters(
  catalog: Catalog,
  sql: string,
  translated: string,
  read: readonly TableRead[],
): void {
  let wheres: string[] | undefined;
  for (const { table: t, onePartition } of read) {
    if (!t.requirePartitionFilter || onePartition) continue;
    wheres ??= [sql, ...viewQueries(catalog, translated)].flatMap((text) => whereClauses(codeOnly(text)));
    const cols = partitionColumns(t);
    if (wheres.some((w) => cols.some((c) => mentions(w, c)))) continue;
    const named = isIngestionPartitioned(t)
      ? "'_PARTITION_LOAD_TIME', '_PARTITIONDATE', '_PARTITIONTIME'"
      : `'${cols[0]}'`;
    throw invalidQuery(
      `Cannot query over table '${t.project}.${t.datasetId}.${t.tableId}' without a filter over column(s) ${named} that can be used for partition elimination`,
    );
  }
}

/** `SELECT *`, `t.*`, `, *`: every column of the tables read. */
const STAR =
  /\bSELECT\s+(?:ALL\s+|DISTINCT\s+|AS\s+(?:STRUCT|VALUE)\s+)?\*|\.\*|,\s*\*\s*(?:,|FROM\b|EXCEPT\b|REPLACE\b)/i;

/**
 * The bytes a query processes, as BigQuery counts them (logical bytes of the columns it reads): for each table
 * read, its rows (all of them, also for a one-partition read: an upper bound there) times the
 * estimated size of the columns the query names (all of them for `*`). An estimate: the per-value sizes are
 * numBytes' (`estimateRowBytes`), and a column is taken as read when its name appears in the query text.
 */
export function estimateBytesProcessed(sql: string, read: readonly TableRead[]): number {
  if (read.length === 0) return 0;
  const code = codeOnly(sql);
  const star = STAR.test(code);
  let total = 0;
  for (const { table: t } of read) {
    const cols = star ? t.schema : t.schema.filter((f) => mentions(code, f.name));
    total += t.numRows * estimateRowBytes(cols);
  }
  return Math.round(total);
}
