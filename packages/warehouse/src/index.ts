import type { AddressInfo } from 'node:net';
import { FaultInjector } from './faults.js';
import { generateToken, isLoopbackAddress } from './guard.js';
import { TokenAuthority } from './oauth.js';
import { type SeedOptions, type SeedReport, seedWarehouse } from './seed.js';
import { accessPolicy, createWarehouseServer, ROUTE_IDS, type ServerOptions, TOKEN_PATH } from './server.js';
import {
  newServiceAccountKey,
  type RegisteredKey,
  registeredKeyOf,
  type ServiceAccountKeyFile,
} from './service-account.js';
import { type Logger, Warehouse, type WarehouseOptions } from './warehouse.js';

export { BigQueryError, errorEnvelope } from './errors.js';
export { FAULT_ERRORS, FaultInjector, type FaultRule, parseFault } from './faults.js';
export { checkOrigin, checkToken, isLoopbackAddress } from './guard.js';
export { checkProjectId } from './ids.js';
export type { SeedOptions, SeedReport } from './seed.js';
export { createWarehouseServer, ROUTE_IDS } from './server.js';
export {
  type RegisteredKey,
  registeredKeyOf,
  type ServiceAccountKeyFile,
  writeServiceAccountKey,
} from './service-account.js';
export type { FieldSchema } from './types.js';
export { type Logger, WAREHOUSE_FILE, Warehouse, type WarehouseOptions } from './warehouse.js';

/** Token mode: API calls need an OAuth access token from the warehouse's own token endpoint (`POST /token`). */
export interface OAuthOptions {
  /**
   * Service-account keys whose JWT-bearer grants the token endpoint accepts: key files' JSON (parsed or text; the
   * public key is derived from `private_key`) or registered keys.
   */
  keys?: readonly (RegisteredKey | unknown)[];
  /** Lifetime of issued access tokens in seconds (default 3600, as Google's). */
  tokenLifetimeSeconds?: number;
}

export interface StartOptions extends Omit<ServerOptions, 'oauth' | 'faults'> {
  /**
   * Test mode, off unless given: faults (`jobs.insert=rateLimitExceeded:2`, see faults.ts) that answer the next
   * matching requests with BigQuery errors; `[]` turns it on with none armed (arm later: RunningWarehouse.faults).
   */
  faults?: readonly string[];
  /** Token mode (off unless given): see OAuthOptions and README "Service-account keys and tokens". */
  oauth?: OAuthOptions;
  /** 0 = ephemeral (default). */
  port?: number;
  /**
   * Interface to bind; loopback unless told otherwise. A non-loopback address needs `exposed: true`, which makes every
   * request carry the access token (`token`, or one generated here and returned as RunningWarehouse.token).
   */
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
  /**
   * e.g. http://127.0.0.1:9050 — use as the client's apiEndpoint or BIGQUERY_EMULATOR_HOST. The address really bound,
   * except that a wildcard bind (0.0.0.0, ::) is reached through loopback here.
   */
  url: string;
  /** The address really bound, e.g. http://0.0.0.0:9050 (the same as `url` unless bound to a wildcard address). */
  boundUrl: string;
  port: number;
  /** The access token every request must carry (`Authorization: Bearer …`); set when exposed. */
  token?: string;
  /** Token mode: the token endpoint (`<url>/token`), the token_uri of keys made for this warehouse. */
  tokenUri?: string;
  /**
   * Token mode: a new service-account key (RSA 2048, PKCS#8) whose token_uri is this warehouse, its public key
   * registered. The caller keeps the returned private key (e.g. writeServiceAccountKey: 0600, never overwrites).
   */
  createServiceAccountKey(): ServiceAccountKeyFile;
  /** Token mode: an access token for an in-process caller (e.g. to seed the warehouse it started); no grant needed. */
  issueAccessToken(): string;
  /** Token mode: trusts one more key (a key file's JSON, or a registered key). */
  registerServiceAccountKey(key: RegisteredKey | unknown): void;
  /** Test mode (the faults option): arm more faults, see which are pending. */
  faults?: FaultInjector;
  warehouse: Warehouse;
  stop(): Promise<void>;
}

const isRegisteredKey = (k: unknown): k is RegisteredKey =>
  typeof k === 'object' && k !== null && 'publicKey' in k && 'keyId' in k && 'clientEmail' in k;
