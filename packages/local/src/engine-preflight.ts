import { AIRFLOW_NOT_ON_PATH, findExecutable } from '@data-pipeline/runner';

/** The engine asked for cannot run on this machine (`--engine airflow` without `airflow` on PATH): configuration. */
export class EngineUnavailableError extends Error {
  override readonly name = 'EngineUnavailableError';
}

/**
 * Checked before anything starts: every step would fail the same way (exit 78) after the warehouse started and
 * seeded, so `dp run --engine airflow` says it once, up front, with how to install Airflow.
 */
export function checkEngineAvailable(engine: 'native' | 'airflow', pathEnv: string | undefined): void {
  if (engine === 'airflow' && !findExecutable('airflow', pathEnv))
    throw new EngineUnavailableError(`--engine airflow: ${AIRFLOW_NOT_ON_PATH}`);
}
