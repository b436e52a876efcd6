/**
 * Issue 12 item 1 through the real CLIs (subprocesses): SQL given to `dp query` and to a `dp run` BigQueryOperator step
 * cannot read host files, and `dp warehouse serve --load-dir` limits load jobs to the directories it names. Each
 * process gets a fresh HOME and TMPDIR; afterwards neither holds anything DuckDB wrote (~/.duckdb) and the target
 * files are untouched.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { embeddedWarehouseAvailable } from '@data-pipeline/local';
import { afterAll, describe, expect, it } from 'vitest';
import { DP, type DpResult, runDp } from './support/dp.js';

const _repo = join(import.meta.dirname, '..', '..', '..');
const FIXTURE = join(import.meta.dirname, 'fixtures', 'sandbox-read-host-file.yaml');
const SECRET = 'cli-secret-marker-91ab';

const tmp = mkdtempSync(join(tmpdir(), 'dp-sandbox-'));
const home = join(tmp, 'home');
const tmpDir = join(tmp, 'tmp');
const outside = join(tmp, 'outside');
const allowed = join(tmp, 'allowed');
for (const d of [home, tmpDir, outside, allowed]) mkdirSync(d);
writeFileSync(join(outside, 'secret.csv'), `name,n\n${SECRET},1\n`);
writeFileSync(join(allowed, 'rows.csv'), 'name,n\nok,1\n');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const env = { PATH: process.env.PATH ?? '', HOME: home, TMPDIR: tmpDir, CI: '1' };

function dp(args: string[]): Promise<DpResult> {
  return runDp(args, { cwd: tmp, env });
}

const listing = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((e) => join(e.parentPath, e.name).slice(dir.length))
    .sort();

const ready = await embeddedWarehouseAvailable();
if (!ready) console.warn('dp sandbox tests skipped: the embedded warehouse is not built');

describe.skipIf(!ready)('SQL through the CLIs cannot reach the host', () => {
  let n = 0;
  const dataDir = () => ['--data-dir', join(tmp, `data-${n++}`)];

  it('dp query refuses file, URL, extension and config access with one line and exit 65', async () => {
    const secret = join(outside, 'secret.csv');
    const attempts: [string, RegExp][] = [
      [`SELECT * FROM read_csv('${secret}')`, /Function not found: read_csv at \[1:15\]/],
      ["SELECT content FROM read_text('/etc/passwd')", /Function not found: read_text at \[1:21\]/],
      [`SELECT * FROM '${secret}'`, /Syntax error: Unexpected string literal/],
      [`COPY (SELECT 1) TO '${outside}/copied.csv'`, /Syntax error: Unexpected identifier "COPY"/],
      ['SELECT * FROM duckdb_settings()', /Function not found: duckdb_settings/],
    ];
    const results = await Promise.all(attempts.map(([sql]) => dp(['query', sql, ...dataDir(), '--create'])));
    results.forEach((r, i) => {
      const [sql, message] = attempts[i]!;
      expect(r.code, `${sql}: ${r.stderr}`).toBe(65);
      expect(r.stderr).toMatch(/^dp query: /);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).not.toContain(SECRET);
    });
    expect(listing(outside)).toEqual(['/secret.csv']);
    expect(listing(home)).toEqual([]);
  });

  it('a dp run BigQueryOperator step whose SQL reads a host file fails with the refusal', async () => {
    const r = await dp(['run', FIXTURE, '-p', `target=${join(outside, 'secret.csv')}`, ...dataDir()]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/read-host-file\s+Failed/);
    expect(r.stdout + r.stderr).toMatch(/invalidQuery: Function not found: read_text at \[2:21\]/);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(listing(home)).toEqual([]);
  });
});

describe.skipIf(!ready)('dp warehouse serve --load-dir', () => {
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  });

  /** Starts `dp warehouse serve`, resolves with its URL once it prints the listening line. */
  function serve(args: string[]): Promise<{ url: string; child: ChildProcess }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [DP, 'warehouse', 'serve', '--port', '0', ...args], {
        cwd: tmp,
        env,
      });
      children.push(child);
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve({ url: m[1]!, child });
      });
      child.stderr.on('data', (d) => (err += d));
      child.on('close', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
    });
  }

  it('loads from a --load-dir folder and refuses a file elsewhere (accessDenied)', async () => {
    const { url, child } = await serve(['--in-memory', '--load-dir', allowed]);
    const P = `${url}/bigquery/v2/projects/local-project`;
    const post = async (path: string, body: object) =>
      (await fetch(`${P}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json())) as { status?: { errorResult?: { reason: string; message: string } } };
    await post('/datasets', { datasetReference: { datasetId: 'ds' } });
    const load = (file: string, table: string) =>
      post('/jobs', {
        configuration: {
          load: {
            sourceUris: [pathToFileURL(file).href],
            sourceFormat: 'CSV',
            skipLeadingRows: 1,
            destinationTable: { datasetId: 'ds', tableId: table },
          },
        },
      });
    const ok = await load(join(allowed, 'rows.csv'), 'ok');
    expect(ok.status?.errorResult).toBeUndefined();
    const denied = await load(join(outside, 'secret.csv'), 'denied');
    expect(denied.status?.errorResult?.reason).toBe('accessDenied');
    expect(denied.status?.errorResult?.message).toContain('secret.csv');
    expect(JSON.stringify(denied)).not.toContain(SECRET);
    child.kill('SIGTERM');
    await new Promise((done) => child.once('close', done));
  });

  it('a --load-dir that is not a directory: one line, exit 78', async () => {
    const r = await dp(['warehouse', 'serve', '--in-memory', '--port', '0', '--load-dir', join(tmp, 'nope')]);
    expect(r.code).toBe(78);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^dp warehouse serve: load dir .*nope is not a directory$/m);
  });
});
