import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type BodyKind, checkBodyIds } from './body-ids.js';
import { discoveryDocument, isDiscoveryTarget, rootUrlFor } from './discovery.js';
import { BigQueryError, errorEnvelope, invalid, notFound, toBigQueryError } from './errors.js';
import type { FaultInjector } from './faults.js';
import {
  type AccessPolicy,
  admit,
  authorize,
  checkJsonContentType,
  checkOrigin,
  checkToken,
  hasBody,
  multipartBoundary,
} from './guard.js';
import { checkDatasetId, checkJobId, checkProjectId, checkTableRefId } from './ids.js';
import type { TokenAnswer, TokenAuthority } from './oauth.js';
import { parseRequestPath } from './request-path.js';
import { seedWarehouse } from './seed.js';
import { checkRoutineId } from './udf/routines.js';
import { timestampFormatOf, type Warehouse } from './warehouse.js';

export interface ServerOptions {
  /** Largest accepted request body (bytes); BigQuery's insertAll limit is 10 MB. */
  maxBodyBytes?: number;
  /** Largest accepted media upload (bytes). */
  maxUploadBytes?: number;
  /** Browser origins (`scheme://host[:port]`) allowed to call, with CORS answers; all other Origins get 403. */
  allowOrigins?: readonly string[];
  /** Require `Authorization: Bearer <token>` on every request (except CORS preflights). */
  token?: string;
  /**
   * Answer any Host header, not only loopback names: for a server bound beyond loopback, where the token is the gate.
   * Needs `token`.
   */
  exposed?: boolean;
  /**
   * Token mode: serve the OAuth token endpoint (`POST /token`, JWT-bearer grants signed by its registered keys) and
   * require one of its access tokens on every API request (the static `token` is accepted too when both are set).
   */
  oauth?: TokenAuthority;
  /** Test mode: armed faults answer matching requests with BigQuery errors before they run (faults.ts). */
  faults?: FaultInjector;
}

/** Where the token endpoint is (a key's token_uri is `<root>/token`). */
export const TOKEN_PATH = '/token';
const MAX_TOKEN_FORM_BYTES = 64 * 1024;

type Query = Record<string, string>;
/**
 * Path parameters by name; each is checked with BigQuery's id rules before a handler sees it: `:p` project, `:d`
 * dataset, `:t` table (with an optional partition decorator), `:j` job.
 */
const PARAM_CHECKS: Record<string, (id: string) => string> = {
  ':p': checkProjectId,
  ':d': checkDatasetId,
  ':t': checkTableRefId,
  ':j': checkJobId,
  ':r': checkRoutineId,
};

type Handler = (
  wh: Warehouse,
  p: string[],
  q: Query,
  body: () => Promise<unknown>,
) => Promise<unknown> | unknown;

export interface Route {
  /** The method's id in the discovery document without the API name (`jobs.insert`): faults and discovery use it. */
  id: string;
  method: string;
  pattern: string[];
  handler: Handler;
  status?: number;
  /** Which ids of the JSON body to check (body-ids.ts) before the handler reads it. */
  body?: BodyKind;
}

const ts = (q: Query) =>
  timestampFormatOf(q['formatOptions.useInt64Timestamp'], q['formatOptions.timestampOutputFormat']);

