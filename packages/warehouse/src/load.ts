import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Database } from './db.js';
import { lit, SANDBOX_SETTINGS } from './db.js';
import { invalid } from './errors.js';
import type { LoadAccess } from './load-access.js';
import { normalizeRow } from './rows.js';
import { duckColumnsDdl, type FieldSchema, fieldOfDuckType, jsonInsertPlan } from './types.js';

export interface Loaded {
  schema: FieldSchema[];
  rows: number;
  files: number;
  bytes: number;
  badRecords: number;
}

/** Local file of a load job's source URI (`file:///abs/path` or an absolute path); gs:// is not reachable here. */
export function localPathOf(uri: unknown): string {
  if (typeof uri !== 'string' || uri.length === 0 || uri.length > 4096 || uri.includes('\0')) {
    throw invalid('Invalid source URI.');
  }
  let path: string;
  if (uri.startsWith('file://')) {
    try {
      path = fileURLToPath(uri);
    } catch {
      throw invalid(`Invalid source URI: ${uri.slice(0, 100)}`);
    }
  } else if (isAbsolute(uri)) {
    path = uri;
  } else {
    throw invalid(
      `Unsupported source URI ${uri.slice(0, 100)}: only local files (file:///absolute/path) can be loaded.`,
    );
  }
  if (path.includes('*')) throw invalid('Wildcard source URIs are not supported.');
  return path;
}

/**
 * Reads a load job's files into a staging table (in `_results`, outside the writer lock); the caller then moves the rows
 * into the destination in one write transaction. Only files `access` allows are read, and DuckDB's file readers run in
 * a private instance (see copyFromFile), never on the warehouse's own instance, where external access is off.
 */
export async function readLoadSource(
  db: Database,
  access: LoadAccess,
  cfg: Record<string, unknown>,
  schema: FieldSchema[] | undefined,
  staging: string,
  running: { connection?: DuckDBConnection; cancelled: boolean },
): Promise<Loaded> {
  const uris = Array.isArray(cfg.sourceUris) ? cfg.sourceUris : [];
  if (uris.length !== 1) throw invalid('Exactly one source URI is supported per load job.');
  const path = await access.check(uris[0]);
  const info = await stat(path);
  const format = String(cfg.sourceFormat ?? 'CSV');
  const maxBad = Number(cfg.maxBadRecords ?? 0) || 0;
  if (format === 'NEWLINE_DELIMITED_JSON') {
    return loadNdjson(db, path, info.size, schema, staging, cfg.ignoreUnknownValues === true, maxBad);
  }
  if (format === 'CSV') return loadCsv(db, path, info.size, schema, staging, cfg, running);
  throw invalid(`Unsupported source format ${format.slice(0, 30)}: use CSV or NEWLINE_DELIMITED_JSON.`);
}

async function loadNdjson(
  db: Database,
  path: string,
  bytes: number,
  schema: FieldSchema[] | undefined,
  staging: string,
  ignoreUnknown: boolean,
  maxBad: number,
): Promise<Loaded> {
  if (!schema) {
    return db.stage(async (c) => {
      await copyFromFile(
        c,
        path,
        `SELECT * FROM read_json_auto(${lit(path)}, format='newline_delimited')`,
        staging,
      );
      return finish(c, staging, 1, bytes, 0);
    });
  }
  return db.stage(async (c) => {
    await c.run(`CREATE TABLE ${staging} (${duckColumnsDdl(schema).join(', ')})`);
    const plan = jsonInsertPlan(schema);
    const struct = plan.struct;
    const cols = schema.map((f) => `"${f.name}"`).join(', ');
    const select = plan.select.join(', ');
    let batch: Record<string, unknown>[] = [];
    let bad = 0;
    let firstError = '';
    let line = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      await c.run(
        `INSERT INTO ${staging} (${cols}) SELECT ${select} FROM (SELECT unnest(CAST(?::JSON AS ${struct})) AS r)`,
        [JSON.stringify(batch)],
      );
      batch = [];
    };
    const rl = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
    for await (const text of rl) {
      line++;
      if (text.trim() === '') continue;
      let parsed: unknown;
      let problem = '';
      try {
        parsed = JSON.parse(text);
      } catch {
        problem = `Error while reading data, error message: JSON parsing error in row starting at position ${line}`;
      }
      if (!problem) {
        const res = normalizeRow(schema, parsed, ignoreUnknown);
        if (res.ok) batch.push(res.value);
        else problem = `Error while reading data, error message: row ${line}: ${res.error.message}`;
      }
      if (problem) {
        bad++;
        firstError ||= problem;
        if (bad > maxBad) {
          rl.close();
          throw invalid(firstError);
        }
      }
      if (batch.length >= 5000) await flush();
    }
    await flush();
    return finish(c, staging, 1, bytes, bad, schema);
  });
}

