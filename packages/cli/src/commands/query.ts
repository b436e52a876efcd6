import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  DataDirError,
  EXIT_CODES,
  ensureDataDir,
  formatRows,
  queryWarehouse,
  type RowFormat,
  startEmbeddedWarehouse,
} from '@data-pipeline/local';
import { WAREHOUSE_FILE } from '@data-pipeline/warehouse';
import type { CliIo } from '../io.js';
import { parseWarehouseUrl, reportError, UsageError } from './run.js';

export interface QueryFlags {
  dataDir: string;
  format: string;
  project: string;
  legacySql?: boolean;
  url?: string;
  create?: boolean;
}

/** `dp query`: one query against the embedded warehouse in --data-dir (or a running one, --url); returns the exit code. */
export async function queryCommand(sql: string, flags: QueryFlags, io: CliIo): Promise<number> {
  try {
    if (!['table', 'json', 'csv'].includes(flags.format))
      throw new UsageError(`--format must be table, json or csv, got ${JSON.stringify(flags.format)}`);
    if (sql.trim() === '') throw new UsageError('the SQL text is empty');
    const url = flags.url === undefined ? undefined : parseWarehouseUrl(flags.url);
    const query = (at: string) =>
      queryWarehouse(at, sql, {
        projectId: flags.project,
        ...(flags.legacySql ? { useLegacySql: true } : {}),
      });
    if (url) {
      io.stdout(formatRows(await query(url), flags.format as RowFormat));
      return EXIT_CODES.success;
    }
    const dataDir = await ensureDataDir(resolve(io.cwd, flags.dataDir), '--data-dir', {
      create: flags.create === true,
    });
    // A typo in --data-dir must not answer from a new, empty warehouse as if the tables were missing.
    if (!flags.create && !existsSync(join(dataDir, WAREHOUSE_FILE)))
      throw new DataDirError(
        `--data-dir ${dataDir} holds no warehouse (no ${WAREHOUSE_FILE}): run \`npm start\`, \`dp run …\` or \`dp warehouse seed\` first, or pass --create for an empty one`,
      );
    const wh = await startEmbeddedWarehouse({ dataDir, projectId: flags.project });
    try {
      io.stdout(formatRows(await query(wh.url), flags.format as RowFormat));
    } finally {
      await wh.stop();
    }
    return EXIT_CODES.success;
  } catch (e) {
    return reportError(io, 'dp query', e);
  }
}
