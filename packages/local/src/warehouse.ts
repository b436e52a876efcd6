/**
 * The embedded warehouse as dp run uses it: started in-process from `@data-pipeline/warehouse`, seeded with sample data,
 * and queried over its BigQuery REST API (the same door the operators use).
 */

export interface StartedWarehouse {
  readonly url: string;
  /**
   * With `serviceAccountKey`: the JSON of a service-account key made for this warehouse (its token_uri is the
   * warehouse's token endpoint, which API calls then need a token from — what Airflow's BigQueryHook and oauth2client
   * do with a real key). Secret: the caller writes it only into a private 0600 file.
   */
  readonly serviceAccountKey?: string;
  seed(range: { from: string; to: string }): Promise<void>;
  stop(): Promise<void>;
}

/** The warehouse package, loaded on first use: `dp lint` and the operator runs never pay for DuckDB. */
type WarehouseModule = typeof import('@data-pipeline/warehouse');

export class WarehouseError extends Error {
  override readonly name = 'WarehouseError';
}

/** A warehouse given by URL (`--url`) did not answer: worth retrying once it runs (exit 75). */
export class WarehouseUnreachableError extends Error {
  override readonly name = 'WarehouseUnreachableError';
}

/** Turns fetch's network failure ("fetch failed", ECONNREFUSED...) into {@link WarehouseUnreachableError}. */
export function unreachable(url: string, e: unknown): unknown {
  const cause = (e as { cause?: { code?: unknown } }).cause?.code;
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof TypeError && /fetch failed/.test(message))
    return new WarehouseUnreachableError(
      `no warehouse answers at ${url}${typeof cause === 'string' ? ` (${cause})` : ''}`,
    );
  if (/ECONNREFUSED|ECONNRESET|EHOSTUNREACH|ENOTFOUND/.test(message))
    return new WarehouseUnreachableError(`no warehouse answers at ${url} (${message.split('\n')[0]})`);
  return e;
}

/** Suggested to whoever finds the data dir held by a running `dp warehouse serve` (its default address). */
export const DEFAULT_WAREHOUSE_URL = 'http://127.0.0.1:9050';

/** The data dir's DuckDB file is locked by another process (typically a running `dp warehouse serve`). */
export class DataDirLockedError extends WarehouseError {
  constructor(readonly dataDir: string) {
    super(
      `data dir ${dataDir} is locked by another process (DuckDB file lock on warehouse.duckdb, held e.g. by ` +
        'dp warehouse serve)',
    );
  }
}

async function loadModule(): Promise<WarehouseModule> {
  try {
    return await import('@data-pipeline/warehouse');
  } catch (e) {
    throw new WarehouseError(
      `cannot load @data-pipeline/warehouse (${(e as Error).message.split('\n')[0]}); run npm run build`,
    );
  }
}

/** Whether the embedded warehouse can be used at all (tests skip when it cannot). */
export async function embeddedWarehouseAvailable(): Promise<boolean> {
  try {
    await loadModule();
    return true;
  } catch {
    return false;
  }
}

export async function startEmbeddedWarehouse(opts: {
  dataDir: string | null;
  projectId: string;
  /** Token mode with one service-account key made for it (see StartedWarehouse.serviceAccountKey). */
  serviceAccountKey?: boolean;
}): Promise<StartedWarehouse> {
  const mod = await loadModule();
  let wh: Awaited<ReturnType<WarehouseModule['startWarehouse']>>;
  try {
    wh = await mod.startWarehouse({
      port: 0,
      host: '127.0.0.1',
      dataDir: opts.dataDir,
      projectId: opts.projectId,
      ...(opts.serviceAccountKey ? { oauth: {} } : {}),
    });
  } catch (e) {
    // The warehouse words a DuckDB lock conflict as "in use by another warehouse process" (src/warehouse.ts there).
    const message = e instanceof Error ? e.message : String(e);
    if (opts.dataDir !== null && /in use by another warehouse process/.test(message))
      throw new DataDirLockedError(opts.dataDir);
    // Anything else that stops the start (a data dir whose warehouse.duckdb is not a database...) is setup: 78.
    throw new WarehouseError(message.split('\n')[0]!);
  }
  return {
    url: wh.url,
    ...(opts.serviceAccountKey ? { serviceAccountKey: JSON.stringify(wh.createServiceAccountKey()) } : {}),
    // In-process: straight into the warehouse object (no HTTP, so no token needed in token mode).
    seed: async (range) => {
      await mod.seedSampleData(wh.warehouse, range);
    },
    stop: () => wh.stop(),
  };
}

