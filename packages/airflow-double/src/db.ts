import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { operationalError, PythonException } from './errors.js';
import type { Fernet } from './fernet.js';

/**
 * The double's metadata "database": a JSON document at the sqlite path of `core.sql_alchemy_conn`, replaced
 * atomically (write to a temporary file, then rename) on every commit. Node 20 has no built-in sqlite; the tables
 * the double needs fit in one document. An empty or missing file is an uninitialised database, as with sqlite.
 */
export interface ConnectionRow extends PlainConnection {
  is_encrypted: boolean;
  is_extra_encrypted: boolean;
}

export interface DagRunRow {
  id: number;
  dag_id: string;
  execution_date: string;
  run_id: string;
  state: string;
  external_trigger: boolean;
}

export interface TaskInstanceRow {
  dag_id: string;
  task_id: string;
  execution_date: string;
  state: string | null;
  try_number: number;
  job_id: number | null;
}

export interface DbDocument {
  format: 'airflow-double-db';
  version: 1;
  alembic_version: string;
  next_id: number;
  connections: ConnectionRow[];
  dag_runs: DagRunRow[];
  task_instances: TaskInstanceRow[];
  dags: string[];
}

/** Shape check of a document this package wrote (anything else is "not a database"). */
function isDocument(v: unknown): v is DbDocument {
  if (!v || typeof v !== 'object') return false;
  const d = v as Record<string, unknown>;
  return (
    d.format === 'airflow-double-db' &&
    d.version === 1 &&
    typeof d.next_id === 'number' &&
    ['connections', 'dag_runs', 'task_instances', 'dags'].every((k) => Array.isArray(d[k]))
  );
}

/** Plain view of a connection (password/extra decrypted); a stored row adds the two encryption flags. */
export interface PlainConnection {
  id: number;
  conn_id: string | null;
  conn_type: string | null;
  host: string | null;
  schema: string | null;
  login: string | null;
  password: string | null;
  port: number | null;
  extra: string | null;
}

export class MetadataDb {
  private constructor(
    readonly path: string | undefined,
    private doc: DbDocument | undefined,
  ) {}

  /** Connects like SQLAlchemy + sqlite: a missing file is created empty (0 bytes); a missing folder fails. */
  static connect(path: string | undefined): MetadataDb {
    if (path === undefined) return new MetadataDb(undefined, undefined);
    if (!existsSync(dirname(path))) throw operationalError('unable to open database file');
    if (!existsSync(path)) closeSync(openSync(path, 'a', 0o644));
    const text = readFileSync(path, 'utf8');
    if (text.length === 0) return new MetadataDb(path, undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (!isDocument(parsed)) {
      throw new PythonException(
        'sqlalchemy.exc.DatabaseError',
        '(sqlite3.DatabaseError) file is not a database',
      );
    }
    return new MetadataDb(path, parsed);
  }

  get initialised(): boolean {
    return this.doc !== undefined;
  }

  /** The document, or the OperationalError 1.8.2 raises on its first query of `table`. */
  tables(table: string, sql: string): DbDocument {
    if (!this.doc) throw operationalError(`no such table: ${table}`, sql);
    return this.doc;
  }

  /** initdb: create the schema if absent. Returns true when it was created now. */
  createSchema(): boolean {
    if (this.doc) return false;
    this.doc = {
      format: 'airflow-double-db',
      version: 1,
      alembic_version: 'airflow-1.8.2-heads',
      next_id: 1,
      connections: [],
      dag_runs: [],
      task_instances: [],
      dags: [],
    };
    return true;
  }

  nextId(): number {
    const doc = this.tables('job', 'SELECT max(id) FROM job');
    doc.next_id += 1;
    return doc.next_id - 1;
  }

  commit(): void {
    if (!this.doc || this.path === undefined) return;
    const tmp = join(dirname(this.path), `.${randomBytes(6).toString('hex')}.airflow-double-db.tmp`);
    writeFileSync(tmp, JSON.stringify(this.doc), { mode: 0o644 });
    renameSync(tmp, this.path);
  }

  /** Decrypted connections (as Connection.get_password()/get_extra() see them). */
  plainConnections(fernet: Fernet | undefined): PlainConnection[] {
    const doc = this.tables(
      'connection',
      'SELECT connection.conn_id AS connection_conn_id FROM connection GROUP BY connection.conn_id',
    );
    const open = (value: string | null, encrypted: boolean): string | null => {
      if (value === null || !encrypted) return value;
      if (!fernet) {
        throw new PythonException(
          'airflow.exceptions.AirflowException',
          "Can't decrypt encrypted password for login=None, FERNET_KEY configuration is missing",
        );
      }
      try {
        return fernet.decrypt(value);
      } catch {
        throw new PythonException('cryptography.fernet.InvalidToken', '');
      }
    };
    return doc.connections.map((c) => ({
      id: c.id,
      conn_id: c.conn_id,
      conn_type: c.conn_type,
      host: c.host,
      schema: c.schema,
      login: c.login,
      password: open(c.password, c.is_encrypted),
      port: c.port,
      extra: open(c.extra, c.is_extra_encrypted),
    }));
  }

  /** Replaces the connection table with plain rows, encrypting password/extra when a Fernet key works. */
  storeConnections(rows: readonly PlainConnection[], fernet: Fernet | undefined): void {
    const doc = this.tables('connection', 'INSERT INTO connection ...');
    doc.connections = rows.map((r) => ({
      id: r.id,
      conn_id: r.conn_id,
      conn_type: r.conn_type,
      host: r.host,
      schema: r.schema,
      login: r.login,
      password: r.password === null || !fernet ? r.password : fernet.encrypt(r.password),
      port: r.port,
      extra: r.extra === null || !fernet ? r.extra : fernet.encrypt(r.extra),
      is_encrypted: r.password !== null && fernet !== undefined,
      is_extra_encrypted: r.extra !== null && fernet !== undefined,
    }));
    doc.next_id = Math.max(doc.next_id, ...rows.map((r) => r.id + 1));
  }
}
