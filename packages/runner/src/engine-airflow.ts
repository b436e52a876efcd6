import { createReadStream, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import {
  type AirflowHome,
  createAirflowHome,
  newFernetKey,
  removeAirflowHome,
  writeAirflowCfg,
  writeRunFiles,
} from './airflow-home.js';
import { classifyFailure, type FailureEvidence, NOTABLE_PATTERN, NOTABLE_PREFILTER } from './classify.js';
import { formatDs, formatIsoNaive, type RunConfig } from './config.js';
import type { ResolvedConnections } from './connections.js';
import {
  DAG_FILE_OUTPUT_DEFAULTS,
  dagFileVerdict,
  readDagFileProblem,
  readDagFileResult,
} from './dag-file.js';
import { writeDagFileRunFiles } from './dag-file-source.js';
import {
  type DbTemplateSource,
  discardTemplate,
  installTemplate,
  publishTemplate,
  readTemplate,
  resolveDbTemplate,
  templateKey,
} from './db-template.js';
import type { ExitClass } from './exit-codes.js';
import type { RunnerLogger } from './logger.js';
import { type OperatorDefinition, OperatorError } from './operator.js';
import { findExecutable, prefetchExeca, runCommand } from './process.js';
import { LineEncoder, OutputWatcher, type Redactor } from './stream.js';
import { readTaskRecord, taskOutputsPath } from './task-outputs.js';

export interface EngineOutcome {
  readonly exitClass: ExitClass;
  /** One line; absent on success. */
  readonly message?: string;
  readonly outputs: Record<string, string>;
}

export interface AirflowEngineInputs {
  readonly definition: OperatorDefinition;
  readonly config: RunConfig;
  readonly connections: ResolvedConnections;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly tmpdir: string;
  readonly log: RunnerLogger;
  readonly redactor: Redactor;
  readonly out: Writable;
  readonly signal: AbortSignal;
  readonly signalName: () => NodeJS.Signals;
  readonly onSpawn?: (phase: 'initdb' | 'backfill' | 'run', pid: number | undefined) => void;
  /** Signals an Airflow command's whole process group (see `CliIO.killProcessGroup`). */
  readonly killProcessGroup?: (pgid: number, signal: NodeJS.Signals) => void;
}

/** The one line when `airflow` is missing: what it is and how to get it (here and in the images). */
export const AIRFLOW_NOT_ON_PATH =
  '`airflow` (Apache Airflow 1.8.2) was not found on PATH; install it with scripts/install-real-airflow.sh (a checkout next to ../shared) or `pip install apache-airflow==1.8.2` (as the images do)';

/**
 * Env vars that would make Airflow ignore the runner's airflow.cfg. The Fernet key is the runner's too: initdb must
 * run without one (a template database holds no encrypted row) and each backfill gets a fresh one.
 */
const OVERRIDDEN_ENV = [
  'AIRFLOW__CORE__SQL_ALCHEMY_CONN',
  'AIRFLOW__CORE__DAGS_FOLDER',
  'AIRFLOW__CORE__BASE_LOG_FOLDER',
  'AIRFLOW__CORE__EXECUTOR',
  'AIRFLOW__CORE__UNIT_TEST_MODE',
  'AIRFLOW__CORE__FERNET_KEY',
];

/** The environment of every `airflow` command: the runner's env (AIRFLOW_CONN_* pass through) + the private home. */
export function airflowEnv(
  env: Readonly<Record<string, string | undefined>>,
  home: AirflowHome,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = { ...env };
  for (const k of OVERRIDDEN_ENV) delete out[k];
  out.AIRFLOW_HOME = home.path;
  out.AIRFLOW_CONFIG = home.cfgPath;
  out.AIRFLOW__CORE__LOAD_EXAMPLES = 'False';
  out.PYTHONUNBUFFERED = '1';
  out.PYTHONDONTWRITEBYTECODE = '1';
  return out;
}

/**
 * Puts the template database into the home when there is a usable one; returns whether it did. A damaged cache
 * entry is removed (the initdb that follows rebuilds it); an unusable explicit template is only reported.
 */
function useTemplate(source: DbTemplateSource, home: AirflowHome, log: RunnerLogger): boolean {
  if (source.kind === 'none') {
    if (source.problem) log.warn(`no airflow db template: ${source.problem}; running airflow initdb`);
    return false;
  }
  const found = readTemplate(source.dir, source.key);
  if (found === 'missing') {
    if (source.kind === 'explicit') {
      log.warn(`airflow db template ${source.dir} not used: it has no manifest; running airflow initdb`);
    }
    return false;
  }
  if ('problem' in found) {
    log.warn(`airflow db template ${source.dir} not used: ${found.problem}; running airflow initdb`);
    if (source.kind === 'cache') discardTemplate(source.dir);
    return false;
  }
  try {
    installTemplate(found.db, home);
  } catch (err) {
    rmSync(home.dbPath, { force: true });
    log.warn(
      `airflow db template ${source.dir} not copied (${(err as Error).message}); running airflow initdb`,
    );
    return false;
  }
  log.info('airflow db from template', { template: source.dir });
  return true;
}

/** After a successful initdb: publishes the home's fresh database as the cache entry (failures only logged). */
function publishToCache(
  source: DbTemplateSource,
  home: AirflowHome,
  airflow: string,
  env: Readonly<Record<string, string | undefined>>,
  log: RunnerLogger,
): void {
  if (source.kind !== 'cache') return;
  try {
    const { key, airflowPath } = templateKey(airflow, env);
    if (key !== source.key) return; // Airflow was reinstalled meanwhile: this database may be of either one
    if (publishTemplate(source.dir, key, airflowPath, home.dbPath)) {
      log.info('airflow db template published', { template: source.dir });
    }
  } catch (err) {
    log.warn(`airflow db template not published: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** The DAG file passes these itself (`Operator(task_id=…, dag=…, **kwargs)`): a duplicate would break the import. */
const RESERVED_KWARGS = ['task_id', 'dag'];

/** Task log lines kept for classification and `harvestOutputs` (head + tail beyond this). */
const TASK_LOG_KEEP_LINES = 50_000;

async function harvestTaskLog(
  inputs: AirflowEngineInputs,
  home: AirflowHome,
  pretty: boolean,
  dagId = inputs.config.dagId,
  taskId = inputs.config.taskId,
): Promise<{ lines: string[]; found: boolean }> {
  const dir = join(home.logsDir, dagId, taskId);
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => !f.startsWith('.')).sort();
  } catch {
    return { lines: [], found: false };
  }
  const head: string[] = [];
  // Ring buffer for the last lines: Array#shift would make a huge task log quadratic.
  const ring: string[] = new Array(TASK_LOG_KEEP_LINES);
  let ringCount = 0;
  for (const file of files) {
    const encoder = new LineEncoder({
      fields:
        dagId === inputs.config.dagId
          ? `"src":"task-log","task_id":${JSON.stringify(taskId)},"file":${JSON.stringify(file)}`
          : `"src":"task-log","dag_id":${JSON.stringify(dagId)},"task_id":${JSON.stringify(taskId)},"file":${JSON.stringify(file)}`,
      label: dagId === inputs.config.dagId ? `task ${taskId}` : `task ${dagId}.${taskId}`,
      pretty,
      redactor: inputs.redactor,
      onBlock: (block) => {
        for (const line of block.split('\n')) {
          if (head.length < TASK_LOG_KEEP_LINES) head.push(line);
          else ring[ringCount++ % TASK_LOG_KEEP_LINES] = line;
        }
      },
    });
    createReadStream(join(dir, file)).pipe(encoder).pipe(inputs.out, { end: false });
    await finished(encoder);
  }
  const kept = Math.min(ringCount, TASK_LOG_KEEP_LINES);
  const tail = Array.from(
    { length: kept },
    (_, i) => ring[(ringCount - kept + i) % TASK_LOG_KEEP_LINES] as string,
  );
  return { lines: [...head, ...tail], found: files.length > 0 };
}

/**
 * DAG-file mode: the logs of the tasks the step's task ran itself (a SubDagOperator's sub-DAG tasks), after its own
 * log, each record with its dag_id and task_id. Streamed only: the step's verdict reads its own task's log.
 */
async function harvestOtherTaskLogs(
  inputs: AirflowEngineInputs,
  home: AirflowHome,
  pretty: boolean,
): Promise<void> {
  const list = async (dir: string) => {
    try {
      return (await readdir(dir)).filter((f) => !f.startsWith('.')).sort();
    } catch {
      return [];
    }
  };
  for (const dagId of await list(home.logsDir)) {
    for (const taskId of await list(join(home.logsDir, dagId))) {
      if (dagId === inputs.config.dagId && taskId === inputs.config.taskId) continue;
      await harvestTaskLog(inputs, home, pretty, dagId, taskId);
    }
  }
}

function outputsFor(
  definition: OperatorDefinition,
  harvested: Record<string, string>,
): Record<string, string> {
  const outputs: Record<string, string> = {};
  for (const name of definition.outputs) outputs[name] = harvested[name] ?? '';
  return outputs;
}

type AirflowPhase = 'initdb' | 'backfill' | 'run';
type AirflowCommandResult = Awaited<ReturnType<typeof runCommand>>;
/** Runs one `airflow` command in the private home; `first`: the run's first child (spawned without execa). */
type AirflowCommand = (
  phase: AirflowPhase,
  args: string[],
  first: boolean,
) => Promise<{ result: AirflowCommandResult; watcher: OutputWatcher }>;

function airflowCommand(inputs: AirflowEngineInputs, airflow: string, home: AirflowHome): AirflowCommand {
  const { config, log } = inputs;
  const env = airflowEnv(inputs.env, home);
  return async (phase, args, first) => {
    const watcher = new OutputWatcher(NOTABLE_PATTERN, NOTABLE_PREFILTER);
    log.info(`running airflow ${phase}`, { phase, argv: ['airflow', ...args] });
    const result = await runCommand({
      file: airflow,
      args,
      cwd: home.path,
      env,
      signal: inputs.signal,
      forwardSignal: inputs.signalName,
      ...(inputs.killProcessGroup ? { killProcessGroup: inputs.killProcessGroup } : {}),
      killGraceMs: config.killGraceMs,
      out: inputs.out,
      pretty: log.pretty,
      redactor: inputs.redactor,
      label: phase === 'initdb' ? 'airflow-initdb' : 'airflow',
      onBlock: watcher.feed,
      // The first child starts with node:child_process (nothing to import); execa loads while it runs.
      spawner: first ? 'child_process' : 'execa',
      onSpawn: (pid) => {
        if (phase === 'initdb') prefetchExeca();
        inputs.onSpawn?.(phase, pid);
      },
    });
    return { result, watcher };
  };
}

/** Stopped by a signal, or Airflow could not be spawned: what every `airflow` command's caller checks first. */
function interruptedOrUnspawned(
  inputs: AirflowEngineInputs,
  result: AirflowCommandResult,
  signalled: () => EngineOutcome,
): EngineOutcome | undefined {
  if (result.aborted || inputs.signal.aborted) return signalled();
  if (result.spawnError) {
    throw new OperatorError('configuration', `cannot run airflow: ${result.spawnError}`);
  }
  return undefined;
}

/**
 * The Airflow engine: private AIRFLOW_HOME → the initialised database copied from a template (else `airflow initdb`,
 * whose database becomes the per-machine template) → airflow.cfg + DAG file + JSON sidecar →
 * `airflow backfill -s D -e D -sd FILE DAG` (DAG-file mode: `airflow run`) → harvested task log → classification.
 * The home is removed on every path.
 */
export async function runAirflowEngine(inputs: AirflowEngineInputs): Promise<EngineOutcome> {
  const { definition, config, log } = inputs;
  const dagFileRun = config.dagFile;
  const emptyOutputs = dagFileRun ? { ...DAG_FILE_OUTPUT_DEFAULTS } : outputsFor(definition, {});
  const airflowKwargs = dagFileRun
    ? {}
    : definition.airflowKwargs
      ? definition.airflowKwargs(config.kwargs as never)
      : config.kwargs;
  for (const reserved of RESERVED_KWARGS) {
    if (reserved in airflowKwargs) {
      throw new OperatorError(
        'invalid-input',
        `kwarg ${reserved} is set by the runner and must not be given`,
      );
    }
  }
  const airflow = findExecutable('airflow', inputs.env.PATH);
  if (!airflow) throw new OperatorError('configuration', AIRFLOW_NOT_ON_PATH);
  const airflowClass = dagFileRun
    ? 'dag-file'
    : typeof definition.airflowClass === 'function'
      ? definition.airflowClass(config.kwargs as never)
      : definition.airflowClass;
  if (!airflowClass) throw new OperatorError('usage', `${definition.name} has no Airflow operator class`);

  const signalled = (): EngineOutcome => ({
    exitClass: inputs.signalName() === 'SIGINT' ? 'interrupted' : 'terminated',
    message: `stopped by ${inputs.signalName()}`,
    outputs: emptyOutputs,
  });
  if (inputs.signal.aborted) return signalled();
  const dagSettings = dagFileRun ? {} : (definition.airflowDagSettings?.(config.extra) ?? {});

  const template = resolveDbTemplate(inputs.env, airflow);
  const home = createAirflowHome(inputs.tmpdir);
  try {
    const run = airflowCommand(inputs, airflow, home);
    const fromTemplate = useTemplate(template, home, log);
    if (!fromTemplate) {
      writeAirflowCfg(home, '');
      const initdb = await run('initdb', ['initdb'], true);
      const stopped = interruptedOrUnspawned(inputs, initdb.result, signalled);
      if (stopped) return stopped;
      const initVerdict = classifyFailure({
        phase: 'initdb',
        exitCode: initdb.result.exitCode,
        output: [...initdb.watcher.notable, ...initdb.watcher.tail()],
        taskLog: [],
        taskLogFound: false,
      });
      if (initVerdict.exitClass !== 'success') {
        return { exitClass: initVerdict.exitClass, message: initVerdict.reason, outputs: emptyOutputs };
      }
      publishToCache(template, home, airflow, inputs.env, log);
    }
    writeAirflowCfg(home, newFernetKey(), dagFileRun ? dirname(dagFileRun.path) : undefined);
    if (dagFileRun) return await runDagFileTask(inputs, home, run, fromTemplate, signalled);
    const dagFile = writeRunFiles(
      home,
      {
        dag_id: config.dagId,
        task_id: config.taskId,
        operator: airflowClass,
        kwargs: airflowKwargs,
        execution_date: formatIsoNaive(config.executionDate),
        connections_file: home.connectionsFile,
        bigquery_discovery_url: dagSettings.bigqueryDiscoveryUrl ?? null,
        outputs_file: taskOutputsPath(home),
      },
      inputs.connections.registered.values(),
    );
    return await runBackfill(inputs, home, run, dagFile, fromTemplate, signalled);
  } finally {
    await removeAirflowHome(home);
  }
}

/**
 * DAG-file mode: one task of the user's DAG file, `airflow run --local` (not `backfill -t`, whose sub_dag drops the
 * task's downstream tasks, so a branch would skip nothing); `-i` ignores upstream tasks (Argo enforces them).
 */
async function runDagFileTask(
  inputs: AirflowEngineInputs,
  home: AirflowHome,
  run: AirflowCommand,
  /** No initdb ran first: this is the run's first child. */
  firstChild: boolean,
  signalled: () => EngineOutcome,
): Promise<EngineOutcome> {
  const { config } = inputs;
  const dagFileRun = config.dagFile as NonNullable<RunConfig['dagFile']>;
  const paths = writeDagFileRunFiles(
    home,
    {
      dagFile: dagFileRun.path,
      dagId: config.dagId,
      taskId: config.taskId,
      executionDate: formatIsoNaive(config.executionDate),
      tryNumber: dagFileRun.tryNumber,
      xcomIn: dagFileRun.xcomIn,
    },
    inputs.connections.registered.values(),
  );
  const task = await run(
    'run',
    [
      'run',
      '--local',
      '-i',
      '-sd',
      paths.wrapper,
      config.dagId,
      config.taskId,
      formatIsoNaive(config.executionDate),
    ],
    firstChild,
  );
  const stopped = interruptedOrUnspawned(inputs, task.result, signalled);
  if (stopped) return stopped;
  const taskLog = await harvestTaskLog(inputs, home, inputs.log.pretty);
  await harvestOtherTaskLogs(inputs, home, inputs.log.pretty);
  return dagFileVerdict({
    taskId: config.taskId,
    problem: readDagFileProblem(paths.problemFile),
    result: readDagFileResult(paths.resultFile),
    evidence: {
      phase: 'backfill',
      exitCode: task.result.exitCode,
      output: [...task.watcher.notable, ...task.watcher.tail()],
      taskLog: taskLog.lines,
      taskLogFound: taskLog.found,
    },
  });
}

/** The operator's one-task DAG: `airflow backfill` for the date, then the operator's and the shared classification. */
async function runBackfill(
  inputs: AirflowEngineInputs,
  home: AirflowHome,
  run: AirflowCommand,
  dagFile: string,
  /** No initdb ran first: this is the run's first child. */
  firstChild: boolean,
  signalled: () => EngineOutcome,
): Promise<EngineOutcome> {
  const { definition, config, log } = inputs;
  const ds = formatDs(config.executionDate);
  const backfill = await run(
    'backfill',
    ['backfill', '-s', ds, '-e', ds, '-sd', dagFile, config.dagId],
    firstChild,
  );
  const stopped = interruptedOrUnspawned(inputs, backfill.result, signalled);
  if (stopped) return stopped;
  const taskLog = await harvestTaskLog(inputs, home, log.pretty);
  let operatorVerdict: ExitClass | undefined;
  try {
    operatorVerdict = definition.classifyLog?.(taskLog.lines);
  } catch (err) {
    log.warn('classifyLog failed', { error: (err as Error).message });
  }
  const evidence: FailureEvidence = {
    phase: 'backfill',
    exitCode: backfill.result.exitCode,
    output: [...backfill.watcher.notable, ...backfill.watcher.tail()],
    taskLog: taskLog.lines,
    taskLogFound: taskLog.found,
    operatorVerdict,
  };
  const verdict = classifyFailure(evidence);
  let harvested: Record<string, string> = {};
  try {
    harvested = definition.harvestOutputs?.(taskLog.lines, readTaskRecord(home)) ?? {};
  } catch (err) {
    log.warn('harvestOutputs failed', { error: (err as Error).message });
  }
  return {
    exitClass: verdict.exitClass,
    ...(verdict.exitClass === 'success' ? {} : { message: verdict.reason }),
    outputs: outputsFor(definition, harvested),
  };
}