/** BigQuery REST v2 routes: `:x` segments are path parameters handed to the handler in order. */
export const ROUTES: readonly Route[] = [
  {
    id: 'projects.list',
    method: 'GET',
    pattern: ['projects'],
    handler: (wh) => ({
      kind: 'bigquery#projectList',
      projects: [...new Set([wh.projectId, ...wh.catalog.projects()])].map((id) => ({
        kind: 'bigquery#project',
        id,
        numericId: '0',
        projectReference: { projectId: id },
        friendlyName: id,
      })),
      totalItems: 1,
    }),
  },
  {
    id: 'datasets.insert',
    method: 'POST',
    pattern: ['projects', ':p', 'datasets'],
    body: 'dataset',
    handler: async (wh, [p], _q, body) => wh.insertDataset(p!, await body()),
  },
  {
    id: 'datasets.list',
    method: 'GET',
    pattern: ['projects', ':p', 'datasets'],
    handler: (wh, [p], q) => wh.listDatasets(p!, q),
  },
  {
    id: 'datasets.get',
    method: 'GET',
    pattern: ['projects', ':p', 'datasets', ':d'],
    handler: (wh, [p, d]) => wh.getDataset(p!, d!),
  },
  {
    id: 'datasets.patch',
    method: 'PATCH',
    pattern: ['projects', ':p', 'datasets', ':d'],
    body: 'dataset',
    handler: async (wh, [p, d], _q, body) => wh.patchDataset(p!, d!, await body(), false),
  },
  {
    id: 'datasets.update',
    method: 'PUT',
    pattern: ['projects', ':p', 'datasets', ':d'],
    body: 'dataset',
    handler: async (wh, [p, d], _q, body) => wh.patchDataset(p!, d!, await body(), true),
  },
  {
    id: 'datasets.delete',
    method: 'DELETE',
    pattern: ['projects', ':p', 'datasets', ':d'],
    status: 204,
    handler: async (wh, [p, d], q) => {
      await wh.deleteDataset(p!, d!, q.deleteContents === 'true');
      return undefined;
    },
  },
  {
    id: 'tables.insert',
    method: 'POST',
    pattern: ['projects', ':p', 'datasets', ':d', 'tables'],
    body: 'table',
    handler: async (wh, [p, d], _q, body) => wh.insertTable(p!, d!, await body()),
  },
  {
    id: 'tables.list',
    method: 'GET',
    pattern: ['projects', ':p', 'datasets', ':d', 'tables'],
    handler: (wh, [p, d], q) => wh.listTables(p!, d!, q),
  },
  {
    id: 'tables.get',
    method: 'GET',
    pattern: ['projects', ':p', 'datasets', ':d', 'tables', ':t'],
    handler: (wh, [p, d, t]) => wh.getTable(p!, d!, t!),
  },
  {
    id: 'tables.patch',
    method: 'PATCH',
    pattern: ['projects', ':p', 'datasets', ':d', 'tables', ':t'],
    body: 'table',
    handler: async (wh, [p, d, t], _q, body) => wh.patchTable(p!, d!, t!, await body(), false),
  },
  {
    id: 'tables.update',
    method: 'PUT',
    pattern: ['projects', ':p', 'datasets', ':d', 'tables', ':t'],
    body: 'table',
    handler: async (wh, [p, d, t], _q, body) => wh.patchTable(p!, d!, t!, await body(), true),
  },
  {
    id: 'routines.list',
    method: 'GET',
    pattern: ['projects', ':p', 'datasets', ':d', 'routines'],
    handler: (wh, [p, d]) => wh.listRoutines(p!, d!),
  },
  {
    id: 'routines.get',
    method: 'GET',
    pattern: ['projects', ':p', 'datasets', ':d', 'routines', ':r'],
    handler: (wh, [p, d, r]) => wh.getRoutine(p!, d!, r!),
  },
  {
    id: 'routines.delete',
    method: 'DELETE',
    pattern: ['projects', ':p', 'datasets', ':d', 'routines', ':r'],
    status: 204,
    handler: async (wh, [p, d, r]) => {
      await wh.deleteRoutine(p!, d!, r!);
      return undefined;
    },
  },
  {
    id: 'tables.delete',
    method: 'DELETE',
    pattern: ['projects', ':p', 'datasets', ':d', 'tables', ':t'],
    status: 204,
    handler: async (wh, [p, d, t]) => {
      await wh.deleteTable(p!, d!, t!);
      return undefined;
    },
  },
  {
    id: 'tabledata.insertAll',
    method: 'POST',
    pattern: ['projects', ':p', 'datasets', ':d', 'tables', ':t', 'insertAll'],
    handler: async (wh, [p, d, t], _q, body) => wh.insertAll(p!, d!, t!, await body()),
  },
  {
    id: 'tabledata.list',
    method: 'GET',
    pattern: ['projects', ':p', 'datasets', ':d', 'tables', ':t', 'data'],
    handler: (wh, [p, d, t], q) => wh.listRows(p!, d!, t!, q, ts(q)),
  },
  {
    id: 'jobs.insert',
    method: 'POST',
    pattern: ['projects', ':p', 'jobs'],
    body: 'job',
    handler: async (wh, [p], _q, body) => wh.insertJob(p!, await body()),
  },
  {
    id: 'jobs.list',
    method: 'GET',
    pattern: ['projects', ':p', 'jobs'],
    handler: (wh, [p], q) => wh.listJobs(p!, q),
  },
  {
    id: 'jobs.get',
    method: 'GET',
    pattern: ['projects', ':p', 'jobs', ':j'],
    handler: (wh, [p, j]) => wh.getJob(p!, j!),
  },
  {
    id: 'jobs.cancel',
    method: 'POST',
    pattern: ['projects', ':p', 'jobs', ':j', 'cancel'],
    handler: (wh, [p, j]) => wh.cancelJob(p!, j!),
  },
  {
    id: 'jobs.query',
    method: 'POST',
    pattern: ['projects', ':p', 'queries'],
    body: 'query',
    handler: async (wh, [p], _q, body) => wh.query(p!, await body()),
  },
  {
    id: 'jobs.getQueryResults',
    method: 'GET',
    pattern: ['projects', ':p', 'queries', ':j'],
    handler: (wh, [p, j], q) => wh.getQueryResults(p!, j!, q, ts(q)),
  },
];

