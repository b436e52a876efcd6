import type { AddressInfo } from 'node:net';
import { type SeedOptions, type SeedReport, seedWarehouse } from './seed.js';
import { createWarehouseServer, type ServerOptions } from './server.js';
import { type Logger, Warehouse, type WarehouseOptions } from './warehouse.js';

export { BigQueryError, errorEnvelope } from './errors.js';
export type { SeedOptions, SeedReport } from './seed.js';
export { createWarehouseServer } from './server.js';
export type { FieldSchema } from './types.js';
export { type Logger, Warehouse, type WarehouseOptions } from './warehouse.js';

export interface StartOptions extends ServerOptions {
  /** 0 = ephemeral (default). */
  port?: number;
  /** Interface to bind; loopback unless told otherwise. */
  host?: string;
  /** Directory for the DuckDB file; null/undefined = in memory. */
  dataDir?: string | null;
  /** Default project, 'local-project' unless given. */
  projectId?: string;
  logger?: Logger;
  /** DuckDB buffer-pool cap, e.g. '1GB' (default with a data dir: 1GB) — see WarehouseOptions. */
  memoryLimit?: string;
  /** DuckDB worker threads (default: one per core). */
  threads?: number;
  /** Directories load jobs may read file:// URIs from (`--load-dir`); default none. */
  loadDirs?: readonly string[];
  /** For tests: a translator instead of ./sql. */
  translator?: WarehouseOptions['translator'];
}

export interface RunningWarehouse {
  /** e.g. http://127.0.0.1:9050 — use as the client's apiEndpoint or BIGQUERY_EMULATOR_HOST. */
  url: string;
  port: number;
  warehouse: Warehouse;
  stop(): Promise<void>;
}

/** Opens the warehouse and serves BigQuery REST v2 on `host:port`; resolves once it accepts requests. */
export async function startWarehouse(opts: StartOptions = {}): Promise<RunningWarehouse> {
  const host = opts.host ?? '127.0.0.1';
  const warehouse = await Warehouse.open({
    dataDir: opts.dataDir ?? null,
    ...(opts.projectId ? { projectId: opts.projectId } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.translator ? { translator: opts.translator } : {}),
    ...(opts.memoryLimit !== undefined ? { memoryLimit: opts.memoryLimit } : {}),
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
    ...(opts.loadDirs !== undefined ? { loadDirs: opts.loadDirs } : {}),
  });
  const server = createWarehouseServer(warehouse, opts);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    await warehouse.close();
    throw e;
  }
  const { port } = server.address() as AddressInfo;
  const shownHost =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${shownHost}:${port}`,
    port,
    warehouse,
    stop() {
      stopping ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 500).unref();
        });
        await warehouse.close();
      })();
      return stopping;
    },
  };
}

/**
 * Seeds `githubarchive.day.YYYYMMDD` and `bigquery-public-data.hacker_news.full` (deterministic, idempotent), either in an
 * open Warehouse or through a running server's `POST /_warehouse/seed`.
 */
export async function seedSampleData(
  target: { url: string } | Warehouse,
  opts: SeedOptions,
): Promise<SeedReport> {
  if (target instanceof Warehouse) return seedWarehouse(target, opts);
  const res = await fetch(`${target.url.replace(/\/+$/, '')}/_warehouse/seed`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(opts),
  });
  const body = (await res.json()) as SeedReport & { error?: { message: string } };
  if (!res.ok) throw new Error(body.error?.message ?? `seeding failed with HTTP ${res.status}`);
  return body;
}
