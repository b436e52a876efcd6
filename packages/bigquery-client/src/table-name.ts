/** A table reference split like Airflow 1.8.2's `_split_tablename`, with the partition decorator kept apart. */
export interface TableName {
  readonly projectId: string;
  readonly datasetId: string;
  /** Table id WITHOUT decorator. */
  readonly tableId: string;
  /** Partition decorator without `$`, e.g. `20261122`; undefined when absent. */
  readonly decorator?: string;
}

/** Thrown for a malformed table name; the message is 1.8.2's (one line). */
export class TableNameError extends Error {
  override name = 'TableNameError';
}

const DATASET_RE = /^[A-Za-z0-9_]{1,1024}$/;
// BigQuery table ids: letters (any script), marks, digits, connectors, dashes, spaces; 1..1024 chars.
const TABLE_RE = /^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]{1,1024}$/u;
const PROJECT_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
const DECORATOR_RE = /^(\d{4}|\d{6}|\d{8}|\d{10}|__UNPARTITIONED__|__NULL__)$/;

/**
 * `project:dataset.table`, `project.dataset.table` or `dataset.table` (default project), optionally with a
 * `$YYYYMMDD` (or `$YYYY`, `$YYYYMM`, `$YYYYMMDDHH`, `$__UNPARTITIONED__`) decorator.
 * Errors use Airflow 1.8.2's messages: `Use either : or . to specify project got <input>` and
 * `Expect format of (<project.|<project:)<dataset>.<table>, got <input>`.
 */
export function parseTableName(input: string, defaultProject: string | undefined): TableName {
  const expect = `Expect format of (<project.|<project:)<dataset>.<table>, got ${input}`;
  let projectId: string | undefined;
  let rest: string;
  const colon = input.split(':');
  if (colon.length === 1) {
    rest = input;
  } else if (colon.length === 2) {
    projectId = colon[0] as string;
    rest = colon[1] as string;
    if (rest.split('.').length === 3)
      throw new TableNameError(`Use either : or . to specify project got ${input}`);
  } else {
    throw new TableNameError(`Expect format of (<project:)<dataset>.<table>, got ${input}`);
  }
  const parts = rest.split('.');
  let datasetId: string;
  let table: string;
  if (parts.length === 3) {
    [projectId, datasetId, table] = parts as [string, string, string];
  } else if (parts.length === 2) {
    [datasetId, table] = parts as [string, string];
  } else {
    throw new TableNameError(expect);
  }
  if (projectId === undefined) {
    if (!defaultProject) throw new TableNameError('INTERNAL: No default project is specified');
    projectId = defaultProject;
  }
  const dollar = table.indexOf('$');
  const tableId = dollar >= 0 ? table.slice(0, dollar) : table;
  const decorator = dollar >= 0 ? table.slice(dollar + 1) : undefined;
  if (!PROJECT_RE.test(projectId)) throw new TableNameError(`invalid project id '${projectId}' in ${input}`);
  if (!DATASET_RE.test(datasetId)) throw new TableNameError(`invalid dataset id '${datasetId}' in ${input}`);
  if (!TABLE_RE.test(tableId)) throw new TableNameError(`invalid table id '${tableId}' in ${input}`);
  if (decorator !== undefined && !DECORATOR_RE.test(decorator)) {
    throw new TableNameError(`invalid partition decorator '$${decorator}' in ${input} (expected $YYYYMMDD)`);
  }
  return { projectId, datasetId, tableId, ...(decorator !== undefined ? { decorator } : {}) };
}

/** `project:dataset.table$decorator` (the legacy-SQL spelling, unambiguous). */
export function formatTableName(t: TableName): string {
  return `${t.projectId}:${t.datasetId}.${t.tableId}${t.decorator !== undefined ? `$${t.decorator}` : ''}`;
}

/** The REST `TableReference` (decorator appended to tableId, as BigQuery expects for destinations). */
export function toTableReference(t: TableName): { projectId: string; datasetId: string; tableId: string } {
  return {
    projectId: t.projectId,
    datasetId: t.datasetId,
    tableId: t.decorator !== undefined ? `${t.tableId}$${t.decorator}` : t.tableId,
  };
}
