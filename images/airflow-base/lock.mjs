#!/usr/bin/env node
// Hash lock of images/airflow-base: the exact pins of a constraints file, each with the sha256 of every file the
// package index serves for that release, in pip's `--require-hashes` format (one requirement per line).
//
//   node images/airflow-base/lock.mjs --constraints FILE --out FILE [--index-url URL] [--pending]
//
// Reads `<index-url>/pypi/<name>/<version>/json` (PyPI's JSON API; default https://pypi.org) for every pin. With
// --pending nothing is fetched: the lock is written without hashes and says so in its header (pip refuses it under
// --require-hashes, which is the point: a build never runs unverified). The lock is written to a temporary name and
// renamed, so a failed run leaves the old file untouched. Dependency-free on purpose (runs before any npm install,
// like images/matrix.mjs). Exit codes are the runner's table (packages/runner/src/exit-codes.ts): 64 bad usage,
// 65 a constraint that is not an exact pin or a release the index does not have, 75 the index unreachable or 5xx.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXIT_USAGE = 64;
export const EXIT_INVALID_INPUT = 65;
export const EXIT_TRANSIENT = 75;

class UsageError extends Error {}
class InputError extends Error {}
class TransientError extends Error {}

const PIN = /^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!_-]+)$/;
const SHA256 = /^[0-9a-f]{64}$/;
const PARALLEL = 8;
const ATTEMPTS = 3;
const TIMEOUT_MS = 30_000;

export const PENDING_MARK = '# hashes: pending';

/** `2024.07.04` and `2024.7.4` are the same release (PEP 440 drops leading zeros). */
const canonVersion = (v) =>
  v
    .split('.')
    .map((p) => (/^\d+$/.test(p) ? String(Number(p)) : p.toLowerCase()))
    .join('.');

/** PEP 503 name normalization. */
export const normalize = (name) => name.toLowerCase().replace(/[-_.]+/g, '-');

export function parseArgs(argv) {
  const opts = { constraints: undefined, out: undefined, indexUrl: 'https://pypi.org', pending: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const [flag, inline] = eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--constraints') opts.constraints = value();
    else if (flag === '--out') opts.out = value();
    else if (flag === '--index-url') opts.indexUrl = value().replace(/\/+$/, '');
    else if (flag === '--pending' && inline === undefined) opts.pending = true;
    else
      throw new UsageError(
        `unknown argument ${arg} (usage: lock.mjs --constraints FILE --out FILE [--index-url URL] [--pending])`,
      );
  }
  if (!opts.constraints) throw new UsageError('--constraints FILE is required');
  if (!opts.out) throw new UsageError('--out FILE is required');
  if (!/^https?:\/\/[^\s/]+/.test(opts.indexUrl))
    throw new UsageError(`--index-url ${opts.indexUrl} is not an http(s) URL`);
  return opts;
}

/** The exact pins of a constraints file, in file order; an InputError names the first line that is not one. */
export function parseConstraints(text, source) {
  const pins = [];
  const seen = new Set();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (!line) return;
    const m = line.match(PIN);
    if (!m) throw new InputError(`${source}:${i + 1}: not an exact pin name==version: ${line}`);
    const key = normalize(m[1]);
    if (seen.has(key)) throw new InputError(`${source}:${i + 1}: ${m[1]} is pinned twice`);
    seen.add(key);
    pins.push({ name: m[1], version: m[2] });
  });
  if (pins.length === 0) throw new InputError(`${source}: pins nothing`);
  return pins;
}

/** The lock text: a header, then `name==version --hash=sha256:…` per pin (no hashes when pending). */
export function renderLock(entries, { source, pending }) {
  const header = [
    `# Generated from ${source} by images/airflow-base/lock.mjs: do not edit (edit ${source}, regenerate).`,
    pending
      ? `${PENDING_MARK}: no package index was reachable when this was written; pip refuses it under --require-hashes.`
      : '# hashes: sha256 of every file the index serves for each release (pip accepts whichever it downloads).',
  ];
  const lines = entries.map(({ name, version, hashes }) =>
    [`${name}==${version}`, ...(pending ? [] : hashes.map((h) => `--hash=sha256:${h}`))].join(' '),
  );
  return `${[...header, ...lines].join('\n')}\n`;
}

