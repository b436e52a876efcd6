import type { ConnectionSpec } from './operator.js';

/**
 * Airflow 1.8.2's `Connection.parse_from_uri` (models.py), field for field, on top of the parts of Python's
 * `urllib.parse.urlparse` it reads. Nothing is percent-decoded: 1.8.2 stores `p%40ss` as the password `p%40ss`; the
 * only rewrite is `%2f`/`%2F` → `/` in the host, and only when the (partly lower-cased) host contains `%2f`.
 * The native engine and real Airflow therefore see the same connection from the same `AIRFLOW_CONN_*` value or file.
 */

/** Schemes whose last path segment loses its `;params` in `urlparse` (Python's `uses_params`). */
const USES_PARAMS = new Set([
  'ftp',
  'hdl',
  'prospero',
  'http',
  'imap',
  'https',
  'shttp',
  'rtsp',
  'rtspu',
  'sip',
  'sips',
  'mms',
  'sftp',
  'tel',
]);

/** A URI the runner accepts as a connection: `scheme://…` with Python's scheme characters. */
const URI_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s;

/** What went wrong, without quoting the URI (it may hold a password). */
export class ConnectionUriError extends Error {}

/** `str.partition` */
function partition(text: string, sep: string): [string, boolean, string] {
  const i = text.indexOf(sep);
  return i < 0 ? [text, false, ''] : [text.slice(0, i), true, text.slice(i + sep.length)];
}

/** `str.rpartition` */
function rpartition(text: string, sep: string): [string, boolean, string] {
  const i = text.lastIndexOf(sep);
  return i < 0 ? ['', false, text] : [text.slice(0, i), true, text.slice(i + sep.length)];
}

/** `urlparse`'s `_splitparams`: drops `;params` from the last path segment. */
function withoutParams(path: string): string {
  const from = path.includes('/') ? path.lastIndexOf('/') : 0;
  if (path.indexOf(';', from) < 0) return path;
  return path.slice(0, path.indexOf(';'));
}

/**
 * Parses `uri` as 1.8.2 does. Returns undefined when the text is not `scheme://…` (1.8.2 would make a connection with
 * an empty conn_type out of it; the runner refuses it instead). Throws ConnectionUriError for what makes 1.8.2 raise:
 * unbalanced IPv6 brackets, a port that is not an integer 0-65535.
 */
export function parseConnectionUri(connId: string, uri: string): ConnectionSpec | undefined {
  // Python's urlsplit strips leading C0 controls/spaces and removes tab, CR and LF anywhere.
  let start = 0;
  while (start < uri.length && uri.charCodeAt(start) <= 0x20) start++;
  const text = uri.slice(start).replace(/[\t\r\n]/g, '');
  const m = URI_RE.exec(text);
  if (!m) return undefined;
  const scheme = (m[1] ?? '').toLowerCase();
  let rest = m[2] ?? '';
  const cut = rest.search(/[/?#]/);
  const netloc = cut < 0 ? rest : rest.slice(0, cut);
  rest = cut < 0 ? '' : rest.slice(cut);
  if (netloc.includes('[') !== netloc.includes(']')) throw new ConnectionUriError('invalid IPv6 host');
  let path = partition(partition(rest, '#')[0], '?')[0];
  if (USES_PARAMS.has(scheme)) path = withoutParams(path);

  const [userinfo, hasUserinfo, hostinfo] = rpartition(netloc, '@');
  let login: string | undefined;
  let password: string | undefined;
  if (hasUserinfo) {
    const [user, hasPassword, pass] = partition(userinfo, ':');
    login = user;
    // 1.8.2's password setter stores only a truthy value: `u:@h` has no password.
    if (hasPassword && pass !== '') password = pass;
  }
  let hostname: string;
  let portText: string;
  const [, hasBracket, bracketed] = partition(hostinfo, '[');
  if (hasBracket) {
    const [h, , afterBracket] = partition(bracketed, ']');
    hostname = h;
    portText = partition(afterBracket, ':')[2];
  } else {
    [hostname, , portText] = partition(hostinfo, ':');
  }
  // `hostname` lower-cases up to the first `%` only (an IPv6 zone keeps its case), then 1.8.2 maps `%2f`.
  const [beforeZone, hasPercent, zone] = partition(hostname, '%');
  let host = beforeZone.toLowerCase() + (hasPercent ? `%${zone}` : '');
  if (host.includes('%2f')) host = host.replaceAll('%2f', '/').replaceAll('%2F', '/');
  let port: number | undefined;
  if (portText !== '') {
    if (!/^[0-9]+$/.test(portText) || Number(portText) > 65535) {
      throw new ConnectionUriError('the port is not an integer 0-65535');
    }
    port = Number(portText);
  }
  return {
    connId,
    connType: scheme === 'postgresql' ? 'postgres' : scheme,
    host,
    schema: path.slice(1),
    ...(login !== undefined ? { login } : {}),
    ...(password !== undefined ? { password } : {}),
    ...(port !== undefined ? { port } : {}),
  };
}
