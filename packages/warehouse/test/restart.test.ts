import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { clientFor, raw } from './helpers.js';

const DP = join(dirname(fileURLToPath(import.meta.url)), '../../cli/bin/dp.js');
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** Spawns `dp warehouse serve` and resolves with its URL once it prints the listening line. */
function serve(dataDir: string): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [DP, 'warehouse', 'serve', '--port', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[0], output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`dp warehouse serve exited early (${code}):\n${out}`));
    });
  });
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });

describe('restart after kill', () => {
  it('a server killed mid-job loses no committed job and restarts cleanly', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wh-restart-'));
    dirs.push(dir);
    const first = await serve(dir);
    const bq = clientFor(first.url);
    await bq.createDataset('keep', { description: 'survives' });
    await bq.dataset('keep').createTable('t', {
      schema: [{ name: 'n', type: 'INTEGER' }],
      timePartitioning: { type: 'DAY' },
    });
    await bq
      .dataset('keep')
      .table('t')
      .insert([{ n: 1 }, { n: 2 }, { n: 3 }]);
    const [done] = await bq.createQueryJob({
      query: 'SELECT n * 10 AS m FROM keep.t',
      destination: bq.dataset('keep').table('out$20261120'),
      jobId: 'committed_job',
    });
    expect(done.metadata.status.state).toBe('DONE');
    // a small result (stored with its job record, int64 timestamps) must come back in every timestamp form
    await bq.createQueryJob({
      query: "SELECT TIMESTAMP '2026-11-20 10:00:00+00' AS ts, [TIMESTAMP '2026-11-20 10:00:01+00'] AS tss",
      jobId: 'small_select',
    });

    // a long job, killed while it runs
    const long = raw(first.url, 'POST', '/bigquery/v2/projects/local-project/jobs', {
      jobReference: { jobId: 'killed_job' },
      configuration: {
        query: {
          query:
            'SELECT a * b AS p FROM UNNEST(GENERATE_ARRAY(1, 2500)) AS a CROSS JOIN UNNEST(GENERATE_ARRAY(1, 2500)) AS b',
          useLegacySql: false,
          destinationTable: { projectId: 'local-project', datasetId: 'keep', tableId: 'big' },
        },
      },
    }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    first.child.kill('SIGKILL');
    await exited(first.child);
    await long;

    const second = await serve(dir);
    const bq2 = clientFor(second.url);
    const [ds] = await bq2.dataset('keep').getMetadata();
    expect(ds.description).toBe('survives');
    const [rows] = await bq2.query('SELECT SUM(n) AS s, COUNT(*) AS c FROM keep.t');
    expect(rows).toEqual([{ s: 6, c: 3 }]);
    const [out] = await bq2.query('SELECT m FROM keep.out WHERE _PARTITIONDATE = "2026-11-20" ORDER BY m');
    expect(out.map((r) => r.m)).toEqual([10, 20, 30]);
    const [job] = await bq2.job('committed_job').getMetadata();
    expect(job.status.state).toBe('DONE');
    const [results] = await bq2.job('committed_job').getQueryResults();
    expect(results.map((r) => r.m).sort()).toEqual([10, 20, 30]);
    const Q = '/bigquery/v2/projects/local-project/queries/small_select';
    const cells = async (q: string) =>
      (await raw(second.url, 'GET', `${Q}${q}`)).json.rows[0].f.map((c: { v: unknown }) => c.v);
    expect(await cells('')).toEqual(['1.7951688E9', [{ v: '1.795168801E9' }]]);
    expect(await cells('?formatOptions.useInt64Timestamp=true')).toEqual([
      '1795168800000000',
      [{ v: '1795168801000000' }],
    ]);
    expect(await cells('?formatOptions.timestampOutputFormat=ISO8601_STRING')).toEqual([
      '2026-11-20T10:00:00.000000Z',
      [{ v: '2026-11-20T10:00:01.000000Z' }],
    ]);
    // the killed job either committed completely or left nothing behind
    const [exists] = await bq2.dataset('keep').table('big').exists();
    if (exists) {
      const [n] = await bq2.query('SELECT COUNT(*) AS n FROM keep.big');
      expect(n[0].n).toBe(6_250_000);
    }
    const [tables] = await bq2.dataset('keep').getTables();
    expect(tables.map((t) => t.id).sort()).toEqual(exists ? ['big', 'out', 't'] : ['out', 't']);

    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toBe(143);
    expect(second.output()).toMatch(/stopping \(SIGTERM\)/);
    // and it starts again from the cleanly closed file
    const third = await serve(dir);
    const [again] = await clientFor(third.url).query('SELECT COUNT(*) AS c FROM keep.t');
    expect(again[0].c).toBe(3);
    third.child.kill('SIGINT');
    expect(await exited(third.child)).toBe(130);
  });
});

