import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ConnectionSpec } from './operator.js';

export interface AirflowHome {
  readonly path: string;
  readonly cfgPath: string;
  readonly dagsDir: string;
  readonly logsDir: string;
  readonly dbPath: string;
  readonly connectionsFile: string;
}

/**
 * Creates a private (0700) AIRFLOW_HOME under `tmpdir` with its dags/ and logs/ folders. This and `writeAirflowCfg`
 * are on the start-up path before Airflow is spawned: a few tiny files, written synchronously (each fs/promises call
 * is a thread-pool round trip, and together they were a tenth of the start-up time).
 */
export function createAirflowHome(tmpdir: string): AirflowHome {
  const path = mkdtempSync(join(tmpdir, 'dp-airflow-'));
  chmodSync(path, 0o700);
  const home: AirflowHome = {
    path,
    cfgPath: join(path, 'airflow.cfg'),
    dagsDir: join(path, 'dags'),
    logsDir: join(path, 'logs'),
    dbPath: join(path, 'airflow.db'),
    connectionsFile: join(path, 'connections.json'),
  };
  mkdirSync(home.dagsDir, { mode: 0o700 });
  mkdirSync(home.logsDir, { mode: 0o700 });
  return home;
}

export async function removeAirflowHome(home: AirflowHome): Promise<void> {
  await rm(home.path, { recursive: true, force: true, maxRetries: 3 });
}

/** A Fernet key as Python's `cryptography` makes it: urlsafe base64 of 32 random bytes, padded. */
export function newFernetKey(): string {
  return `${randomBytes(32).toString('base64url')}=`;
}

/** `[scheduler] job_heartbeat_sec` of every run (1.8.2 reads it as a float; its default is 5). */
export const JOB_HEARTBEAT_SEC = 0.2;

/**
 * airflow.cfg for one run (reference §2): sqlite in the home, SequentialExecutor, no examples, dags/logs inside.
 * Only what differs from 1.8.2's built-in defaults; Airflow fills in the rest. An empty `fernetKey` writes an empty
 * `fernet_key` (it must be written: 1.8.2's built-in default is a random key), with which 1.8.2 encrypts nothing:
 * how `airflow initdb` runs, so the database it makes is a template for any run (see db-template.ts).
 */
export function renderAirflowCfg(home: AirflowHome, fernetKey: string, dagsFolder = home.dagsDir): string {
  return [
    '# Written by the data-pipeline runner for one task run; removed when the run ends.',
    '[core]',
    `airflow_home = ${home.path}`,
    `dags_folder = ${dagsFolder}`,
    `base_log_folder = ${home.logsDir}`,
    'executor = SequentialExecutor',
    `sql_alchemy_conn = sqlite:///${home.dbPath}`,
    'load_examples = False',
    `fernet_key = ${fernetKey}`,
    'donot_pickle = True',
    'dagbag_import_timeout = 30',
    'unit_test_mode = False',
    '',
    '[scheduler]',
    // Both jobs of a step sleep to this beat: the backfill before its first loop ends, `run --local` between polls of
    // the finished `run --raw` (two beats after the task: the poison pill, then the exit). 0.2 s instead of 1 s
    // removes up to ≈ 2 s of sleep per step for a few % of a core while a task runs (0.1 s: ≈ 15 %); see README.
    `job_heartbeat_sec = ${JOB_HEARTBEAT_SEC}`,
    '',
  ].join('\n');
}

/**
 * Python helpers shared by the generated DAG files of both modes (operator mode below, DAG-file mode in
 * dag-file-source.ts): JSON files, connection rows registered through Airflow's ORM, private files written whole.
 */
