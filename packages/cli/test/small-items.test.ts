import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedWarehouseAvailable } from '@data-pipeline/local';
import { afterAll, describe, expect, it } from 'vitest';
import { DP, limiter, runDp } from './support/dp.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const FIX = join(repo, 'packages', 'local', 'test', 'fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'dp-small-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

interface Done {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs dp; a run still going after `limitMs` is killed and answers code null (a hang is a failure, not a timeout). */
function dp(args: string[], limitMs = 30_000): Promise<Done> {
  return runDp(args, {
    cwd: tmp,
    env: { PATH: process.env.PATH ?? '', HOME: tmp, CI: '1', TMPDIR: tmp },
    timeoutMs: limitMs,
    onSpawn: (child) => children.push(child),
  });
}

/** Runs each `dp` command line (three at a time): its exit code, one line on stderr matching the message. */
async function expectOneLineFailures(cases: [string[], number, RegExp][]): Promise<void> {
  const results = await pool(
    cases.map(
      ([args]) =>
        () =>
          dp(args),
    ),
  );
  results.forEach((r, i) => {
    const [args, code, message] = cases[i]!;
    expect({ args, code: r.code }).toEqual({ args, code });
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
}

/** Runs `jobs` at most three at a time (each dp start costs ~1.5 s of CPU on a shared 2-core machine). */
function pool<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const limited = limiter(3);
  return Promise.all(jobs.map((job) => limited(job)));
}

const aFile = join(tmp, 'a-file');
writeFileSync(aFile, 'not a directory');
const step = (name: string) => join(FIX, name);
const runArgs = [
  'run',
  step('failure.yaml'),
  '--images-manifest',
  step('images.json'),
  '--warehouse',
  'bigquery',
];
const seedArgs = ['warehouse', 'seed', '--from', '2026-11-01', '--to', '2026-11-01'];

describe('data dirs that cannot work: one line, exit 78, no hang, nothing created', () => {
  const dirs: [string, RegExp][] = [
    [aFile, /a-file is a file, not a directory/],
    [join(aFile, 'sub', 'deeper'), /a component of the path is a file/],
    ['/proc/self/nope', /\/proc\/self is on procfs/],
    ['/proc/self/nope/deeper', /\/proc\/self is on procfs/],
    ['/sys/kernel/nope', /is on sysfs/],
  ];
  const commands: [string, (dir: string) => string[]][] = [
    ['dp warehouse serve', (d) => ['warehouse', 'serve', '--port', '0', '--data-dir', d]],
    ['dp warehouse seed', (d) => [...seedArgs, '--data-dir', d]],
    ['dp query', (d) => ['query', 'SELECT 1', '--data-dir', d]],
    ['dp run', (d) => [...runArgs, '--data-dir', d]],
    ['dp example', (d) => ['example', '--data-dir', d]],
  ];
  // Every class through serve; the file and procfs cases through every other command (process starts are slow).
  const matrix = commands.flatMap(([command, argsFor], c) =>
    dirs
      .filter((_, i) => c === 0 || i === 0 || i === 2)
      .map(([dir, message]) => ({ command, dir, message, argsFor })),
  );
  it(`${matrix.length} command and data dir pairs (three at a time)`, async () => {
    const results = await pool(
      matrix.map(
        ({ argsFor, dir }) =>
          () =>
            dp(argsFor(dir), 30_000),
      ),
    );
    results.forEach((r, i) => {
      const { command, dir, message } = matrix[i]!;
      expect({ command, dir, code: r.code }).toEqual({ command, dir, code: 78 });
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`^${command}: --data-dir `));
      expect(r.stderr).toMatch(message);
    });
    expect(existsSync(join(aFile, 'sub'))).toBe(false);
  }, 180_000);

  it('a parent that is not writable, a path not traversable: 78 naming it (run as nobody when root)', async () => {
    const open = mkdtempSync(join(tmpdir(), 'dp-small-open-'));
    try {
      chmodSync(open, 0o755);
      const ro = join(open, 'read-only');
      mkdirSync(ro, { mode: 0o555 });
      const asRoot = process.getuid?.() === 0;
      const query = (dataDir: string) =>
        new Promise<Done>((resolve) => {
          const child = spawn(process.execPath, [DP, 'query', 'SELECT 1', '--data-dir', dataDir], {
            cwd: open,
            env: { PATH: process.env.PATH ?? '', HOME: open },
            ...(asRoot ? { uid: 65534, gid: 65534 } : {}), // nobody: root may write anywhere
          });
          let stderr = '';
          child.stderr.on('data', (d) => (stderr += d));
          child.on('close', (code) => resolve({ code, stdout: '', stderr }));
        });
      // Not traversable for the user running dp: root's 0700 dir for nobody, a 000 dir for its own owner.
      const locked = join(open, 'locked');
      mkdirSync(locked, { mode: asRoot ? 0o700 : 0o000 });
      const [unwritable, hidden] = await Promise.all([
        query(join(ro, 'data')),
        query(join(locked, 'x', 'data')),
      ]);
      chmodSync(locked, 0o700);
      expect(unwritable.stderr).toMatch(
        /^dp query: --data-dir .*read-only\/data: .*read-only is not writable\n$/,
      );
      expect(unwritable.code).toBe(78);
      expect(existsSync(join(ro, 'data'))).toBe(false);
      expect(hidden.stderr).toMatch(
        /^dp query: --data-dir .*locked\/x\/data: permission denied on the way to it\n$/,
      );
      expect(hidden.code).toBe(78);
    } finally {
      rmSync(open, { recursive: true, force: true });
    }
  });

  it('dp query on a data dir that holds no warehouse (a typo): 78 naming it, nothing created; --create starts one', async () => {
    const typo = join(tmp, 'typo', 'data');
    const [missing, created] = await Promise.all([
      dp(['query', 'SELECT 1', '--data-dir', typo], 90_000),
      dp(
        ['query', 'SELECT 7 AS n', '--data-dir', join(tmp, 'asked-for'), '--create', '--format', 'csv'],
        90_000,
      ),
    ]);
    expect(missing.code).toBe(78);
    expect(missing.stderr).toMatch(
      /^dp query: --data-dir .*typo\/data holds no warehouse \(no warehouse\.duckdb\): run `npm start`, .* or pass --create for an empty one\n$/,
    );
    expect(existsSync(join(tmp, 'typo'))).toBe(false);
    expect(created.code).toBe(0);
    expect(created.stdout).toBe('n\r\n7\r\n'); // CSV rows end in CRLF (RFC 4180)
  }, 120_000);

  it('a data dir whose warehouse.duckdb is not a database: 78, one line', async () => {
    const bad = join(tmp, 'not-a-db');
    mkdirSync(bad);
    writeFileSync(join(bad, 'warehouse.duckdb'), 'garbage, not a DuckDB file');
    const r = await dp(['query', 'SELECT 1', '--data-dir', bad]);
    expect(r.code).toBe(78);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^dp query: cannot open the warehouse database in .*not-a-db/);
  });

