import { createPrivateKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type RunningWarehouse,
  registeredKeyOf,
  type ServiceAccountKeyFile,
  writeServiceAccountKey,
} from '../src/index.js';
import { JWT_BEARER_GRANT, TokenAuthority } from '../src/oauth.js';
import { findGooglePython, raw, runPython, startTestWarehouse } from './helpers.js';

/**
 * Issue 14 §1: a service-account key whose token_uri is the warehouse works. The token endpoint takes RFC 7523
 * JWT-bearer grants signed with a registered key (real RSA keys here), and in token mode every API call needs one of
 * its access tokens. Refusals are Google's OAuth errors on /token and BigQuery's 401 authError on the API.
 */

const AUD = 'http://127.0.0.1:9050/token';
const EMAIL = 'sa@proj-one.iam.gserviceaccount.com';

function rsa(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('rsa', { modulusLength: 2048 });
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** A JWT as oauth2client makes it: RS256, kid = private_key_id, claims iss/aud/scope/iat/exp. */
function jwt(
  privateKey: KeyObject,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = { alg: 'RS256', typ: 'JWT', kid: 'key-1' },
): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

const grant = (assertion: string) => new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion });

describe('TokenAuthority (the token endpoint, pure)', () => {
  const key = rsa();
  const other = rsa();
  let clock = 1_800_000_000;
  const authority = new TokenAuthority([{ keyId: 'key-1', clientEmail: EMAIL, publicKey: key.publicKey }], {
    tokenLifetimeSeconds: 600,
    now: () => clock,
  });
  const claims = (over: Record<string, unknown> = {}) => ({
    iss: EMAIL,
    aud: AUD,
    scope: 'https://www.googleapis.com/auth/bigquery',
    iat: clock,
    exp: clock + 3600,
    ...over,
  });
  const refused = (assertion: string, audiences = [AUD]) => {
    const answer = authority.exchange(grant(assertion), audiences);
    expect(answer.status).toBe(400);
    return answer.body as { error: string; error_description: string };
  };

  it('issues a short-lived bearer token for a grant signed by a registered key', () => {
    const answer = authority.exchange(grant(jwt(key.privateKey, claims())), [AUD]);
    expect(answer.status).toBe(200);
    const body = answer.body as { access_token: string; token_type: string; expires_in: number };
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 600 });
    expect(authority.accepts(body.access_token)).toBe(true);
    expect(authority.accepts(`${body.access_token}x`)).toBe(false);
    clock += 601;
    expect(authority.accepts(body.access_token)).toBe(false);
  });

  it('refuses a wrong signature, an unknown key and a mismatched issuer', () => {
    expect(refused(jwt(other.privateKey, claims()))).toEqual({
      error: 'invalid_grant',
      error_description: 'Invalid JWT Signature.',
    });
    expect(refused(jwt(key.privateKey, claims(), { alg: 'RS256', kid: 'nobody' })).error_description).toBe(
      'Invalid grant: account not found',
    );
    // Without a kid the key is found by iss: an unknown issuer is an unknown account.
    expect(refused(jwt(key.privateKey, claims({ iss: 'x@y' }), { alg: 'RS256' })).error_description).toBe(
      'Invalid grant: account not found',
    );
    expect(refused(jwt(key.privateKey, claims({ iss: 'x@y' }))).error_description).toMatch(/issuer \(iss\)/);
    // A signature over other bytes (claims swapped after signing).
    const [h, , s] = jwt(key.privateKey, claims()).split('.');
    expect(refused(`${h}.${b64(claims({ scope: 'more' }))}.${s}`).error_description).toBe(
      'Invalid JWT Signature.',
    );
  });

  it('refuses an expired, future or too long assertion (30 s of skew allowed)', () => {
    const timeframe = /^Invalid JWT: Token must be a short-lived token \(60 minutes\)/;
    const expired = claims({ iat: clock - 4000, exp: clock - 400 });
    expect(refused(jwt(key.privateKey, expired)).error_description).toMatch(timeframe);
    expect(refused(jwt(key.privateKey, claims({ iat: clock + 120 }))).error_description).toMatch(timeframe);
    expect(refused(jwt(key.privateKey, claims({ exp: clock + 7200 }))).error_description).toMatch(timeframe);
    expect(refused(jwt(key.privateKey, claims({ exp: String(clock + 60) }))).error_description).toMatch(
      timeframe,
    );
    const skewed = authority.exchange(grant(jwt(key.privateKey, claims({ iat: clock + 20 }))), [AUD]);
    expect(skewed.status).toBe(200);
  });

  it('refuses a grant for another audience', () => {
    const body = refused(jwt(key.privateKey, claims({ aud: 'https://oauth2.googleapis.com/token' })));
    expect(body.error).toBe('invalid_grant');
    expect(body.error_description).toMatch(
      /audience \(aud\) must be this token endpoint, http:\/\/127\.0\.0\.1:9050\/token/,
    );
  });

  it('refuses other algorithms, malformed assertions and other grant types', () => {
    const none = `${b64({ alg: 'none', kid: 'key-1' })}.${b64(claims())}.`;
    expect(refused(none).error_description).toMatch(/three base64url segments/);
    expect(refused(jwt(key.privateKey, claims(), { alg: 'HS256', kid: 'key-1' })).error_description).toMatch(
      /unsupported algorithm HS256/,
    );
    expect(refused('a.b.c').error_description).toMatch(/not base64url JSON/);
    const password = authority.exchange(new URLSearchParams({ grant_type: 'password' }), [AUD]);
    expect(password).toEqual({
      status: 400,
      body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type: password' },
    });
    const noAssertion = authority.exchange(new URLSearchParams({ grant_type: JWT_BEARER_GRANT }), [AUD]);
    expect(noAssertion.body).toMatchObject({ error: 'invalid_request' });
  });
});

