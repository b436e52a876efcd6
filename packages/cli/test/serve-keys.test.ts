/**
 * Issue 14 §1 through the real `dp` (subprocesses): `dp warehouse serve --write-key` writes a service-account key whose
 * token_uri is the warehouse and turns token mode on, `--key-file` trusts an existing key, `--fault` arms test-mode
 * errors; bad values are one line with the documented exit code, nothing started or written, no key echoed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedWarehouseAvailable } from '@data-pipeline/local';
import { afterAll, describe, expect, it } from 'vitest';
import { type ServeOptions, warehouseServe } from '../src/commands/warehouse.js';
import type { CliIo } from '../src/io.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const DP = join(repo, 'packages', 'cli', 'bin', 'dp.js');
const tmp = mkdtempSync(join(tmpdir(), 'dp-keys-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const env = { PATH: process.env.PATH ?? '', HOME: tmp, CI: '1' };

interface KeyFile {
  type: string;
  project_id: string;
  private_key_id: string;
  private_key: string;
  client_email: string;
  client_id: string;
  token_uri: string;
}

const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
});

/** Starts `dp warehouse serve --in-memory --port 0 ...`; resolves once all start lines are out. */
function serve(args: string[], lines: number): Promise<{ url: string; out: string; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DP, 'warehouse', 'serve', '--in-memory', '--port', '0', ...args], {
      cwd: tmp,
      env,
    });
    children.push(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url && out.split('\n').length > lines) resolve({ url, out, child });
    });
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
}

