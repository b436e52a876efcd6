import type { DuckDBConnection, DuckDBType } from '@duckdb/node-api';
import type { Catalog } from '../catalog.js';
import { schemaOf } from '../physical.js';
import { makeResolver, type ResolvedTable, type TableRef } from '../resolve.js';
import type { Translator } from '../translator.js';
import type { FieldSchema } from '../types.js';

const SCHEMA_CACHE = 256;
const TRANSLATION_CACHE = 256;

type Translation = ReturnType<Translator['translateQuery']>;

/** Whether `ref` still resolves to the relation `was` (a table that is gone now does not). */
function sameRelation(resolve: (ref: TableRef) => ResolvedTable, ref: TableRef, was: ResolvedTable): boolean {
  try {
    const now = resolve(ref);
    return now.sql === was.sql && now.pseudoColumns.join(',') === was.pseudoColumns.join(',');
  } catch {
    return false;
  }
}

/** The query engine's two caches: translations (by SQL text and options) and result schemas (by translated text). */
export class QueryCache {
  /** Translations with the table relations they were made with (see translate), oldest first. */
  private readonly translations = new Map<
    string,
    { result: Translation; resolved: [TableRef, ResolvedTable][] }
  >();
  /** Result schemas of translated queries (see resultSchemaOf), oldest first. */
  private readonly schemaCache = new Map<string, FieldSchema[]>();
  /** Column names of translated SELECTs whose last result was small (see smallResultNames), oldest first. */
  private readonly smallHints = new Map<string, readonly string[]>();

  /**
   * Translates through a cache: a translation is a function of the SQL text, the options and what the catalog answered
   * for each table the query names, so a cached one is reused only while re-resolving those tables gives the same
   * relations (a meta-table's relation carries the catalog's stats: changed by any write, so those re-translate).
   */
  translate(
    catalog: Catalog,
    tr: Translator,
    sql: string,
    opts: Omit<Parameters<Translator['translateQuery']>[1], 'resolveTable'>,
  ): Translation {
    const key = JSON.stringify([
      sql,
      opts.dialect,
      opts.defaultProject,
      opts.defaultDataset ?? null,
      opts.params ?? null,
      opts.parameterMode ?? null,
    ]);
    const resolve = makeResolver(catalog, opts.defaultProject);
    const hit = this.translations.get(key);
    if (hit?.resolved.every(([ref, out]) => sameRelation(resolve, ref, out))) {
      this.translations.delete(key); // refresh its LRU position
      this.translations.set(key, hit);
      return hit.result;
    }
    const resolved: [TableRef, ResolvedTable][] = [];
    const result = tr.translateQuery(sql, {
      ...opts,
      resolveTable: (ref) => {
        const out = resolve(ref);
        resolved.push([{ ...ref }, out]);
        return out;
      },
    });
    this.translations.set(key, { result, resolved });
    if (this.translations.size > TRANSLATION_CACHE) {
      const oldest = this.translations.keys().next().value;
      if (oldest !== undefined) this.translations.delete(oldest);
    }
    return result;
  }

  /**
   * The column names of `sql`'s last result if it was small and may be read in one call next time (see
   * readSmallResult); undefined after a large result, a schema change or when its names are not unique.
   */
  smallResultNames(catalog: Catalog, sql: string): readonly string[] | undefined {
    return this.smallHints.get(`${catalog.schemaEpoch}\u0000${sql}`);
  }

  /**
   * Notes how `sql`'s result came out: `names` when it was small, undefined when it was large. Only names that stay
   * the same when the query is wrapped in a subquery are kept (DuckDB renames duplicates, case-insensitively).
   */
  noteResult(catalog: Catalog, sql: string, names: readonly string[] | undefined): void {
    const key = `${catalog.schemaEpoch}\u0000${sql}`;
    this.smallHints.delete(key);
    if (!names || new Set(names.map((n) => n.toLowerCase())).size !== names.length) return;
    this.smallHints.set(key, names);
    if (this.smallHints.size > SCHEMA_CACHE) {
      const oldest = this.smallHints.keys().next().value;
      if (oldest !== undefined) this.smallHints.delete(oldest);
    }
  }

  /**
   * The schema of a query's result without running it (DuckDB binds it), cached by the SQL text and the catalog's
   * schema epoch: the translated text names physical tables, so only a schema change can change its result's schema.
   */
  async resultSchemaOf(
    catalog: Catalog,
    c: DuckDBConnection,
    sql: string,
    bind: never[] | undefined,
  ): Promise<FieldSchema[]> {
    const key = `${catalog.schemaEpoch}\u0000${sql}`;
    const cached = bind ? undefined : this.schemaCache.get(key);
    if (cached) return cached;
    const prepared = await c.prepare(sql);
    try {
      const names: string[] = [];
      const types: DuckDBType[] = [];
      for (let i = 0; i < prepared.columnCount; i++) {
        names.push(prepared.columnName(i));
        types.push(prepared.columnType(i));
      }
      const schema = schemaOf(names, types);
      if (!bind) {
        this.schemaCache.set(key, schema);
        if (this.schemaCache.size > SCHEMA_CACHE) {
          const oldest = this.schemaCache.keys().next().value;
          if (oldest !== undefined) this.schemaCache.delete(oldest);
        }
      }
      return schema;
    } finally {
      prepared.destroySync();
    }
  }
}
