import { invalid } from './errors.js';

/** Where a request goes: its path segments (each percent-decoded on its own) and its query parameters. */
export interface RequestPath {
  /** Under `/upload/bigquery/v2` (media uploads). */
  upload: boolean;
  segments: string[];
  query: Record<string, string>;
}

const PREFIXES = ['/upload/bigquery/v2', '/bigquery/v2'];

/**
 * Splits the raw request target. The path is split on `/` BEFORE percent-decoding, and nothing is normalised: no `.`
 * or `..` resolution (WHATWG URL parsing would turn `tables/%2e%2e` into the dataset), no merging of empty segments,
 * so `%2F` stays inside its segment and every segment reaches the id rules exactly as the client sent it.
 */
export function parseRequestPath(target: string): RequestPath {
  if (!target.startsWith('/')) throw invalid('The request target must be an absolute path.');
  const q = target.indexOf('?');
  let path = q < 0 ? target : target.slice(0, q);
  const query: Record<string, string> = {};
  if (q >= 0) for (const [k, v] of new URLSearchParams(target.slice(q + 1))) query[k] = v;
  let upload = false;
  for (const prefix of PREFIXES) {
    if (path === prefix || path.startsWith(`${prefix}/`)) {
      upload = prefix.startsWith('/upload/');
      path = path.slice(prefix.length);
      break;
    }
  }
  // One trailing slash is tolerated (`/projects/p/datasets/`); anything else empty is kept and fails the route.
  if (path.endsWith('/')) path = path.slice(0, -1);
  const raw = path === '' ? [] : path.slice(1).split('/');
  const segments = raw.map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw invalid('Malformed percent-encoding in the request path.');
    }
  });
  return { upload, segments, query };
}
