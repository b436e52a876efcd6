// The one exit-code table (re-exported so `dp` commands need no second dependency on the runner).
export { EXIT_CLASSES, EXIT_CODES, exitClassOf } from '@data-pipeline/runner';
export * from './configmap-file.js';
export * from './data-dir.js';
export * from './engine.js';
export * from './engine-preflight.js';
export * from './example.js';
export * from './executor.js';
export {
  ExprError,
  type ExprNames,
  type ExprNode,
  evaluateExpr,
  exprNames,
  formatValue,
  GoTime,
  parseExpression,
  type Value,
} from './expr.js';
export * from './format.js';
export { builtinFunctions, type Clock } from './functions.js';
export { formatGo, parseGo, parseGoDuration } from './godate.js';
export * from './images.js';
export * from './local-run.js';
export * from './progress.js';
export * from './report.js';
export * from './run-dirs.js';
export * from './spec.js';
export * from './template.js';
export * from './warehouse.js';