export async function seedAt(url: string, range: { from: string; to: string }): Promise<void> {
  const mod = await loadModule();
  try {
    await mod.seedSampleData({ url }, range);
  } catch (e) {
    throw unreachable(url, e);
  }
}

/** The warehouse answered a query with an error (invalid SQL, unknown table): the user's input, not our setup. */
export class QueryError extends Error {
  override readonly name = 'QueryError';
}

export type Row = Record<string, unknown>;

interface FieldSchema {
  name: string;
  type: string;
  mode?: string;
  fields?: FieldSchema[];
}

/** Converts BigQuery's f/v row encoding into plain objects (numbers for INT64/FLOAT64, ISO text for TIMESTAMP). */
export function decodeRows(schema: FieldSchema[], rows: { f: { v: unknown }[] }[]): Row[] {
  const cell = (field: FieldSchema, v: unknown): unknown => {
    if (v === null || v === undefined) return null;
    if (field.mode === 'REPEATED')
      return (v as { v: unknown }[]).map((x) => cell({ ...field, mode: 'NULLABLE' }, x.v));
    switch (field.type) {
      case 'INTEGER':
      case 'INT64':
      case 'FLOAT':
      case 'FLOAT64':
      case 'NUMERIC':
        return Number(v);
      case 'BOOLEAN':
      case 'BOOL':
        return v === 'true' || v === true;
      case 'TIMESTAMP': {
        const n = Number(v);
        const ms = String(v).includes('.') || n < 1e14 ? n * 1000 : n / 1000;
        return new Date(ms).toISOString();
      }
      case 'RECORD':
      case 'STRUCT':
        return Object.fromEntries(
          (field.fields ?? []).map((f, i) => [f.name, cell(f, (v as { f: { v: unknown }[] }).f[i]?.v)]),
        );
      default:
        return v;
    }
  };
  return rows.map((r) => Object.fromEntries(schema.map((f, i) => [f.name, cell(f, r.f[i]?.v)])));
}

export interface QueryResult {
  readonly fields: string[];
  readonly rows: Row[];
}

/** Runs one query through the REST API (`jobs.query` + `getQueryResults` paging). */
export async function queryWarehouse(
  url: string,
  sql: string,
  opts: { projectId: string; useLegacySql?: boolean; maxRows?: number },
): Promise<QueryResult> {
  const base = `${url.replace(/\/$/, '')}/bigquery/v2/projects/${encodeURIComponent(opts.projectId)}`;
  const call = async (path: string, init?: RequestInit) => {
    const res = await fetch(`${base}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json' },
    }).catch((e: unknown) => {
      throw unreachable(url, e);
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    const err = (body as { error?: { message?: string } }).error;
    if (!res.ok || err) throw new QueryError(err?.message ?? `HTTP ${res.status}`);
    return body;
  };
  const useLegacySql = opts.useLegacySql ?? /^\s*#legacySQL/i.test(sql);
  let body = await call('/queries', {
    method: 'POST',
    body: JSON.stringify({ query: sql, useLegacySql, timeoutMs: 60_000, maxResults: 10_000 }),
  });
  const job = body.jobReference as { jobId: string; location?: string } | undefined;
  while (body.jobComplete === false && job) {
    body = await call(`/queries/${encodeURIComponent(job.jobId)}?timeoutMs=10000`);
  }
  const schema = ((body.schema as { fields?: FieldSchema[] } | undefined)?.fields ?? []) as FieldSchema[];
  const rows: Row[] = decodeRows(schema, (body.rows ?? []) as { f: { v: unknown }[] }[]);
  let token = body.pageToken as string | undefined;
  const max = opts.maxRows ?? Number.POSITIVE_INFINITY;
  while (token && job && rows.length < max) {
    const page = await call(
      `/queries/${encodeURIComponent(job.jobId)}?pageToken=${encodeURIComponent(token)}&maxResults=10000`,
    );
    rows.push(...decodeRows(schema, (page.rows ?? []) as { f: { v: unknown }[] }[]));
    token = page.pageToken as string | undefined;
  }
  return { fields: schema.map((f) => f.name), rows: rows.slice(0, Number.isFinite(max) ? max : undefined) };
}