const stop = async (child: ChildProcess) => {
  child.kill('SIGTERM');
  await new Promise((done) => child.once('close', done));
};

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Exchanges a JWT-bearer grant signed with the key file's private key, as oauth2client does. */
async function token(key: KeyFile): Promise<{ status: number; json: Record<string, unknown> }> {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: key.private_key_id })}.${b64({
    iss: key.client_email,
    aud: key.token_uri,
    scope: 'https://www.googleapis.com/auth/bigquery',
    iat: now,
    exp: now + 3600,
  })}`;
  const assertion = `${input}.${sign('sha256', Buffer.from(input), createPrivateKey(key.private_key)).toString('base64url')}`;
  const res = await fetch(key.token_uri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

const datasets = (url: string, accessToken?: string) =>
  fetch(`${url}/bigquery/v2/projects/local-project/datasets`, {
    headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
  });

const ready = await embeddedWarehouseAvailable();
if (!ready) console.warn('dp warehouse serve key tests skipped: the embedded warehouse is not built');

// Each `dp` start takes seconds on a loaded machine: the subprocess test gets room.
describe.skipIf(!ready).concurrent('dp warehouse serve token mode and faults', { timeout: 180_000 }, () => {
  it('--write-key writes a 0600 key for this server; its tokens open the API; --key-file trusts it again', async () => {
    const path = join(tmp, 'written.json');
    const { url, out, child } = await serve(
      ['--write-key', 'written.json', '--fault', 'jobs.insert=backendError'],
      4,
    );
    const key = JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(key).toMatchObject({
      type: 'service_account',
      project_id: 'local-project',
      token_uri: `${url}/token`,
    });
    expect(out).toContain(
      `token mode: API calls need an OAuth access token from ${url}/token (keys: --write-key ${path})`,
    );
    expect(out).toContain(`service-account key written to ${path} (${key.client_email}, mode 0600)`);
    expect(out).toContain('fault injection (test mode): jobs.insert=backendError');
    expect(out).not.toMatch(/PRIVATE KEY|MII/);

    expect((await datasets(url)).status).toBe(401);
    const issued = await token(key);
    expect(issued.status).toBe(200);
    const accessToken = String(issued.json.access_token);
    expect((await datasets(url, accessToken)).status).toBe(200);
    const job = (n: number) =>
      fetch(`${url}/bigquery/v2/projects/local-project/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ configuration: { query: { query: `SELECT ${n} AS n` } } }),
      });
    const faulted = await job(1);
    expect(faulted.status).toBe(500);
    expect(
      ((await faulted.json()) as { error: { errors: { reason: string }[] } }).error.errors[0]!.reason,
    ).toBe('backendError');
    expect((await job(2)).status).toBe(200);
    await stop(child);

    // Another server trusting the same key by its file: the key's token_uri names the old port, so the client posts
    // to the new server's /token (its aud must name where it posts).
    const again = await serve(['--key-file', 'written.json'], 2);
    expect(again.out).toContain(`(keys: --key-file ${path})`);
    const moved = { ...key, token_uri: `${again.url}/token` };
    const reissued = await token(moved);
    expect(reissued.status).toBe(200);
    expect((await datasets(again.url, String(reissued.json.access_token))).status).toBe(200);
    // A token of the first server means nothing here.
    expect((await datasets(again.url, accessToken)).status).toBe(401);
    await stop(again.child);
  });

  it('bad key and fault flags: one line, the documented exit code, nothing written or echoed', async () => {
    const dir = mkdtempSync(join(tmp, 'bad-'));
    const existing = join(dir, 'existing.json');
    writeFileSync(existing, 'keep me', { mode: 0o600 });
    const pem = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const broken = join(dir, 'broken.json');
    const brokenKey = {
      type: 'service_account',
      private_key_id: 'a',
      client_email: 'a@b',
      private_key: pem.slice(0, 120),
    };
    writeFileSync(broken, JSON.stringify(brokenKey), { mode: 0o600 });
    const before = readdirSync(dir).sort();
    const cases: [Partial<ServeOptions>, number, RegExp][] = [
      [
        { writeKey: 'existing.json' },
        78,
        /^dp warehouse serve: --write-key .*existing\.json already exists; a key is never overwritten/,
      ],
      [
        { writeKey: 'no-such-dir/key.json' },
        78,
        /^dp warehouse serve: --write-key .*no-such-dir\/key\.json: its directory does not exist$/,
      ],
      [
        { keyFile: ['missing.json'] },
        78,
        /^dp warehouse serve: cannot read --key-file .*missing\.json \(ENOENT\)$/,
      ],
      [
        { keyFile: ['broken.json'] },
        78,
        /^dp warehouse serve: --key-file .*broken\.json: not a service-account key: private_key is not a readable PEM private key$/,
      ],
      [{ keyFile: ['existing.json'] }, 78, /--key-file .*existing\.json: not a JSON service-account key$/],
      [
        { fault: ['jobs.insert=teapot'] },
        64,
        /^dp warehouse serve: --fault: fault "jobs\.insert=teapot": unknown reason teapot/,
      ],
      [{ fault: ['nothing'] }, 64, /^dp warehouse serve: --fault: fault "nothing" is not method=reason/],
    ];
    // In-process (the command module with a fake io): these fail before anything starts.
    for (const [flags, code, message] of cases) {
      const io = fakeIo(dir);
      const options = {
        port: '0',
        host: '127.0.0.1',
        dataDir: '.data',
        inMemory: true,
        project: 'local-project',
        ...flags,
      };
      expect(await warehouseServe(options, io), JSON.stringify(flags)).toBe(code);
      expect(io.err.trim().split('\n')).toHaveLength(1);
      expect(io.err.trim()).toMatch(message);
      expect(io.err).not.toMatch(/PRIVATE KEY|MII|keep me/);
      expect(io.out).toBe('');
    }
    expect(readFileSync(existing, 'utf8')).toBe('keep me');
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});

function fakeIo(cwd: string): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (t: string) => {
      io.out += t;
    },
    stderr: (t: string) => {
      io.err += t;
    },
    env: { PATH: process.env.PATH },
    cwd,
    isTTY: false,
    columns: undefined,
    rows: undefined,
    host: { nodePath: process.execPath, kill: (pid: number, sig: NodeJS.Signals) => process.kill(pid, sig) },
    signal: new AbortController().signal,
  };
  return io;
}
