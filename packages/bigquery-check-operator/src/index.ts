export {
  CHECK_CLASSES,
  type CheckKind,
  type CheckKwargs,
  checkKind,
  classifyLog,
  definition,
  harvestOutputs,
  intervalSql,
  kwargsSchema,
  runCheckOperator,
} from './definition.js';
export { bqCast, floatRepr, PyInt, type PyValue, pyFloat, pyRepr, pyStr, truthy } from './python.js';
