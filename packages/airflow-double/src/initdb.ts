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

const MIGRATIONS = 22;

/** `airflow initdb`: `DB: <url>`, Alembic's lines on stderr, schema + default connections (idempotent), DAG sync, `Done.` */
export async function initdb(ctx: CommandContext): Promise<number> {
  const { io } = ctx;
  io.out(`DB: ${ctx.config.get('core', 'sql_alchemy_conn')}`);
  const db = ctx.db();
  io.err('INFO  [alembic.runtime.migration] Context impl SQLiteImpl.');
  io.err('INFO  [alembic.runtime.migration] Will assume non-transactional DDL.');
  if (ctx.options.outcome === 'initdb-fail') {
    throw operationalError('unable to open database file');
  }
  if (db.createSchema()) {
    for (let k = 1; k <= MIGRATIONS; k++) {
      const prev = k === 1 ? '' : `double${String(k - 1).padStart(2, '0')}`;
      io.err(
        `INFO  [alembic.runtime.migration] Running upgrade ${prev} -> double${String(k).padStart(2, '0')}, airflow 1.8.2 schema step ${k} of ${MIGRATIONS}`,
      );
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