describe('service-account keys', () => {
  it('registers the public key derived from a key file and names problems without the key', () => {
    const { privateKey } = rsa();
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const file = { type: 'service_account', private_key_id: 'k1', private_key: pem, client_email: EMAIL };
    const key = registeredKeyOf(JSON.stringify(file));
    expect(key).toMatchObject({ keyId: 'k1', clientEmail: EMAIL });
    expect(key.publicKey.type).toBe('public');
    const problems = [
      ['{', 'not a JSON service-account key'],
      [{ ...file, type: 'authorized_user' }, 'not a service-account key: type must be "service_account"'],
      [
        { ...file, client_email: undefined },
        'not a service-account key: client_email is missing or not a string',
      ],
      [
        { ...file, private_key: pem.replace(/\n[A-Za-z0-9+/]{10}/, '\n!!!!!!!!!!') },
        'not a service-account key: private_key is not a readable PEM private key',
      ],
      [
        {
          ...file,
          private_key: generateKeyPairSync('ec', { namedCurve: 'P-256' })
            .privateKey.export({ type: 'pkcs8', format: 'pem' })
            .toString(),
        },
        'not a service-account key: private_key is not an RSA key',
      ],
    ] as const;
    for (const [input, message] of problems) {
      expect(() => registeredKeyOf(input)).toThrow(message);
      try {
        registeredKeyOf(input);
      } catch (e) {
        expect(String(e)).not.toMatch(/PRIVATE KEY|MII/);
      }
    }
  });
});

/** POST /token with a form body, as oauth2client sends it. */
function tokenRequest(url: string, body: string, contentType = 'application/x-www-form-urlencoded') {
  return raw(url, 'POST', '/token', body, { 'content-type': contentType });
}

