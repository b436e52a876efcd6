import { Catalog, type DatasetMeta, isPartitioned, physicalName, type TableMeta } from './catalog.js';
import { afterDataWrite } from './data-write.js';
import { BigQueryError, duplicate, invalid, invalidQuery } from './errors.js';
import { checkDatasetId, checkLabels, checkProjectId, checkTableId, splitDecorator } from './ids.js';
import { pageOf } from './paging.js';
import {
  createPhysical,
  evolveSchema,
  parseClustering,
  parseRangePartitioning,
  parseTimePartitioning,
} from './physical.js';
import { partitionFilter } from './resolve.js';
import { asObject, etag, type Json, LOCATION, optString } from './rest.js';
import { requireDataset, requireTable, type Store, type TableKey } from './store.js';
import { type FieldSchema, normalizeSchema } from './types.js';
import { viewSchema } from './views.js';

/** datasets.* and tables.* : REST-shaped catalog operations over a Store. */

export async function insertDataset(s: Store, project: string, body: unknown): Promise<Json> {
  checkProjectId(project);
  const b = asObject(body, 'Dataset');
  const ref = asObject(b.datasetReference ?? {}, 'datasetReference');
  const datasetId = checkDatasetId(String(ref.datasetId ?? ''));
  if (ref.projectId !== undefined && ref.projectId !== project) {
    throw invalid('datasetReference.projectId does not match the project in the URL.');
  }
  const now = Date.now();
  const d: DatasetMeta = {
    project,
    datasetId,
    location: optString(b.location, 'location') ?? LOCATION,
    creationTime: now,
    lastModifiedTime: now,
  };
  applyDatasetFields(d, b);
  await s.db.write(async (c, onCommit) => {
    if (s.catalog.dataset(project, datasetId)) throw duplicate(`Dataset ${project}:${datasetId}`);
    await Catalog.saveDataset(c, d);
    onCommit(() => s.catalog.putDataset(d));
  });
  return datasetResource(d);
}

export function getDataset(s: Store, project: string, datasetId: string): Json {
  return datasetResource(requireDataset(s.catalog, project, datasetId));
}

export function listDatasets(
  s: Store,
  project: string,
  q: { maxResults?: string; pageToken?: string },
): Json {
  checkProjectId(project);
  const all = s.catalog.datasetsOf(project);
  const { items, next } = pageOf(all, q);
  return {
    kind: 'bigquery#datasetList',
    etag: etag(all.length),
    datasets: items.map((d) => ({
      kind: 'bigquery#dataset',
      id: `${d.project}:${d.datasetId}`,
      datasetReference: { projectId: d.project, datasetId: d.datasetId },
      location: d.location,
      ...(d.labels ? { labels: d.labels } : {}),
      ...(d.friendlyName ? { friendlyName: d.friendlyName } : {}),
    })),
    ...(next ? { nextPageToken: next } : {}),
  };
}

export async function patchDataset(
  s: Store,
  project: string,
  datasetId: string,
  body: unknown,
  replace: boolean,
): Promise<Json> {
  const b = asObject(body, 'Dataset');
  return s.db.write(async (c, onCommit) => {
    const current = requireDataset(s.catalog, project, datasetId);
    const next: DatasetMeta = replace
      ? {
          project,
          datasetId,
          location: current.location,
          creationTime: current.creationTime,
          lastModifiedTime: 0,
        }
      : { ...current };
    applyDatasetFields(next, b);
    next.lastModifiedTime = Date.now();
    await Catalog.saveDataset(c, next);
    onCommit(() => s.catalog.putDataset(next));
    return datasetResource(next);
  });
}

export async function deleteDataset(
  s: Store,
  project: string,
  datasetId: string,
  deleteContents: boolean,
): Promise<void> {
  await s.db.write(async (c, onCommit) => {
    requireDataset(s.catalog, project, datasetId);
    const tables = s.catalog.tablesOf(project, datasetId);
    if (tables.length > 0 && !deleteContents) {
      throw new BigQueryError('resourceInUse', `Dataset ${project}:${datasetId} is still in use`);
    }
    const routines = s.catalog.routinesOf(project, datasetId);
    if (routines.length > 0 && !deleteContents) {
      throw new BigQueryError('resourceInUse', `Dataset ${project}:${datasetId} is still in use`);
    }
    for (const t of tables) await Catalog.deleteTable(c, t);
    if (routines.length > 0) await Catalog.deleteRoutines(c, project, datasetId);
    await Catalog.deleteDataset(c, project, datasetId);
    onCommit(() => {
      for (const r of routines) s.catalog.removeRoutine(project, datasetId, r.routineId);
      for (const t of tables) s.catalog.removeTable(t);
      s.catalog.removeDataset(project, datasetId);
    });
  });
}