  it('a data dir that does not exist yet is created, parents included', async () => {
    const fresh = join(tmp, 'fresh', 'a', 'b');
    const r = await dp([...runArgs, '--data-dir', fresh]);
    expect(r.code).toBe(1); // failure.yaml fails on purpose; the point is that it ran
    expect(existsSync(join(fresh, 'logs'))).toBe(true);
  });
});

describe('dates in flags: an impossible day is a usage error (64), one line', () => {
  const cases: [string[], number, RegExp][] = [
    [
      ['warehouse', 'seed', '--from', '2026-02-30', '--to', '2026-03-01'],
      64,
      /--from 2026-02-30 is not a calendar date/,
    ],
    [
      ['warehouse', 'seed', '--from', '2026-02-01', '--to', '2026-13-01'],
      64,
      /--to 2026-13-01 is not a calendar date/,
    ],
    [
      ['warehouse', 'seed', '--from', '2025-02-29', '--to', '2025-03-01'],
      64,
      /--from 2025-02-29 is not a calendar/,
    ],
    [
      ['warehouse', 'seed', '--from', '2026-04-31', '--to', '2026-05-01', '--url', 'http://127.0.0.1:1'],
      64,
      /--from/,
    ],
    [['example', '--run-date', '20260230'], 64, /--run-date 20260230 is not a calendar date/],
    [['example', '--run-date', '20261300'], 64, /--run-date 20261300 is not a calendar date/],
    // -p run-date is a workflow parameter, checked with the workflow's other inputs: invalid input (65), as before.
    [
      ['run', join(repo, 'workflows', 'bigquery_step_workflow.yaml'), '-p', 'run-date=20260230'],
      65,
      /run-date 20260230 is not a calendar date/,
    ],
  ];
  it(`${cases.length} bad dates (three at a time); nothing is created`, async () => {
    await expectOneLineFailures(cases);
    expect(existsSync(join(tmp, '.data'))).toBe(false);
  });

  it('a leap day is a date', async () => {
    // 2028-02-29 exists: the seed then fails only because nothing listens at the URL (75), not on the date.
    const r = await dp([
      'warehouse',
      'seed',
      '--from',
      '2028-02-29',
      '--to',
      '2028-02-29',
      '--url',
      'http://127.0.0.1:1',
    ]);
    expect(r.code).toBe(75);
  });
});

describe('--url of dp query and dp run: bad values', () => {
  const cases: [string[], number, RegExp][] = [
    [['query', 'SELECT 1', '--url', 'ftp://127.0.0.1:9050'], 64, /--url must be an http\(s\) URL/],
    [['query', 'SELECT 1', '--url', 'not a url'], 64, /--url must be an http\(s\) URL/],
    [['query', 'SELECT 1', '--url', 'http://user:pw@127.0.0.1:9050'], 64, /--url must be an http\(s\) URL/],
    [
      ['query', 'SELECT 1', '--url', 'http://127.0.0.1:1'],
      75,
      /no warehouse answers at http:\/\/127.0.0.1:1/,
    ],
    [[...runArgs, '--url', 'http://127.0.0.1:1'], 64, /cannot be combined with --warehouse bigquery/],
    [
      ['run', step('failure.yaml'), '--images-manifest', step('images.json'), '--url', 'http://127.0.0.1:1'],
      75,
      /no warehouse answers at http:\/\/127.0.0.1:1/,
    ],
  ];
  it(`${cases.length} cases (three at a time)`, async () => {
    await expectOneLineFailures(cases);
  });
});

