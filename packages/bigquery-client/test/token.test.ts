/**
 * The native engine's credentials on a BigQuery-compatible endpoint: a service-account key authenticates at its own
 * token_uri (JWT-bearer grant, RS256), verified here by an in-test token endpoint holding the key's public half.
 */
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type FakeBigQuery, startFakeBigQuery, tempDir } from '@data-pipeline/operator-testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBigQuery } from '../src/client.js';
import { classifyBigQueryError } from '../src/errors.js';
import { bigQueryRest } from '../src/jobs.js';
import {
  BIGQUERY_SCOPE,
  fetchAccessToken,
  KeyFileError,
  readServiceAccountKey,
  TokenRequestError,
  TokenSource,
} from '../src/token.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_PEM = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const EMAIL = 'runner@my-proj.iam.gserviceaccount.com';

interface Grant {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  grantType: string | null;
  signatureOk: boolean;
}

/** A token endpoint: verifies the assertion's signature with the public key, answers per `answer`. */
let tokenServer: ReturnType<typeof createServer>;
let tokenUrl = '';
const grants: Grant[] = [];
let answer: (g: Grant) => { status: number; body: unknown } = () => ({
  status: 200,
  body: { access_token: `tok-${grants.length}`, token_type: 'Bearer', expires_in: 3600 },
});

async function readBody(req: IncomingMessage): Promise<string> {
  let text = '';
  for await (const chunk of req) text += chunk;
  return text;
}

let tmp: { path: string; cleanup: () => void };
let fake: FakeBigQuery;

