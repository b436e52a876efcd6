/**
 * A minimal in-test BigQuery REST v2 server (node:http, 127.0.0.1, ephemeral port) answering the calls our client
 * code makes, with error injection. Test support only.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeField {
  name: string;
  type: string;
  mode?: string;
  fields?: FakeField[];
  description?: string;
}
export interface QueryAnswer {
  schema?: FakeField[];
  rows?: unknown[][];
  /** Job fails with this errorResult. */
  error?: { reason: string; message: string };
}
export interface Injection {
  method?: string;
  /** Regex on the path (prefix-free), e.g. /\/jobs$/. */
  path: RegExp;
  status: number;
  reason?: string;
  message?: string;
  /** How many times (default: always). */
  times?: number;
}
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

export interface FakeBigQuery {
  readonly url: string;
  readonly requests: RecordedRequest[];
  readonly datasets: Map<string, Record<string, unknown>>;
  readonly tables: Map<string, Record<string, unknown>>;
  readonly jobs: Map<string, Record<string, unknown>>;
  /** Answer for query jobs (by query text). Default: no rows. */
  onQuery: (config: {
    query: string;
    useLegacySql: boolean;
    destinationTable?: Record<string, string>;
  }) => QueryAnswer;
  inject(i: Injection): void;
  /** Number of polls (jobs.get) before a job reports DONE. */
  pollsBeforeDone: number;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function errorBody(status: number, reason: string, message: string): unknown {
  return {
    error: { code: status, message, errors: [{ reason, message, domain: 'global' }], status: 'ERROR' },
  };
}

function encodeValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map((x) => ({ v: encodeValue(x) }));
  if (typeof v === 'object') return { f: Object.values(v as object).map((x) => ({ v: encodeValue(x) })) };
  return String(v);
}