const ready = await embeddedWarehouseAvailable();

describe.skipIf(!ready)('a data dir held by dp warehouse serve', () => {
  it('dp query/run on the data dir say so (78, suggesting --url); with --url they use the server', async () => {
    const dir = join(tmp, 'served');
    const server = spawn(process.execPath, [DP, 'warehouse', 'serve', '--port', '0', '--data-dir', dir], {
      cwd: tmp,
      env: { PATH: process.env.PATH ?? '', HOME: tmp },
    });
    children.push(server);
    let out = '';
    server.stdout.on('data', (d) => (out += d));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start line: ${out}`)), 30_000);
      server.stdout.on('data', () => {
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    try {
      const [locked, lockedRun, lockedExample] = await Promise.all([
        dp(['query', 'SELECT 1 AS n', '--data-dir', dir]),
        dp(['run', step('failure.yaml'), '--images-manifest', step('images.json'), '--data-dir', dir]),
        dp(['example', '--data-dir', dir], 60_000),
      ]);
      // dp example has no --url: it says what else to do.
      expect(lockedExample.code).toBe(78);
      expect(lockedExample.stderr).toMatch(
        new RegExp(
          `^dp example: data dir ${dir} is locked by another process .*; stop it, or pass another --data-dir\n$`,
        ),
      );
      for (const [r, command] of [
        [locked, 'dp query'],
        [lockedRun, 'dp run'],
      ] as const) {
        expect(r.code).toBe(78);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(new RegExp(`^${command}: data dir ${dir} is locked by another process`));
        expect(r.stderr).toMatch(/DuckDB file lock/);
        expect(r.stderr).toMatch(/; use that server instead: --url http:\/\/127\.0\.0\.1:9050 /);
      }

      const seed = await dp([...seedArgs, '--data-dir', dir]);
      expect(seed.code).toBe(78);
      expect(seed.stderr.trim().split('\n')).toHaveLength(1);
      expect(seed.stderr).toMatch(
        /in use by another warehouse process \(DuckDB file lock\); seed the server holding it: --url http:\/\/127\.0\.0\.1:9050$/m,
      );

      const rows = await dp(['query', 'SELECT 1 AS n, "x" AS s', '--url', url, '--format', 'json']);
      expect(rows.stderr).toBe('');
      expect(rows.code).toBe(0);
      expect(JSON.parse(rows.stdout)).toEqual([{ n: 1, s: 'x' }]);

      // dp run --url: the sample data is seeded into the server and the steps get its address.
      const run = await dp(
        [
          'run',
          step('warehouse-env.yaml'),
          '--images-manifest',
          step('images.json'),
          '-p',
          'run-date=20261102',
          '--url',
          url,
          '--data-dir',
          join(tmp, 'run-logs'),
          '--verbose',
        ],
        120_000,
      );
      expect(run.stderr).not.toMatch(/locked/);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/sample data \d{4}-\d{2}-\d{2} \.\. 2026-11-01 ready/); // up to R-1, never R
      expect(run.stderr).toContain(`show | BIGQUERY_EMULATOR_HOST=${url}`);
      const seeded = await dp([
        'query',
        'SELECT COUNT(*) AS n FROM `githubarchive.day.20261101`',
        '--url',
        url,
        '--format',
        'json',
      ]);
      expect(seeded.code).toBe(0);
      expect((JSON.parse(seeded.stdout) as { n: number }[])[0]!.n).toBeGreaterThan(0);
    } finally {
      server.kill('SIGTERM');
      await new Promise((r) => server.on('exit', r));
    }
  }, 180_000);
});

describe('dp run checks the workflow before it starts or seeds anything', () => {
  const DAILY = join(repo, 'workflows', 'bigquery_step_workflow.yaml');
  it('a DAG target naming no task, an unknown parameter, a bad --entrypoint: 65, one line naming the choices, no data dir', async () => {
    const dataDir = join(tmp, 'never-created');
    await expectOneLineFailures([
      [
        ['run', DAILY, '-p', 'target=bogus-task', '--data-dir', dataDir],
        65,
        /templates\.pipeline\.dag\.target: target task bogus-task does not exist \(tasks: check-github-data, .*check-hn-github-agg\)\n$/,
      ],
      [
        ['run', DAILY, '-p', 'nosuch=1', '--data-dir', dataDir],
        65,
        /unknown parameter nosuch \(declared: gcp-project, /,
      ],
      [
        ['run', DAILY, '--entrypoint', 'nope', '--data-dir', dataDir],
        65,
        /entrypoint template nope does not exist \(templates: main, pipeline, /,
      ],
    ]);
    expect(existsSync(dataDir)).toBe(false);
  }, 120_000);
});
