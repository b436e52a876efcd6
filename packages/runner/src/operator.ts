import type * as z from 'zod/v4/core';
import type { ExitClass } from './exit-codes.js';
import type { AirflowTaskRecord } from './task-outputs.js';

/**
 * What an operator package declares to become a CLI. One value per operator; the runner derives the CLI flags,
 * validation, the DAG file's kwargs, `--help` and the README flag table from `kwargs`.
 *
 * Flag convention (relied on by workflows/ and dp run): every kwarg `foo_bar` becomes `--foo-bar VALUE`
 * (also `--foo-bar=VALUE`); booleans take `true|false`; numbers are parsed; objects/arrays take JSON text;
 * string kwargs named in `fileFields` accept `@path` to read the value from a file.
 */
export interface OperatorDefinition<S extends z.$ZodObject = z.$ZodObject> {
  /** CLI/bin name, e.g. `bigquery-operator`. */
  readonly name: string;
  readonly version: string;
  readonly description: string;
  /** Python import path of the Airflow 1.8.2 class, e.g. `airflow.contrib.operators.bigquery_operator.BigQueryOperator`.
   *  Omit for native-only operators. A function lets the generic operator take it from its own flags. */
  readonly airflowClass?: string | ((kwargs: z.output<S>) => string);
  /**
   * zod schema of the operator kwargs: the single source of flags, validation and DAG kwargs. Any zod 4 object
   * schema (the operator packages use `zod/mini`: far less to load or to keep in a start-up snapshot).
   */
  readonly kwargs: S;
  /** Maps the validated kwargs to the Airflow operator's kwargs (default: as they are). The generic operator uses
   *  it to unwrap `--kwargs`. */
  readonly airflowKwargs?: (kwargs: z.output<S>) => Record<string, unknown>;
  /** Airflow's template_fields for this operator: rendered by Airflow, or by the runner before it calls `native`. */
  readonly templatedFields: readonly string[];
  /** String kwargs that accept `@file`. */
  readonly fileFields?: readonly string[];
  /** Names of the operator's own output files written to --outputs-dir (besides `exit-class`). */
  readonly outputs: readonly string[];
  /** Extra operator-specific flags that are not Airflow kwargs (e.g. `--bigquery-endpoint`). */
  readonly extraFlags?: readonly ExtraFlag[];
  /**
   * Derives operator outputs on the Airflow engine from what the task recorded (`taskRecord`, written by the DAG
   * file once `execute` returned; undefined when the task did not finish) and from the harvested task log.
   */
  readonly harvestOutputs?: (
    taskLog: readonly string[],
    taskRecord: AirflowTaskRecord | undefined,
  ) => Record<string, string>;
  /**
   * Settings the Airflow engine's DAG file applies inside Airflow, derived from the extra flags (e.g. the BigQuery
   * endpoint's discovery URL). May throw an OperatorError (a bad value) before Airflow is spawned.
   */
  readonly airflowDagSettings?: (extra: Readonly<Record<string, string | undefined>>) => AirflowDagSettings;
  /** Classifies operator-specific failure text found in the task log before the shared table runs. */
  readonly classifyLog?: (taskLog: readonly string[]) => ExitClass | undefined;
  /** The native engine (`--engine native`); operators without one reject `--engine native` with exit 64. */
  readonly native?: NativeImplementation<z.output<S>>;
  /** The engines this operator supports, first is the default. Defaults to ['airflow', 'native'] filtered by what exists. */
  readonly engines?: readonly Engine[];
  /**
   * Offers DAG-file mode (`--dag-file F --dag-id D --task-id T`, see dag-file.ts): one task of an unmodified DAG
   * file instead of this definition's operator; then its kwarg flags are refused and the outputs are `state`,
   * `skipped` and `xcom`. The generic airflow-operator sets it.
   */
  readonly dagFileMode?: boolean;
}

export type Engine = 'airflow' | 'native';

export interface AirflowDagSettings {
  /** `discoveryServiceUrl` for BigQueryHook's `googleapiclient.discovery.build`; absent: the hook as 1.8.2 has it. */
  readonly bigqueryDiscoveryUrl?: string | undefined;
}

export interface ExtraFlag {
  readonly flag: string; // e.g. 'bigquery-endpoint'
  readonly env?: string; // e.g. 'BIGQUERY_EMULATOR_HOST'
  readonly description: string;
}

export interface NativeContext<K> {
  readonly taskId: string;
  readonly dagId: string;
  /** Airflow execution date (midnight, naive), e.g. 2026-11-23T00:00:00. */
  readonly executionDate: Date;
  /** Validated kwargs, the definition's `templatedFields` rendered (Airflow 1.8.2's context, render errors → 65). */
  readonly kwargs: K;
  /** Values of extraFlags (flag name → value) after env fallback. */
  readonly extra: Readonly<Record<string, string | undefined>>;
  /** GCP project resolved from --gcp-project, GOOGLE_CLOUD_PROJECT or the key file. */
  readonly gcpProject: string | undefined;
  /** Path of the service-account key file, if any. Never log its content. */
  readonly keyFile: string | undefined;
  /** Connections resolved by the runner (conn_id → fields). Never log passwords/extras. */
  readonly connections: ReadonlyMap<string, ConnectionSpec>;
  /** The environment as given to the CLI (read-only). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly log: TaskLogger;
  /** Aborted on SIGTERM/SIGINT. */
  readonly signal: AbortSignal;
  /**
   * Renders a template the operator derives from its kwargs (IntervalCheckOperator's `sql1`/`sql2`) as the
   * `templatedFields` were rendered; a render error is an OperatorError invalid-input naming `name`.
   */
  readonly renderTemplate: (name: string, template: string) => Promise<string>;
}

export interface TaskLogger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export interface ConnectionSpec {
  readonly connId: string;
  readonly connType: string;
  readonly host?: string;
  readonly schema?: string;
  readonly login?: string;
  readonly password?: string;
  readonly port?: number;
  readonly extra?: Record<string, unknown>;
}

export interface NativeResult {
  /** Operator outputs, written to --outputs-dir/<name>. */
  readonly outputs: Record<string, string>;
}

export type NativeImplementation<K> = (ctx: NativeContext<K>) => Promise<NativeResult>;

/**
 * Errors with a known exit class. Native implementations throw these; the CLI edge prints `message` as one line
 * and exits with the class's code. Messages must never contain secret values.
 */
export class OperatorError extends Error {
  constructor(
    readonly exitClass: ExitClass,
    message: string,
  ) {
    super(message);
    this.name = 'OperatorError';
  }
}

/** The engines an operator can run: its declared `engines` (default both), minus any it has no implementation for. */
export function availableEngines(definition: OperatorDefinition): Engine[] {
  return (definition.engines ?? ['airflow', 'native']).filter((e) =>
    e === 'native' ? definition.native !== undefined : definition.airflowClass !== undefined,
  );
}
