import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PlainConnection } from './db.js';
import type { Io } from './io.js';
import { callPython } from './python-bridge.js';
import type { ScheduleJson } from './schedule.js';

export { PYTHON_DIR, resolvePython } from './python-bridge.js';

export interface DagTask {
  readonly task_id: string;
  readonly operator: string;
  readonly import_path: string;
  readonly fabricated: boolean;
  /** Exactly the keyword arguments the DAG file passed (minus `dag`), JSON-safe. */
  readonly kwargs: Record<string, unknown>;
  /** Effective attribute values after default_args and the operator's defaults. */
  readonly values: Record<string, unknown>;
  readonly template_fields: readonly string[];
  /** Extensions that make a templated string a template FILE name (e.g. `.sql`). */
  readonly template_ext: readonly string[];
  readonly upstream: readonly string[];
  readonly downstream: readonly string[];
}

export interface DagInfo {
  readonly dag_id: string;
  readonly fileloc: string;
  readonly schedule: ScheduleJson;
  readonly start_date: string | null;
  readonly end_date: string | null;
  readonly max_active_runs: number;
  readonly catchup: boolean;
  readonly tasks: readonly DagTask[];
}

export interface DagBagReport {
  readonly dags: readonly DagInfo[];
  readonly import_errors: readonly { path: string; traceback: string }[];
  /** The connection table after DAG files wrote to it through the ORM; null when untouched. */
  readonly connections: PlainConnection[] | null;
}

/** 1.8.2's `process_subdir`: DAGS_FOLDER substituted, `~` expanded, made absolute. */
export function processSubdir(
  subdir: string | undefined,
  dagsFolder: string,
  home: string,
  cwd: string,
): string {
  if (!subdir) return dagsFolder;
  let s = subdir.replace('DAGS_FOLDER', dagsFolder);
  if (s === '~' || s.startsWith('~/')) s = home + s.slice(1);
  return resolve(cwd, s);
}

/** Files DagBag.collect_dags would import: `*.py` containing both `DAG` and `airflow`, minus `.airflowignore` hits. */
export function collectDagFiles(path: string): string[] {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    return [];
  }
  const mightContainDag = (file: string): boolean => {
    try {
      const content = readFileSync(file);
      return content.includes('DAG') && content.includes('airflow');
    } catch {
      return false;
    }
  };
  if (st.isFile()) return mightContainDag(path) ? [path] : [];
  const out: string[] = [];
  const patterns: RegExp[] = [];
  const walk = (dir: string, depth: number): void => {
    if (depth > 40) return;
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return;
    }
    if (entries.includes('.airflowignore')) {
      for (const line of readFileSync(join(dir, '.airflowignore'), 'utf8').split('\n')) {
        if (line.trim()) {
          try {
            patterns.push(new RegExp(line.trim()));
          } catch {
            // an invalid regex line is ignored by the double (1.8.2 would raise re.error)
          }
        }
      }
    }
    for (const name of entries) {
      const full = join(dir, name);
      let s: ReturnType<typeof statSync>;
      try {
        s = statSync(full);
      } catch {
        continue;
      }
      if (patterns.some((p) => p.test(full))) continue;
      if (s.isDirectory()) walk(full, depth + 1);
      else if (name.endsWith('.py') && mightContainDag(full)) out.push(full);
    }
  };
  walk(path, 0);
  return out;
}

export interface FillRequest {
  readonly files: readonly string[];
  readonly dagsFolder: string;
  readonly timeoutSeconds: number;
  /** Current (decrypted) connection rows for ORM queries in DAG files; null when the DB has no tables. */
  readonly connections: readonly PlainConnection[] | null;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly python: string;
  readonly io: Io;
}

/** Executes the DAG files in ONE python3 process against the stub package and returns its report. */
export function fillDagBag(req: FillRequest): Promise<DagBagReport> {
  if (req.files.length === 0) return Promise.resolve({ dags: [], import_errors: [], connections: null });
  return callPython<DagBagReport>({
    script: 'airflow_double_dagbag.py',
    what: 'the DagBag filler',
    request: {
      files: req.files,
      dags_folder: req.dagsFolder,
      timeout: req.timeoutSeconds,
      connections: req.connections,
    },
    python: req.python,
    env: req.env,
    io: req.io,
  });
}
