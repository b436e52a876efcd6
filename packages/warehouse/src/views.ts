import type { Catalog, TableMeta } from './catalog.js';
import { invalid, invalidQuery } from './errors.js';
import { schemaOf } from './physical.js';
import { makeResolver } from './resolve.js';
import type { Store } from './store.js';
import type { Translator } from './translator.js';
import type { FieldSchema } from './types.js';

/**
 * Logical views. A view stores its query text only; wherever it is read, resolve.ts asks `catalog.viewSql` for the
 * query translated against the catalog as it is then — so a view sees later writes, schema changes and drops of the
 * tables it reads (a dropped table is the same `notFound` as in BigQuery). Translation goes through translateQuery
 * and its sandbox like any user query.
 */

/** How deep views may read views (BigQuery allows 16 levels of nesting). */
const MAX_DEPTH = 16;

/** Lets the catalog translate views with `tr` (once, at open). */
export function installViews(catalog: Catalog, tr: Translator): void {
  let depth = 0;
  catalog.viewSql = (view: TableMeta) => {
    if (!view.view) throw invalid('not a view');
    if (depth >= MAX_DEPTH) {
      throw invalidQuery(
        `View ${view.project}:${view.datasetId}.${view.tableId} is nested too deeply (or references itself): at most ${MAX_DEPTH} levels of views are supported`,
      );
    }
    depth++;
    try {
      return translateView(catalog, tr, view.project, view.view.query, view.view.useLegacySql);
    } finally {
      depth--;
    }
  };
}

function translateView(
  catalog: Catalog,
  tr: Translator,
  project: string,
  query: string,
  legacy: boolean,
): string {
  const { dialect, sql } = tr.detectDialect(query, legacy);
  const t = tr.translateQuery(sql, {
    dialect,
    defaultProject: project,
    resolveTable: makeResolver(catalog, project),
  });
  if (t.statementKind !== 'select') throw invalidQuery('A view query must be a SELECT statement');
  return t.sql;
}

/** Checks a view's query (it must translate and plan) and returns the schema of its result. */
export async function viewSchema(
  s: Store,
  tr: Translator | undefined,
  project: string,
  query: string,
  legacy: boolean,
): Promise<FieldSchema[]> {
  if (!tr) throw invalidQuery('Views need the SQL translator, which is not available in this build');
  if (query.trim() === '') throw invalid('View query must not be empty');
  const sql = translateView(s.catalog, tr, project, query, legacy);
  return s.db.read(async (c) => {
    const reader = await c.runAndReadAll(`SELECT * FROM (${sql}) AS q LIMIT 0`);
    return schemaOf(reader.columnNames(), reader.columnTypes());
  });
}
