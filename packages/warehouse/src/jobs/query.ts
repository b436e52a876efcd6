import type { JobRecord, TableMeta } from '../catalog.js';
import { invalid, invalidQuery } from '../errors.js';
import { checkDatasetId, checkProjectId } from '../ids.js';
import { schemaOf } from '../physical.js';
import { checkPartitionFilters, estimateBytesProcessed, tablesRead } from '../query-scan.js';
import { asObject, type Json } from '../rest.js';
import { isScript } from '../script/parse.js';
import { Script, singleQueryWithFunctions } from '../script/run.js';
import type { Tx } from '../store.js';
import { translateCached } from '../translate-pool.js';
import { translatorLoadError } from '../translator.js';
import type { FieldSchema } from '../types.js';
import { isCreateFunction, parseCreateFunction, parseDropFunction } from '../udf/define.js';
import { expandUdfs } from '../udf/expand.js';
import { jsFunctionName } from '../udf/js.js';
import { createRoutine, dropRoutine, persistentUdfs } from '../udf/routines.js';
import { cancelledError, type JobContext, type Running, withConnection } from './context.js';
import { runDdl } from './ddl.js';
import { runDml } from './dml.js';
import { finishRecord, type JobOutcome } from './outcome.js';
import { parseQueryParameters } from './query-parameters.js';
import { dropResultTable, readResult, readSmallResult } from './result-store.js';
import { tableKeyOf, writeInto } from './write-into.js';

/**
 * Query jobs: translate (cached), then a dry run (schema only), DML (./dml.ts), a SELECT into a destination table (in
 * the write transaction, cancellable) or a SELECT whose result is kept as an anonymous result (./result-store.ts).
 */