beforeAll(async () => {
  tmp = tempDir('token-');
  tokenServer = createServer((req: IncomingMessage, res: ServerResponse) => {
    void readBody(req).then((text) => {
      const form = new URLSearchParams(text);
      const [h = '', c = '', s = ''] = (form.get('assertion') ?? '').split('.');
      const grant: Grant = {
        header: JSON.parse(Buffer.from(h, 'base64url').toString() || '{}'),
        claims: JSON.parse(Buffer.from(c, 'base64url').toString() || '{}'),
        grantType: form.get('grant_type'),
        signatureOk: createVerify('RSA-SHA256').update(`${h}.${c}`).verify(publicKey, s, 'base64url'),
      };
      grants.push(grant);
      const a = answer(grant);
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(a.body));
    });
  });
  tokenServer.listen(0, '127.0.0.1');
  await once(tokenServer, 'listening');
  tokenUrl = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}/token`;
  fake = await startFakeBigQuery();
});
afterAll(async () => {
  tokenServer.close();
  await fake.close();
  tmp.cleanup();
});

function writeKey(name: string, fields: Record<string, unknown>): string {
  const path = join(tmp.path, name);
  writeFileSync(path, JSON.stringify(fields), { mode: 0o600 });
  return path;
}

let datasets = 0;
/** One authenticated REST call (the fake answers POST /datasets). */
function createDataset(bq: Awaited<ReturnType<typeof createBigQuery>>): Promise<unknown> {
  datasets += 1;
  return bigQueryRest(bq, {
    method: 'POST',
    uri: '/datasets',
    projectId: 'my-proj',
    json: { datasetReference: { projectId: 'my-proj', datasetId: `d${datasets}` } },
  });
}

const goodKey = () =>
  writeKey('good.json', {
    type: 'service_account',
    client_email: EMAIL,
    private_key: PRIVATE_PEM,
    private_key_id: 'kid-1',
    token_uri: tokenUrl,
  });

describe('service-account key → access token at the key’s token_uri', () => {
  it('signs an RS256 JWT-bearer assertion oauth2client-style (iss, scope, aud = token_uri, one hour)', async () => {
    const before = grants.length;
    const t = await fetchAccessToken(readServiceAccountKey(goodKey()), BIGQUERY_SCOPE, {
      nowS: 1_800_000_000,
    });
    expect(t).toEqual({ token: `tok-${before + 1}`, expiresAtS: 1_800_003_600 });
    const g = grants[before] as Grant;
    expect(g.grantType).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    expect(g.signatureOk).toBe(true);
    expect(g.header).toEqual({ alg: 'RS256', typ: 'JWT', kid: 'kid-1' });
    expect(g.claims).toEqual({
      iss: EMAIL,
      scope: BIGQUERY_SCOPE,
      aud: tokenUrl,
      iat: 1_800_000_000,
      exp: 1_800_003_600,
    });
  });

  it('TokenSource reuses a token until a minute before it expires', async () => {
    let now = 1_800_000_000;
    const source = new TokenSource(readServiceAccountKey(goodKey()), BIGQUERY_SCOPE, () => now);
    const before = grants.length;
    const [a, b] = await Promise.all([source.token(), source.token()]);
    expect(a).toBe(b);
    now += 3500;
    expect(await source.token()).toBe(a);
    now += 50;
    expect(await source.token()).not.toBe(a);
    expect(grants.length - before).toBe(2);
  });

  it('a refused grant is a 401-shaped error (→ 77) naming the OAuth2 error, never the key', async () => {
    answer = () => ({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
    });
    try {
      const err = await fetchAccessToken(readServiceAccountKey(goodKey()), BIGQUERY_SCOPE).catch((e) => e);
      expect(err).toBeInstanceOf(TokenRequestError);
      expect(err.message).toBe(
        `token endpoint ${tokenUrl} answered HTTP 400 (invalid_grant: Invalid JWT Signature.)`,
      );
      expect(err.message).not.toContain('PRIVATE KEY');
      expect(classifyBigQueryError(err)).toBe('permission-denied');
      answer = () => ({ status: 401, body: { error: 'unauthorized_client' } });
      const e401 = await fetchAccessToken(readServiceAccountKey(goodKey()), BIGQUERY_SCOPE).catch((e) => e);
      expect(classifyBigQueryError(e401)).toBe('permission-denied');
      answer = () => ({ status: 503, body: {} });
      const e503 = await fetchAccessToken(readServiceAccountKey(goodKey()), BIGQUERY_SCOPE).catch((e) => e);
      expect(classifyBigQueryError(e503)).toBe('transient');
      answer = () => ({ status: 200, body: { token_type: 'Bearer' } });
      const none = await fetchAccessToken(readServiceAccountKey(goodKey()), BIGQUERY_SCOPE).catch((e) => e);
      expect(none.message).toBe(`token endpoint ${tokenUrl} answered without an access_token`);
    } finally {
      answer = () => ({
        status: 200,
        body: { access_token: `tok-${grants.length}`, token_type: 'Bearer', expires_in: 3600 },
      });
    }
  });

  it('bad key files: one line naming the file and the field, never a value', () => {
    const cases: [Record<string, unknown> | string, string][] = [
      ['{not json', 'not JSON'],
      [{ client_email: EMAIL, private_key: PRIVATE_PEM }, 'token_uri is missing or invalid'],
      [{ client_email: EMAIL, private_key: PRIVATE_PEM, token_uri: 'ftp://x/token' }, 'token_uri is missing'],
      [{ private_key: PRIVATE_PEM, token_uri: 'http://x/token' }, 'client_email is missing or invalid'],
      [
        { client_email: EMAIL, private_key: 'NOT-A-KEY-SECRET-42', token_uri: 'http://x/token' },
        'private_key is not a PEM private key',
      ],
      [
        { type: 'authorized_user', client_email: EMAIL, private_key: PRIVATE_PEM, token_uri: 'http://x/t' },
        'type must be service_account',
      ],
    ];
    for (const [i, [content, message]] of cases.entries()) {
      const path = join(tmp.path, `bad-${i}.json`);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
      let err: unknown;
      try {
        readServiceAccountKey(path);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KeyFileError);
      expect((err as Error).message).toContain(JSON.stringify(path));
      expect((err as Error).message).toContain(message);
      expect((err as Error).message).not.toMatch(/SECRET-42|PRIVATE KEY/);
    }
    expect(() => readServiceAccountKey(join(tmp.path, 'missing.json'))).toThrow(/cannot read \(ENOENT\)/);
  });
});

describe('createBigQuery on an endpoint', () => {
  it('with a key file: every call carries the bearer token from the key’s token_uri', async () => {
    const bq = await createBigQuery({
      projectId: 'my-proj',
      endpoint: fake.url,
      keyFile: goodKey(),
      env: {},
    });
    const before = grants.length;
    await createDataset(bq);
    await createDataset(bq);
    const seen = fake.requests.slice(-2).map((r) => r.headers.authorization);
    expect(seen).toEqual([`Bearer tok-${before + 1}`, `Bearer tok-${before + 1}`]);
    expect(grants.length - before).toBe(1);
  });

  it('GOOGLE_APPLICATION_CREDENTIALS from env is the key when no key file is given', async () => {
    const bq = await createBigQuery({
      projectId: 'my-proj',
      endpoint: fake.url,
      env: { GOOGLE_APPLICATION_CREDENTIALS: goodKey() },
    });
    await createDataset(bq);
    expect(fake.requests.at(-1)?.headers.authorization).toMatch(/^Bearer tok-\d+$/);
  });

  it('without a key: no authorization header, no token request', async () => {
    const before = grants.length;
    const bq = await createBigQuery({ projectId: 'my-proj', endpoint: fake.url, env: {} });
    await createDataset(bq);
    expect(fake.requests.at(-1)?.headers.authorization).toBeUndefined();
    expect(grants.length).toBe(before);
  });

  it('a key the client cannot use fails at set-up, before any request', async () => {
    const bad = writeKey('nouri.json', { client_email: EMAIL, private_key: PRIVATE_PEM });
    await expect(
      createBigQuery({ projectId: 'p', endpoint: fake.url, keyFile: bad, env: {} }),
    ).rejects.toThrow(/token_uri is missing or invalid/);
  });
});