describe('token mode over HTTP', () => {
  let wh: RunningWarehouse;
  let plain: RunningWarehouse;
  let key: ServiceAccountKeyFile;
  beforeAll(async () => {
    [wh, plain] = await Promise.all([startTestWarehouse({ oauth: {} }), startTestWarehouse()]);
    key = wh.createServiceAccountKey();
  });
  afterAll(async () => {
    await Promise.all([wh?.stop(), plain?.stop()]);
  });

  const assertionFor = (file: ServiceAccountKeyFile, over: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: file.client_email, aud: file.token_uri, iat: now, exp: now + 3600, ...over };
    return jwt(registeredPrivate(file), claims, { alg: 'RS256', typ: 'JWT', kid: file.private_key_id });
  };

  it('writes keys whose token_uri is this server and requires its tokens on API calls', async () => {
    expect(key).toMatchObject({
      type: 'service_account',
      project_id: 'local-project',
      token_uri: `${wh.url}/token`,
    });
    expect(key.private_key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(key.client_email).toBe('warehouse-local@local-project.iam.gserviceaccount.com');
    expect(key.client_id).toMatch(/^\d{21}$/);

    const missing = await raw(wh.url, 'GET', '/bigquery/v2/projects/local-project/datasets');
    expect(missing.status).toBe(401);
    expect(missing.json.error).toMatchObject({
      code: 401,
      status: 'UNAUTHENTICATED',
      errors: [{ reason: 'authError', domain: 'global' }],
    });
    expect(missing.json.error.message).toMatch(/^Request is missing required authentication credential/);

    const answer = await tokenRequest(wh.url, grant(assertionFor(key)).toString());
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    const auth = { authorization: `Bearer ${answer.json.access_token}` };
    const ok = await raw(wh.url, 'GET', '/bigquery/v2/projects/local-project/datasets', undefined, auth);
    expect(ok.status).toBe(200);
    const wrong = await raw(wh.url, 'GET', '/bigquery/v2/projects/local-project/datasets', undefined, {
      authorization: 'Bearer wh.not-a-token-we-issued',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json.error).toMatchObject({ message: 'Invalid Credentials', status: 'UNAUTHENTICATED' });
    // The discovery document stays public, as Google's is.
    expect((await raw(wh.url, 'GET', '/discovery/v1/apis/bigquery/v2/rest')).status).toBe(200);
    // An in-process caller holding the warehouse gets a token without a grant (e.g. to seed it).
    const direct = await raw(wh.url, 'GET', '/bigquery/v2/projects/local-project/datasets', undefined, {
      authorization: `Bearer ${wh.issueAccessToken()}`,
    });
    expect(direct.status).toBe(200);
  });

  it('answers bad grants with Google OAuth errors (400 invalid_grant)', async () => {
    const expired = await tokenRequest(
      wh.url,
      grant(assertionFor(key, { iat: 1_700_000_000, exp: 1_700_003_600 })).toString(),
    );
    expect(expired.status).toBe(400);
    expect(expired.json.error).toBe('invalid_grant');
    expect(expired.json.error_description).toMatch(/Check your iat and exp values/);
    const elsewhere = await tokenRequest(
      wh.url,
      grant(assertionFor(key, { aud: 'https://oauth2.googleapis.com/token' })).toString(),
    );
    expect(elsewhere.json.error_description).toMatch(/audience/);
    const json = await tokenRequest(
      wh.url,
      JSON.stringify({ grant_type: JWT_BEARER_GRANT }),
      'application/json',
    );
    expect(json.status).toBe(400);
    expect(json.json).toEqual({
      error: 'invalid_request',
      error_description: 'The token request must be application/x-www-form-urlencoded.',
    });
    // The Host/Origin guard still applies to /token.
    const page = await tokenRequest(wh.url, grant(assertionFor(key)).toString());
    expect(page.status).toBe(200);
    const browser = await raw(wh.url, 'POST', '/token', grant(assertionFor(key)).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      origin: 'https://evil.example',
    });
    expect(browser.status).toBe(403);
  });

  it('keeps /token out of a warehouse not in token mode', async () => {
    const r = await tokenRequest(plain.url, grant(assertionFor(key)).toString());
    expect(r.status).toBe(400);
    expect(r.json.error.errors[0].reason).toBe('badContent');
    expect(() => plain.createServiceAccountKey()).toThrow(/not started in token mode/);
    expect(() => plain.issueAccessToken()).toThrow(/not started in token mode/);
  });

  it('accepts the static token and OAuth tokens when both are configured', async () => {
    const both = await startTestWarehouse({ exposed: true, token: 'static-token-0123456789', oauth: {} });
    try {
      const file = both.createServiceAccountKey();
      const issued = await tokenRequest(both.url, grant(assertionFor(file)).toString());
      for (const bearer of ['static-token-0123456789', issued.json.access_token]) {
        const r = await raw(both.url, 'GET', '/bigquery/v2/projects/local-project/datasets', undefined, {
          authorization: `Bearer ${bearer}`,
        });
        expect(r.status).toBe(200);
      }
      const none = await raw(both.url, 'GET', '/bigquery/v2/projects/local-project/datasets');
      expect(none.status).toBe(401);
    } finally {
      await both.stop();
    }
  });
});