async function fetchRelease(pin, indexUrl, fetchImpl) {
  const url = `${indexUrl}/pypi/${encodeURIComponent(pin.name)}/${encodeURIComponent(pin.version)}/json`;
  let lastProblem = '';
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    let res;
    try {
      res = await fetchImpl(url, {
        signal: AbortSignal.timeout(TIMEOUT_MS),
        headers: { accept: 'application/json' },
      });
    } catch (e) {
      lastProblem = `${url}: ${e.cause?.code ?? e.cause?.errors?.[0]?.code ?? e.cause?.message ?? e.message}`;
      continue;
    }
    if (res.status === 404)
      throw new InputError(`${pin.name}==${pin.version}: the index has no such release (${url} → 404)`);
    if (res.status >= 500 || res.status === 429) {
      lastProblem = `${url} → HTTP ${res.status}`;
      await res.body?.cancel();
      continue;
    }
    if (!res.ok) throw new InputError(`${pin.name}==${pin.version}: ${url} → HTTP ${res.status}`);
    let body;
    try {
      body = await res.json();
    } catch {
      throw new InputError(`${pin.name}==${pin.version}: ${url} did not answer JSON`);
    }
    return body;
  }
  throw new TransientError(`${pin.name}==${pin.version}: the index did not answer (${lastProblem})`);
}

/** One pin's release: the sha256 of each file, sorted; warns on a yanked release (pip still installs exact pins). */
export async function lockPin(pin, { indexUrl, fetchImpl, warn }) {
  const body = await fetchRelease(pin, indexUrl, fetchImpl);
  const files = Array.isArray(body?.urls) ? body.urls : undefined;
  if (!files) throw new InputError(`${pin.name}==${pin.version}: the index answer has no "urls" list`);
  const version = String(body?.info?.version ?? '');
  if (version && canonVersion(version) !== canonVersion(pin.version)) {
    throw new InputError(`${pin.name}==${pin.version}: the index answered version ${version}`);
  }
  if (files.length === 0) throw new InputError(`${pin.name}==${pin.version}: the release has no files`);
  const hashes = [];
  for (const f of files) {
    const h = f?.digests?.sha256;
    if (typeof h !== 'string' || !SHA256.test(h)) {
      throw new InputError(`${pin.name}==${pin.version}: file ${f?.filename ?? '?'} has no sha256 digest`);
    }
    hashes.push(h);
  }
  if (body?.info?.yanked)
    warn(
      `${pin.name}==${pin.version} is yanked on the index (${body.info.yanked_reason ?? 'no reason given'})`,
    );
  return { ...pin, hashes: [...new Set(hashes)].sort() };
}

async function mapLimit(items, limit, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function main(argv, { stdout, stderr, fetchImpl = fetch }) {
  try {
    const opts = parseArgs(argv);
    let text;
    try {
      text = readFileSync(opts.constraints, 'utf8');
    } catch (e) {
      throw new InputError(`cannot read ${opts.constraints} (${e.code ?? e.message})`);
    }
    const source = basename(opts.constraints);
    const pins = parseConstraints(text, source);
    const warn = (line) => stderr.write(`lock: warning: ${line}\n`);
    const entries = opts.pending
      ? pins.map((p) => ({ ...p, hashes: [] }))
      : await mapLimit(pins, PARALLEL, (p) => lockPin(p, { indexUrl: opts.indexUrl, fetchImpl, warn }));
    const tmp = `${opts.out}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, renderLock(entries, { source, pending: opts.pending }));
      renameSync(tmp, opts.out);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw new InputError(`cannot write ${opts.out} (${e.code ?? e.message})`);
    }
    const files = entries.reduce((n, e) => n + e.hashes.length, 0);
    stdout.write(
      opts.pending
        ? `lock: ${opts.out}: ${entries.length} pins, hashes pending\n`
        : `lock: ${opts.out}: ${entries.length} pins, ${files} file hashes from ${opts.indexUrl}\n`,
    );
    return 0;
  } catch (e) {
    const code =
      e instanceof UsageError
        ? EXIT_USAGE
        : e instanceof InputError
          ? EXIT_INVALID_INPUT
          : e instanceof TransientError
            ? EXIT_TRANSIENT
            : undefined;
    if (code === undefined) throw e;
    stderr.write(`lock: ${e.message}\n`);
    return code;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
}
