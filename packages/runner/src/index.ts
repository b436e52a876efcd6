export { DAG_SOURCE, type DagSidecar, renderAirflowCfg } from './airflow-home.js';
export { classifyAirflowBigQueryLog, classifyBigQueryReason } from './bigquery-reasons.js';
export * from './classify.js';
export {
  formatDs,
  formatIsoNaive,
  type Invocation,
  parseExecutionDate,
  parseInvocation,
  type RunConfig,
} from './config.js';
export {
  bootstrapConnections,
  type ConnectionInputs,
  ConnectionUriError,
  connectionsFromEnv,
  GOOGLE_CLOUD_SCOPE,
  GOOGLE_CONN_IDS,
  googleConnection,
  parseConnectionJson,
  parseConnectionUri,
  type ResolvedConnections,
} from './connections.js';
export { renderExitCodeTable, replaceExitCodeSection } from './docs.js';
export { AIRFLOW_NOT_ON_PATH } from './engine-airflow.js';
export * from './exit-codes.js';
export * from './flags.js';
export * from './operator.js';
export { writeOutputs } from './outputs.js';
export { findExecutable } from './process.js';
export { type CliIO, runOperatorCli } from './run.js';
export { LineEncoder, OutputWatcher, Redactor } from './stream.js';
export type { AirflowTaskRecord } from './task-outputs.js';
