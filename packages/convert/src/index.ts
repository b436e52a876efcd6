export type { DagDump, DagTask, Schedule } from './dag-json.js';
export { dagSchema, dumpSchema } from './dag-json.js';
export { findInterpreter, LOAD_EXIT, LoadError, loadDag } from './loader.js';
export {
  type Conversion,
  convertDag,
  DAGS_DIR,
  DEADLINE_MARGIN_S,
  DEFAULT_IMAGE,
  type ExplainRow,
  type MapOptions,
  type Problem,
  type ScheduleKind,
  topologicalOrder,
} from './mapper.js';
export { argoName, uniqueNames } from './names.js';
export { CRON_PRESETS, cronPeriod, mapSchedule, periodStartExpression } from './schedule.js';
export { isTriggerRule, mapTriggerRule, TRIGGER_RULES } from './trigger-rules.js';
export { renderDocuments, writeAtomically } from './write.js';
