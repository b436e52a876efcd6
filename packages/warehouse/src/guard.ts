import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import { BigQueryError } from './errors.js';

/**
 * Who may drive the warehouse (see "Security: who can talk to it" in the README). Checked on every request before
 * routing: the Host header (DNS rebinding), the browser's Origin / Sec-Fetch-Site (cross-site requests) and, when the
 * server is exposed beyond loopback, a bearer token.
 */
export interface AccessPolicy {
  /** Refuse requests whose Host is not a loopback name (turned off when exposed: the token guards instead). */
  readonly loopbackHostOnly: boolean;
  /** Browser origins allowed to call (exact `scheme://host[:port]`); every other Origin is refused. */
  readonly allowOrigins: ReadonlySet<string>;
  /** When set, every request (except a CORS preflight) must carry `Authorization: Bearer <token>`. */
  readonly token?: string | undefined;
  /**
   * Token mode (OAuth access tokens from the warehouse's /token endpoint): when set, every API request must carry a
   * bearer token this accepts — or the static `token`, when both are configured.
   */
  readonly accessTokens?: { accepts(token: string): boolean } | undefined;
}

/** What an admitted request adds to its response: CORS headers, and whether it was a preflight (answered already). */
export interface Admission {
  readonly headers: Record<string, string>;
  readonly preflight: boolean;
}

const CORS_METHODS = 'GET, POST, PUT, PATCH, DELETE';
const CORS_HEADERS = 'authorization, content-type, x-goog-api-client, x-goog-user-project';
const TOKEN_RE = /^[A-Za-z0-9._~+/=-]{16,512}$/;

const forbidden = (message: string) => new BigQueryError('accessDenied', message);

/** True for the names of this machine's loopback interface: `localhost`, 127.0.0.0/8 and `::1`. */
export function isLoopbackAddress(host: string): boolean {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (h.toLowerCase() === 'localhost') return true;
  if (isIPv4(h)) return h.split('.')[0] === '127';
  if (!isIPv6(h)) return false;
  // URL parsing gives IPv6 its one canonical form: [::1], and [::ffff:7fxx:xxxx] for IPv4-mapped 127.0.0.0/8.
  const canonical = new URL(`http://[${h}]`).hostname;
  return canonical === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(canonical);
}

/**
 * A Host header naming loopback (`localhost`, `127.x.x.x`, `[::1]`), with any port or none. A page that DNS-rebinds
 * its own name to 127.0.0.1 still sends its own name, so the name is what matters; any port keeps SSH tunnels and
 * local proxies (which forward to the bound port under another one) working.
 */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  if (host === undefined) return false;
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/.exec(host);
  return m !== null && isLoopbackAddress(m[1]!);
}

/** An origin as browsers send it: `scheme://host[:port]`, lowercase, no path, no trailing slash. */
export function checkOrigin(origin: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(origin);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
    throw new Error(
      `"${origin.slice(0, 80)}" is not an origin: expected scheme://host[:port] (http or https), no path`,
    );
  }
  return origin;
}

/** A token usable in a header: 16-512 characters of the base64/URL-safe alphabet. */
export function checkToken(token: string): string {
  if (!TOKEN_RE.test(token)) {
    throw new Error('the access token must be 16-512 characters of letters, digits and ._~+/=-');
  }
  return token;
}

/** A fresh access token: 32 random bytes, base64url. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time comparison (hashes first, so the lengths of what is compared never differ). */
function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

const headerValue = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/**
 * Admits a request by Host and Origin / Sec-Fetch-Site or throws the BigQueryError to answer with (403
 * accessDenied). The token is checked after (see authorize), so that a preflight of an allowed origin is answered
 * without one (browsers send none) and an allowed page can read its 401 (the CORS headers are on it).
 */