// ───────────────────────────── tables ─────────────────────────────

export async function insertTable(
  s: Store,
  project: string,
  datasetId: string,
  body: unknown,
): Promise<Json> {
  checkProjectId(project);
  checkDatasetId(datasetId);
  const b = asObject(body, 'Table');
  const ref = asObject(b.tableReference ?? {}, 'tableReference');
  const tableId = checkTableId(String(ref.tableId ?? ''));
  if (b.materializedView !== undefined || b.externalDataConfiguration !== undefined) {
    throw invalid('Materialized views and external tables are not supported by this warehouse.');
  }
  if (b.view !== undefined && b.view !== null) {
    const v = asObject(b.view, 'view');
    if (typeof v.query !== 'string') throw invalid('view.query is required for a view.');
    const legacy = v.useLegacySql === undefined ? true : v.useLegacySql === true;
    requireDataset(s.catalog, project, datasetId);
    const schema = await viewSchema(s, s.translator, project, v.query, legacy);
    return createView(
      s,
      { projectId: project, datasetId, tableId },
      { query: v.query, useLegacySql: legacy },
      schema,
      'fail',
      (t) => applyTableFields(t, b),
    ).then(tableResource);
  }
  const schema = b.schema === undefined ? [] : normalizeSchema(asObject(b.schema, 'schema').fields ?? []);
  const layout = parseLayout(b, schema);
  return s.db.write(async (c, onCommit) => {
    requireDataset(s.catalog, project, datasetId);
    if (s.catalog.table(project, datasetId, tableId)) {
      throw duplicate(`Table ${project}:${datasetId}.${tableId}`);
    }
    const t = await createPhysical(
      s.catalog,
      c,
      { projectId: project, datasetId, tableId },
      schema,
      layout.timePartitioning,
    );
    Object.assign(t, layout);
    applyTableFields(t, b);
    await Catalog.saveTable(c, t);
    onCommit(() => s.catalog.putTable(t));
    return tableResource(t);
  });
}

/** Partitioning, clustering and the partition-filter requirement of a tables.insert body, checked against `schema`. */
export function parseLayout(b: Json, schema: FieldSchema[]): TableLayout {
  const tp = parseTimePartitioning(b.timePartitioning, schema);
  const rp = parseRangePartitioning(b.rangePartitioning, schema);
  if (tp && rp) throw invalid('Only one of timePartitioning and rangePartitioning may be specified.');
  const clustering = parseClustering(b.clustering, schema);
  const layout: TableLayout = {};
  if (tp) layout.timePartitioning = tp;
  if (rp) layout.rangePartitioning = rp;
  if (clustering) layout.clustering = clustering;
  const require = b.requirePartitionFilter ?? tp?.requirePartitionFilter;
  if (require === true) {
    if (!tp && !rp) throw invalid('requirePartitionFilter can only be set on a partitioned table.');
    layout.requirePartitionFilter = true;
  }
  return layout;
}

/** How a table is laid out besides its schema. */
export type TableLayout = Pick<
  TableMeta,
  'timePartitioning' | 'rangePartitioning' | 'clustering' | 'requirePartitionFilter'
>;

/**
 * Stores a view (no physical table). `existing`: what to do when the name is taken — fail (`duplicate`), replace a
 * view (a table of that name is refused, as BigQuery refuses CREATE OR REPLACE VIEW over a table) or skip.
 */
