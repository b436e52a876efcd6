export {
  BUILTIN_SCHEMAS,
  definition,
  kwargsSchema,
  loadSchema,
  runBigQueryTable,
  type TableKwargs,
} from './definition.js';
export { diffSchemas, parseSchema, SchemaError, type SchemaField } from './schema.js';