export const PYTHON_HELPERS = `def _load_json(path):
    with open(path, 'rb') as handle:
        return json.loads(handle.read().decode('utf-8'))


def _same_connection(row, wanted):
    return (
        row.conn_type == wanted['conn_type']
        and row.host == wanted['host']
        and row.schema == wanted['schema']
        and row.login == wanted['login']
        and row.port == wanted['port']
        and row.get_password() == wanted['password']
        and row.get_extra() == wanted['extra']
    )


def _register_connections(path):
    wanted = _load_json(path)
    if not wanted:
        return
    from airflow import settings
    from airflow.models import Connection

    session = settings.Session()
    try:
        changed = False
        for conn in wanted:
            rows = session.query(Connection).filter_by(conn_id=conn['conn_id']).all()
            if len(rows) == 1 and _same_connection(rows[0], conn):
                continue
            for row in rows:
                session.delete(row)
            session.add(Connection(
                conn_id=conn['conn_id'],
                conn_type=conn['conn_type'],
                host=conn['host'],
                schema=conn['schema'],
                login=conn['login'],
                password=conn['password'],
                port=conn['port'],
                extra=conn['extra'],
            ))
            changed = True
        if changed:
            session.commit()
    finally:
        session.close()


def _write_private_json(path, value):
    # Written whole under a temporary name, then renamed: the runner never reads half a file.
    tmp = '%s.%d.tmp' % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, 'wb') as handle:
        handle.write(json.dumps(value).encode('utf-8'))
    os.replace(tmp, path)


`;

/**
 * The DAG file: constant Python 3 source, byte-identical for every run. Ids, operator, kwargs and connections come
 * from JSON files, so no user-supplied value ever becomes Python source (quotes, newlines and `"""` in SQL are data).
 * Connections are registered through Airflow's ORM at parse time, so no secret ever travels in a command line; the
 * comparison makes only the first parse (the backfill process) write to the database.
 */
export const DAG_SOURCE = `# Generated by the data-pipeline runner. The same for every run: the ids, the operator, its kwargs and the
# connections are read from JSON files next to it, so no user-supplied value ever becomes Python source.
import datetime
import importlib
import json
import os
import sys

from airflow.models import DAG


${PYTHON_HELPERS}def _point_bigquery_at(discovery_url):
    # BigQueryHook.get_service of 1.8.2 with the endpoint's discovery document: the document's rootUrl then sends
    # every call to the endpoint. With a key file the key's token_uri decides where tokens come from; without one no
    # credentials are sent (as on the native engine) instead of asking for Application Default Credentials.
    import httplib2
    from airflow.contrib.hooks import bigquery_hook

    def get_service(self):
        key_path = self._get_field('key_path', False)
        if key_path:
            http = self._authorize()
            # oauth2client before 2.2 (the images pin 2.0.2) ignores the key's token_uri and asks Google.
            token_uri = _load_json(key_path).get('token_uri')
            credentials = getattr(http.request, 'credentials', None)
            if token_uri:
                if credentials is None:
                    raise RuntimeError('cannot send the token requests to the key token_uri')
                credentials.token_uri = token_uri
        else:
            http = httplib2.Http()
        return bigquery_hook.build(
            'bigquery', 'v2', http=http, discoveryServiceUrl=discovery_url, cache_discovery=False)

    bigquery_hook.BigQueryHook.get_service = get_service


_bigquery_jobs = []


def _record_bigquery_jobs(hook_module):
    # 1.8.2's run_with_configuration returns the job id once the job is DONE without errorResult.
    cursor_class = hook_module.BigQueryBaseCursor
    original = cursor_class.run_with_configuration
    if getattr(original, '_data_pipeline', False):
        return

    def run_with_configuration(self, configuration):
        job_id = original(self, configuration)
        _bigquery_jobs.append((self, configuration, job_id))
        return job_id

    run_with_configuration._data_pipeline = True
    cursor_class.run_with_configuration = run_with_configuration


def _finished_bigquery_jobs():
    jobs = []
    for cursor, configuration, job_id in _bigquery_jobs:
        query = configuration.get('query') or {}
        jobs.append({
            'project_id': cursor.project_id,
            'job_id': job_id,
            'destination_table': query.get('destinationTable'),
        })
    if jobs and jobs[-1]['destination_table']:
        # What the last job wrote, read through the task's own service once the job is DONE.
        cursor, _, job_id = _bigquery_jobs[-1]
        service = cursor.service.jobs()
        job = service.get(projectId=cursor.project_id, jobId=job_id).execute()
        results = service.getQueryResults(projectId=cursor.project_id, jobId=job_id, maxResults=0).execute()
        jobs[-1]['statistics'] = job.get('statistics')
        jobs[-1]['query_results'] = {
            'totalRows': results.get('totalRows'),
            'numDmlAffectedRows': results.get('numDmlAffectedRows'),
        }
    return jobs


def _record_outputs(operator_class, path):
    execute = operator_class.execute
    if getattr(execute, '_data_pipeline', False):
        return

    def execute_and_record(self, context):
        result = execute(self, context)
        _write_private_json(path, {'bigquery_jobs': _finished_bigquery_jobs()})
        return result

    execute_and_record._data_pipeline = True
    operator_class.execute = execute_and_record


_spec = _load_json(os.path.splitext(os.path.abspath(__file__))[0] + '.json')
if _spec.get('connections_file'):
    _register_connections(_spec['connections_file'])
if _spec.get('bigquery_discovery_url'):
    _point_bigquery_at(_spec['bigquery_discovery_url'])

_module_name, _, _class_name = _spec['operator'].rpartition('.')
_operator_class = getattr(importlib.import_module(_module_name), _class_name)
if 'airflow.contrib.hooks.bigquery_hook' in sys.modules:
    _record_bigquery_jobs(sys.modules['airflow.contrib.hooks.bigquery_hook'])
if _spec.get('outputs_file'):
    _record_outputs(_operator_class, _spec['outputs_file'])

dag = DAG(
    _spec['dag_id'],
    schedule_interval='@once',
    start_date=datetime.datetime.strptime(_spec['execution_date'], '%Y-%m-%dT%H:%M:%S'),
    default_args={'owner': 'data-pipeline', 'retries': 0, 'depends_on_past': False},
)
task = _operator_class(task_id=_spec['task_id'], dag=dag, **_spec['kwargs'])
`;

