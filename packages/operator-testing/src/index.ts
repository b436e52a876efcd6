export { type OperatorAcceptance, operatorAcceptance } from './acceptance.js';
export { airflowEnv, DOUBLE_BIN, DOUBLE_READY, KEY_MARKER, writeFakeKey } from './airflow-env.js';
export {
  type CliResult,
  expectOneLineFailure,
  expectStepFailure,
  readOutputs,
  readOutputsIfAny,
  runCli,
  runInProcess,
  tempDir,
} from './cli.js';
export {
  type FakeBigQuery,
  type FakeField,
  type Injection,
  type QueryAnswer,
  type RecordedRequest,
  startFakeBigQuery,
} from './fake-bigquery.js';
export { type NativeRun, type NativeSuite, type OperatorUnderTest, useFakeBigQuery } from './native.js';
