import {
  type Catalog,
  isIngestionPartitioned,
  isPartitioned,
  physicalName,
  type TableMeta,
} from './catalog.js';
import { lit } from './db.js';
import { type BigQueryError, invalid, invalidQuery, notFound } from './errors.js';
import { partitionDate } from './ids.js';
import type { ResolvedTable, TableRef } from './sql/tables.js';
import type { FieldSchema } from './types.js';

export type { ResolvedTable, TableRef } from './sql/tables.js';

const PARTITION_PSEUDO = ['_PARTITIONTIME', '_PARTITIONDATE'];

/** `Not found: Table p:d.t was not found in location US` — BigQuery's wording. */
export function tableNotFound(project: string, dataset: string, table: string): BigQueryError {
  return notFound(`Table ${project}:${dataset}.${table} was not found in location US`);
}

/** The DuckDB relation for one BigQuery table reference. */
export function makeResolver(catalog: Catalog, defaultProject: string): (ref: TableRef) => ResolvedTable {
  return (ref) => {
    const project = ref.project ?? defaultProject;
    if (!catalog.dataset(project, ref.dataset)) {
      throw notFound(`Dataset ${project}:${ref.dataset} was not found in location US`);
    }
    const meta = ref.meta ?? (ref.table === '__TABLES__' ? 'TABLES' : undefined);
    if (meta === 'TABLES') return tablesMeta(catalog, project, ref.dataset);
    if (meta?.startsWith('INFORMATION_SCHEMA.'))
      return informationSchema(catalog, project, ref.dataset, meta);
    if (ref.wildcardPrefix !== undefined) return wildcard(catalog, project, ref.dataset, ref.wildcardPrefix);
    const table = catalog.table(project, ref.dataset, ref.table);
    if (!table) throw tableNotFound(project, ref.dataset, ref.table);
    if (table.view) return viewRelation(catalog, table, ref);
    if (meta === 'PARTITIONS_SUMMARY' || ref.decorator === '__PARTITIONS_SUMMARY__')
      return partitionsSummary(table);
    if (ref.access === 'write') {
      if (ref.decorator) throw invalid('Partition decorators are not supported as DML targets.');
      return { sql: physicalName(table.uid), pseudoColumns: [] };
    }
    return tableRelation(table, ref.decorator);
  };
}

/** A view read in a query: its own query, translated where it is read (so it always sees the tables as they are). */
function viewRelation(catalog: Catalog, view: TableMeta, ref: TableRef): ResolvedTable {
  const name = `${view.project}:${view.datasetId}.${view.tableId}`;
  if (ref.access === 'write') throw invalidQuery(`Cannot modify view ${name}: DML statements need a table`);
  if (ref.decorator !== undefined || ref.meta !== undefined)
    throw invalidQuery(`Partition decorators cannot be used with view ${name}`);
  if (!catalog.viewSql) throw invalidQuery('Views need the SQL translator, which is not available');
  // the marker tells query-scan.ts which view's text a filter may be in
  return { sql: `(/*view:${view.uid}*/ ${catalog.viewSql(view)})`, pseudoColumns: [] };
}

/** A table's relation with pseudo-columns, optionally restricted to one partition. */
export function tableRelation(table: TableMeta, decorator?: string, extraSelect = ''): ResolvedTable {
  const filter = decorator === undefined ? '' : ` WHERE ${partitionFilter(table, decorator)}`;
  if (isIngestionPartitioned(table)) {
    return {
      sql: `(SELECT *, CAST(_PARTITIONTIME AS DATE) AS _PARTITIONDATE${extraSelect} FROM ${physicalName(table.uid)}${filter})`,
      pseudoColumns: [...PARTITION_PSEUDO],
    };
  }
  if (!filter && !extraSelect) return { sql: physicalName(table.uid), pseudoColumns: [] };
  return { sql: `(SELECT *${extraSelect} FROM ${physicalName(table.uid)}${filter})`, pseudoColumns: [] };
}

