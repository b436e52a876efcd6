import type { ResolvedTable, TableRef } from './resolve.js';
import type { DdlStatement } from './sql/ddl.js';

/** The SQL translator's surface the server uses (implemented in ./sql by its own module). */
export interface Translator {
  /** Statements (TEMP macros) the translated SQL relies on; run on every connection. */
  DUCKDB_MACROS?: readonly string[];
  detectDialect(sql: string, useLegacySql?: boolean): { dialect: 'standard' | 'legacy'; sql: string };
  translateQuery(
    sql: string,
    opts: {
      dialect: 'standard' | 'legacy';
      defaultProject: string;
      defaultDataset?: string;
      params?: unknown[];
      parameterMode?: 'NAMED' | 'POSITIONAL';
      resolveTable: (ref: TableRef) => ResolvedTable;
    },
  ): { sql: string; params: unknown[]; statementKind: string; targetTable?: TableRef };
  /** Parses a DDL statement (CREATE/DROP/ALTER/TRUNCATE); undefined when `sql` is not DDL. */
  parseDdl?(sql: string, opts: { defaultDataset?: string }): DdlStatement | undefined;
}

let loaded: Promise<Translator | undefined> | undefined;
let loadedModule: Translator | undefined;
/** The translator loadTranslator loaded (undefined before or on failure): the one translate-pool.ts's workers load too. */
export const loadedTranslator = (): Translator | undefined => loadedModule;
/** Why the translator could not be loaded (reported in the error of every query). */
export let translatorLoadError = '';

/**
 * Loads ./sql/index.js lazily by a computed specifier, so this package builds and its storage tests run while the
 * translator is developed in parallel; a missing translator turns every query into one clear invalidQuery error.
 */
export function loadTranslator(): Promise<Translator | undefined> {
  loaded ??= (async () => {
    const specifier = ['.', 'sql', 'index.js'].join('/');
    try {
      const mod = (await import(specifier)) as Partial<Translator>;
      if (typeof mod.translateQuery === 'function' && typeof mod.detectDialect === 'function') {
        loadedModule = mod as Translator;
        return loadedModule;
      }
    } catch (e) {
      translatorLoadError = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    }
    return undefined;
  })();
  return loaded;
}
