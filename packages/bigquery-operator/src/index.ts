export {
  type BigQueryOperatorKwargs,
  definition,
  harvestOutputs,
  kwargsSchema,
  runBigQueryOperator,
} from './definition.js';
