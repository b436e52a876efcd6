import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_CODES, findExecutable } from '@data-pipeline/runner';
import { type DagDump, dumpSchema, type LoadErrorKind } from './dag-json.js';

const PYTHON_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../python');
export const DUMP_SCRIPT = join(PYTHON_DIR, 'dump_dag.py');
const SHIM = join(PYTHON_DIR, 'interpreter-shim.sh');

/** A DAG file that could not be loaded or an Airflow that could not be used: one line and the documented exit code. */
export class LoadError extends Error {
  override readonly name = 'LoadError';
  constructor(
    message: string,
    readonly exitCode: number,
    readonly line: number | null = null,
  ) {
    super(message);
  }
}

/** The exit code of each way a DAG file fails to load (README "Bring your own DAGs"). */
export const LOAD_EXIT: Readonly<Record<LoadErrorKind, number>> = {
  syntax: EXIT_CODES['invalid-input'],
  load: EXIT_CODES['invalid-input'],
  'no-dag': EXIT_CODES['invalid-input'],
  'dag-id': EXIT_CODES['invalid-input'],
  several: EXIT_CODES.usage,
  // The file may be fine: the interpreter lacks a module it imports.
  import: EXIT_CODES.configuration,
};

export interface Interpreter {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Record<string, string | undefined>;
}

/**
 * How to run Python the way the `airflow` on PATH does. A console script (`#!…/python…`) names its interpreter; a
 * shell wrapper that execs `$AIRFLOW_PYTHON <airflow script>` (scripts/install-real-airflow.sh's) keeps its import
 * path and environment when our shim takes that interpreter's place.
 */
export function findInterpreter(env: Readonly<Record<string, string | undefined>>): Interpreter {
  const airflow = findExecutable('airflow', env.PATH);
  if (!airflow)
    throw new LoadError(
      'airflow not found on PATH: dp convert loads the DAG file with Airflow 1.8.2 (install it with scripts/install-real-airflow.sh)',
      EXIT_CODES.configuration,
    );
  const head = readFileSync(airflow, 'utf8').slice(0, 4096);
  const shebang = /^#!\s*(\S+)(?:[ \t]+(\S+))?/.exec(head);
  if (shebang && /python[0-9.]*$/.test(shebang[1]!))
    return { command: shebang[1]!, args: shebang[2] ? [shebang[2]] : [], env: { ...env } };
  if (shebang && /\/env$/.test(shebang[1]!) && shebang[2] && /^python[0-9.]*$/.test(shebang[2]))
    return { command: shebang[1]!, args: [shebang[2]], env: { ...env } };
  const wrapped = /\$\{AIRFLOW_PYTHON:-([^}]+)\}/.exec(head);
  if (wrapped)
    return {
      command: airflow,
      args: [],
      env: { ...env, AIRFLOW_PYTHON: SHIM, DP_CONVERT_PYTHON: env.AIRFLOW_PYTHON || wrapped[1]! },
    };
  throw new LoadError(
    `${airflow} is neither a Python script nor a wrapper that execs $AIRFLOW_PYTHON: cannot tell which Python runs Airflow`,
    EXIT_CODES.configuration,
  );
}

function run(
  interp: Interpreter,
  args: readonly string[],
  env: Record<string, string | undefined>,
  signal?: AbortSignal,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((done) => {
    execFile(
      interp.command,
      [...interp.args, ...args],
      { env, maxBuffer: 256 * 1024 * 1024, signal, encoding: 'utf8' },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        done({ stdout, stderr, code });
      },
    );
  });
}

/**
 * Loads DAG_FILE with the real Airflow (python/dump_dag.py in a private, removed AIRFLOW_HOME) and returns the dumped
 * DAG; any failure is a {@link LoadError}.
 */
export async function loadDag(
  dagFile: string,
  dagId: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  signal?: AbortSignal,
): Promise<DagDump> {
  const interp = findInterpreter(env);
  const home = mkdtempSync(join(env.TMPDIR || tmpdir(), 'dp-convert-'));
  try {
    const runEnv = {
      ...interp.env,
      AIRFLOW_HOME: home,
      AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
      AIRFLOW__CORE__DAGS_FOLDER: join(home, 'dags'),
      PYTHONDONTWRITEBYTECODE: '1',
      SQLALCHEMY_SILENCE_UBER_WARNING: '1',
    };
    const r = await run(
      interp,
      [DUMP_SCRIPT, dagFile, ...(dagId === undefined ? [] : [dagId])],
      runEnv,
      signal,
    );
    const last = r.stdout.trim().split('\n').pop() ?? '';
    let json: unknown;
    try {
      json = JSON.parse(last);
    } catch {
      const why = r.stderr.trim().split('\n').filter(Boolean).pop() ?? `exit ${r.code}`;
      throw new LoadError(`loading the DAG with Airflow failed: ${why}`, EXIT_CODES.configuration);
    }
    const parsed = dumpSchema.safeParse(json);
    if (!parsed.success)
      throw new LoadError(
        'the DAG dump does not match what dp convert expects (is this Airflow 1.8.2?)',
        EXIT_CODES.configuration,
      );
    if ('error' in parsed.data) {
      const e = parsed.data.error;
      throw new LoadError(e.message, LOAD_EXIT[e.kind], e.line);
    }
    return parsed.data.dag;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
