import { FAULT_ERRORS } from '@data-pipeline/warehouse/faults';
import type { Command } from 'commander';
import type { SeedOptions, ServeOptions } from '../commands/warehouse.js';
import { type CommandContext, usageExit } from '../io.js';
import { TOKEN_ENV } from '../serve-access.js';

const DEFAULT_DATA_DIR = '.data';

/** `dp warehouse serve|seed`: the embedded BigQuery-compatible warehouse; the warehouse package below is pure API. */
export function registerWarehouse(program: Command, ctx: CommandContext): void {
  const warehouse = program
    .command('warehouse')
    .description('embedded BigQuery-compatible warehouse (REST v2 on loopback)');
  usageExit(warehouse);

  const serve = warehouse
    .command('serve')
    .description('serve BigQuery REST v2 until SIGTERM/SIGINT; prints the URL once it accepts requests')
    .option('--port <port>', 'TCP port (0 = any free port)', '9050')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--data-dir <dir>', 'directory of the DuckDB file (warehouse.duckdb)', DEFAULT_DATA_DIR)
    .option('--in-memory', 'keep everything in memory (nothing persists)')
    .option('--project <id>', 'default project for requests without one', 'local-project')
    .option('--memory-limit <size>', "DuckDB's memory cap, e.g. 512MB or 2GB (default 1GB with a data dir)")
    .option('--threads <n>', 'DuckDB worker threads (default: one per core)')
    .option(
      '--allow-origin <origin>',
      'let a web page at this origin (scheme://host[:port]) call the warehouse (repeatable; other pages get 403)',
      (value: string, previous: string[]) => [...previous, value],
      [] as string[],
    )
    .option(
      '--expose',
      'allow a non-loopback --host; every request must then carry "Authorization: Bearer <token>"',
    )
    .option(
      '--token-file <path>',
      `with --expose: read the access token from this file (else $${TOKEN_ENV}, else generated)`,
    )
    .option(
      '--load-dir <dir>',
      'a directory load jobs may read file:// URIs from (repeatable; default: none)',
      (dir: string, dirs: string[] = []) => [...dirs, dir],
    )
    .option(
      '--write-key <file>',
      'token mode: write a new service-account key (mode 0600, never over an existing file) whose token_uri is this warehouse; API calls then need an OAuth access token from it',
    )
    .option(
      '--key-file <file>',
      "token mode: trust this service-account key's public key (derived from its private_key) for token requests (repeatable)",
      (file: string, files: string[] = []) => [...files, file],
    )
    .option(
      '--fault <spec>',
      `test mode: the next requests of a method answer a BigQuery error, method=reason[/status][:count], e.g. jobs.insert=rateLimitExceeded:2 (reasons: ${Object.entries(
        FAULT_ERRORS,
      )
        .map(([reason, e]) => `${reason} ${e.status}`)
        .join(', ')}; count * = always; repeatable)`,
      (spec: string, specs: string[] = []) => [...specs, spec],
    );
  usageExit(serve);
  serve.action(async (options: ServeOptions) => {
    const { warehouseServe } = await import('../commands/warehouse.js');
    ctx.exit(await warehouseServe(options, ctx.io));
  });

  const seed = warehouse
    .command('seed')
    .description(
      'create the example public data: githubarchive.day.YYYYMMDD and bigquery-public-data.hacker_news.full',
    )
    .requiredOption('--from <date>', 'first day (YYYY-MM-DD or YYYYMMDD, UTC)')
    .requiredOption('--to <date>', 'last day, inclusive (YYYY-MM-DD or YYYYMMDD)')
    .option('--scale <n>', 'size knob: 1 ≈ 2,000 GitHub events a day; 1000 ≈ 2 million', '1')
    .option('--seed <n>', 'random seed (same seed → same rows)', '42')
    .option('--data-dir <dir>', 'directory of the DuckDB file (when no server holds it)', DEFAULT_DATA_DIR)
    .option('--url <url>', 'seed a running `dp warehouse serve` instead of opening the data dir');
  usageExit(seed);
  seed.action(async (options: SeedOptions) => {
    const { warehouseSeed } = await import('../commands/warehouse.js');
    ctx.exit(await warehouseSeed(options, ctx.io));
  });
}
