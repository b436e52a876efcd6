import { invalid } from './errors.js';
import { checkDatasetId, checkJobId, checkProjectId, checkTableRefId } from './ids.js';

/**
 * The ids a request body names (datasetReference, tableReference, jobReference, a job's source and destination tables,
 * a query's default dataset), checked with the same rules as the ids of the path before any handler resolves them.
 * Only these known places are read: row data (insertAll's `json`) may hold anything and is never walked.
 */
export type BodyKind = 'dataset' | 'table' | 'job' | 'query';

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const CHECKS = {
  projectId: checkProjectId,
  datasetId: checkDatasetId,
  tableId: checkTableRefId,
  jobId: checkJobId,
} as const;

type IdField = keyof typeof CHECKS;

/** Checks the listed id fields of one reference object; absent (undefined/null) fields are the handler's business. */
function checkReference(ref: unknown, where: string, fields: readonly IdField[]): void {
  if (!isObject(ref)) return; // the handler reports a reference that is not an object
  for (const field of fields) {
    const value = ref[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw invalid(`${where}.${field} must be a string.`);
    CHECKS[field](value);
  }
}

const DATASET_FIELDS = ['projectId', 'datasetId'] as const;
const TABLE_FIELDS = ['projectId', 'datasetId', 'tableId'] as const;

function checkJobConfiguration(configuration: unknown): void {
  if (!isObject(configuration)) return;
  const { query, load, copy, extract } = configuration;
  if (isObject(query)) {
    checkReference(query.destinationTable, 'configuration.query.destinationTable', TABLE_FIELDS);
    checkReference(query.defaultDataset, 'configuration.query.defaultDataset', DATASET_FIELDS);
  }
  if (isObject(load)) {
    checkReference(load.destinationTable, 'configuration.load.destinationTable', TABLE_FIELDS);
  }
  if (isObject(copy)) {
    checkReference(copy.destinationTable, 'configuration.copy.destinationTable', TABLE_FIELDS);
    checkReference(copy.sourceTable, 'configuration.copy.sourceTable', TABLE_FIELDS);
    if (Array.isArray(copy.sourceTables)) {
      copy.sourceTables.forEach((t, i) => {
        checkReference(t, `configuration.copy.sourceTables[${i}]`, TABLE_FIELDS);
      });
    }
  }
  if (isObject(extract)) {
    checkReference(extract.sourceTable, 'configuration.extract.sourceTable', TABLE_FIELDS);
  }
}

/** Throws BigQuery's `invalid` for the first id in `body` that breaks the rules; returns the body unchanged. */
export function checkBodyIds(kind: BodyKind, body: unknown): unknown {
  if (!isObject(body)) return body;
  switch (kind) {
    case 'dataset':
      checkReference(body.datasetReference, 'datasetReference', DATASET_FIELDS);
      break;
    case 'table':
      checkReference(body.tableReference, 'tableReference', TABLE_FIELDS);
      break;
    case 'job':
      checkReference(body.jobReference, 'jobReference', ['projectId', 'jobId']);
      checkJobConfiguration(body.configuration);
      break;
    case 'query':
      checkReference(body.defaultDataset, 'defaultDataset', DATASET_FIELDS);
      break;
  }
  return body;
}