/** The ids of the routed methods (`jobs.insert`...): what faults may name. */
export const ROUTE_IDS: readonly string[] = ROUTES.map((r) => r.id);

/** The access policy of `opts` (guard.ts); throws on a malformed origin or token, or exposure without a token. */
export function accessPolicy(opts: ServerOptions): AccessPolicy {
  if (opts.exposed && opts.token === undefined) throw new Error('an exposed warehouse needs an access token');
  return {
    loopbackHostOnly: !opts.exposed,
    allowOrigins: new Set((opts.allowOrigins ?? []).map(checkOrigin)),
    token: opts.token === undefined ? undefined : checkToken(opts.token),
    accessTokens: opts.oauth,
  };
}

/** Creates the HTTP server (not listening yet). Every response is JSON; every failure is BigQuery's error envelope. */
export function createWarehouseServer(wh: Warehouse, opts: ServerOptions = {}): Server {
  const maxBody = opts.maxBodyBytes ?? 10 * 1024 * 1024;
  const maxUpload = opts.maxUploadBytes ?? 256 * 1024 * 1024;
  const policy = accessPolicy(opts);
  const server = createServer((req, res) => {
    handle(wh, req, res, policy, maxBody, maxUpload, opts).catch((e: unknown) => {
      req.resume();
      send(res, toBigQueryError(e));
    });
  });
  // Idle keep-alive connections stay open a minute (Node's default is 5 s). A short timeout races with a client that
  // reuses its connection: while the event loop is busy (a loaded machine, another request's work) the idle timer can
  // fire after the client's next request has arrived but before it was read (timers run before I/O), and that request
  // dies with ECONNRESET. Seen with `dp run --engine airflow` at load ≈ 30: the Airflow hook's POST jobs on the
  // connection of its token request, while the other check's query held the loop for 11 s; the step failed with exit
  // 75 and ran again after its 30 s backoff. stop() still closes idle connections at once.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 30_000;
  server.requestTimeout = 15 * 60_000;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  });
  return server;
}

