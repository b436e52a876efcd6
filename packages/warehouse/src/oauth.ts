import { createHash, randomBytes, verify } from 'node:crypto';
import type { RegisteredKey } from './service-account.js';

/**
 * The warehouse's OAuth 2.0 token endpoint for service accounts (RFC 7523 JWT-bearer grant, what oauth2client and
 * google-auth-library send to a key's `token_uri`) and the access tokens it issues. Pure: the server hands it the
 * form and the URL the request reached, and sends what it answers.
 */

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** Google's limit on a grant's lifetime (exp - iat), and the lifetime of the access tokens it issues. */
const MAX_ASSERTION_SECONDS = 3600;
const DEFAULT_TOKEN_SECONDS = 3600;
/** Clock skew tolerated on iat/exp (clients and this server may disagree a little). */
const SKEW_SECONDS = 30;
const MAX_ASSERTION_BYTES = 16 * 1024;

/** What the token endpoint answers: 200 with a token, or Google's OAuth error body (400 / 401). */
export interface TokenAnswer {
  status: number;
  body:
    | { access_token: string; token_type: 'Bearer'; expires_in: number }
    | { error: string; error_description: string };
}

export interface TokenAuthorityOptions {
  /** Lifetime of issued access tokens (default 3600 s, as Google's). */
  tokenLifetimeSeconds?: number;
  /** Seconds since the epoch (tests move the clock). */
  now?: () => number;
}

const oauthError = (status: number, error: string, description: string): TokenAnswer => ({
  status,
  body: { error, error_description: description },
});
const invalidGrant = (description: string) => oauthError(400, 'invalid_grant', description);
const TIMEFRAME =
  'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.';

const digest = (token: string) => createHash('sha256').update(token).digest('base64url');

/** Registered keys and issued access tokens; `exchange` is the token endpoint, `accepts` the API's check. */
export class TokenAuthority {
  private readonly keys = new Map<string, RegisteredKey>();
  /** Issued tokens by their SHA-256 (the tokens themselves are not kept) → expiry (epoch seconds). */
  private readonly issued = new Map<string, number>();
  private readonly lifetime: number;
  private readonly now: () => number;

  constructor(keys: readonly RegisteredKey[] = [], opts: TokenAuthorityOptions = {}) {
    for (const key of keys) this.register(key);
    this.lifetime = opts.tokenLifetimeSeconds ?? DEFAULT_TOKEN_SECONDS;
    this.now = opts.now ?? (() => Date.now() / 1000);
  }

  /** Trusts `key` to sign grants (a later key with the same id replaces the earlier one). */
  register(key: RegisteredKey): void {
    this.keys.set(key.keyId, key);
  }

  get keyCount(): number {
    return this.keys.size;
  }

  /**
   * The token endpoint: `form` is the request's urlencoded body, `audiences` the URLs the request reached (the
   * assertion's `aud` must name one: the key's token_uri is where the client sent it).
   */
  exchange(form: URLSearchParams, audiences: readonly string[]): TokenAnswer {
    const grant = form.get('grant_type');
    if (grant === null) return oauthError(400, 'invalid_request', 'Missing required parameter: grant_type');
    if (grant !== JWT_BEARER_GRANT) {
      return oauthError(400, 'unsupported_grant_type', `Invalid grant_type: ${printable(grant)}`);
    }
    const assertion = form.get('assertion');
    if (assertion === null || assertion === '') {
      return oauthError(400, 'invalid_request', 'Missing required parameter: assertion');
    }
    const checked = this.checkAssertion(assertion, audiences);
    if ('error' in checked) return checked.error;
    return {
      status: 200,
      body: { access_token: this.issue(), token_type: 'Bearer', expires_in: this.lifetime },
    };
  }

  /**
   * A new access token (32 random bytes), valid for the token lifetime. The token endpoint's, and in-process callers'
   * that hold the warehouse itself (e.g. a CLI seeding the warehouse it started) and so need no grant.
   */
  issue(): string {
    const token = `wh.${randomBytes(32).toString('base64url')}`;
    const now = this.now();
    this.forgetExpired(now);
    this.issued.set(digest(token), now + this.lifetime);
    return token;
  }

  /** True for an access token this authority issued that has not expired. */
  accepts(token: string): boolean {
    const expires = this.issued.get(digest(token));
    return expires !== undefined && expires > this.now();
  }

  private checkAssertion(
    assertion: string,
    audiences: readonly string[],
  ): { ok: true } | { error: TokenAnswer } {
    const fail = (description: string) => ({ error: invalidGrant(description) });
    if (assertion.length > MAX_ASSERTION_BYTES) return fail('Invalid JWT: the assertion is too long.');
    const parts = assertion.split('.');
    if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) {
      return fail('Invalid JWT: the assertion is not three base64url segments.');
    }
    const header = decodeJson(parts[0]!);
    const claims = decodeJson(parts[1]!);
    if (!header || !claims) return fail('Invalid JWT: the header or claim set is not base64url JSON.');
    if (header.alg !== 'RS256')
      return fail(`Invalid JWT: unsupported algorithm ${printable(String(header.alg))}, expected RS256.`);
    // The key: by the header's kid (what Google's libraries send), else by the issuer.
    const key =
      typeof header.kid === 'string'
        ? this.keys.get(header.kid)
        : [...this.keys.values()].find((k) => k.clientEmail === claims.iss);
    if (!key) return fail('Invalid grant: account not found');
    const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
    if (!verify('sha256', signed, key.publicKey, Buffer.from(parts[2]!, 'base64url'))) {
      return fail('Invalid JWT Signature.');
    }
    if (claims.iss !== key.clientEmail) {
      return fail("Invalid JWT: the issuer (iss) is not the key's client_email.");
    }
    if (typeof claims.aud !== 'string' || !audiences.includes(claims.aud)) {
      return fail(
        `Invalid JWT: the audience (aud) must be this token endpoint, ${audiences[0] ?? ''} (the key's token_uri).`,
      );
    }
    const { iat, exp } = claims;
    const now = this.now();
    if (
      typeof iat !== 'number' ||
      typeof exp !== 'number' ||
      iat > now + SKEW_SECONDS ||
      exp <= now - SKEW_SECONDS ||
      exp <= iat ||
      exp - iat > MAX_ASSERTION_SECONDS
    ) {
      return fail(TIMEFRAME);
    }
    return { ok: true };
  }

  private forgetExpired(now: number): void {
    for (const [hash, expires] of this.issued) if (expires <= now) this.issued.delete(hash);
  }
}

function decodeJson(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function printable(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 60 ? `${clean.slice(0, 60)}…` : clean;
}