/** Keys made by createServiceAccountKey carry their private key: tests sign with it as the client would. */
function registeredPrivate(file: ServiceAccountKeyFile): KeyObject {
  return createPrivateKey(file.private_key);
}

const py = findGooglePython(process.env);
if ('skip' in py) console.warn(py.skip);

describe.skipIf('skip' in py)('oauth2client 4.1 with a key whose token_uri is the warehouse', () => {
  const python = 'python' in py ? py.python : '';
  let wh: RunningWarehouse;
  let dir: string;
  let good: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wh-oauth-'));
    wh = await startTestWarehouse({ oauth: {} });
    good = join(dir, 'key.json');
    await writeServiceAccountKey(good, wh.createServiceAccountKey());
  });
  afterAll(async () => {
    await wh?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the key 0600 and never over an existing file', async () => {
    expect((await stat(good)).mode & 0o777).toBe(0o600);
    const before = await readFile(good, 'utf8');
    await expect(writeServiceAccountKey(good, wh.createServiceAccountKey())).rejects.toMatchObject({
      code: 'EEXIST',
    });
    expect(await readFile(good, 'utf8')).toBe(before);
  });

  it.concurrent('gets a token and queries with it', async () => {
    const out = await runPython(python, 'bq_client.py', ['query'], { WAREHOUSE_URL: wh.url, KEY_FILE: good });
    expect(out.rows).toEqual([{ f: [{ v: '7' }] }]);
  });

  it.concurrent('is refused with invalid_grant for a wrong signature or an unregistered key', async () => {
    const file = JSON.parse(await readFile(good, 'utf8')) as ServiceAccountKeyFile;
    const forged = join(dir, 'forged.json');
    const stranger = join(dir, 'stranger.json');
    const otherPem = rsa().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await writeFile(forged, JSON.stringify({ ...file, private_key: otherPem }), { mode: 0o600 });
    await writeFile(
      stranger,
      JSON.stringify({ ...file, private_key_id: 'f'.repeat(40), private_key: otherPem }),
      {
        mode: 0o600,
      },
    );
    const [a, b] = await Promise.all([
      runPython(python, 'bq_client.py', ['query'], { WAREHOUSE_URL: wh.url, KEY_FILE: forged }),
      runPython(python, 'bq_client.py', ['query'], { WAREHOUSE_URL: wh.url, KEY_FILE: stranger }),
    ]);
    expect(a.token_error).toEqual({ status: 400, message: 'invalid_grant: Invalid JWT Signature.' });
    expect(b.token_error).toEqual({
      status: 400,
      message: 'invalid_grant: Invalid grant: account not found',
    });
  });

  it.concurrent('without credentials the API answers 401 authError', async () => {
    const out = await runPython(python, 'bq_client.py', ['query'], { WAREHOUSE_URL: wh.url });
    expect(out.error).toMatchObject({ status: 401, reason: 'authError' });
    expect(out.error.envelope.error.status).toBe('UNAUTHENTICATED');
  });
});