async function handle(
  wh: Warehouse,
  req: IncomingMessage,
  res: ServerResponse,
  policy: AccessPolicy,
  maxBody: number,
  maxUpload: number,
  { oauth, faults }: ServerOptions,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const admission = admit(method, req.headers, policy);
  for (const [name, value] of Object.entries(admission.headers)) res.setHeader(name, value);
  if (admission.preflight) {
    req.resume();
    res.writeHead(204).end();
    return;
  }
  const target = req.url ?? '/';
  // The token endpoint takes no token (it issues them) and a form body (RFC 6749), not JSON.
  if (oauth && target.split('?')[0] === TOKEN_PATH) {
    const answer = await tokenEndpoint(req, method, oauth);
    res.setHeader('cache-control', 'no-store');
    return sendJson(res, answer.status, answer.body);
  }
  // The discovery document is public, as Google's is: it describes the API, no data.
  if (method === 'GET' && isDiscoveryTarget(target)) {
    req.resume();
    const root = rootUrlFor(
      req.headers.host,
      req.socket.localAddress ?? '127.0.0.1',
      req.socket.localPort ?? 0,
    );
    return sendJson(res, 200, discoveryDocument(root));
  }
  authorize(req.headers, policy);
  const { upload: isUpload, segments, query } = parseRequestPath(target);
  const shownPath = target.split('?')[0]!.slice(0, 200);
  if (isUpload) {
    // Under /upload/bigquery/v2 there is only the media upload (multipart/related, checked in uploadJob).
    if (method === 'POST' && segments.length === 3 && segments[0] === 'projects' && segments[2] === 'jobs') {
      const project = checkProjectId(segments[1]!);
      const fault = faults?.take('jobs.insert', project);
      if (fault) {
        req.resume();
        throw fault;
      }
      return sendJson(res, 200, await uploadJob(wh, project, req, query, maxUpload));
    }
    req.resume();
    throw notFound(`URL ${shownPath}`);
  }
  // JSON endpoints take JSON bodies only: what a page can send without a preflight (text/plain, forms) is refused.
  if (hasBody(req.headers)) checkJsonContentType(req.headers['content-type']);

  if (method === 'GET' && segments.length === 2 && segments[0] === '_warehouse' && segments[1] === 'health') {
    return sendJson(res, 200, { ok: true });
  }
  if (method === 'POST' && segments.length === 2 && segments[0] === '_warehouse' && segments[1] === 'seed') {
    const body = asSeedRequest(await readJson(req, maxBody));
    return sendJson(res, 200, await seedWarehouse(wh, body));
  }

  let methodMismatch = false;
  for (const route of ROUTES) {
    if (!matchesPattern(route.pattern, segments)) continue;
    if (route.method !== method) {
      methodMismatch = true;
      continue;
    }
    const params = routeParams(route.pattern, segments);
    const fault = faults?.take(route.id, params[0] ?? wh.projectId);
    if (fault) {
      req.resume();
      throw fault;
    }
    const kind = route.body;
    const body = async () => {
      const json = await readJson(req, maxBody);
      return kind ? checkBodyIds(kind, json) : json;
    };
    const result = await route.handler(wh, params, query, body);
    if (route.status === 204 || result === undefined) {
      res.writeHead(204).end();
      return;
    }
    return sendJson(res, route.status ?? 200, result);
  }
  req.resume();
  if (methodMismatch) {
    throw new BigQueryError('notFound', `Method ${method} is not supported for ${shownPath}`);
  }
  throw notFound(`URL ${shownPath}`);
}

/** The literal segments match (parameters match anything, and are checked once the method matches too). */
function matchesPattern(pattern: string[], segments: string[]): boolean {
  return (
    pattern.length === segments.length && pattern.every((p, i) => p.startsWith(':') || p === segments[i])
  );
}

/** The route's path parameters in order, each checked with its id rules (PARAM_CHECKS) before anything uses it. */
function routeParams(pattern: string[], segments: string[]): string[] {
  const params: string[] = [];
  pattern.forEach((p, i) => {
    const check = PARAM_CHECKS[p];
    if (check) params.push(check(segments[i]!));
  });
  return params;
}

/** The request body, at most `limit` bytes (read with plain events: cheaper per request than an async iterator). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () =>
    new BigQueryError('payloadTooLarge', `Request payload size exceeds the limit: ${limit} bytes.`);
  if (Number(req.headers['content-length'] ?? 0) > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('aborted', () => reject(invalid('The request was aborted.')));
  });
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const raw = await readBody(req, limit);
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (e) {
    throw invalid(
      `Invalid JSON payload received. ${e instanceof Error ? e.message.slice(0, 120) : ''}`.trim(),
    );
  }
}

function asSeedRequest(body: unknown): { from: string; to: string; scale?: number; seed?: number } {
  const b = (body ?? {}) as Record<string, unknown>;
  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (typeof b.from !== 'string' || !day.test(b.from) || typeof b.to !== 'string' || !day.test(b.to)) {
    throw invalid('seed needs from and to as YYYY-MM-DD.');
  }
  const out: { from: string; to: string; scale?: number; seed?: number } = { from: b.from, to: b.to };
  if (b.scale !== undefined) out.scale = Number(b.scale);
  if (b.seed !== undefined) out.seed = Number(b.seed);
  return out;
}

/**
 * The client's media upload for load jobs (`/upload/bigquery/v2/projects/P/jobs?uploadType=multipart`): a
 * multipart/related body of job metadata + data, which we spool to a private temp file and load like a file:// URI.
 */