async function loadCsv(
  db: Database,
  path: string,
  bytes: number,
  schema: FieldSchema[] | undefined,
  staging: string,
  cfg: Record<string, unknown>,
  running: { connection?: DuckDBConnection },
): Promise<Loaded> {
  const skip = Number(cfg.skipLeadingRows ?? 0) || 0;
  const delim = typeof cfg.fieldDelimiter === 'string' ? cfg.fieldDelimiter : ',';
  const quote = typeof cfg.quote === 'string' ? cfg.quote : '"';
  if (delim.length !== 1 || quote.length > 1)
    throw invalid('fieldDelimiter and quote must be single characters.');
  const options = [`delim=${lit(delim)}`, `quote=${lit(quote)}`];
  if (schema) {
    if (schema.some((f) => f.type === 'RECORD' || f.mode === 'REPEATED')) {
      throw invalid('CSV loads cannot contain nested or repeated fields.');
    }
    const columns = duckColumnsDdl(schema)
      .map((d, i) => `${lit(schema[i]!.name)}: ${lit(d.slice(d.indexOf(' ') + 1))}`)
      .join(', ');
    options.push(`columns={${columns}}`, 'header=false', `skip=${skip}`);
  } else {
    options.push(`header=${skip > 0}`, `skip=${Math.max(0, skip - 1)}`);
  }
  return db.stage(async (c) => {
    try {
      await copyFromFile(
        c,
        path,
        `SELECT * FROM read_csv(${lit(path)}, ${options.join(', ')})`,
        staging,
        running,
      );
    } catch (e) {
      throw invalid(
        `Error while reading data, error message: ${e instanceof Error ? e.message.split('\n')[0] : e}`,
      );
    } finally {
      running.connection = undefined;
    }
    return finish(c, staging, 1, bytes, 0, schema);
  });
}

/**
 * Runs `select` (a DuckDB file reader over `path`) in a private in-memory DuckDB instance that may read that one file
 * and nothing else (external access off, `allowed_paths` = [path], configuration locked, no extensions), and appends
 * its rows, chunk by chunk, into a new table `staging` of the warehouse through `c`. The warehouse's instance itself
 * never reads a file, so user SQL has no path to one.
 */
async function copyFromFile(
  c: DuckDBConnection,
  path: string,
  select: string,
  staging: string,
  running?: { connection?: DuckDBConnection },
): Promise<void> {
  // external access goes off (below) as soon as allowed_paths is set, which DuckDB only accepts while it is on
  const instance = await DuckDBInstance.create(':memory:', {
    ...SANDBOX_SETTINGS,
    enable_external_access: 'true',
  });
  try {
    const reader = await instance.connect();
    try {
      await reader.run(`SET allowed_paths = [${lit(path)}]`);
      await reader.run('SET enable_external_access = false');
      await reader.run('SET lock_configuration = true');
      if (running) running.connection = reader;
      const result = await reader.stream(select);
      const columns = result
        .columnNames()
        .map((name, i) => `"${name.replace(/"/g, '""')}" ${String(result.columnTypes()[i])}`);
      await c.run(`CREATE TABLE ${staging} (${columns.join(', ')})`);
      const [, schemaName, tableName] = /^(\w+)\."([^"]+)"$/.exec(staging) ?? [];
      if (!schemaName || !tableName) throw new Error(`staging table name ${staging} is not schema."table"`);
      const appender = await c.createAppender(tableName, schemaName);
      try {
        for (
          let chunk = await result.fetchChunk();
          chunk && chunk.rowCount > 0;
          chunk = await result.fetchChunk()
        ) {
          appender.appendDataChunk(chunk);
        }
        appender.flushSync();
      } finally {
        appender.closeSync();
      }
    } finally {
      if (running) running.connection = undefined;
      reader.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

async function finish(
  c: DuckDBConnection,
  staging: string,
  files: number,
  bytes: number,
  badRecords: number,
  schema?: FieldSchema[],
): Promise<Loaded> {
  const reader = await c.runAndReadAll(`SELECT * FROM ${staging} LIMIT 0`);
  const detected = reader.columnNames().map((n, i) => fieldOfDuckType(n, reader.columnTypes()[i]!));
  const count = await c.runAndReadAll(`SELECT count(*) FROM ${staging}`);
  return { schema: schema ?? detected, rows: Number(count.getRows()[0]?.[0] ?? 0), files, bytes, badRecords };
}
