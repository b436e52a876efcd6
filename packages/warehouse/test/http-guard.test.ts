import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BigQuery } from '@google-cloud/bigquery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWarehouse } from '../src/index.js';
import { startWarehouse } from '../src/index.js';
import { clientFor, noAuth, startTestWarehouse } from './helpers.js';

/**
 * Issue 12 item 2: only the user's own tools can drive the warehouse. Requests go out through node:http so that Host,
 * Origin and Sec-Fetch-* can be set exactly as a browser (or an attacker's page) would send them.
 */

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response JSON
type Reply = { status: number; headers: Record<string, string | string[] | undefined>; json: any };

function send(
  base: string,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: string | object } = {},
): Promise<Reply> {
  const url = new URL(base);
  const text =
    opts.body === undefined
      ? undefined
      : typeof opts.body === 'string'
        ? opts.body
        : JSON.stringify(opts.body);
  const headers: Record<string, string> = {
    ...(text === undefined ? {} : { 'content-type': 'application/json' }),
    ...opts.headers,
  };
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        data += d;
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          json: data ? JSON.parse(data) : undefined,
        }),
      );
    });
    req.on('error', reject);
    req.end(text);
  });
}

const P = '/bigquery/v2/projects/local-project';
const DELETE_ALL = { query: 'DELETE FROM guarded.t WHERE true', useLegacySql: false };
const ALLOWED = 'http://localhost:3000';

let wh: RunningWarehouse;
let port: string;

beforeAll(async () => {
  wh = await startTestWarehouse({ allowOrigins: [ALLOWED] });
  port = new URL(wh.url).port;
  const bq = clientFor(wh.url);
  await bq.createDataset('guarded');
  await bq.dataset('guarded').createTable('t', { schema: [{ name: 'n', type: 'INTEGER' }] });
  await bq
    .dataset('guarded')
    .table('t')
    .insert([{ n: 1 }, { n: 2 }]);
});
afterAll(async () => {
  await wh?.stop();
});

/** The rows the setup wrote are all still there. */
async function expectRowsIntact(): Promise<void> {
  const res = await send(wh.url, 'GET', `${P}/datasets/guarded/tables/t/data`);
  expect(res.status).toBe(200);
  expect(res.json.rows.map((r: { f: { v: string }[] }) => r.f[0]!.v).sort()).toEqual(['1', '2']);
}

function expectForbidden(res: Reply, message: RegExp): void {
  expect(res.status, JSON.stringify(res.json)).toBe(403);
  expect(res.json.error.code).toBe(403);
  expect(res.json.error.status).toBe('PERMISSION_DENIED');
  expect(res.json.error.errors[0].reason).toBe('accessDenied');
  expect(res.json.error.message).toMatch(message);
  expect(res.headers['access-control-allow-origin']).toBeUndefined();
}

