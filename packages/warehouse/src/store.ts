import type { Catalog, DatasetMeta, TableMeta } from './catalog.js';
import type { Database } from './db.js';
import { invalid, notFound } from './errors.js';
import { checkDatasetId, checkProjectId, checkTableId } from './ids.js';
import type { Translator } from './translator.js';

/** What catalog and data operations work on: the DuckDB database and the catalog it holds, mirrored in memory. */
export interface Store {
  readonly db: Database;
  readonly catalog: Catalog;
  /** The SQL translator (views need it); undefined when ./sql failed to load. */
  readonly translator?: Translator | undefined;
}

export interface TableKey {
  projectId: string;
  datasetId: string;
  tableId: string;
}

/** A write transaction's hooks (Database.write): memory updates after COMMIT, bookkeeping statements with it. */
export interface Tx {
  onCommit(hook: () => void): void;
  atCommit(sql: string): void;
  /** A job's transaction: new metadata of an already stored table goes into the job record (see Catalog.saveJobSql). */
  snapshot?(t: TableMeta): void;
}

export function requireDataset(catalog: Catalog, project: string, datasetId: string): DatasetMeta {
  checkProjectId(project);
  checkDatasetId(datasetId);
  const d = catalog.dataset(project, datasetId);
  if (!d) throw notFound(`Dataset ${project}:${datasetId}`);
  return d;
}

export function requireTable(
  catalog: Catalog,
  project: string,
  datasetId: string,
  tableId: string,
): TableMeta {
  requireDataset(catalog, project, datasetId);
  checkTableId(tableId);
  const t = catalog.table(project, datasetId, tableId);
  if (!t) throw notFound(`Table ${project}:${datasetId}.${tableId}`);
  return t;
}

/** A table that holds rows: a view is refused with BigQuery's "Cannot <what> a table of type VIEW." (`invalid`). */
export function requireBaseTable(
  catalog: Catalog,
  project: string,
  datasetId: string,
  tableId: string,
  what: string,
): TableMeta {
  const t = requireTable(catalog, project, datasetId, tableId);
  if (t.view) throw invalid(`Cannot ${what} a table of type VIEW.`);
  return t;
}