/** SQL condition selecting partition `decorator` of `table` (the table's own columns only). */
export function partitionFilter(table: TableMeta, decorator: string): string {
  if (decorator.startsWith('@') || /^\d{10,}$/.test(decorator)) {
    throw invalid(`Snapshot decorators are not supported: ${decorator.slice(0, 30)}`);
  }
  if (table.rangePartitioning || (table.timePartitioning && table.timePartitioning.type !== 'DAY')) {
    const by = table.rangePartitioning ? 'integer-range' : `${table.timePartitioning?.type}`;
    throw invalid(
      `Partition decorators of ${by} partitioned tables are not supported by the local warehouse: ${table.project}:${table.datasetId}.${table.tableId}$${decorator.slice(0, 30)}`,
    );
  }
  if (!table.timePartitioning) {
    throw invalid(
      `Cannot read partition information from a table that is not partitioned: ${table.project}:${table.datasetId}.${table.tableId}$${decorator.slice(0, 30)}`,
    );
  }
  const field = table.timePartitioning.field;
  if (decorator === '__UNPARTITIONED__' || decorator === '__NULL__') {
    return field ? `"${field}" IS NULL` : '_PARTITIONTIME IS NULL';
  }
  const date = partitionDate(decorator);
  return field
    ? `CAST("${field}" AS DATE) = DATE '${date}'`
    : `_PARTITIONTIME = TIMESTAMPTZ '${date} 00:00:00+00'`;
}

function wildcard(catalog: Catalog, project: string, dataset: string, prefix: string): ResolvedTable {
  const matches = catalog.tablesOf(project, dataset).filter((t) => t.tableId.startsWith(prefix));
  if (matches.length === 0) {
    throw notFound(`Table ${project}:${dataset}.${prefix}* does not match any table.`);
  }
  const view = matches.find((t) => t.view);
  if (view) {
    throw invalidQuery(
      `Views cannot be queried through prefix. First view ${project}:${dataset}.${view.tableId}.`,
    );
  }
  const partitioned = matches.every(isIngestionPartitioned);
  const parts = matches.map((t) => {
    const suffix = lit(t.tableId.slice(prefix.length));
    const extra = partitioned ? ', CAST(_PARTITIONTIME AS DATE) AS _PARTITIONDATE' : '';
    const exclude = !partitioned && isIngestionPartitioned(t) ? ' EXCLUDE (_PARTITIONTIME)' : '';
    return `SELECT *${exclude}${extra}, ${suffix} AS _TABLE_SUFFIX FROM ${physicalName(t.uid)}`;
  });
  return {
    sql: `(${parts.join(' UNION ALL BY NAME ')})`,
    pseudoColumns: partitioned ? ['_TABLE_SUFFIX', ...PARTITION_PSEUDO] : ['_TABLE_SUFFIX'],
  };
}

/** A relation from literal rows; typed columns so empty relations still have a schema. */
function values(columns: readonly [string, string][], rows: readonly string[][]): ResolvedTable {
  const select = columns.map(([name, type], i) => `CAST(col${i} AS ${type}) AS ${name}`).join(', ');
  if (rows.length === 0) {
    const nulls = columns.map(([name, type]) => `CAST(NULL AS ${type}) AS ${name}`).join(', ');
    return { sql: `(SELECT ${nulls} WHERE false)`, pseudoColumns: [] };
  }
  const names = columns.map((_, i) => `col${i}`).join(', ');
  const body = rows.map((r) => `(${r.join(', ')})`).join(', ');
  return { sql: `(SELECT ${select} FROM (VALUES ${body}) AS v(${names}))`, pseudoColumns: [] };
}

const num = (n: number | undefined) => (n === undefined || n === null ? 'NULL' : String(Math.trunc(n)));
const tsOfMs = (ms: number) => `make_timestamptz(${Math.trunc(ms)}::BIGINT * 1000)`;