describe('Host header (DNS rebinding)', () => {
  const refused = [
    'evil.example.com',
    'evil.example.com:{port}',
    'localhost.:{port}',
    '127.0.0.1.nip.io:{port}',
    'localhost.evil.example.com',
    'user@127.0.0.1:{port}',
    '10.0.0.1:{port}',
    '0.0.0.0:{port}',
    '[::]:{port}',
  ];
  it.each(refused)('Host "%s" → 403, the DELETE never runs', async (host) => {
    const res = await send(wh.url, 'POST', `${P}/queries`, {
      headers: { host: host.replace('{port}', port) },
      body: DELETE_ALL,
    });
    expectForbidden(res, /Host .* is not allowed/);
    await expectRowsIntact();
  });

  it.each([
    'localhost:{port}',
    'localhost',
    'LOCALHOST:{port}',
    '127.0.0.1:{port}',
    '127.0.0.1',
    '[::1]:{port}',
    'localhost:9999',
  ])('Host "%s" is answered', async (host) => {
    const res = await send(wh.url, 'GET', '/bigquery/v2/projects', {
      headers: { host: host.replace('{port}', port) },
    });
    expect(res.status).toBe(200);
  });

  /** Raw bytes, for what node:http will not send (no Host, an empty Host). */
  const rawRequest = (text: string) =>
    new Promise<string>((resolve) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write(text));
      let data = '';
      socket.on('data', (d) => {
        data += d.toString();
      });
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(data));
    });

  it('an HTTP/1.0 request without a Host header is refused', async () => {
    const reply = await rawRequest('GET /bigquery/v2/projects HTTP/1.0\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 403/);
    expect(reply).toMatch(/"reason":"accessDenied"/);
  });

  it('an empty Host header is refused, and its DELETE never runs', async () => {
    const body = JSON.stringify(DELETE_ALL);
    const reply = await rawRequest(
      `POST ${P}/queries HTTP/1.1\r\nHost: \r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(reply).toMatch(/^HTTP\/1\.1 403/);
    await expectRowsIntact();
  });
});

describe('browser requests (Origin, Sec-Fetch-Site, CORS)', () => {
  it.each([
    ['POST', 'http://evil.example.com'],
    ['POST', 'null'],
    ['POST', 'http://localhost:3001'],
    ['POST', 'https://localhost:3000'],
    ['POST', `http://127.0.0.1:${'{port}'}`],
  ])('%s from Origin %s → 403, the DELETE never runs', async (method, origin) => {
    const res = await send(wh.url, method, `${P}/queries`, {
      headers: { origin: origin.replace('{port}', port) },
      body: DELETE_ALL,
    });
    expectForbidden(res, /Origin .* is not allowed: start the warehouse with --allow-origin/);
    await expectRowsIntact();
  });

  it('a GET from a foreign origin cannot read a table either', async () => {
    const res = await send(wh.url, 'GET', `${P}/datasets/guarded/tables/t/data`, {
      headers: { origin: 'http://evil.example.com' },
    });
    expectForbidden(res, /Origin/);
    expect(JSON.stringify(res.json)).not.toMatch(/"v":"1"/);
  });

  it.each(['cross-site', 'same-site'])(
    'Sec-Fetch-Site: %s without an Origin (a no-cors request) → 403',
    async (site) => {
      const res = await send(wh.url, 'GET', `${P}/datasets/guarded/tables/t/data`, {
        headers: { 'sec-fetch-site': site, 'sec-fetch-mode': 'no-cors' },
      });
      expectForbidden(res, new RegExp(`${site} browser request`));
    },
  );

  it.each(['same-origin', 'none'])('Sec-Fetch-Site: %s is answered', async (site) => {
    const res = await send(wh.url, 'GET', '/bigquery/v2/projects', { headers: { 'sec-fetch-site': site } });
    expect(res.status).toBe(200);
  });

  it('an allowed origin gets its answer with CORS headers, errors included', async () => {
    const ok = await send(wh.url, 'POST', `${P}/queries`, {
      headers: { origin: ALLOWED, 'sec-fetch-site': 'same-site' },
      body: { query: 'SELECT count(*) AS c FROM guarded.t', useLegacySql: false },
    });
    expect(ok.status).toBe(200);
    expect(ok.json.rows).toEqual([{ f: [{ v: '2' }] }]);
    expect(ok.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(ok.headers.vary).toBe('Origin');
    const missing = await send(wh.url, 'GET', `${P}/datasets/nope`, { headers: { origin: ALLOWED } });
    expect(missing.status).toBe(404);
    expect(missing.headers['access-control-allow-origin']).toBe(ALLOWED);
  });

  it('a preflight from an allowed origin is answered 204 with the methods and headers clients send', async () => {
    const res = await send(wh.url, 'OPTIONS', `${P}/queries`, {
      headers: {
        origin: ALLOWED,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(String(res.headers['access-control-allow-methods'])).toMatch(/\bPOST\b.*\bDELETE\b/);
    expect(String(res.headers['access-control-allow-headers'])).toMatch(/authorization.*content-type/);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('a preflight from any other origin is refused', async () => {
    const res = await send(wh.url, 'OPTIONS', `${P}/queries`, {
      headers: { origin: 'http://evil.example.com', 'access-control-request-method': 'POST' },
    });
    expectForbidden(res, /Origin/);
    expect(res.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('without --allow-origin every Origin is refused, and no CORS header is ever sent', async () => {
    const plain = await startTestWarehouse();
    try {
      const res = await send(plain.url, 'GET', '/bigquery/v2/projects', { headers: { origin: ALLOWED } });
      expectForbidden(res, /Origin/);
      const ok = await send(plain.url, 'GET', '/bigquery/v2/projects');
      expect(ok.status).toBe(200);
      expect(ok.headers.vary).toBeUndefined();
    } finally {
      await plain.stop();
    }
  });

  it('a malformed allowed origin is refused when the warehouse starts', async () => {
    for (const bad of [
      'http://localhost:3000/',
      'localhost:3000',
      '*',
      'ftp://x.example',
      'http://a.example/path',
    ]) {
      await expect(startTestWarehouse({ allowOrigins: [bad] }), bad).rejects.toThrow(/is not an origin/);
    }
  });
});

describe('JSON endpoints take JSON only', () => {
  const query = JSON.stringify({ query: 'SELECT 1 AS x', useLegacySql: false });
  it.each([
    'text/plain',
    'text/plain;charset=UTF-8',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/json; charset=latin1',
    'application/jsonp',
    'text/json',
  ])('Content-Type %s → 400 badContent', async (type) => {
    const res = await send(wh.url, 'POST', `${P}/queries`, {
      headers: { 'content-type': type },
      body: query,
    });
    expect(res.status).toBe(400);
    expect(res.json.error.errors[0].reason).toBe('badContent');
    expect(res.json.error.status).toBe('INVALID_ARGUMENT');
    expect(res.json.error.message).toMatch(/^Unsupported content with type: /);
  });

  it('a body without a Content-Type → 400 badContent; a DELETE through it never runs', async () => {
    const res = await send(wh.url, 'POST', `${P}/queries`, {
      headers: { 'content-type': '' },
      body: JSON.stringify(DELETE_ALL),
    });
    expect(res.status).toBe(400);
    expect(res.json.error.errors[0].reason).toBe('badContent');
    await expectRowsIntact();
  });

  it.each(['application/json', 'application/json; charset=UTF-8', 'Application/JSON;charset="utf-8"'])(
    'Content-Type %s is accepted',
    async (type) => {
      const res = await send(wh.url, 'POST', `${P}/queries`, {
        headers: { 'content-type': type },
        body: query,
      });
      expect(res.status).toBe(200);
      expect(res.json.rows).toEqual([{ f: [{ v: '1' }] }]);
    },
  );

  it('the upload prefix serves only the upload: a text/plain query under it is not run', async () => {
    const res = await send(wh.url, 'POST', '/upload/bigquery/v2/projects/local-project/queries', {
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(DELETE_ALL),
    });
    expect(res.status).toBe(404);
    expect(res.json.error.errors[0].reason).toBe('notFound');
    await expectRowsIntact();
  });

  it('a request without a body needs no Content-Type (jobs.cancel, DELETE)', async () => {
    const job = await send(wh.url, 'POST', `${P}/jobs`, {
      body: { configuration: { query: { query: 'SELECT 1', useLegacySql: false } } },
    });
    const res = await send(wh.url, 'POST', `${P}/jobs/${job.json.jobReference.jobId}/cancel`);
    expect(res.status).toBe(200);
  });

  it('uploads need multipart/related; the stock client uploads still work', async () => {
    const bad = await send(
      wh.url,
      'POST',
      '/upload/bigquery/v2/projects/local-project/jobs?uploadType=multipart',
      {
        headers: { 'content-type': 'application/json' },
        body: { configuration: { load: {} } },
      },
    );
    expect(bad.status).toBe(400);
    expect(bad.json.error.errors[0].reason).toBe('badContent');
    const dir = await mkdtemp(join(tmpdir(), 'wh-guard-'));
    try {
      const csv = join(dir, 'rows.csv');
      await writeFile(csv, 'n\n3\n');
      const dataset = clientFor(wh.url).dataset('guarded');
      await dataset.createTable('loaded', { schema: [{ name: 'n', type: 'INTEGER' }] });
      const [job] = await dataset.table('loaded').load(csv, { sourceFormat: 'CSV', skipLeadingRows: 1 });
      expect(job.status?.state).toBe('DONE');
      expect(job.status?.errorResult).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('exposed beyond loopback: a bearer token on every request', () => {
  let exposed: RunningWarehouse;
  beforeAll(async () => {
    exposed = await startWarehouse({ port: 0, host: '0.0.0.0', exposed: true, dataDir: null });
  });
  afterAll(async () => {
    await exposed?.stop();
  });

  /** The stock client, sending the token from its authClient as it would an OAuth access token. */
  const tokenClient = (token: string) =>
    new BigQuery({
      projectId: 'local-project',
      apiEndpoint: exposed.url,
      // biome-ignore lint/suspicious/noExplicitAny: the client types want a google-auth-library AuthClient
      authClient: { ...noAuth, getRequestHeaders: async () => ({ Authorization: `Bearer ${token}` }) } as any,
      maxRetries: 0,
    });

  it('binds the wildcard address, generates a strong token and reports both', () => {
    expect(exposed.boundUrl).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
    expect(exposed.url).toBe(`http://127.0.0.1:${exposed.port}`);
    expect(exposed.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('the stock @google-cloud/bigquery client works with the token', async () => {
    const bq = tokenClient(exposed.token!);
    await bq.createDataset('remote');
    await bq.dataset('remote').createTable('t', { schema: [{ name: 'n', type: 'INTEGER' }] });
    await bq
      .dataset('remote')
      .table('t')
      .insert([{ n: 5 }]);
    const [rows] = await bq.query({ query: 'SELECT n FROM remote.t', useLegacySql: false });
    expect(rows).toEqual([{ n: 5 }]);
  });

  it('the stock client without the token, or with another, gets 401', async () => {
    await expect(clientFor(exposed.url).getDatasets()).rejects.toMatchObject({ code: 401 });
    await expect(tokenClient('x'.repeat(43)).getDatasets()).rejects.toMatchObject({ code: 401 });
  });

  it.each([
    ['no Authorization', {}],
    ['another token', { authorization: 'Bearer wrong-token-wrong-token-wrong' }],
    ['the token as Basic', { authorization: 'Basic {token}' }],
    ['the token without a scheme', { authorization: '{token}' }],
    ['a token prefix', { authorization: 'Bearer {token-prefix}' }],
  ])('%s → 401 UNAUTHENTICATED, nothing runs', async (_name, headers: Record<string, string>) => {
    const h = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [
        k,
        v.replace('{token}', exposed.token!).replace('{token-prefix}', exposed.token!.slice(0, 20)),
      ]),
    );
    const res = await send(exposed.url, 'POST', `${P}/datasets`, {
      headers: h,
      body: { datasetReference: { datasetId: 'sneaky' } },
    });
    expect(res.status).toBe(401);
    expect(res.json.error.status).toBe('UNAUTHENTICATED');
    expect(res.json.error.errors[0].reason).toBe('authError');
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    const auth = { authorization: `Bearer ${exposed.token}` };
    expect((await send(exposed.url, 'GET', `${P}/datasets/sneaky`, { headers: auth })).status).toBe(404);
  });

  it('with the token any Host is answered (the token is the gate), but foreign Origins are still refused', async () => {
    const auth = { authorization: `Bearer ${exposed.token}` };
    const named = await send(exposed.url, 'GET', '/bigquery/v2/projects', {
      headers: { ...auth, host: 'warehouse.internal.example:9050' },
    });
    expect(named.status).toBe(200);
    const page = await send(exposed.url, 'GET', '/bigquery/v2/projects', {
      headers: { ...auth, origin: 'http://evil.example.com' },
    });
    expectForbidden(page, /Origin/);
  });

  it('a non-loopback host without the exposed option is refused before anything opens', async () => {
    for (const host of ['0.0.0.0', '::', '192.0.2.1', 'example.com']) {
      await expect(startWarehouse({ port: 0, host, dataDir: null }), host).rejects.toMatchObject({
        code: 'ERR_WAREHOUSE_NOT_LOOPBACK',
      });
    }
  });

  it('a given token is used as is; a weak one is refused', async () => {
    const token = 'given-token-0123456789abcdef';
    const w = await startWarehouse({ port: 0, exposed: true, token, allowOrigins: [ALLOWED], dataDir: null });
    try {
      expect(w.token).toBe(token);
      const res = await send(w.url, 'GET', '/_warehouse/health', {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(200);
      // Browsers send preflights without credentials: answered; the request itself still needs the token.
      const preflight = await send(w.url, 'OPTIONS', '/_warehouse/health', {
        headers: { origin: ALLOWED, 'access-control-request-method': 'GET' },
      });
      expect(preflight.status).toBe(204);
      const page = await send(w.url, 'GET', '/_warehouse/health', { headers: { origin: ALLOWED } });
      expect(page.status).toBe(401);
      expect(page.headers['access-control-allow-origin']).toBe(ALLOWED);
    } finally {
      await w.stop();
    }
    for (const weak of ['short', 'has spaces in it, long enough', '']) {
      await expect(startWarehouse({ port: 0, exposed: true, token: weak, dataDir: null })).rejects.toThrow(
        /access token must be 16-512 characters/,
      );
    }
  });
});

describe('dp warehouse serve (subprocess)', () => {
  const DP = join(dirname(fileURLToPath(import.meta.url)), '../../cli/bin/dp.js');
  const children: ChildProcess[] = [];
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wh-guard-cli-'));
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * Runs dp until it prints `lines` stdout lines (then runs `whileUp` and sends SIGTERM) or exits by itself; resolves
   * with its output and exit code.
   */
  function dp(
    args: string[],
    env: Record<string, string> = {},
    lines = 1,
    whileUp?: (out: string) => Promise<void>,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, [DP, ...args], {
      cwd: dir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let stdout = '';
    let stderr = '';
    let checked: Promise<void> = Promise.resolve();
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.split('\n').length > lines && child.exitCode === null && !child.killed) {
        checked = (whileUp ? whileUp(stdout) : Promise.resolve()).finally(() => child.kill('SIGTERM'));
        child.stdout!.removeAllListeners('data');
        child.stdout!.on('data', (more: Buffer) => {
          stdout += more.toString();
        });
      }
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    return new Promise((resolve, reject) => {
      child.on('exit', (code) => {
        checked.then(() => resolve({ code, stdout, stderr }), reject);
      });
    });
  }

  it('on loopback the start line shows the address and the real port bound', async () => {
    let health = 0;
    const r = await dp(['warehouse', 'serve', '--port', '0', '--in-memory'], {}, 1, async (out) => {
      const url = /listening on (\S+)/.exec(out)![1]!;
      health = (await send(url, 'GET', '/_warehouse/health')).status;
    });
    expect(r.stdout.split('\n')[0]).toMatch(
      /^warehouse listening on http:\/\/127\.0\.0\.1:([1-9]\d*) \(in memory\)$/,
    );
    expect(r.stdout).not.toMatch(/access token/);
    expect(health).toBe(200);
    expect(r.code).toBe(143);
  });

  it('--expose with --token-file: the token works and is never printed', async () => {
    const token = 'file-token-abcdefghijklmnop0123';
    await writeFile(join(dir, 'token'), `${token}\n`, { mode: 0o600 });
    const statuses: number[] = [];
    const r = await dp(
      ['warehouse', 'serve', '--port', '0', '--in-memory', '--expose', '--token-file', 'token'],
      {},
      2,
      async (out) => {
        const url = /listening on (\S+)/.exec(out)![1]!;
        statuses.push((await send(url, 'GET', '/_warehouse/health')).status);
        const auth = { authorization: `Bearer ${token}` };
        statuses.push((await send(url, 'GET', '/_warehouse/health', { headers: auth })).status);
      },
    );
    expect(r.stdout).toMatch(/access token: from --token-file \S*token;/);
    expect(r.stdout).not.toContain(token);
    expect(statuses).toEqual([401, 200]);
  });

  it('--expose without a token source prints the generated token once, and it works', async () => {
    const statuses: number[] = [];
    const r = await dp(
      ['warehouse', 'serve', '--port', '0', '--in-memory', '--expose'],
      {},
      2,
      async (out) => {
        const url = /listening on (\S+)/.exec(out)![1]!;
        const token = /access token: (\S+)/.exec(out)![1]!;
        statuses.push(
          (await send(url, 'GET', '/_warehouse/health', { headers: { authorization: `Bearer ${token}` } }))
            .status,
        );
      },
    );
    const token = /access token: (\S+)/.exec(r.stdout)![1]!;
    expect(r.stdout.split(token)).toHaveLength(2);
    expect(statuses).toEqual([200]);
  });

  it('dp warehouse seed --url sends $DP_WAREHOUSE_TOKEN to an exposed server; without it, one line and exit 77', async () => {
    const token = 'seed-token-abcdefghijklmnop0123';
    const w = await startWarehouse({ port: 0, exposed: true, token, dataDir: null });
    try {
      const args = ['warehouse', 'seed', '--from', '2026-11-20', '--to', '2026-11-20', '--scale', '0.01'];
      const denied = await dp(
        [...args, '--url', w.url],
        { DP_WAREHOUSE_TOKEN: '' },
        Number.POSITIVE_INFINITY,
      );
      expect(denied.code).toBe(77);
      expect(denied.stderr.trim().split('\n')).toHaveLength(1);
      expect(denied.stderr).toMatch(/^dp warehouse seed: Request is missing the access token/);
      expect(w.warehouse.catalog.dataset('githubarchive', 'day')).toBeUndefined();
      const seeded = await dp(
        [...args, '--url', w.url],
        { DP_WAREHOUSE_TOKEN: token },
        Number.POSITIVE_INFINITY,
      );
      expect(seeded.stderr).toBe('');
      expect(seeded.code).toBe(0);
      expect(seeded.stdout).toMatch(/^seeded 1 day\(s\)/);
    } finally {
      await w.stop();
    }
  });

  it.each([
    [
      ['--host', '0.0.0.0'],
      {},
      64,
      /^dp warehouse serve: --host 0\.0\.0\.0 is not a loopback address; add --expose/,
    ],
    [['--host', '192.0.2.7'], {}, 64, /--host 192\.0\.2\.7 is not a loopback address/],
    [
      ['--allow-origin', 'http://x.example/'],
      {},
      64,
      /--allow-origin "http:\/\/x\.example\/" is not an origin/,
    ],
    [['--token-file', 'token'], {}, 64, /--token-file needs --expose/],
    [['--expose', '--token-file', 'missing'], {}, 78, /cannot read --token-file \S+missing \(ENOENT\)/],
    [['--expose'], { DP_WAREHOUSE_TOKEN: 'short' }, 78, /\$DP_WAREHOUSE_TOKEN: the access token must be/],
  ])('serve %j → one line, exit %i', async (args, env, code, message) => {
    const r = await dp(['warehouse', 'serve', '--port', '0', '--in-memory', ...args], env);
    expect(r.code).toBe(code);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });
});