const toRegistered = (k: unknown): RegisteredKey => (isRegisteredKey(k) ? k : registeredKeyOf(k));

/** Opens the warehouse and serves BigQuery REST v2 on `host:port`; resolves once it accepts requests. */
export async function startWarehouse(opts: StartOptions = {}): Promise<RunningWarehouse> {
  const host = opts.host ?? '127.0.0.1';
  if (!opts.exposed && !isLoopbackAddress(host)) {
    throw Object.assign(
      new Error(
        `${host} is not a loopback address: binding it needs the exposed option (and an access token)`,
      ),
      { code: 'ERR_WAREHOUSE_NOT_LOOPBACK' },
    );
  }
  const token = opts.exposed ? (opts.token ?? generateToken()) : opts.token;
  // Keys are checked before the database opens: a bad key file fails the start with nothing opened.
  const oauth = opts.oauth
    ? new TokenAuthority(
        (opts.oauth.keys ?? []).map(toRegistered),
        opts.oauth.tokenLifetimeSeconds === undefined
          ? {}
          : { tokenLifetimeSeconds: opts.oauth.tokenLifetimeSeconds },
      )
    : undefined;
  // Faults are parsed before the database opens too: a bad spec fails the start.
  const faults = opts.faults ? new FaultInjector(ROUTE_IDS, opts.faults) : undefined;
  const { oauth: _oauthOptions, faults: _faultSpecs, ...rest } = opts;
  const serverOptions: ServerOptions = {
    ...rest,
    ...(token === undefined ? {} : { token }),
    ...(oauth ? { oauth } : {}),
    ...(faults ? { faults } : {}),
  };
  accessPolicy(serverOptions); // a malformed origin or token fails before the database opens
  const warehouse = await Warehouse.open({
    dataDir: opts.dataDir ?? null,
    ...(opts.projectId ? { projectId: opts.projectId } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.translator ? { translator: opts.translator } : {}),
    ...(opts.memoryLimit !== undefined ? { memoryLimit: opts.memoryLimit } : {}),
    ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
    ...(opts.loadDirs !== undefined ? { loadDirs: opts.loadDirs } : {}),
  });
  const server = createWarehouseServer(warehouse, serverOptions);
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
  const { port, address } = server.address() as AddressInfo;
  const urlOf = (a: string) => `http://${a.includes(':') ? `[${a}]` : a}:${port}`;
  const wildcard = address === '0.0.0.0' || address === '::';
  const url = wildcard ? urlOf('127.0.0.1') : urlOf(address);
  const tokenUri = `${url}${TOKEN_PATH}`;
  const needOAuth = (): TokenAuthority => {
    if (!oauth) throw new Error('the warehouse was not started in token mode (the oauth option)');
    return oauth;
  };
  let stopping: Promise<void> | undefined;
  return {
    url,
    boundUrl: urlOf(address),
    port,
    ...(token === undefined ? {} : { token }),
    ...(oauth ? { tokenUri } : {}),
    ...(faults ? { faults } : {}),
    createServiceAccountKey() {
      const authority = needOAuth();
      const { file, key } = newServiceAccountKey(warehouse.projectId, tokenUri);
      authority.register(key);
      return file;
    },
    issueAccessToken() {
      return needOAuth().issue();
    },
    registerServiceAccountKey(key) {
      needOAuth().register(toRegistered(key));
    },
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
  target: { url: string; token?: string } | Warehouse,
  opts: SeedOptions,
): Promise<SeedReport> {
  if (target instanceof Warehouse) return seedWarehouse(target, opts);
  const res = await fetch(`${target.url.replace(/\/+$/, '')}/_warehouse/seed`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
    },
    body: JSON.stringify(opts),
  });
  const body = (await res.json()) as SeedReport & {
    error?: { message: string; errors?: { reason?: string }[] };
  };
  if (!res.ok) {
    // The server's reason travels with the error (401 authError, 403 accessDenied...) for the caller's exit code.
    const reason = body.error?.errors?.[0]?.reason;
    throw Object.assign(new Error(body.error?.message ?? `seeding failed with HTTP ${res.status}`), {
      ...(reason ? { reason } : {}),
    });
  }
  return body;
}
