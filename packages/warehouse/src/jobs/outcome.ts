import type { JobRecord, ResultSource } from '../catalog.js';
import type { Json } from '../rest.js';
import type { FieldSchema } from '../types.js';
import type { EncodedRow } from './result-store.js';

/** What a job kind's run produced; finishRecord turns it into the DONE job record. */
export interface JobOutcome {
  committed: boolean;
  /** The job record was already written in the same transaction as the data. */
  saved?: boolean;
  resultTable?: string;
  schema?: FieldSchema[];
  totalRows?: number;
  numDmlAffectedRows?: number;
  queryStats?: Json;
  loadStats?: Json;
  configPatch?: Json;
  resultSource?: ResultSource;
  /** A small result's rows, stored with the job record (see readResult), and their JSON text. */
  inlineRows?: EncodedRow[];
  inlineJson?: string;
}

/** Fills the DONE state into a record before it is saved in the same transaction as the job's writes. */
export function finishRecord(record: JobRecord, outcome: JobOutcome): void {
  const end = Date.now();
  record.resultTable = outcome.resultTable;
  record.resultSource = outcome.resultSource;
  record.inlineResult = outcome.inlineRows !== undefined ? true : undefined;
  record.resultSchema = outcome.schema;
  record.totalRows = outcome.totalRows;
  record.numDmlAffectedRows = outcome.numDmlAffectedRows;
  const stats = record.resource.statistics as Json;
  const kind = String((record.resource.configuration as Json).jobType).toLowerCase();
  record.resource = {
    ...record.resource,
    status: { state: 'DONE' },
    statistics: {
      ...stats,
      endTime: String(end),
      totalBytesProcessed: String(outcome.queryStats?.totalBytesProcessed ?? '0'),
      ...(kind === 'query' ? { query: outcome.queryStats } : {}),
      ...(kind === 'load' ? { load: outcome.loadStats } : {}),
    },
  };
}