export async function runQuery(
  ctx: JobContext,
  record: JobRecord,
  cfg: Json,
  dryRun: boolean,
  running: Running,
): Promise<JobOutcome> {
  const tr = ctx.translator;
  if (!tr) {
    throw invalidQuery(
      `The SQL translator is not available in this build${translatorLoadError ? `: ${translatorLoadError}` : ''}.`,
    );
  }
  if (typeof cfg.query !== 'string' || cfg.query.trim() === '')
    throw invalid('Required parameter is missing: query');
  const useLegacy = typeof cfg.useLegacySql === 'boolean' ? cfg.useLegacySql : undefined;
  const detected = tr.detectDialect(cfg.query, useLegacy);
  const dialect = detected.dialect;
  let sql = detected.sql;
  const dd = cfg.defaultDataset === undefined ? undefined : asObject(cfg.defaultDataset, 'defaultDataset');
  const defaultProject = dd?.projectId !== undefined ? checkProjectId(String(dd.projectId)) : record.project;
  const defaultDataset = dd?.datasetId !== undefined ? checkDatasetId(String(dd.datasetId)) : undefined;
  if (cfg.queryParameters !== undefined && !Array.isArray(cfg.queryParameters)) {
    throw invalid('queryParameters must be a list.');
  }
  const params = cfg.queryParameters === undefined ? undefined : parseQueryParameters(cfg.queryParameters);
  const parameterMode =
    cfg.parameterMode === 'NAMED' || cfg.parameterMode === 'POSITIONAL' ? cfg.parameterMode : undefined;
  if (dialect !== 'legacy' && isScript(sql)) {
    // temp functions + one query are one query (BigQuery runs no script for them); anything else is a script
    const single = await singleQueryWithFunctions(ctx, sql, defaultProject);
    if (single === undefined) {
      if (cfg.destinationTable !== undefined)
        throw invalid('configuration.query.destinationTable cannot be set for scripts');
      if (dryRun) throw invalidQuery('Dry run of a script is not supported by this warehouse.');
      if (params) throw invalidQuery('Query parameters are not supported in scripts by this warehouse.');
      return new Script(ctx, record, sql, running, {
        defaultProject,
        ...(defaultDataset ? { defaultDataset } : {}),
      }).run();
    }
    sql = single;
  } else if (dialect !== 'legacy') {
    if (isCreateFunction(sql)) {
      const def = parseCreateFunction(sql);
      if (def.temp) throw invalidQuery('A temporary function must be followed by a query that uses it.');
      if (dryRun)
        return {
          committed: false,
          queryStats: { statementType: 'CREATE_FUNCTION', totalBytesProcessed: '0' },
        };
      return createRoutine(ctx, def, defaultProject);
    }
    const drop = parseDropFunction(sql);
    if (drop) {
      if (dryRun)
        return { committed: false, queryStats: { statementType: 'DROP_FUNCTION', totalBytesProcessed: '0' } };
      return dropRoutine(ctx, drop.parts, drop.ifExists, defaultProject, defaultDataset);
    }
    const persistent = await persistentUdfs(ctx);
    if (persistent) {
      sql = expandUdfs(sql, { temp: new Map(), persistent, defaultProject, jsFunction: jsFunctionName });
    }
  }
  const ddl = tr.parseDdl?.(sql, defaultDataset ? { defaultDataset } : {});
  if (ddl) {
    if (dialect === 'legacy') {
      throw invalidQuery(
        'DDL statements are only supported in standard SQL: set useLegacySql to false or start the query with #standardSQL',
      );
    }
    if (cfg.destinationTable !== undefined)
      throw invalid('Cannot set destination table for a DDL statement.');
    return runDdl(ctx, ddl, {
      dryRun,
      running,
      defaultProject,
      ...(defaultDataset ? { defaultDataset } : {}),
      ...(params ? { params } : {}),
      ...(parameterMode ? { parameterMode } : {}),
    });
  }
  const translated = await translateCached(ctx.queryCache, ctx.catalog, tr, sql, {
    dialect,
    defaultProject,
    ...(defaultDataset ? { defaultDataset } : {}),
    ...(params ? { params } : {}),
    ...(parameterMode ? { parameterMode } : {}),
  });
  const kind = translated.statementKind;
  // Parameters are inlined by the translator; `undefined` (not []) keeps DuckDB calls on the one-trip path.
  const bind = translated.params.length > 0 ? (translated.params as never[]) : undefined;
  const statementType = kind === 'select' ? 'SELECT' : kind.toUpperCase();
  // what the query reads: requirePartitionFilter and the bytes it processes (../query-scan.ts)
  const read = kind === 'select' ? tablesRead(ctx.catalog, translated.sql) : [];
  checkPartitionFilters(ctx.catalog, sql, translated.sql, read);
  const bytes = String(estimateBytesProcessed(sql, read));
  if (dryRun) {
    if (kind !== 'select') {
      return { committed: false, queryStats: { statementType, totalBytesProcessed: '0' } };
    }
    const schema = await ctx.db.read(async (c) => {
      const reader = await c.runAndReadAll(`SELECT * FROM (${translated.sql}) AS q LIMIT 0`, bind);
      return schemaOf(reader.columnNames(), reader.columnTypes());
    });
    return {
      committed: false,
      schema,
      queryStats: {
        statementType,
        totalBytesProcessed: bytes,
        totalBytesBilled: '0',
        schema: { fields: schema },
      },
    };
  }
  if (kind === 'insert' || kind === 'update' || kind === 'delete' || kind === 'merge') {
    return runDml(ctx, record, cfg, translated, bind, statementType);
  }
  if (kind !== 'select') {
    throw invalidQuery(
      `${statementType} statements are not supported by this warehouse; use tables.insert / tables.delete instead.`,
    );
  }
  const queryStats = (schema: FieldSchema[]): Json => ({
    statementType,
    totalBytesProcessed: bytes,
    totalBytesBilled: '0',
    cacheHit: false,
    schema: { fields: schema },
  });
  if (cfg.destinationTable !== undefined) {
    // A destination-table job runs its query straight into the destination, in the write transaction (interruptible
    // by jobs.cancel, which rolls it back). Its result is then the destination's rows (see ResultSource), not a copy;
    // writeInto materialises a result table only where the destination will hold more than the job's rows.
    const dest = tableKeyOf(cfg.destinationTable, record.project);
    return ctx.db.write(async (c, onCommit, atCommit) => {
      const snapshots: TableMeta[] = [];
      const tx: Tx = { onCommit, atCommit, snapshot: (t) => snapshots.push(t) };
      const schema = await withConnection(running, c, () =>
        ctx.queryCache.resultSchemaOf(ctx.catalog, c, translated.sql, bind),
      );
      const outcome: JobOutcome = { committed: true, saved: true, schema, queryStats: queryStats(schema) };
      const written = await withConnection(running, c, () =>
        writeInto(
          ctx.catalog,
          c,
          tx,
          dest,
          { sql: translated.sql, schema, params: bind, result: true },
          {
            createDisposition: cfg.createDisposition,
            writeDisposition: cfg.writeDisposition,
            defaultWrite: 'WRITE_EMPTY',
            timePartitioning: cfg.timePartitioning,
            schemaUpdateOptions: cfg.schemaUpdateOptions,
          },
        ),
      );
      if (running.cancelled) {
        throw cancelledError();
      }
      outcome.totalRows = written.inserted;
      if (written.resultTable) outcome.resultTable = written.resultTable;
      if (written.resultSource) outcome.resultSource = written.resultSource;
      finishRecord(record, outcome);
      ctx.journal.storeAtCommit(atCommit, record, snapshots);
      return outcome;
    });
  }
  // A text whose last result was small is read in one call (readSmallResult); otherwise, or when it has grown, the
  // result is streamed in one snapshot (readResult), and how it came out is noted for next time. A failed one-call
  // read is not the job's answer either: the query then runs the usual way, whose error (if any) is the job's.
  const names = bind ? undefined : ctx.queryCache.smallResultNames(ctx.catalog, translated.sql);
  let result: Awaited<ReturnType<typeof readResult>> | undefined;
  if (names) {
    result = await readSmallResult(ctx.db, translated.sql, names, (c, call) =>
      withConnection(running, c, call),
    ).catch(() => undefined);
  }
  if (!result) {
    result = await ctx.db.read((c) =>
      withConnection(running, c, () => readResult(ctx.db, c, translated.sql, bind)),
    );
    if (!bind) {
      ctx.queryCache.noteResult(
        ctx.catalog,
        translated.sql,
        result.inlineRows ? result.schema.map((f) => f.name) : undefined,
      );
    }
  }
  if (running.cancelled) {
    if (result.resultTable) await dropResultTable(ctx.db, result.resultTable);
    throw cancelledError();
  }
  return { committed: false, ...result, queryStats: queryStats(result.schema) };
}
