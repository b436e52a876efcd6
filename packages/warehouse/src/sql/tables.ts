import { SqlError } from './errors.js';

export type MetaTable =
  | 'TABLES'
  | 'PARTITIONS_SUMMARY'
  | 'INFORMATION_SCHEMA.TABLES'
  | 'INFORMATION_SCHEMA.COLUMNS'
  | 'INFORMATION_SCHEMA.PARTITIONS'
  | 'INFORMATION_SCHEMA.VIEWS';

/** A table named in a query, found syntactically (never guessed from strings). */
export interface TableRef {
  project?: string;
  dataset: string;
  table: string;
  /** the text after `$` in `t$20261120` or `t$__PARTITIONS_SUMMARY__` */
  decorator?: string;
  /** `day.2026*` → '2026' (the table is then '2026*') */
  wildcardPrefix?: string;
  meta?: MetaTable;
  /** 'write' for targets of DML/DDL: resolve to a plain physical name, not a subquery */
  access?: 'read' | 'write';
}

/** What the storage layer answers for a TableRef: a DuckDB relation plus the pseudo-columns it exposes. */
export interface ResolvedTable {
  sql: string;
  pseudoColumns: string[];
}

/** Splits `p.d.t`, `p:d.t` (legacy) into a TableRef. `parts` are already unquoted; one part may hold dots. */
export function tableRefFromParts(
  rawParts: string[],
  opts: { defaultDataset?: string; legacy?: boolean; access: 'read' | 'write'; display: string },
): TableRef {
  let parts = rawParts.flatMap((p) => p.split('.'));
  // legacy `project:dataset.table` (also accepted inside backticks in standard SQL, as BigQuery does)
  if (parts.length >= 1 && (parts[0] as string).includes(':')) {
    const [proj, ds] = (parts[0] as string).split(':', 2) as [string, string];
    parts = [proj, ds, ...parts.slice(1)];
  }
  if (parts.some((p) => p === '')) throw invalidName(opts.display);
  const upper = parts.map((p) => p.toUpperCase());
  const isIdx = upper.indexOf('INFORMATION_SCHEMA');
  if (isIdx >= 0) {
    const view = upper[isIdx + 1];
    if (
      isIdx + 2 !== parts.length ||
      (view !== 'TABLES' && view !== 'COLUMNS' && view !== 'PARTITIONS' && view !== 'VIEWS')
    ) {
      throw new SqlError('invalidQuery', `Unsupported INFORMATION_SCHEMA view in ${opts.display}`);
    }
    const ds = parts[isIdx - 1] ?? opts.defaultDataset;
    if (ds === undefined || isIdx > 2) throw invalidName(opts.display);
    const meta = `INFORMATION_SCHEMA.${view}` as MetaTable;
    const ref: TableRef = { dataset: ds, table: meta, meta, access: opts.access };
    if (isIdx === 2) ref.project = parts[0] as string;
    return ref;
  }
  let project: string | undefined;
  let dataset: string | undefined;
  let table: string;
  if (parts.length === 1) {
    dataset = opts.defaultDataset;
    table = parts[0] as string;
    if (dataset === undefined) {
      throw new SqlError(
        'invalidQuery',
        `Table name "${table.replace(/\$.*$/, '')}" missing dataset while no default dataset is set in the request.`,
      );
    }
  } else if (parts.length === 2) {
    [dataset, table] = parts as [string, string];
  } else if (parts.length === 3) {
    [project, dataset, table] = parts as [string, string, string];
  } else {
    throw invalidName(opts.display);
  }
  const ref: TableRef = { dataset, table, access: opts.access };
  if (project !== undefined) ref.project = project;
  const dollar = table.indexOf('$');
  if (dollar >= 0) {
    ref.decorator = table.slice(dollar + 1);
    ref.table = table.slice(0, dollar);
    if (ref.decorator === '' || ref.table === '') throw invalidName(opts.display);
    if (ref.decorator.toUpperCase() === '__PARTITIONS_SUMMARY__') {
      ref.decorator = '__PARTITIONS_SUMMARY__';
      ref.meta = 'PARTITIONS_SUMMARY';
    }
  }
  if (ref.table.endsWith('*')) ref.wildcardPrefix = ref.table.slice(0, -1);
  if (ref.table === '__TABLES__' || ref.table === '__TABLES_SUMMARY__') ref.meta = 'TABLES';
  return ref;
}

function invalidName(display: string): SqlError {
  return new SqlError('invalidQuery', `Invalid table name: ${display}`);
}
