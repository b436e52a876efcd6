import {
  type DuckDBConnection,
  DuckDBInstance,
  type DuckDBMaterializedResult,
  type DuckDBResultReader,
  type DuckDBScalarFunction,
} from '@duckdb/node-api';

/** A FIFO lock: one writer at a time. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

/**
 * Instance settings for every DuckDB instance that runs user SQL (all of them are GLOBAL in DuckDB 1.5, i.e. per
 * instance, not per connection): no files, URLs or extensions reachable from SQL, no secrets written to ~/.duckdb.
 * `lock_configuration` is switched on once the connections are set up, so SQL cannot SET any of them back.
 */
export const SANDBOX_SETTINGS: Readonly<Record<string, string>> = {
  enable_external_access: 'false',
  autoinstall_known_extensions: 'false',
  autoload_known_extensions: 'false',
  allow_community_extensions: 'false',
  allow_persistent_secrets: 'false',
};

/**
 * One DuckDB database (a file in the data dir, or in memory): a single writer connection behind a lock, a small
 * pool of reader connections, and a spool connection (behind its own lock) that stores large query results while a
 * reader streams them; all with the session settings the SQL translator relies on.
 */
export class Database {
  private readonly writer: DuckDBConnection;
  private readonly idle: DuckDBConnection[];
  private readonly waiters: ((c: DuckDBConnection) => void)[] = [];
  private readonly lock = new Mutex();
  private readonly spoolLock = new Mutex();
  private closed = false;
  /** COMMITs of read snapshots whose results were already returned (see read). */
  private readonly ending = new Set<Promise<void>>();

  private constructor(
    private readonly instance: DuckDBInstance,
    writer: DuckDBConnection,
    readers: DuckDBConnection[],
    private readonly spooler: DuckDBConnection,
  ) {
    this.writer = writer;
    this.idle = readers;
  }

  /**
   * `setup` statements run on every connection (e.g. the SQL translator's TEMP macros); `registerFunctions` once, on
   * the first connection (scalar functions belong to the instance, e.g. the translator's JavaScript functions).
   */
  static async open(
    path: string | null,
    setupStatements: readonly string[] = [],
    readers = 4,
    settings: Record<string, string> = {},
    registerFunctions?: (c: DuckDBConnection) => Promise<void>,
  ): Promise<Database> {
    const instance = await DuckDBInstance.create(path ?? ':memory:', { ...settings, ...SANDBOX_SETTINGS });
    if (registerFunctions) {
      const c = await instance.connect();
      await registerFunctions(c);
      c.closeSync();
    }
    const setup = async () => {
      const c = await instance.connect();
      await c.run("SET TimeZone='UTC'");
      for (const stmt of setupStatements) await c.run(stmt);
      return c;
    };
    const writer = await setup();
    const pool: DuckDBConnection[] = [];
    for (let i = 0; i < readers; i++) pool.push(await setup());
    const spooler = await setup();
    // from here on no connection (and no SQL) can change the instance's or a session's configuration
    await writer.run('SET lock_configuration = true');
    return new Database(instance, writer, pool, spooler);
  }

