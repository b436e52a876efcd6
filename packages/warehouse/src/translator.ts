import type * as Sql from './sql/index.js';

/**
 * The SQL translator's surface the server uses: ./sql's own exports (a test may pass its own implementation of
 * them to the warehouse).
 */
export type Translator = Pick<typeof Sql, 'detectDialect' | 'translateQuery'> &
  Partial<Pick<typeof Sql, 'DUCKDB_MACROS' | 'parseDdl' | 'registerNativeFunctions'>>;

let loaded: Promise<Translator | undefined> | undefined;
let loadedModule: Translator | undefined;
/** The translator loadTranslator loaded (undefined before or on failure): the one translate-pool.ts's workers load too. */
export const loadedTranslator = (): Translator | undefined => loadedModule;
/** Why the translator could not be loaded (reported in the error of every query). */
export let translatorLoadError = '';

/**
 * Loads ./sql/index.js on first use (it is large, and a warehouse that only serves rows never needs it); a build
 * without it turns every query into one clear invalidQuery error instead of a crash.
 */
export function loadTranslator(): Promise<Translator | undefined> {
  loaded ??= (async () => {
    try {
      loadedModule = await import('./sql/index.js');
      return loadedModule;
    } catch (e) {
      translatorLoadError = e instanceof Error ? e.message.split('\n')[0]! : String(e);
      return undefined;
    }
  })();
  return loaded;
}