export function admit(method: string, headers: IncomingHttpHeaders, policy: AccessPolicy): Admission {
  if (policy.loopbackHostOnly && !isLoopbackHostHeader(headers.host)) {
    throw forbidden(
      `Host "${printable(headers.host ?? '')}" is not allowed: this warehouse answers only localhost, 127.0.0.1 and [::1].`,
    );
  }
  const origin = headerValue(headers.origin);
  const cors: Record<string, string> = policy.allowOrigins.size > 0 ? { vary: 'Origin' } : {};
  if (origin !== undefined) {
    if (!policy.allowOrigins.has(origin)) {
      throw forbidden(
        `Origin "${printable(origin)}" is not allowed: start the warehouse with --allow-origin ${printable(origin)} to let that page call it.`,
      );
    }
    cors['access-control-allow-origin'] = origin;
  } else {
    const site = headerValue(headers['sec-fetch-site']);
    if (site === 'cross-site' || site === 'same-site') {
      throw forbidden(`A ${site} browser request is not allowed.`);
    }
  }
  if (
    method === 'OPTIONS' &&
    origin !== undefined &&
    headers['access-control-request-method'] !== undefined
  ) {
    return {
      preflight: true,
      headers: {
        ...cors,
        'access-control-allow-methods': CORS_METHODS,
        'access-control-allow-headers': CORS_HEADERS,
        'access-control-max-age': '600',
      },
    };
  }
  return { preflight: false, headers: cors };
}

/**
 * When the policy has a token or token mode: the request carries `Authorization: Bearer <token>` with the static token
 * or an access token the token endpoint issued, or this throws 401 authError.
 */
export function authorize(headers: IncomingHttpHeaders, policy: AccessPolicy): void {
  if (policy.token === undefined && policy.accessTokens === undefined) return;
  const auth = headerValue(headers.authorization);
  const m = auth === undefined ? null : /^Bearer +(\S+) *$/i.exec(auth);
  if (!m) {
    throw new BigQueryError(
      'authError',
      policy.accessTokens === undefined
        ? 'Request is missing the access token: send "Authorization: Bearer <token>" (printed when the warehouse started).'
        : 'Request is missing required authentication credential. Expected OAuth 2 access token (from the token_uri of a service-account key registered with the warehouse).',
    );
  }
  const given = m[1]!;
  const ok =
    (policy.token !== undefined && tokenMatches(given, policy.token)) ||
    (policy.accessTokens?.accepts(given) ?? false);
  if (!ok) throw new BigQueryError('authError', 'Invalid Credentials');
}

/**
 * The body's media type is JSON (`application/json`, optionally `; charset=utf-8`), as BigQuery's JSON endpoints
 * require; anything else (text/plain, forms: what a page can send without a preflight) is BigQuery's 400 badContent.
 */
export function checkJsonContentType(contentType: string | undefined): void {
  const [type, ...params] = (contentType ?? '').split(';').map((s) => s.trim().toLowerCase());
  const charsetOk = params.every((p) => !p.startsWith('charset=') || /^charset="?utf-8"?$/.test(p));
  if (type !== 'application/json' || !charsetOk) {
    throw new BigQueryError(
      'badContent',
      contentType
        ? `Unsupported content with type: ${printable(contentType)}`
        : 'Unsupported content: the request has a body but no Content-Type (expected application/json).',
    );
  }
}

/** The upload endpoint's media type: multipart/related with a boundary. Returns the boundary. */
export function multipartBoundary(contentType: string | undefined): string {
  const type = contentType ?? '';
  const m = /^multipart\/related\s*;(?:.*;)?\s*boundary="?([^";]+)"?/i.exec(type);
  if (!m) {
    throw new BigQueryError(
      'badContent',
      type
        ? `Unsupported content with type: ${printable(type)} (uploads must be multipart/related with a boundary)`
        : 'Unsupported content: uploads must be multipart/related with a boundary.',
    );
  }
  return m[1]!;
}

/** True when the request carries a body (a positive Content-Length or any Transfer-Encoding). */
export function hasBody(headers: IncomingHttpHeaders): boolean {
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
}

function printable(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 100 ? `${clean.slice(0, 100)}…` : clean;
}