  /**
   * Runs `fn` on the writer connection inside one transaction, serialised with all other writes. `onCommit` hooks run
   * after COMMIT, still inside the lock, so the in-memory catalog never shows uncommitted state nor lags a later writer.
   * `atCommit` statements (bookkeeping whose outcome nothing reads back, e.g. catalog records) are sent with the
   * COMMIT in one call; if one fails, the transaction rolls back. BEGIN rides with the first statement `fn` runs (see
   * beginLazily): a write job costs two trips to DuckDB, its data statement and its bookkeeping + COMMIT.
   */
  write<T>(
    fn: (
      c: DuckDBConnection,
      onCommit: (hook: () => void) => void,
      atCommit: (sql: string) => void,
    ) => Promise<T>,
  ): Promise<T> {
    return this.lock.run(async () => {
      if (this.closed) throw new Error('warehouse is stopping');
      const hooks: (() => void)[] = [];
      const tail: string[] = [];
      const tx = beginLazily(this.writer);
      try {
        const result = await fn(
          tx.connection,
          (hook) => hooks.push(hook),
          (sql) => tail.push(sql),
        );
        if (!tx.begun()) tail.unshift('BEGIN TRANSACTION');
        tail.push('COMMIT');
        await this.writer.run(tail.join('; '));
        for (const hook of hooks) hook();
        return result;
      } catch (e) {
        if (tx.begun()) await this.writer.run('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  /**
   * Registers a scalar function (a JavaScript UDF, ../udf/js.ts) in the instance's catalog, visible to every
   * connection; serialised with writes, as a catalog change.
   */
  registerFunction(f: DuckDBScalarFunction): Promise<void> {
    return this.lock.run(async () => {
      this.writer.registerScalarFunction(f);
    });
  }

  /**
   * Runs ONE statement on the writer connection in its own (auto-committed) transaction, serialised with all other
   * writes: the cheap path for a single-row catalog write such as a job record (no BEGIN/COMMIT round trips).
   */
  writeOne(sql: string): Promise<void> {
    return this.lock.run(async () => {
      if (this.closed) throw new Error('warehouse is stopping');
      await this.writer.run(sql);
    });
  }

  /**
   * Runs `fn` on a pooled reader connection (concurrent with other reads and with the writer), in ONE snapshot: the
   * first statement `fn` runs opens a transaction (see beginLazily), ended after `fn` settles. DuckDB plans a
   * statement with the table statistics of the moment it is prepared and does not re-plan for data-only commits, so a
   * statement prepared in one auto-commit transaction and run in the next can meet rows its plan has no room for
   * (wrapped or out-of-bounds values); inside one transaction the plan and the run see the same data. `fn` must be
   * done with every result it streams before it returns.
   */
  read<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.onReader(fn, false);
  }

  /**
   * Like read, but returns only after the transaction has committed: for work on a reader that creates what another
   * connection reads next (a load job's staging table, read by the writer right after). read's early answer is only
   * right for a transaction that wrote nothing.
   */
  stage<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.onReader(fn, true);
  }

  private async onReader<T>(fn: (c: DuckDBConnection) => Promise<T>, commitFirst: boolean): Promise<T> {
    if (this.closed) throw new Error('warehouse is stopping');
    const c = await this.acquire();
    const tx = beginLazily(c);
    let result: T;
    try {
      result = await fn(tx.connection);
    } catch (e) {
      if (tx.begun()) await c.run('ROLLBACK').catch(() => undefined);
      this.release(c);
      throw e;
    }
    if (!tx.begun()) {
      this.release(c);
      return result;
    }
    if (commitFirst) {
      try {
        await c.run('COMMIT');
      } catch (e) {
        await c.run('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        this.release(c);
      }
      return result;
    }
    // The snapshot only read, so its COMMIT cannot change what `fn` returned: the caller has its result one trip to
    // DuckDB sooner, and the connection rejoins the pool once the transaction is over (close() waits for that).
    const ending: Promise<void> = c
      .run('COMMIT')
      .catch(() => c.run('ROLLBACK'))
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        this.ending.delete(ending);
        this.release(c);
      });
    this.ending.add(ending);
    return result;
  }

  /**
   * Runs ONE parameterless statement on a pooled reader and reads its whole result: one call to DuckDB plans and runs it
   * in one auto-commit transaction, so it needs no BEGIN/COMMIT around it (the cheap path for single-statement reads,
   * like writeOne for writes). Several statements that must agree with each other go through `read`.
   */
  async readOne(sql: string): Promise<DuckDBResultReader> {
    if (this.closed) throw new Error('warehouse is stopping');
    const c = await this.acquire();
    try {
      return await c.runAndReadAll(sql);
    } finally {
      this.release(c);
    }
  }

  /**
   * Like readOne, but the result stays materialized (its chunks are read without further calls into DuckDB) and
   * `around` wraps the one call with the connection it runs on (e.g. to register it for jobs.cancel). One trip to
   * DuckDB in all: for statements whose result is known to be small (a LIMIT), never for an unbounded one.
   */
  async runOne(
    sql: string,
    around: (
      c: DuckDBConnection,
      call: () => Promise<DuckDBMaterializedResult>,
    ) => Promise<DuckDBMaterializedResult>,
  ): Promise<DuckDBMaterializedResult> {
    if (this.closed) throw new Error('warehouse is stopping');
    const c = await this.acquire();
    try {
      return await around(c, () => c.run(sql));
    } finally {
      this.release(c);
    }
  }

  private async acquire(): Promise<DuckDBConnection> {
    return this.idle.pop() ?? (await new Promise<DuckDBConnection>((resolve) => this.waiters.push(resolve)));
  }

  private release(c: DuckDBConnection): void {
    const next = this.waiters.shift();
    if (next) next(c);
    else this.idle.push(c);
  }

  /**
   * Runs `fn` on the spool connection (one at a time): for result tables filled from a reader's stream — a statement
   * on the reader itself would end its stream. Never waits for a reader or the writer, so it cannot deadlock them.
   */
  spool<T>(fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.spoolLock.run(async () => {
      if (this.closed) throw new Error('warehouse is stopping');
      return fn(this.spooler);
    });
  }

  async close(): Promise<void> {
    await this.lock.run(async () => {
      this.closed = true;
      await this.writer.run('CHECKPOINT').catch(() => undefined);
    });
    await this.spoolLock.run(async () => undefined);
    await Promise.all([...this.ending]);
    for (const c of this.idle) c.closeSync();
    this.spooler.closeSync();
    this.writer.closeSync();
    this.instance.closeSync();
  }
}

const RUN_METHODS = new Set(['run', 'runAndRead', 'runAndReadAll']);
const PASS_THROUGH = new Set(['interrupt', 'progress', 'clientContext', 'getClientContext', 'getTableNames']);

/**
 * A connection as `fn` of Database.write / read sees it: the first statement it runs opens the transaction —
 * `BEGIN TRANSACTION; <sql>` in one call when the statement has no parameters (one trip to DuckDB less per write),
 * BEGIN on its own first otherwise, and before any other executing method (prepare, stream, appenders, ...).
 */
function beginLazily(c: DuckDBConnection): { connection: DuckDBConnection; begun: () => boolean } {
  let begun = false;
  const begin = async () => {
    if (begun) return;
    begun = true;
    await c.run('BEGIN TRANSACTION');
  };
  const connection = new Proxy(c, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function' || typeof prop !== 'string' || PASS_THROUGH.has(prop)) {
        return typeof value === 'function' ? value.bind(target) : value;
      }
      const method = value as (...args: unknown[]) => Promise<unknown>;
      if (RUN_METHODS.has(prop)) {
        return async (sql: string, ...rest: unknown[]) => {
          if (!begun && rest[0] === undefined) {
            begun = true;
            return method.call(target, `BEGIN TRANSACTION; ${sql}`, ...rest);
          }
          await begin();
          return method.call(target, sql, ...rest);
        };
      }
      return async (...args: unknown[]) => {
        await begin();
        return method.apply(target, args);
      };
    },
  });
  return { connection, begun: () => begun };
}

/** SQL string literal. */
export function lit(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}