function dp(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [DP, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('dp warehouse: bad input answers one line and the documented exit code', () => {
  const usage: [string[], number, RegExp][] = [
    [['warehouse', 'serve', '--port', 'abc'], 64, /--port must be an integer/],
    [['warehouse', 'serve', '--port', '70000'], 64, /--port must be an integer/],
    [['warehouse', 'serve', '--bogus'], 64, /unknown option/],
    [['warehouse', 'serve', '--memory-limit', 'lots'], 64, /--memory-limit must look like/],
    [['warehouse', 'serve', '--threads', '0'], 64, /--threads must be an integer/],
    [['warehouse', 'serve', '--project', 'p'], 64, /--project: Invalid project ID 'p'.*6-30 lowercase/],
    [['warehouse', 'serve', '--project', 'Local_Project'], 64, /--project: Invalid project ID/],
    [['warehouse', 'seed', '--from', '2026-11-01'], 64, /--to/],
    [['warehouse', 'seed', '--from', 'yesterday', '--to', '2026-11-01'], 64, /--from must be YYYY-MM-DD/],
    [['warehouse', 'seed', '--from', '2026-11-01', '--to', '2026-11-02', '--scale', '-1'], 64, /--scale/],
    [
      ['warehouse', 'seed', '--from', '2026-11-05', '--to', '2026-11-01', '--url', 'http://127.0.0.1:1'],
      75,
      /fetch failed|ECONNREFUSED/,
    ],
  ];
  it(`${usage.length} bad command lines (run in parallel)`, async () => {
    const results = await Promise.all(usage.map(([args]) => dp(args)));
    results.forEach((res, i) => {
      const [args, code, message] = usage[i]!;
      expect({ args, code: res.code }).toEqual({ args, code });
      expect(res.stderr.trim().split('\n')).toHaveLength(1);
      expect(res.stderr).toMatch(message);
    });
  });

  it('seeding a data dir held by a running server exits 78; the port being taken exits 75; seed --url works', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wh-cli-'));
    dirs.push(dir);
    const running = await serve(dir);
    const port = new URL(running.url).port;
    const [locked, taken] = await Promise.all([
      dp(['warehouse', 'seed', '--from', '2026-11-01', '--to', '2026-11-01', '--data-dir', dir]),
      dp(['warehouse', 'serve', '--port', port, '--in-memory']),
    ]);
    expect(locked.code).toBe(78);
    expect(locked.stderr).toMatch(/in use by another warehouse process/);
    expect(taken.code).toBe(75);
    expect(taken.stderr).toMatch(/already in use/);
    // The same seed twice: the second run must find both days present and add nothing.
    const seedTwoDays = [
      'warehouse',
      'seed',
      '--from',
      '2026-11-01',
      '--to',
      '2026-11-02',
      '--url',
      running.url,
    ];
    const seeded = await dp(seedTwoDays);
    expect(seeded.code).toBe(0);
    expect(seeded.stdout).toMatch(/seeded 2 day\(s\)/);
    const again = await dp(seedTwoDays);
    expect(again.stdout).toMatch(/seeded 0 day\(s\).*2 already present/);
    running.child.kill('SIGTERM');
    await exited(running.child);
  });
});
