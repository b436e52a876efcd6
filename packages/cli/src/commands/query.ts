import { resolve } from 'node:path';
import {
  DEFAULT_PROJECT,
  formatRows,
  queryWarehouse,
  type RowFormat,
  startEmbeddedWarehouse,
} from '@data-pipeline/local';
import type { Command } from 'commander';
import { processIo, reportError, UsageError, usageExit } from './run.js';

interface QueryFlags {
  dataDir: string;
  format: string;
  project: string;
  legacySql?: boolean;
}

export function registerQuery(program: Command): void {
  const cmd = program
    .command('query')
    .description('run one SQL query against the embedded warehouse in --data-dir and print the rows')
    .argument('<sql>', 'GoogleSQL (or legacy SQL with #legacySQL / --legacy-sql)')
    .option('--data-dir <dir>', 'data directory of the embedded warehouse', '.data')
    .option('--format <table|json|csv>', 'output format (json: an array of row objects)', 'table')
    .option('--project <id>', 'default project for unqualified table names', DEFAULT_PROJECT)
    .option('--legacy-sql', 'use legacy SQL')
    .action(async (sql: string, flags: QueryFlags) => {
      const io = processIo();
      try {
        if (!['table', 'json', 'csv'].includes(flags.format))
          throw new UsageError(`--format must be table, json or csv, got ${JSON.stringify(flags.format)}`);
        if (sql.trim() === '') throw new UsageError('the SQL text is empty');
        const wh = await startEmbeddedWarehouse({
          dataDir: resolve(io.cwd, flags.dataDir),
          projectId: flags.project,
        });
        try {
          const result = await queryWarehouse(wh.url, sql, {
            projectId: flags.project,
            ...(flags.legacySql ? { useLegacySql: true } : {}),
          });
          io.out(formatRows(result, flags.format as RowFormat));
        } finally {
          await wh.stop();
        }
      } catch (e) {
        reportError(io, 'dp query', e);
      } finally {
        io.dispose();
      }
    });
  usageExit(cmd);
}
