import { PythonException } from './errors.js';

/** The fields `Connection.parse_from_uri` (1.8.2) derives from a URI — the query string is ignored. */
export interface UriFields {
  conn_type: string;
  host: string;
  schema: string;
  login: string | null;
  password: string | null;
  port: number | null;
}

const SCHEME_CHARS = /^[A-Za-z0-9+\-.]+$/;

/** Python 3.6 `urllib.parse.urlsplit` + the properties parse_from_uri reads. */
export function parseConnUri(uri: string): UriFields {
  let rest = uri;
  let scheme = '';
  const colon = rest.indexOf(':');
  if (colon > 0 && SCHEME_CHARS.test(rest.slice(0, colon))) {
    const after = rest.slice(colon + 1);
    if (!after || !/^\d+$/.test(after)) {
      scheme = rest.slice(0, colon).toLowerCase();
      rest = after;
    }
  }
  let netloc = '';
  if (rest.startsWith('//')) {
    const body = rest.slice(2);
    const end = body.search(/[/?#]/);
    netloc = end < 0 ? body : body.slice(0, end);
    rest = end < 0 ? '' : body.slice(end);
  }
  const hashAt = rest.indexOf('#');
  if (hashAt >= 0) rest = rest.slice(0, hashAt);
  const queryAt = rest.indexOf('?');
  const path = queryAt >= 0 ? rest.slice(0, queryAt) : rest;

  const at = netloc.lastIndexOf('@');
  const userinfo = at >= 0 ? netloc.slice(0, at) : undefined;
  const hostport = at >= 0 ? netloc.slice(at + 1) : netloc;
  let login: string | null = null;
  let password: string | null = null;
  if (userinfo !== undefined) {
    const c = userinfo.indexOf(':');
    login = c >= 0 ? userinfo.slice(0, c) : userinfo;
    password = c >= 0 ? userinfo.slice(c + 1) : null;
  }
  let hostname: string;
  let portText: string | undefined;
  const bracket = /^\[([^\]]*)\](?::(.*))?$/.exec(hostport);
  if (bracket) {
    hostname = bracket[1]!;
    portText = bracket[2];
  } else {
    const c = hostport.indexOf(':');
    hostname = c >= 0 ? hostport.slice(0, c) : hostport;
    portText = c >= 0 ? hostport.slice(c + 1) : undefined;
  }
  let port: number | null = null;
  if (portText !== undefined && portText !== '') {
    if (!/^\s*[-+]?\d+\s*$/.test(portText)) {
      throw new PythonException('ValueError', `invalid literal for int() with base 10: '${portText}'`);
    }
    port = Number(portText);
    if (port < 0 || port > 65535) throw new PythonException('ValueError', 'Port out of range 0-65535');
  }
  let host = hostname.toLowerCase();
  if (host.includes('%2f')) host = host.replace(/%2f/g, '/');
  return {
    conn_type: scheme === 'postgresql' ? 'postgres' : scheme,
    host,
    schema: path.slice(1),
    login,
    password,
    port,
  };
}
