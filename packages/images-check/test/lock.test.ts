import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { EXIT_CODES } from '@data-pipeline/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// images/airflow-base/lock.mjs run as a subprocess (as the `lock` job of images.yml runs it) against a loopback
// server that answers PyPI's JSON API shape: no network.
const repoRoot = resolve(import.meta.dirname, '../../..');
const script = join(repoRoot, 'images/airflow-base/lock.mjs');
const h = (c: string) => c.repeat(64);

const releases: Record<string, { status?: number; body?: unknown }> = {
  '/pypi/Flask/0.11.1/json': {
    body: {
      info: { version: '0.11.1', yanked: false },
      urls: [
        { filename: 'Flask-0.11.1.tar.gz', digests: { sha256: h('b') } },
        { filename: 'Flask-0.11.1-py2.py3-none-any.whl', digests: { sha256: h('a') } },
      ],
    },
  },
  '/pypi/certifi/2024.7.4/json': {
    body: { info: { version: '2024.07.04' }, urls: [{ filename: 'c.whl', digests: { sha256: h('c') } }] },
  },
  '/pypi/old/1.0/json': {
    body: {
      info: { version: '1.0', yanked: true, yanked_reason: 'broken' },
      urls: [{ filename: 'o.whl', digests: { sha256: h('d') } }],
    },
  },
  '/pypi/nohash/1.0/json': { body: { info: { version: '1.0' }, urls: [{ filename: 'n.whl', digests: {} }] } },
  '/pypi/down/1.0/json': { status: 503 },
};
const hits: string[] = [];
let server: Server;
let index: string;
const work = mkdtempSync(join(tmpdir(), 'lock-test-'));

beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    const r = releases[req.url ?? ''];
    if (!r) {
      res.writeHead(404).end('{"message":"Not Found"}');
      return;
    }
    res.writeHead(r.status ?? 200, { 'content-type': 'application/json' }).end(JSON.stringify(r.body ?? {}));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  index = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((ok) => server.close(ok));
  rmSync(work, { recursive: true, force: true });
});

let n = 0;
const lock = async (constraints: string, extra: string[] = []) => {
  const dir = join(work, String(n++));
  const file = join(work, `c${n}.txt`);
  writeFileSync(file, constraints);
  const out = join(work, `out${n}.lock`);
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((ok) =>
    execFile(
      process.execPath,
      [script, '--constraints', file, '--out', out, '--index-url', index, ...extra],
      (err, stdout, stderr) => ok({ code: err ? Number(err.code) : 0, stdout, stderr }),
    ),
  );
  let text: string | undefined;
  try {
    text = readFileSync(out, 'utf8');
  } catch {
    text = undefined;
  }
  return { ...r, out, text, dir };
};

describe.concurrent('lock.mjs', () => {
  it('writes one line per pin with the sorted sha256 of every file of that release', async () => {
    const r = await lock('# comment\nFlask==0.11.1   # why\ncertifi==2024.7.4\n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`lock: ${r.out}: 2 pins, 3 file hashes from ${index}\n`);
    const lines = r.text!.split('\n');
    expect(lines[0]).toMatch(/^# Generated from c\d+\.txt by images\/airflow-base\/lock\.mjs/);
    expect(lines.slice(2)).toEqual([
      `Flask==0.11.1 --hash=sha256:${h('a')} --hash=sha256:${h('b')}`,
      `certifi==2024.7.4 --hash=sha256:${h('c')}`,
      '',
    ]);
  });

  it('--pending writes the pins without hashes and fetches nothing', async () => {
    // A name no other (concurrent) test locks: any request for it would be this run's.
    const r = await lock('Pending-Only==9.9.9\n', ['--pending']);
    expect(r.code).toBe(0);
    expect(hits.filter((u) => /pending-only/i.test(u))).toEqual([]);
    expect(r.text).toMatch(/^# hashes: pending/m);
    expect(r.text!.trimEnd().split('\n').at(-1)).toBe('Pending-Only==9.9.9');
  });

  it('warns about a yanked release but locks it (pip installs exact pins of yanked releases)', async () => {
    const r = await lock('old==1.0\n');
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('lock: warning: old==1.0 is yanked on the index (broken)\n');
  });

  it.each([
    [
      'a range instead of a pin',
      'Flask>=0.11\n',
      EXIT_CODES['invalid-input'],
      /^lock: c\d+\.txt:1: not an exact pin name==version: Flask>=0\.11\n$/,
    ],
    [
      'a pin twice',
      'Flask==0.11.1\nflask==0.11.1\n',
      EXIT_CODES['invalid-input'],
      /:2: flask is pinned twice\n$/,
    ],
    ['nothing pinned', '# empty\n', EXIT_CODES['invalid-input'], /pins nothing\n$/],
    [
      'a release the index lacks',
      'Flask==9.9.9\n',
      EXIT_CODES['invalid-input'],
      /Flask==9\.9\.9: the index has no such release \(.* → 404\)\n$/,
    ],
    [
      'a file without sha256',
      'nohash==1.0\n',
      EXIT_CODES['invalid-input'],
      /nohash==1\.0: file n\.whl has no sha256 digest\n$/,
    ],
    [
      'an index answering 503',
      'down==1.0\n',
      EXIT_CODES.transient,
      /down==1\.0: the index did not answer \(.* → HTTP 503\)\n$/,
    ],
  ])(
    'refuses %s: one line, the documented exit code, no lock written',
    async (_label, constraints, code, message) => {
      const r = await lock(constraints);
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.split('\n').length).toBe(2);
      expect(r.text).toBeUndefined();
      expect(readdirSync(work).filter((f) => f.includes('.tmp-'))).toEqual([]);
    },
  );

  it('refuses bad usage with 64', async () => {
    for (const args of [
      ['--nope'],
      ['--constraints'],
      ['--constraints', 'x'],
      ['--constraints', 'x', '--out', 'y', '--index-url', 'ftp://x'],
    ]) {
      const r = await new Promise<{ code: number; stderr: string }>((ok) =>
        execFile(process.execPath, [script, ...args], (err, _o, stderr) =>
          ok({ code: err ? Number(err.code) : 0, stderr }),
        ),
      );
      expect(r.code, args.join(' ')).toBe(EXIT_CODES.usage);
      expect(r.stderr).toMatch(/^lock: .+\n$/);
    }
  });

  it('keeps the old lock when a run fails (temp file + rename)', async () => {
    const ok = await lock('Flask==0.11.1\n');
    const file = join(work, 'again.txt');
    writeFileSync(file, 'down==1.0\n');
    const r = await new Promise<number>((done) =>
      execFile(
        process.execPath,
        [script, '--constraints', file, '--out', ok.out, '--index-url', index],
        (err) => done(err ? Number(err.code) : 0),
      ),
    );
    expect(r).toBe(EXIT_CODES.transient);
    expect(readFileSync(ok.out, 'utf8')).toBe(ok.text);
  });
});
