import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  DataDirError,
  DEFAULT_PROJECT,
  EXIT_CODES,
  ensureDataDir,
  formatRows,
  queryWarehouse,
  type RowFormat,
  startEmbeddedWarehouse,
} from '@data-pipeline/local';
import { WAREHOUSE_FILE } from '@data-pipeline/warehouse';
import type { Command } from 'commander';
import { exitCodeHelp } from '../exit-help.js';
import { type CliIo, type CommandContext, usageErrors } from '../io.js';
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

export function registerQuery(program: Command, ctx: CommandContext): void {
  const cmd = program
    .command('query')
    .description(
      'run one SQL query against the embedded warehouse in --data-dir (or at --url) and print the rows',
    )
    .argument('<sql>', 'GoogleSQL (or legacy SQL with #legacySQL / --legacy-sql)')
    .option('--data-dir <dir>', 'data directory of the embedded warehouse', '.data')
    .option(
      '--url <url>',
      'query a running `dp warehouse serve` (e.g. http://127.0.0.1:9050) instead of --data-dir',
    )
    .option('--format <table|json|csv>', 'output format (json: an array of row objects)', 'table')
    .option('--project <id>', 'default project for unqualified table names', DEFAULT_PROJECT)
    .option('--legacy-sql', 'use legacy SQL')
    .option('--create', 'start an empty warehouse when --data-dir holds none (default: exit 78)')
    .action(async (sql: string, flags: QueryFlags) => ctx.exit(await queryCommand(sql, flags, ctx.io)));
  cmd.addHelpText('after', exitCodeHelp());
  usageErrors(cmd);
}