export async function createView(
  s: Store,
  key: TableKey,
  view: { query: string; useLegacySql: boolean },
  schema: FieldSchema[],
  existing: 'fail' | 'replace' | 'skip',
  fill?: (t: TableMeta) => void,
): Promise<TableMeta> {
  return s.db.write(async (c, onCommit) => {
    requireDataset(s.catalog, key.projectId, key.datasetId);
    const old = s.catalog.table(key.projectId, key.datasetId, key.tableId);
    const name = `${key.projectId}:${key.datasetId}.${key.tableId}`;
    if (old && existing === 'skip') return old;
    if (old && existing === 'fail') throw duplicate(`Table ${name}`);
    if (old && !old.view)
      throw invalidQuery(`${name} is a table, not a view; CREATE OR REPLACE VIEW cannot replace it`);
    const now = Date.now();
    const t: TableMeta = {
      uid: old?.uid ?? s.catalog.nextUid++,
      project: key.projectId,
      datasetId: key.datasetId,
      tableId: key.tableId,
      schema,
      view,
      creationTime: old?.creationTime ?? now,
      lastModifiedTime: now,
      numRows: 0,
      numBytes: 0,
      partitions: {},
    };
    fill?.(t);
    await Catalog.saveTable(c, t);
    onCommit(() => s.catalog.putTable(t));
    return t;
  });
}

export function getTable(s: Store, project: string, datasetId: string, tableIdRaw: string): Json {
  const { table } = splitDecorator(tableIdRaw);
  return tableResource(requireTable(s.catalog, project, datasetId, table));
}

export function listTables(
  s: Store,
  project: string,
  datasetId: string,
  q: { maxResults?: string; pageToken?: string },
): Json {
  requireDataset(s.catalog, project, datasetId);
  const all = s.catalog.tablesOf(project, datasetId);
  const { items, next } = pageOf(all, q);
  return {
    kind: 'bigquery#tableList',
    etag: etag(all.length),
    tables: items.map((t) => ({
      kind: 'bigquery#table',
      id: `${t.project}:${t.datasetId}.${t.tableId}`,
      tableReference: { projectId: t.project, datasetId: t.datasetId, tableId: t.tableId },
      type: t.view ? 'VIEW' : 'TABLE',
      creationTime: String(t.creationTime),
      ...(t.timePartitioning ? { timePartitioning: t.timePartitioning } : {}),
      ...(t.rangePartitioning ? { rangePartitioning: t.rangePartitioning } : {}),
      ...(t.clustering ? { clustering: t.clustering } : {}),
      ...(t.view ? { view: { useLegacySql: t.view.useLegacySql } } : {}),
      ...(t.labels ? { labels: t.labels } : {}),
    })),
    totalItems: all.length,
    ...(next ? { nextPageToken: next } : {}),
  };
}

export async function patchTable(
  s: Store,
  project: string,
  datasetId: string,
  tableId: string,
  body: unknown,
  replace: boolean,
) {
  const b = asObject(body, 'Table');
  return s.db.write(async (c, onCommit) => {
    const current = requireTable(s.catalog, project, datasetId, tableId);
    const next: TableMeta = { ...current, partitions: { ...current.partitions } };
    if (replace) {
      delete next.description;
      delete next.friendlyName;
      delete next.labels;
      delete next.expirationTime;
    }
    if (b.schema !== undefined) {
      const schema = normalizeSchema(asObject(b.schema, 'schema').fields ?? []);
      if (!current.view) await evolveSchema(c, next, schema);
      next.schema = schema;
    }
    if (b.clustering !== undefined) {
      const clustering = parseClustering(b.clustering, next.schema);
      if (clustering) next.clustering = clustering;
      else delete next.clustering;
    }
    if (b.requirePartitionFilter !== undefined) {
      if (b.requirePartitionFilter === true && !isPartitioned(next))
        throw invalid('requirePartitionFilter can only be set on a partitioned table.');
      if (b.requirePartitionFilter === true) next.requirePartitionFilter = true;
      else delete next.requirePartitionFilter;
    }
    if (b.timePartitioning !== undefined) {
      const tp = parseTimePartitioning(b.timePartitioning, next.schema);
      if (
        JSON.stringify(tp) !== JSON.stringify(current.timePartitioning) &&
        current.timePartitioning?.type !== tp?.type
      ) {
        throw invalid('Cannot change partitioning/clustering spec for a partitioned table.');
      }
      if (tp && next.timePartitioning) next.timePartitioning = { ...tp, field: next.timePartitioning.field };
    }
    applyTableFields(next, b);
    next.lastModifiedTime = Date.now();
    await Catalog.saveTable(c, next);
    onCommit(() => s.catalog.putTable(next));
    return tableResource(next);
  });
}