function tablesMeta(catalog: Catalog, project: string, dataset: string): ResolvedTable {
  return values(
    [
      ['project_id', 'VARCHAR'],
      ['dataset_id', 'VARCHAR'],
      ['table_id', 'VARCHAR'],
      ['creation_time', 'BIGINT'],
      ['last_modified_time', 'BIGINT'],
      ['row_count', 'BIGINT'],
      ['size_bytes', 'BIGINT'],
      ['type', 'BIGINT'],
    ],
    catalog
      .tablesOf(project, dataset)
      .map((t) => [
        lit(project),
        lit(dataset),
        lit(t.tableId),
        num(t.creationTime),
        num(t.lastModifiedTime),
        num(t.numRows),
        num(t.numBytes),
        t.view ? '2' : '1',
      ]),
  );
}

function partitionsSummary(t: TableMeta): ResolvedTable {
  return values(
    [
      ['project_id', 'VARCHAR'],
      ['dataset_id', 'VARCHAR'],
      ['table_id', 'VARCHAR'],
      ['partition_id', 'VARCHAR'],
      ['creation_time', 'BIGINT'],
      ['last_modified_time', 'BIGINT'],
    ],
    Object.entries(t.partitions)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([id, p]) => [
        lit(t.project),
        lit(t.datasetId),
        lit(t.tableId),
        lit(id),
        num(p.creationTime),
        num(p.lastModifiedTime),
      ]),
  );
}

function informationSchema(catalog: Catalog, project: string, dataset: string, meta: string): ResolvedTable {
  const tables = catalog.tablesOf(project, dataset);
  const ids = [lit(project), lit(dataset)];
  if (meta === 'INFORMATION_SCHEMA.TABLES') {
    return values(
      [
        ['table_catalog', 'VARCHAR'],
        ['table_schema', 'VARCHAR'],
        ['table_name', 'VARCHAR'],
        ['table_type', 'VARCHAR'],
        ['is_insertable_into', 'VARCHAR'],
        ['is_typed', 'VARCHAR'],
        ['creation_time', 'TIMESTAMPTZ'],
        ['ddl', 'VARCHAR'],
      ],
      tables.map((t) => [
        ...ids,
        lit(t.tableId),
        lit(t.view ? 'VIEW' : 'BASE TABLE'),
        lit(t.view ? 'NO' : 'YES'),
        lit('NO'),
        tsOfMs(t.creationTime),
        lit(ddlOf(t)),
      ]),
    );
  }
  if (meta === 'INFORMATION_SCHEMA.COLUMNS') {
    return values(
      [
        ['table_catalog', 'VARCHAR'],
        ['table_schema', 'VARCHAR'],
        ['table_name', 'VARCHAR'],
        ['column_name', 'VARCHAR'],
        ['ordinal_position', 'BIGINT'],
        ['is_nullable', 'VARCHAR'],
        ['data_type', 'VARCHAR'],
        ['is_hidden', 'VARCHAR'],
        ['is_system_defined', 'VARCHAR'],
        ['is_partitioning_column', 'VARCHAR'],
        ['clustering_ordinal_position', 'BIGINT'],
      ],
      tables.flatMap((t) => {
        const cols = t.schema.map((f, i) => [
          ...ids,
          lit(t.tableId),
          lit(f.name),
          String(i + 1),
          lit(f.mode === 'REQUIRED' ? 'NO' : 'YES'),
          lit(standardType(f)),
          lit('NO'),
          lit('NO'),
          lit(t.timePartitioning?.field === f.name || t.rangePartitioning?.field === f.name ? 'YES' : 'NO'),
          t.clustering?.fields.includes(f.name) ? String(t.clustering.fields.indexOf(f.name) + 1) : 'NULL',
        ]);
        if (isIngestionPartitioned(t)) {
          cols.push([
            ...ids,
            lit(t.tableId),
            lit('_PARTITIONTIME'),
            'NULL',
            lit('YES'),
            lit('TIMESTAMP'),
            lit('YES'),
            lit('YES'),
            lit('YES'),
            'NULL',
          ]);
        }
        return cols;
      }),
    );
  }
  if (meta === 'INFORMATION_SCHEMA.VIEWS') {
    return values(
      [
        ['table_catalog', 'VARCHAR'],
        ['table_schema', 'VARCHAR'],
        ['table_name', 'VARCHAR'],
        ['view_definition', 'VARCHAR'],
        ['check_option', 'VARCHAR'],
        ['use_standard_sql', 'VARCHAR'],
      ],
      tables
        .filter((t) => t.view)
        .map((t) => [
          ...ids,
          lit(t.tableId),
          lit(t.view!.query),
          'NULL',
          lit(t.view!.useLegacySql ? 'NO' : 'YES'),
        ]),
    );
  }
  if (meta === 'INFORMATION_SCHEMA.PARTITIONS') {
    return values(
      [
        ['table_catalog', 'VARCHAR'],
        ['table_schema', 'VARCHAR'],
        ['table_name', 'VARCHAR'],
        ['partition_id', 'VARCHAR'],
        ['total_rows', 'BIGINT'],
        ['total_logical_bytes', 'BIGINT'],
        ['last_modified_time', 'TIMESTAMPTZ'],
        ['storage_tier', 'VARCHAR'],
      ],
      tables
        .filter((t) => !t.view)
        .flatMap((t) => {
          const rowBytes = t.numRows > 0 ? t.numBytes / t.numRows : 0;
          if (!isPartitioned(t)) {
            return [
              [
                ...ids,
                lit(t.tableId),
                'NULL',
                num(t.numRows),
                num(t.numBytes),
                tsOfMs(t.lastModifiedTime),
                lit('ACTIVE'),
              ],
            ];
          }
          return Object.entries(t.partitions).map(([id, p]) => [
            ...ids,
            lit(t.tableId),
            lit(id),
            num(p.numRows),
            num(p.numRows * rowBytes),
            tsOfMs(p.lastModifiedTime),
            lit('ACTIVE'),
          ]);
        }),
    );
  }
  throw notFound(`Table ${project}:${dataset}.${meta} was not found in location US`);
}

