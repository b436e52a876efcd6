import { Catalog, type RoutineMeta } from '../catalog.js';
import { duplicate, invalid, invalidQuery, notFound } from '../errors.js';
import { checkDatasetId, checkProjectId } from '../ids.js';
import type { JobOutcome } from '../jobs/outcome.js';
import { etag, type Json } from '../rest.js';
import { typeFromText } from '../script/values.js';
import type { QueryParameterType } from '../sql/params.js';
import { requireDataset, type Store } from '../store.js';
import type { UdfDef } from './define.js';
import { registerJsUdf } from './js.js';

/**
 * Persistent functions (`CREATE [OR REPLACE] FUNCTION [IF NOT EXISTS] dataset.fn …`, `DROP FUNCTION [IF EXISTS]`) and
 * the `routines` REST resource (list, get, delete). A routine is stored like a table's metadata: a row of
 * `_catalog.routines` committed in one transaction, mirrored in the catalog in memory, so it survives a restart.
 */

const ROUTINE_ID = /^[A-Za-z_][A-Za-z0-9_]{0,255}$/;

export function checkRoutineId(id: string): string {
  if (!ROUTINE_ID.test(id)) throw invalid(`Invalid routine ID "${id.slice(0, 60)}"`);
  return id;
}

export async function createRoutine(s: Store, def: UdfDef, defaultProject: string): Promise<JobOutcome> {
  const project = checkProjectId(def.project ?? defaultProject);
  const datasetId = checkDatasetId(def.dataset as string);
  const routineId = checkRoutineId(def.name);
  const target = { projectId: project, datasetId, routineId };
  const stats = (op: string): JobOutcome => ({
    committed: op !== 'SKIP',
    queryStats: {
      statementType: 'CREATE_FUNCTION',
      ddlOperationPerformed: op,
      ddlTargetRoutine: target,
      totalBytesProcessed: '0',
    },
  });
  // the types must be ones this warehouse knows (a clear error now, not at the first call)
  for (const p of def.params) if (!/^ANY\s+TYPE$/i.test(p.type)) typeFromText(p.type);
  if (def.returns) typeFromText(def.returns);
  if (def.language === 'JAVASCRIPT') await registerJsUdf(s.db, def);
  return s.db.write(async (c, onCommit) => {
    requireDataset(s.catalog, project, datasetId);
    const existing = s.catalog.routine(project, datasetId, routineId);
    if (existing && def.ifNotExists) return stats('SKIP');
    if (existing && !def.replace) throw duplicate(`Routine ${project}:${datasetId}.${routineId}`);
    const now = Date.now();
    const r: RoutineMeta = {
      project,
      datasetId,
      routineId,
      def,
      creationTime: existing?.creationTime ?? now,
      lastModifiedTime: now,
    };
    await Catalog.saveRoutine(c, r);
    onCommit(() => s.catalog.putRoutine(r));
    return stats(existing ? 'REPLACE' : 'CREATE');
  });
}

export async function dropRoutine(
  s: Store,
  parts: string[],
  ifExists: boolean,
  defaultProject: string,
  defaultDataset?: string,
): Promise<JobOutcome> {
  const routineId = parts[parts.length - 1] as string;
  const datasetId = parts.length >= 2 ? (parts[parts.length - 2] as string) : defaultDataset;
  if (!datasetId) throw invalidQuery(`Function ${routineId} must be qualified with a dataset`);
  const project = parts.length >= 3 ? parts.slice(0, -2).join('.') : defaultProject;
  const stats = (op: string): JobOutcome => ({
    committed: op === 'DROP',
    queryStats: {
      statementType: 'DROP_FUNCTION',
      ddlOperationPerformed: op,
      ddlTargetRoutine: { projectId: project, datasetId, routineId },
      totalBytesProcessed: '0',
    },
  });
  if (!s.catalog.routine(project, datasetId, routineId)) {
    if (ifExists) return stats('SKIP');
    throw notFound(`Function ${project}:${datasetId}.${routineId}`);
  }
  await deleteRoutine(s, project, datasetId, routineId);
  return stats('DROP');
}

function routineOrThrow(s: Store, project: string, datasetId: string, routineId: string): RoutineMeta {
  checkProjectId(project);
  checkDatasetId(datasetId);
  requireDataset(s.catalog, project, datasetId);
  const r = s.catalog.routine(project, datasetId, routineId);
  if (!r) throw notFound(`Routine ${project}:${datasetId}.${routineId}`);
  return r;
}

/** routines.delete */
export async function deleteRoutine(
  s: Store,
  project: string,
  datasetId: string,
  routineId: string,
): Promise<void> {
  routineOrThrow(s, project, datasetId, routineId);
  await s.db.write(async (c, onCommit) => {
    await Catalog.deleteRoutines(c, project, datasetId, routineId);
    onCommit(() => s.catalog.removeRoutine(project, datasetId, routineId));
  });
}

/** routines.get */
export function getRoutine(s: Store, project: string, datasetId: string, routineId: string): Json {
  return routineResource(routineOrThrow(s, project, datasetId, routineId));
}

/** routines.list */
export function listRoutines(s: Store, project: string, datasetId: string): Json {
  checkProjectId(project);
  checkDatasetId(datasetId);
  requireDataset(s.catalog, project, datasetId);
  const all = s.catalog.routinesOf(project, datasetId).sort((a, b) => (a.routineId < b.routineId ? -1 : 1));
  return { routines: all.map((r) => routineResource(r)) };
}

/** BigQuery's Routine resource. */
export function routineResource(r: RoutineMeta): Json {
  const { def } = r;
  return {
    etag: etag(r.lastModifiedTime),
    routineReference: { projectId: r.project, datasetId: r.datasetId, routineId: r.routineId },
    routineType: 'SCALAR_FUNCTION',
    creationTime: String(r.creationTime),
    lastModifiedTime: String(r.lastModifiedTime),
    language: def.language,
    arguments: def.params.map((p) =>
      /^ANY\s+TYPE$/i.test(p.type)
        ? { name: p.name, argumentKind: 'ANY_TYPE' }
        : { name: p.name, dataType: sqlDataType(typeFromText(p.type)) },
    ),
    ...(def.returns ? { returnType: sqlDataType(typeFromText(def.returns)) } : {}),
    definitionBody: def.body,
  };
}

/** StandardSqlDataType of a type. */
function sqlDataType(t: QueryParameterType): Json {
  if (t.type === 'ARRAY')
    return { typeKind: 'ARRAY', arrayElementType: sqlDataType(t.arrayType as QueryParameterType) };
  if (t.type === 'STRUCT')
    return {
      typeKind: 'STRUCT',
      structType: { fields: (t.structTypes ?? []).map((f) => ({ name: f.name, type: sqlDataType(f.type) })) },
    };
  return { typeKind: t.type };
}

/**
 * The persistent functions a query may call (undefined when there are none, so queries pay nothing); JavaScript ones
 * are registered with DuckDB first (once each).
 */
export async function persistentUdfs(
  s: Store,
): Promise<((project: string, dataset: string, name: string) => UdfDef | undefined) | undefined> {
  if (s.catalog.routines.size === 0) return undefined;
  for (const r of s.catalog.routines.values()) {
    if (r.def.language === 'JAVASCRIPT') await registerJsUdf(s.db, r.def).catch(() => undefined);
  }
  return (project, dataset, name) => s.catalog.routine(project, dataset, name)?.def;
}