async function uploadJob(wh: Warehouse, project: string, req: IncomingMessage, q: Query, limit: number) {
  if (q.uploadType !== 'multipart') {
    req.resume();
    throw invalid('Only uploadType=multipart is supported for uploads.');
  }
  const boundary = multipartBoundary(req.headers['content-type']);
  const body = await readBody(req, limit);
  const parts = splitMultipart(body, boundary);
  if (parts.length < 2) throw invalid('Upload must contain metadata and media parts.');
  let metadata: Record<string, unknown>;
  try {
    metadata = JSON.parse(parts[0]!.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw invalid('Invalid JSON payload received in the upload metadata part.');
  }
  checkBodyIds('job', metadata);
  const file = join(wh.uploadDir, `upload-${randomBytes(8).toString('hex')}`);
  await writeFile(file, parts[1]!, { mode: 0o600 });
  try {
    const configuration = (metadata.configuration ?? {}) as Record<string, unknown>;
    const load = {
      ...((configuration.load ?? {}) as Record<string, unknown>),
      sourceUris: [pathToFileURL(file).href],
    };
    return await wh.insertJob(
      project,
      { ...metadata, configuration: { ...configuration, load } },
      10 * 60_000,
    );
  } finally {
    await rm(file, { force: true });
  }
}

/**
 * The parts of a multipart/related body. Lines end in CRLF as RFC 2046 says, or in bare LF: google-api-python-client
 * 1.7 writes its upload with Python's email generator, which uses `\n` (decided by the line after the first delimiter).
 */
function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let start = body.indexOf(delimiter);
  const eol =
    body.subarray(start + delimiter.length, start + delimiter.length + 2).toString() === '\r\n'
      ? '\r\n'
      : '\n';
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(start + delimiter.length, next);
    const headerEnd = part.indexOf(eol + eol);
    if (headerEnd >= 0) {
      let content = part.subarray(headerEnd + 2 * eol.length);
      if (content.subarray(-eol.length).toString() === eol) content = content.subarray(0, -eol.length);
      parts.push(content);
    }
    start = next;
  }
  return parts;
}

/** `POST /token`: a urlencoded JWT-bearer grant → an access token, or Google's OAuth error body. */
async function tokenEndpoint(
  req: IncomingMessage,
  method: string,
  oauth: TokenAuthority,
): Promise<TokenAnswer> {
  const bad = (description: string): TokenAnswer => ({
    status: 400,
    body: { error: 'invalid_request', error_description: description },
  });
  if (method !== 'POST') {
    req.resume();
    return bad(`The token endpoint takes POST, not ${method}.`);
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    req.resume();
    return bad('The token request must be application/x-www-form-urlencoded.');
  }
  let raw: Buffer;
  try {
    raw = await readBody(req, MAX_TOKEN_FORM_BYTES);
  } catch {
    return bad('The token request is too large.');
  }
  // The assertion's aud must be the URL the client posted to: its key's token_uri (a TLS proxy in front: https).
  const host = req.headers.host ?? '';
  const audiences = [`http://${host}${TOKEN_PATH}`, `https://${host}${TOKEN_PATH}`];
  return oauth.exchange(new URLSearchParams(raw.toString('utf8')), audiences);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function send(res: ServerResponse, error: BigQueryError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = Math.max(error.code, 400);
  if (status === 401) res.setHeader('www-authenticate', 'Bearer realm="warehouse"');
  sendJson(res, status, errorEnvelope(error));
}