/** GoogleSQL spelling of a field's type, e.g. `ARRAY<STRUCT<id INT64, name STRING>>`. */
export function standardType(f: FieldSchema): string {
  const names: Record<string, string> = { INTEGER: 'INT64', FLOAT: 'FLOAT64', BOOLEAN: 'BOOL' };
  const base =
    f.type === 'RECORD'
      ? `STRUCT<${(f.fields ?? []).map((s) => `${s.name} ${standardType(s)}`).join(', ')}>`
      : (names[f.type] ?? f.type);
  return f.mode === 'REPEATED' ? `ARRAY<${base}>` : base;
}

function ddlOf(t: TableMeta): string {
  const cols = t.schema.map(
    (f) => `  ${f.name} ${standardType(f)}${f.mode === 'REQUIRED' ? ' NOT NULL' : ''}`,
  );
  const name = `\`${t.project}.${t.datasetId}.${t.tableId}\``;
  if (t.view) return `CREATE VIEW ${name}\nAS ${t.view.query};`;
  const part = partitionClause(t);
  const cluster = t.clustering ? `\nCLUSTER BY ${t.clustering.fields.join(', ')}` : '';
  return `CREATE TABLE ${name}\n(\n${cols.join(',\n')}\n)${part ? `\nPARTITION BY ${part}` : ''}${cluster};`;
}

/** The PARTITION BY expression of a partitioned table (GoogleSQL), or undefined. */
export function partitionClause(t: TableMeta): string | undefined {
  if (t.rangePartitioning) {
    const { field, range } = t.rangePartitioning;
    return `RANGE_BUCKET(${field}, GENERATE_ARRAY(${range.start}, ${range.end}, ${range.interval}))`;
  }
  const tp = t.timePartitioning;
  if (!tp) return undefined;
  if (!tp.field) return tp.type === 'DAY' ? '_PARTITIONDATE' : `TIMESTAMP_TRUNC(_PARTITIONTIME, ${tp.type})`;
  const type = t.schema.find((f) => f.name === tp.field)?.type;
  if (type === 'DATE') return tp.type === 'DAY' ? tp.field : `DATE_TRUNC(${tp.field}, ${tp.type})`;
  if (tp.type === 'DAY') return `DATE(${tp.field})`;
  return `${type === 'DATETIME' ? 'DATETIME' : 'TIMESTAMP'}_TRUNC(${tp.field}, ${tp.type})`;
}