export async function startFakeBigQuery(): Promise<FakeBigQuery> {
  const injections: (Injection & { left: number })[] = [];
  const state = {
    requests: [] as RecordedRequest[],
    datasets: new Map<string, Record<string, unknown>>(),
    tables: new Map<string, Record<string, unknown>>(),
    jobs: new Map<string, Record<string, unknown>>(),
    answers: new Map<string, QueryAnswer>(),
    polls: new Map<string, number>(),
  };
  const fake = {
    url: '',
    requests: state.requests,
    datasets: state.datasets,
    tables: state.tables,
    jobs: state.jobs,
    pollsBeforeDone: 1,
    onQuery: (() => ({ schema: [], rows: [] })) as FakeBigQuery['onQuery'],
    inject(i: Injection) {
      injections.push({ ...i, left: i.times ?? Number.POSITIVE_INFINITY });
    },
    close: async () => {},
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/^\/bigquery\/v2/, '');
    const method = req.method ?? 'GET';
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return send(res, 400, errorBody(400, 'parseError', 'Parse Error'));
    }
    state.requests.push({
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      body,
      headers: req.headers,
    });
    for (const inj of injections) {
      if (inj.left > 0 && inj.path.test(path) && (!inj.method || inj.method === method)) {
        inj.left--;
        return send(
          res,
          inj.status,
          errorBody(inj.status, inj.reason ?? 'backendError', inj.message ?? `injected ${inj.status}`),
        );
      }
    }
    let m: RegExpExecArray | null;
    m = /^\/projects\/([^/]+)\/jobs$/.exec(path);
    if (m && method === 'POST') {
      const b = body as {
        jobReference: { jobId: string; projectId: string };
        configuration: { query: never };
      };
      const jobId = b.jobReference.jobId;
      const answer = fake.onQuery(b.configuration.query);
      state.answers.set(jobId, answer);
      const job = {
        kind: 'bigquery#job',
        id: `${m[1]}:US.${jobId}`,
        jobReference: { ...b.jobReference, location: 'US' },
        configuration: b.configuration,
        status: { state: 'RUNNING' },
        statistics: { creationTime: String(Date.now()) },
      };
      state.jobs.set(jobId, job);
      state.polls.set(jobId, 0);
      return send(res, 200, job);
    }
    m = /^\/projects\/([^/]+)\/jobs\/([^/]+)\/cancel$/.exec(path);
    if (m && method === 'POST') {
      const job = state.jobs.get(decodeURIComponent(m[2] as string));
      if (!job) return send(res, 404, errorBody(404, 'notFound', `Not found: Job ${m[1]}:${m[2]}`));
      job.status = { state: 'DONE', errorResult: { reason: 'stopped', message: 'Job cancelled' } };
      return send(res, 200, { kind: 'bigquery#jobCancelResponse', job });
    }
    m = /^\/projects\/([^/]+)\/jobs\/([^/]+)$/.exec(path);
    if (m && method === 'GET') {
      const id = decodeURIComponent(m[2] as string);
      const job = state.jobs.get(id);
      if (!job) return send(res, 404, errorBody(404, 'notFound', `Not found: Job ${m[1]}:${id}`));
      const polls = (state.polls.get(id) ?? 0) + 1;
      state.polls.set(id, polls);
      if (polls >= fake.pollsBeforeDone && (job.status as { state: string }).state !== 'DONE') {
        const a = state.answers.get(id);
        job.status = a?.error
          ? { state: 'DONE', errorResult: { ...a.error, location: 'query' }, errors: [a.error] }
          : { state: 'DONE' };
      }
      return send(res, 200, job);
    }
    m = /^\/projects\/([^/]+)\/queries\/([^/]+)$/.exec(path);
    if (m && method === 'GET') {
      const id = decodeURIComponent(m[2] as string);
      const a = state.answers.get(id);
      if (!a) return send(res, 404, errorBody(404, 'notFound', `Not found: Job ${m[1]}:${id}`));
      const max = url.searchParams.has('maxResults') ? Number(url.searchParams.get('maxResults')) : 100000;
      const rows = (a.rows ?? []).slice(0, max).map((r) => ({ f: r.map((v) => ({ v: encodeValue(v) })) }));
      return send(res, 200, {
        kind: 'bigquery#getQueryResultsResponse',
        jobReference: { projectId: m[1], jobId: id, location: 'US' },
        schema: { fields: a.schema ?? [] },
        rows,
        totalRows: String((a.rows ?? []).length),
        jobComplete: true,
      });
    }
    m = /^\/projects\/([^/]+)\/datasets$/.exec(path);
    if (m && method === 'POST') {
      const b = body as { datasetReference: { datasetId: string } };
      const key = `${m[1]}:${b.datasetReference.datasetId}`;
      if (state.datasets.has(key))
        return send(res, 409, errorBody(409, 'duplicate', `Already Exists: Dataset ${key}`));
      const ds = { ...b, id: key, kind: 'bigquery#dataset' };
      state.datasets.set(key, ds);
      return send(res, 200, ds);
    }
    m = /^\/projects\/([^/]+)\/datasets\/([^/]+)$/.exec(path);
    if (m && method === 'GET') {
      const key = `${m[1]}:${m[2]}`;
      const ds = state.datasets.get(key);
      return ds
        ? send(res, 200, ds)
        : send(res, 404, errorBody(404, 'notFound', `Not found: Dataset ${key}`));
    }
    m = /^\/projects\/([^/]+)\/datasets\/([^/]+)\/tables$/.exec(path);
    if (m && method === 'POST') {
      const dsKey = `${m[1]}:${m[2]}`;
      if (!state.datasets.has(dsKey))
        return send(res, 404, errorBody(404, 'notFound', `Not found: Dataset ${dsKey}`));
      const b = body as { tableReference: { tableId: string } };
      const key = `${dsKey}.${b.tableReference.tableId}`;
      if (state.tables.has(key))
        return send(res, 409, errorBody(409, 'duplicate', `Already Exists: Table ${key}`));
      const t = { ...b, id: key, kind: 'bigquery#table', etag: 'e1' };
      state.tables.set(key, t);
      return send(res, 200, t);
    }
    m = /^\/projects\/([^/]+)\/datasets\/([^/]+)\/tables\/([^/]+)$/.exec(path);
    if (m) {
      const key = `${m[1]}:${m[2]}.${decodeURIComponent(m[3] as string)}`;
      const t = state.tables.get(key);
      if (!t) return send(res, 404, errorBody(404, 'notFound', `Not found: Table ${key}`));
      if (method === 'GET') return send(res, 200, t);
      if (method === 'PATCH') {
        Object.assign(t, body as object);
        return send(res, 200, t);
      }
    }
    return send(res, 404, errorBody(404, 'notFound', `Not found: URL ${method} ${path}`));
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, errorBody(500, 'internalError', String(err))));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}
