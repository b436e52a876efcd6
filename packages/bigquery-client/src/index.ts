export {
  bigQueryAirflowDagSettings,
  discoveryUrlFor,
  lastJobOutputs,
  type RecordedBigQueryJob,
  recordedBigQueryJobs,
} from './airflow.js';
export { type CreateBigQueryOptions, createBigQuery, normalizeEndpoint } from './client.js';
export {
  BigQueryJobError,
  classifyBigQueryError,
  describeBigQueryError,
  oneLine,
  toOperatorError,
  withBigQueryErrors,
} from './errors.js';
export {
  bigQueryRest,
  buildQueryConfiguration,
  type FieldSchema,
  getQueryResults,
  type JobResource,
  type QueryJobOptions,
  type QueryJobResult,
  type QueryResultsPage,
  type RestRequest,
  rowsWritten,
  rowsWrittenFrom,
  runQueryJob,
} from './jobs.js';
export {
  BIGQUERY_ENDPOINT_FLAG,
  type BigQueryTarget,
  bigQueryFor,
  ENDPOINT_FLAG,
  KEY_PATH_EXTRA,
  PROJECT_EXTRA,
  resolveBigQueryTarget,
} from './native.js';
export {
  formatTableName,
  parseTableName,
  type TableName,
  TableNameError,
  toTableReference,
} from './table-name.js';
export {
  type AccessToken,
  BIGQUERY_SCOPE,
  fetchAccessToken,
  KeyFileError,
  readServiceAccountKey,
  type ServiceAccountKey,
  signAssertion,
  TokenRequestError,
  TokenSource,
} from './token.js';