export interface DagSidecar {
  readonly dag_id: string;
  readonly task_id: string;
  readonly operator: string;
  readonly kwargs: Record<string, unknown>;
  readonly execution_date: string;
  readonly connections_file: string | null;
  /** `googleapiclient.discovery.build`'s discoveryServiceUrl for BigQuery; null: the hook is left as 1.8.2 has it. */
  readonly bigquery_discovery_url: string | null;
  /** Where the task writes what it did (BigQuery job ids, destinations) once `execute` returns; see task-outputs.ts. */
  readonly outputs_file: string | null;
}

/** Connection rows as the DAG file registers them (1.8.2 stores `extra` as a JSON string). */
export function connectionRows(specs: Iterable<ConnectionSpec>): Record<string, string | number | null>[] {
  return [...specs].map((c) => ({
    conn_id: c.connId,
    conn_type: c.connType,
    host: c.host ?? null,
    schema: c.schema ?? null,
    login: c.login ?? null,
    password: c.password ?? null,
    port: c.port ?? null,
    extra: c.extra ? JSON.stringify(c.extra) : null,
  }));
}

/**
 * Writes airflow.cfg: with the run's fresh Fernet key before the backfill, with an empty one (nothing encrypted) for
 * `airflow initdb`. DAG-file mode's run names the user's DAG file's folder as `dags_folder` (what code in a DAG file
 * that reads `settings.DAGS_FOLDER` expects, e.g. TriggerDagRunOperator's DagBag); initdb never does.
 */
export function writeAirflowCfg(home: AirflowHome, fernetKey: string, dagsFolder?: string): void {
  writeFileSync(home.cfgPath, renderAirflowCfg(home, fernetKey, dagsFolder), { mode: 0o600 });
}

/**
 * Writes connections.json, the DAG file and its sidecar; returns the DAG file path. Called once `airflow initdb` has
 * finished: initdb syncs every DAG it finds in the dags folder, so writing ours later keeps it out of initdb (which
 * would otherwise import the operator's module and register the connections once more), and keeps these writes off
 * the start-up path.
 */
export function writeRunFiles(
  home: AirflowHome,
  sidecar: DagSidecar,
  connections: Iterable<ConnectionSpec>,
): string {
  writeFileSync(home.connectionsFile, JSON.stringify(connectionRows(connections)), { mode: 0o600 });
  const dagFile = join(home.dagsDir, `${sidecar.dag_id}.py`);
  writeFileSync(join(home.dagsDir, `${sidecar.dag_id}.json`), JSON.stringify(sidecar, null, 2), {
    mode: 0o600,
  });
  writeFileSync(dagFile, DAG_SOURCE, { mode: 0o600 });
  return dagFile;
}
