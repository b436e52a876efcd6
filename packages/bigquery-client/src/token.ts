import { createPrivateKey, createSign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as z from 'zod/mini';

/** The scope 1.8.2's connections ask for (and the one the native client needs). */
export const BIGQUERY_SCOPE = 'https://www.googleapis.com/auth/bigquery';
const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Like oauth2client: an assertion is valid for one hour. */
const ASSERTION_LIFETIME_S = 3600;
/** A cached token is renewed this long before it expires. */
const RENEW_MARGIN_S = 60;

/**
 * The fields of a service-account key that the JWT-bearer grant needs. `token_uri` is required here: the key decides
 * where tokens come from (google-auth-library 10's JWT client always asks Google's endpoint, so it cannot be used).
 */
const keySchema = z.object({
  type: z.optional(z.string()),
  client_email: z.string().check(z.minLength(1)),
  private_key: z.string().check(z.minLength(1)),
  private_key_id: z.optional(z.string()),
  token_uri: z.url({ protocol: /^https?$/ }),
});

export interface ServiceAccountKey {
  readonly clientEmail: string;
  readonly privateKey: KeyObject;
  readonly privateKeyId?: string | undefined;
  readonly tokenUri: string;
}

/** A problem with the key file itself: a configuration error (78). Never carries the key's content. */
export class KeyFileError extends Error {
  override name = 'KeyFileError';
}

/** Reads and checks a service-account key file. Messages name the file and the field, never a value. */
export function readServiceAccountKey(path: string): ServiceAccountKey {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new KeyFileError(
      `key file ${JSON.stringify(path)}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new KeyFileError(`key file ${JSON.stringify(path)}: not JSON`);
  }
  const parsed = keySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join('.') || 'key';
    throw new KeyFileError(`key file ${JSON.stringify(path)}: ${field} is missing or invalid`);
  }
  if (parsed.data.type !== undefined && parsed.data.type !== 'service_account') {
    throw new KeyFileError(`key file ${JSON.stringify(path)}: type must be service_account`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(parsed.data.private_key);
  } catch {
    throw new KeyFileError(`key file ${JSON.stringify(path)}: private_key is not a PEM private key`);
  }
  if (privateKey.asymmetricKeyType !== 'rsa') {
    throw new KeyFileError(
      `key file ${JSON.stringify(path)}: private_key is not an RSA key (RS256 needs one)`,
    );
  }
  return {
    clientEmail: parsed.data.client_email,
    privateKey,
    privateKeyId: parsed.data.private_key_id,
    tokenUri: parsed.data.token_uri,
  };
}

/** The RS256 assertion of the JWT-bearer grant (RFC 7523), with the claims oauth2client sends. */
export function signAssertion(key: ServiceAccountKey, scope: string, nowS: number): string {
  const header = { alg: 'RS256', typ: 'JWT', ...(key.privateKeyId ? { kid: key.privateKeyId } : {}) };
  const claims = {
    iss: key.clientEmail,
    scope,
    aud: key.tokenUri,
    iat: nowS,
    exp: nowS + ASSERTION_LIFETIME_S,
  };
  const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const unsigned = `${encode(header)}.${encode(claims)}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(key.privateKey, 'base64url');
  return `${unsigned}.${signature}`;
}

/** A refused token request, shaped like the client library's errors so `classifyBigQueryError` maps it (401 → 77). */
export class TokenRequestError extends Error {
  override name = 'TokenRequestError';
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

const tokenSchema = z.object({
  access_token: z.string().check(z.minLength(1)),
  expires_in: z.optional(z.number()),
});

export interface AccessToken {
  readonly token: string;
  /** Seconds since the epoch. */
  readonly expiresAtS: number;
}

/** Exchanges a signed assertion for an access token at the key's `token_uri`. */
export async function fetchAccessToken(
  key: ServiceAccountKey,
  scope: string,
  options: { nowS?: number; timeoutMs?: number } = {},
): Promise<AccessToken> {
  const nowS = options.nowS ?? Math.floor(Date.now() / 1000);
  const body = new URLSearchParams({
    grant_type: JWT_BEARER_GRANT,
    assertion: signAssertion(key, scope, nowS),
  });
  const res = await fetch(key.tokenUri, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json ?? {}) as { error?: unknown; error_description?: unknown };
    const what =
      typeof e.error === 'string'
        ? `${e.error}${typeof e.error_description === 'string' ? `: ${e.error_description}` : ''}`
        : 'no OAuth2 error in the answer';
    throw new TokenRequestError(
      `token endpoint ${key.tokenUri} answered HTTP ${res.status} (${what})`,
      res.status,
    );
  }
  const parsed = tokenSchema.safeParse(json);
  if (!parsed.success) {
    throw new TokenRequestError(`token endpoint ${key.tokenUri} answered without an access_token`, 502);
  }
  return { token: parsed.data.access_token, expiresAtS: nowS + (parsed.data.expires_in ?? 3600) };
}

/** Hands out a cached access token, fetching a new one when none is left or it is about to expire. */
export class TokenSource {
  private current: AccessToken | undefined;
  private pending: Promise<AccessToken> | undefined;

  constructor(
    private readonly key: ServiceAccountKey,
    private readonly scope: string = BIGQUERY_SCOPE,
    private readonly now: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  async token(): Promise<string> {
    const cur = this.current;
    if (cur && cur.expiresAtS - RENEW_MARGIN_S > this.now()) return cur.token;
    this.pending ??= fetchAccessToken(this.key, this.scope, { nowS: this.now() }).finally(() => {
      this.pending = undefined;
    });
    this.current = await this.pending;
    return this.current.token;
  }
}
