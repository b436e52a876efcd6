import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AirflowHome } from './airflow-home.js';

/**
 * What the Airflow task itself recorded once its `execute` returned (the DAG file writes it, 0600, in the private
 * home): `{"bigquery_jobs": [...]}`, an empty list when the operator ran no BigQuery job. Operators read their outputs
 * from it instead of from log lines. Absent when the task did not finish (or under a double that does not run the
 * DAG file).
 */
export type AirflowTaskRecord = Readonly<Record<string, unknown>>;

const TASK_OUTPUTS_FILE = 'task-outputs.json';

export function taskOutputsPath(home: AirflowHome): string {
  return join(home.path, TASK_OUTPUTS_FILE);
}

/** The task's record, or undefined when there is none; a file that is not a JSON object counts as none. */
export function readTaskRecord(home: AirflowHome): AirflowTaskRecord | undefined {
  let text: string;
  try {
    text = readFileSync(taskOutputsPath(home), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as AirflowTaskRecord)
      : undefined;
  } catch {
    return undefined;
  }
}