export async function deleteTable(
  s: Store,
  project: string,
  datasetId: string,
  tableIdRaw: string,
): Promise<void> {
  const { table: tableId, decorator } = splitDecorator(tableIdRaw);
  await s.db.write(async (c, onCommit, atCommit) => {
    const t = requireTable(s.catalog, project, datasetId, tableId);
    if (decorator !== undefined) {
      // Deleting one partition.
      await c.run(`DELETE FROM ${physicalName(t.uid)} WHERE ${partitionFilter(t, decorator)}`);
      await afterDataWrite(s.catalog, c, { onCommit, atCommit }, t, new Set([decorator]));
      return;
    }
    await Catalog.deleteTable(c, t);
    onCommit(() => s.catalog.removeTable(t));
  });
}

/** `description` and `friendlyName` of a patch/insert body: a string sets the field, null removes it. */
function applyTextFields(m: { description?: string; friendlyName?: string }, b: Json): void {
  for (const key of ['description', 'friendlyName'] as const) {
    if (b[key] === undefined) continue;
    if (b[key] === null) delete m[key];
    else m[key] = optString(b[key], key)!;
  }
}

function applyDatasetFields(d: DatasetMeta, b: Json): void {
  applyTextFields(d, b);
  if (b.labels !== undefined) {
    const labels = checkLabels(b.labels);
    if (labels && Object.keys(labels).length > 0) d.labels = { ...(d.labels ?? {}), ...labels };
    if (labels) {
      for (const [k, v] of Object.entries(b.labels as Json)) if (v === null) delete d.labels?.[k];
    }
  }
  if (b.defaultTableExpirationMs !== undefined) {
    d.defaultTableExpirationMs = String(b.defaultTableExpirationMs);
  }
}

function applyTableFields(t: TableMeta, b: Json): void {
  applyTextFields(t, b);
  if (b.labels !== undefined) {
    const labels = checkLabels(b.labels);
    if (labels) {
      const merged = { ...(t.labels ?? {}), ...labels };
      for (const [k, v] of Object.entries(b.labels as Json)) if (v === null) delete merged[k];
      t.labels = merged;
    }
  }
  if (b.expirationTime !== undefined) t.expirationTime = String(b.expirationTime);
}

export function datasetResource(d: DatasetMeta): Json {
  return {
    kind: 'bigquery#dataset',
    etag: etag(d.lastModifiedTime),
    id: `${d.project}:${d.datasetId}`,
    selfLink: `/bigquery/v2/projects/${d.project}/datasets/${d.datasetId}`,
    datasetReference: { projectId: d.project, datasetId: d.datasetId },
    location: d.location,
    creationTime: String(d.creationTime),
    lastModifiedTime: String(d.lastModifiedTime),
    ...(d.description !== undefined ? { description: d.description } : {}),
    ...(d.friendlyName !== undefined ? { friendlyName: d.friendlyName } : {}),
    ...(d.labels ? { labels: d.labels } : {}),
    ...(d.defaultTableExpirationMs ? { defaultTableExpirationMs: d.defaultTableExpirationMs } : {}),
    access: [],
  };
}

export function tableResource(t: TableMeta): Json {
  return {
    kind: 'bigquery#table',
    etag: etag(t.lastModifiedTime),
    id: `${t.project}:${t.datasetId}.${t.tableId}`,
    selfLink: `/bigquery/v2/projects/${t.project}/datasets/${t.datasetId}/tables/${encodeURIComponent(t.tableId)}`,
    tableReference: { projectId: t.project, datasetId: t.datasetId, tableId: t.tableId },
    schema: { fields: t.schema },
    ...(t.timePartitioning ? { timePartitioning: t.timePartitioning } : {}),
    ...(t.rangePartitioning ? { rangePartitioning: t.rangePartitioning } : {}),
    ...(t.clustering ? { clustering: t.clustering } : {}),
    ...(t.requirePartitionFilter ? { requirePartitionFilter: true } : {}),
    ...(t.view ? { view: { query: t.view.query, useLegacySql: t.view.useLegacySql } } : {}),
    ...(t.description !== undefined ? { description: t.description } : {}),
    ...(t.friendlyName !== undefined ? { friendlyName: t.friendlyName } : {}),
    ...(t.labels ? { labels: t.labels } : {}),
    ...(t.expirationTime ? { expirationTime: t.expirationTime } : {}),
    ...(t.view ? {} : { numRows: String(t.numRows), numBytes: String(t.numBytes), numLongTermBytes: '0' }),
    creationTime: String(t.creationTime),
    lastModifiedTime: String(t.lastModifiedTime),
    type: t.view ? 'VIEW' : 'TABLE',
    location: LOCATION,
  };
}
