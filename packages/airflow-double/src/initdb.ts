import type { CommandContext } from './backfill.js';
import { loadDagBag } from './backfill.js';
import type { PlainConnection } from './db.js';
import { operationalError } from './errors.js';

/** The default connections 1.8.2's initdb merges (conn_id → conn_type; reference §1.2). */
export const DEFAULT_CONNECTIONS: readonly [string, string][] = [
  ['airflow_db', 'mysql'],
  ['airflow_ci', 'mysql'],
  ['beeline_default', 'beeline'],
  ['bigquery_default', 'bigquery'],
  ['local_mysql', 'mysql'],
  ['presto_default', 'presto'],
  ['hive_cli_default', 'hive_cli'],
  ['hiveserver2_default', 'hiveserver2'],
  ['metastore_default', 'hive_metastore'],
  ['mysql_default', 'mysql'],
  ['postgres_default', 'postgres'],
  ['sqlite_default', 'sqlite'],
  ['http_default', 'http'],
  ['mssql_default', 'mssql'],
  ['vertica_default', 'vertica'],
  ['webhdfs_default', 'hdfs'],
  ['ssh_default', 'ssh'],
  ['fs_default', 'fs'],
  ['aws_default', 'aws'],
  ['spark_default', 'spark'],
  ['emr_default', 'emr'],
];

/** The 22 Alembic revisions of 1.8.2's `airflow/migrations/versions`, oldest first: [revision, message]. */
export const MIGRATIONS: readonly [string, string][] = [
  ['e3a246e0dc1', 'current schema'],
  ['1507a7289a2f', 'create is_encrypted'],
  ['13eb55f81627', 'maintain history for compatibility with earlier migrations'],
  ['338e90f54d61', 'More logging into task_isntance'],
  ['52d714495f0', 'job_id indices'],
  ['502898887f84', 'Adding extra to Log'],
  ['1b38cef5b76e', 'add dagrun'],
  ['2e541a1dcfed', 'task_duration'],
  ['40e67319e3a9', 'dagrun_config'],
  ['561833c1c74b', 'add password column to user'],
  ['4446e08588', 'dagrun start end'],
  ['bbc73705a13e', 'Add notification_sent column to sla_miss'],
  ['bba5a7cfc896', "Add a column to track the encryption state of the 'Extra' field in connection"],
  ['1968acfc09e3', 'add is_encrypted column to variable table'],
  ['2e82aab8ef20', 'rename user table'],
  ['211e584da130', 'add TI state index'],
  ['64de9cddf6c9', 'add task fails journal table'],
  ['f2ca10b85618', 'add dag_stats table'],
  ['4addfa1236f1', 'Add fractional seconds to mysql tables'],
  ['8504051e801b', 'xcom dag task indices'],
  ['5e7d17757c7a', 'add pid field to TaskInstance'],
  ['127d2bf2dfa7', 'Add dag_id/state index on dag_run table'],
];

/** `airflow initdb`: `DB: <url>`, Alembic's lines on stderr, schema + default connections (idempotent), DAG sync, `Done.` */
export async function initdb(ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  io.out(`DB: ${ctx.config.get('core', 'sql_alchemy_conn')}`);
  const db = ctx.db();
  // db.initdb() → upgradedb() logs this before Alembic runs, on every initdb (also on an initialised database).
  io.log('db.py:287', 'INFO', 'Creating tables');
  io.err('INFO  [alembic.runtime.migration] Context impl SQLiteImpl.');
  io.err('INFO  [alembic.runtime.migration] Will assume non-transactional DDL.');
  if (ctx.options.outcome === 'initdb-fail') {
    throw operationalError('unable to open database file');
  }
  if (db.createSchema()) {
    let prev = '';
    for (const [revision, message] of MIGRATIONS) {
      io.err(`INFO  [alembic.runtime.migration] Running upgrade ${prev} -> ${revision}, ${message}`);
      prev = revision;
    }
  }
  const plain = db.plainConnections(ctx.fernet);
  let nextId = Math.max(0, ...plain.map((c) => c.id)) + 1;
  const added: PlainConnection[] = [];
  for (const [connId, type] of DEFAULT_CONNECTIONS) {
    if (plain.some((c) => c.conn_id === connId)) continue;
    added.push({
      id: nextId++,
      conn_id: connId,
      conn_type: type,
      host: null,
      schema: null,
      login: null,
      password: null,
      port: null,
      extra: null,
    });
  }
  db.storeConnections([...plain, ...added], ctx.fernet);
  db.commit();
  // DAGs of the dags folder are synced into the `dag` table; after Alembic's fileConfig only WARN+ reaches stderr.
  const dagsFolder = ctx.config.get('core', 'dags_folder');
  const { report } = await loadDagBag(ctx, dagsFolder, db);
  for (const e of report.import_errors)
    io.err(`ERROR [root] Failed to import: ${e.path}\n${e.traceback.replace(/\n$/, '')}`);
  const doc = db.tables('dag', 'SELECT dag.dag_id FROM dag');
  for (const d of report.dags) if (!doc.dags.includes(d.dag_id)) doc.dags.push(d.dag_id);
  db.commit();
  io.out('Done.');
  return 0;
}
