import type { DuckDBConnection } from '@duckdb/node-api';
import { Catalog, type DatasetMeta, type TableMeta, type TimePartitioning } from './catalog.js';
import { afterDataWrite } from './data-write.js';
import { createPhysical } from './physical.js';
import { LOCATION } from './rest.js';
import type { Store, TableKey, Tx } from './store.js';
import { normalizeSchema } from './types.js';

/** Runs `fn` in a write transaction with helpers the seeder needs. */
export async function writeTransaction<T>(
  s: Store,
  fn: (c: DuckDBConnection, helpers: WriteHelpers) => Promise<T>,
): Promise<T> {
  return s.db.write(async (c, onCommit, atCommit) => {
    // The seeder's helpers update memory at once (later helpers read it); a failure reloads it below.
    const eager: Tx = { onCommit: (hook) => hook(), atCommit };
    const helpers: WriteHelpers = {
      ensureDataset: async (project, datasetId, description) => {
        if (s.catalog.dataset(project, datasetId)) return;
        const now = Date.now();
        const d: DatasetMeta = {
          project,
          datasetId,
          location: LOCATION,
          creationTime: now,
          lastModifiedTime: now,
        };
        if (description) d.description = description;
        await Catalog.saveDataset(c, d);
        s.catalog.putDataset(d);
        onCommit(() => undefined);
      },
      createTable: async (key, schema, tp) => {
        const t = await createPhysical(s.catalog, c, key, normalizeSchema(schema), tp);
        await Catalog.saveTable(c, t);
        s.catalog.putTable(t);
        return t;
      },
      table: (key) => s.catalog.table(key.projectId, key.datasetId, key.tableId),
      afterWrite: async (t) => {
        await afterDataWrite(s.catalog, c, eager, t, new Set(['*']));
      },
    };
    try {
      return await fn(c, helpers);
    } catch (e) {
      // Memory was updated eagerly above; reload it from the (rolled back) database.
      await s.db
        .read(async (rc) => {
          const fresh = await Catalog.load(rc).catch(() => undefined);
          if (fresh) {
            s.catalog.datasets.clear();
            s.catalog.tables.clear();
            for (const [k, v] of fresh.datasets) s.catalog.datasets.set(k, v);
            for (const [k, v] of fresh.tables) s.catalog.tables.set(k, v);
            s.catalog.schemaEpoch++;
          }
        })
        .catch(() => undefined);
      throw e;
    }
  });
}

export interface WriteHelpers {
  ensureDataset(project: string, datasetId: string, description?: string): Promise<void>;
  createTable(key: TableKey, schema: unknown[], tp?: TimePartitioning): Promise<TableMeta>;
  table(key: TableKey): TableMeta | undefined;
  afterWrite(t: TableMeta): Promise<void>;
}
