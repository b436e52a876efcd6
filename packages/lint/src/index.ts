export { dependsNames, findCycle, indentFlowContinuations } from '@data-pipeline/argo-tags';
export {
  CONFIG_FILE,
  type LintConfig,
  LintConfigError,
  loadLintConfig,
  policyApplies,
} from './config.js';
export { expressionProblem } from './expressions.js';
export {
  DAILY_WORKFLOW,
  type GeneratedFile,
  generatedFiles,
  WORKFLOW_CONFIGMAP,
  WORKFLOW_CONFIGMAP_NAME,
  WORKFLOW_TEMPLATE,
  WORKFLOW_TEMPLATE_NAME,
  workflowConfigMap,
  workflowTemplate,
} from './generate.js';
export {
  checkGenerated,
  collectYamlFiles,
  DEFAULT_LINT_PATHS,
  findRepoRoot,
  type LintOptions,
  type LintResult,
  LintUsageError,
  lintPaths,
  lintTexts,
  updateGenerated,
} from './lint.js';
export { checkRetry } from './policy.js';
export {
  type Finding,
  formatPath,
  formatProblem,
  type Problem,
  parseYamlFile,
  type RuleId,
  type RuleKind,
  ruleKind,
} from './source.js';
export { expressionRefs, findTags, jinjaNames, substituteSimpleTags, type Tag } from './tags.js';
export { cronProblem, durationProblem, timeZoneProblem } from './values.js';
