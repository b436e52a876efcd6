import type { CommandContext } from './backfill.js';
import { loadDagBag } from './backfill.js';
import type { PlainConnection } from './db.js';
import { operationalError } from './errors.js';

interface DefaultConnection {
  readonly conn_id: string;
  readonly conn_type: string;
  readonly host?: string;
  readonly schema?: string;
  readonly login?: string;
  readonly password?: string;
  readonly port?: number;
  readonly extra?: string;
}

/**
 * The default connections 1.8.2's `initdb` merges, in its order and with its values (reference §1.2; checked against
 * a real 1.8.2 database). `emr_default`'s extra holds the same JSON document as 1.8.2's, without its indentation.
 */
export const DEFAULT_CONNECTIONS: readonly DefaultConnection[] = [
  { conn_id: 'airflow_db', conn_type: 'mysql', host: 'localhost', login: 'root', schema: 'airflow' },
  {
    conn_id: 'airflow_ci',
    conn_type: 'mysql',
    host: 'localhost',
    login: 'root',
    schema: 'airflow_ci',
    extra: '{"local_infile": true}',
  },
  {
    conn_id: 'beeline_default',
    conn_type: 'beeline',
    host: 'localhost',
    port: 10000,
    schema: 'default',
    extra: '{"use_beeline": true, "auth": ""}',
  },
  { conn_id: 'bigquery_default', conn_type: 'bigquery' },
  {
    conn_id: 'local_mysql',
    conn_type: 'mysql',
    host: 'localhost',
    login: 'airflow',
    password: 'airflow',
    schema: 'airflow',
  },
  { conn_id: 'presto_default', conn_type: 'presto', host: 'localhost', schema: 'hive', port: 3400 },
  { conn_id: 'hive_cli_default', conn_type: 'hive_cli', schema: 'default' },
  {
    conn_id: 'hiveserver2_default',
    conn_type: 'hiveserver2',
    host: 'localhost',
    schema: 'default',
    port: 10000,
  },
  {
    conn_id: 'metastore_default',
    conn_type: 'hive_metastore',
    host: 'localhost',
    port: 9083,
    extra: '{"authMechanism": "PLAIN"}',
  },
  { conn_id: 'mysql_default', conn_type: 'mysql', host: 'localhost', login: 'root' },
  {
    conn_id: 'postgres_default',
    conn_type: 'postgres',
    host: 'localhost',
    login: 'postgres',
    schema: 'airflow',
  },
  { conn_id: 'sqlite_default', conn_type: 'sqlite', host: '/tmp/sqlite_default.db' },
  { conn_id: 'http_default', conn_type: 'http', host: 'https://www.google.com/' },
  { conn_id: 'mssql_default', conn_type: 'mssql', host: 'localhost', port: 1433 },
  { conn_id: 'vertica_default', conn_type: 'vertica', host: 'localhost', port: 5433 },
  { conn_id: 'webhdfs_default', conn_type: 'hdfs', host: 'localhost', port: 50070 },
  { conn_id: 'ssh_default', conn_type: 'ssh', host: 'localhost' },
  { conn_id: 'fs_default', conn_type: 'fs', extra: '{"path": "/"}' },
  { conn_id: 'aws_default', conn_type: 'aws', extra: '{"region_name": "us-east-1"}' },
  { conn_id: 'spark_default', conn_type: 'spark', host: 'yarn', extra: '{"queue": "root.default"}' },
  {
    conn_id: 'emr_default',
    conn_type: 'emr',
    extra: JSON.stringify({
      Name: 'default_job_flow_name',
      LogUri: 's3://my-emr-log-bucket/default_job_flow_location',
      ReleaseLabel: 'emr-4.6.0',
      Instances: {
        InstanceGroups: [
          {
            Name: 'Master nodes',
            Market: 'ON_DEMAND',
            InstanceRole: 'MASTER',
            InstanceType: 'r3.2xlarge',
            InstanceCount: 1,
          },
          {
            Name: 'Slave nodes',
            Market: 'ON_DEMAND',
            InstanceRole: 'CORE',
            InstanceType: 'r3.2xlarge',
            InstanceCount: 1,
          },
        ],
      },
      Ec2KeyName: 'mykey',
      KeepJobFlowAliveWhenNoSteps: false,
      TerminationProtected: false,
      Ec2SubnetId: 'somesubnet',
      Applications: [{ Name: 'Spark' }],
      VisibleToAllUsers: true,
      JobFlowRole: 'EMR_EC2_DefaultRole',
      ServiceRole: 'EMR_DefaultRole',
      Tags: [
        { Key: 'app', Value: 'analytics' },
        { Key: 'environment', Value: 'development' },
      ],
    }),
  },
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
  for (const d of DEFAULT_CONNECTIONS) {
    if (plain.some((c) => c.conn_id === d.conn_id)) continue;
    added.push({
      id: nextId++,
      conn_id: d.conn_id,
      conn_type: d.conn_type,
      host: d.host ?? null,
      schema: d.schema ?? null,
      login: d.login ?? null,
      password: d.password ?? null,
      port: d.port ?? null,
      extra: d.extra ?? null,
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
