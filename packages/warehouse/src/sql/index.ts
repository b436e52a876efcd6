export {
  type DdlColumn,
  type DdlOptionValue,
  type DdlPartition,
  type DdlStatement,
  type DdlTarget,
  isDdl,
  parseDdl,
} from './ddl.js';
export { type Dialect, detectDialect } from './dialect.js';
export { SqlError, type SqlErrorReason } from './errors.js';
export { DUCKDB_MACROS } from './functions.js';
export { registerNativeFunctions } from './native.js';
export type { QueryParameter, QueryParameterType, QueryParameterValue } from './params.js';
export type { MetaTable, ResolvedTable, TableRef } from './tables.js';
export {
  type StatementKind,
  type TranslateOptions,
  type TranslateResult,
  translateQuery,
} from './translate.js';
export { type BigQueryFieldType, bigQueryTypeOfDuckType } from './types.js';
