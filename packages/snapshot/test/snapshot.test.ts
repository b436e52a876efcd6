import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DOUBLE_BIN,
  DOUBLE_READY,
  type FakeBigQuery,
  startFakeBigQuery,
  writeFakeKey,
} from '@data-pipeline/operator-testing';
import { EXIT_CODES } from '@data-pipeline/runner';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// End to end: `dp-snapshot` builds the blobs the operator images start from, and the operators started from a blob
// (`node --snapshot-blob BLOB -- FLAGS`) behave exactly like their plain bins (`node bin/X.js FLAGS`).
const PACKAGES = join(import.meta.dirname, '..', '..');
const DP_SNAPSHOT = join(import.meta.dirname, '..', 'bin', 'dp-snapshot.js');
const OPERATORS = ['airflow-operator', 'bigquery-operator', 'bigquery-table'] as const;
type Operator = (typeof OPERATORS)[number];
const binOf = (op: Operator) => join(PACKAGES, op, 'bin', `${op}.js`);

let root: string;
let snaps: string;
let keyFile: string;
let fake: FakeBigQuery;
const built: Record<string, { stdout: string; stderr: string; status: number | null }> = {};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'snapshot-test-'));
  snaps = join(root, 'snaps');
  keyFile = join(root, 'key.json');
  writeFakeKey(keyFile);
  for (const op of OPERATORS) {
    const r = spawnSync(process.execPath, [DP_SNAPSHOT, binOf(op), '--out', snaps], { encoding: 'utf8' });
    built[op] = { stdout: r.stdout, stderr: r.stderr, status: r.status };
  }
  fake = await startFakeBigQuery();
});

afterAll(async () => {
  await fake?.close();
  rmSync(root, { recursive: true, force: true });
});

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  leftovers: string[];
}

type Mode = 'plain' | 'snapshot';

function start(mode: Mode, op: Operator, args: readonly string[], env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(root, 'run-'));
  const scratch = join(dir, 'tmp');
  mkdirSync(scratch);
  mkdirSync(join(dir, 'no-connections'));
  const outputs = join(dir, 'out');
  const arrayFile = join(dir, 'array.json');
  writeFileSync(arrayFile, '[1]');
  const argv = args.map((a) => a.replaceAll('OUTPUTS', outputs).replaceAll('ARRAY_FILE', arrayFile));
  const nodeArgs =
    mode === 'plain' ? [binOf(op), ...argv] : ['--snapshot-blob', join(snaps, `${op}.blob`), '--', ...argv];
  const child = spawn(process.execPath, nodeArgs, {
    env: {
      PATH: `${DOUBLE_BIN}:${process.env.PATH}`,
      HOME: dir,
      TMPDIR: scratch,
      GOOGLE_APPLICATION_CREDENTIALS: keyFile,
      DP_CONNECTIONS_DIR: join(dir, 'no-connections'),
      AIRFLOW_DOUBLE_HEARTBEAT_MS: '5',
      DP_KILL_GRACE_PERIOD: '3',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
  });
  const done = new Promise<Ran>((resolve) =>
    child.on('close', (code, signal) => {
      const out: Record<string, string> = {};
      if (existsSync(outputs))
        for (const f of readdirSync(outputs)) out[f] = readFileSync(join(outputs, f), 'utf8');
      resolve({ code, signal, stdout, stderr, outputs: out, leftovers: readdirSync(scratch) });
    }),
  );
  return { child, done, dir, stdout: () => stdout };
}

const run = (mode: Mode, op: Operator, args: readonly string[], env?: Record<string, string>) =>
  start(mode, op, args, env).done;

/**
 * Drops what legitimately differs between two runs: times, pids, temp paths (the airflow double runs BashOperator
 * commands for real, in a random `airflowtmp*` folder with a random script name).
 */
function comparable(text: string): string {
  return text
    .replace(/"time":\d+/g, '"time":0')
    .replace(/"pid":\d+/g, '"pid":0')
    .replace(/\/[^\s"']*\/run-[^/\s"']+/g, '<run>')
    .replace(/dp-airflow-[A-Za-z0-9]+/g, 'dp-airflow-<id>')
    .replace(/airflowtmp\w+(?:\/\w+)?/g, 'airflowtmp<id>')
    .replace(/\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d[,.]\d+/g, '<ts>');
}

describe('dp-snapshot', () => {
  it('bundles each operator bin and builds a blob that starts it', () => {
    for (const op of OPERATORS) {
      expect(built[op]?.status, built[op]?.stderr).toBe(0);
      expect(built[op]?.stderr).toBe('');
      expect(built[op]?.stdout).toContain(`start with: node --snapshot-blob ${join(snaps, `${op}.blob`)} --`);
      expect(statSync(join(snaps, `${op}.blob`)).size).toBeGreaterThan(1e6);
    }
  });

  it('keeps the deferred packages and zod locales out of the bundle and leaves no import.meta behind', () => {
    const bundle = readFileSync(join(snaps, 'bigquery-operator.cjs'), 'utf8');
    // Deferred: required from node_modules at run time, relative to the file that imports them.
    expect(bundle).toMatch(/createRequire\("[^"]+bigquery-client[^"]+"\)\("@google-cloud\/bigquery"\)/);
    expect(bundle).toMatch(/createRequire\("[^"]+airflow-templates[^"]+"\)\("nunjucks"\)/);
    expect(bundle).not.toContain('FileSystemLoader');
    expect(bundle).not.toContain('BigQuery.prototype.createQueryJob');
    // zod: English messages in, the other locales out.
    expect(bundle).toContain('Invalid input');
    expect(bundle).not.toMatch(/Ungültige Eingabe|Entrada inválida/);
    expect(bundle).not.toMatch(/import\.meta/);
    // bigquery-table's schemas are read next to its module, as unbundled.
    expect(readFileSync(join(snaps, 'bigquery-table.cjs'), 'utf8')).toContain(
      `"file://${join(PACKAGES, 'bigquery-table', 'dist', 'definition.js')}"`,
    );
  });

  it('answers bad input with one line and exit 64, writing nothing', () => {
    const out = join(root, 'bad-out');
    const cases: Array<[string[], RegExp]> = [
      [[], /expected one BIN argument, got 0/],
      [[binOf('airflow-operator')], /missing required flag --out DIR/],
      [[join(root, 'nope.js'), '--out', out], /BIN .*nope\.js is not a file/],
      [[root, '--out', out], /is not a file/],
      [[binOf('airflow-operator'), '--out', out, '--name', '../evil'], /--name "\.\.\/evil": use letters/],
      [[binOf('airflow-operator'), '--out', out, '--frobnicate'], /Unknown option '--frobnicate'/],
      [
        [binOf('airflow-operator'), binOf('bigquery-table'), '--out', out],
        /expected one BIN argument, got 2/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = spawnSync(process.execPath, [DP_SNAPSHOT, ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(EXIT_CODES.usage);
      expect(r.stderr.trim().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/^dp-snapshot: /);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  it('refuses a bin that does not defer its run to the snapshot, and one that does not compile, leaving nothing', () => {
    const dir = mkdtempSync(join(root, 'not-runner-'));
    const out = join(dir, 'out');
    const notRunner = join(dir, 'hello.js');
    writeFileSync(notRunner, "console.log('hello from build time');\n");
    const broken = join(dir, 'broken.js');
    writeFileSync(broken, 'export const = ;\n');
    const a = spawnSync(process.execPath, [DP_SNAPSHOT, notRunner, '--out', out], { encoding: 'utf8' });
    expect(a.status).toBe(EXIT_CODES['task-failed']);
    expect(a.stderr.trim().split('\n')).toHaveLength(1);
    expect(a.stderr).toMatch(/does not start an operator CLI .* @data-pipeline\/runner's main\(\)/);
    const b = spawnSync(process.execPath, [DP_SNAPSHOT, broken, '--out', out], { encoding: 'utf8' });
    expect(b.status).toBe(EXIT_CODES['task-failed']);
    expect(b.stderr.trim().split('\n')).toHaveLength(1);
    expect(b.stderr).toMatch(/broken\.js:1: /);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('an operator started from its snapshot behaves like its plain bin', () => {
  it('--help and --version are identical', async () => {
    for (const op of OPERATORS) {
      for (const flag of ['--help', '--version']) {
        const [plain, snap] = await Promise.all([run('plain', op, [flag]), run('snapshot', op, [flag])]);
        expect(snap.code).toBe(0);
        expect(snap.stdout).toBe(plain.stdout);
        expect(snap.stderr).toBe('');
      }
    }
  });

  const common = ['--task-id', 'snap_task', '--execution-date', '2026-11-23', '--outputs-dir', 'OUTPUTS'];
  const bash = [
    '--operator',
    'airflow.operators.bash_operator.BashOperator',
    '--kwargs',
    '{"bash_command":"echo hi"}',
  ];
  const outcomes: Array<[string, number, string[]]> = [
    ['success', EXIT_CODES.success, [...common, ...bash]],
    ['task-failed', EXIT_CODES['task-failed'], [...common, ...bash]],
    ['http-429', EXIT_CODES.transient, [...common, ...bash]],
    ['dag-missing', EXIT_CODES.configuration, [...common, ...bash]],
    ['ran-nothing', EXIT_CODES.configuration, [...common, ...bash]],
    ['success', EXIT_CODES.usage, ['--task-id', 'snap_task', '--execution-date', '2026-13-45', ...bash]],
    ['success', EXIT_CODES.usage, [...common, '--operator', 'not a path', '--kwargs', '{}']],
    [
      'success',
      EXIT_CODES['invalid-input'],
      [...common, '--operator', 'a.b.C', '--kwargs-file', 'ARRAY_FILE'],
    ],
  ];
  it.skipIf(!DOUBLE_READY).each(outcomes)(
    'airflow engine, outcome %s → exit %i, same stderr, log records and output files',
    async (outcome, code, args) => {
      const env = { AIRFLOW_DOUBLE_OUTCOME: outcome };
      const [plain, snap] = await Promise.all([
        run('plain', 'airflow-operator', args, env),
        run('snapshot', 'airflow-operator', args, env),
      ]);
      expect(plain.code, plain.stderr).toBe(code);
      expect(snap.code, snap.stderr).toBe(code);
      expect(comparable(snap.stderr)).toBe(comparable(plain.stderr));
      expect(snap.outputs).toEqual(plain.outputs);
      // Same records; lines of the child's stdout and stderr pipes may interleave differently run to run.
      const records = (text: string) => comparable(text).split('\n').sort();
      expect(records(snap.stdout)).toEqual(records(plain.stdout));
      expect(snap.leftovers).toEqual([]);
    },
  );

  it("the image's /app/bin/<bin> wrapper (a pod's `command`) starts the same snapshot through PATH", () => {
    // The image layout: /app/bin/<bin> = images/operator/snapshot-start.sh, /app/snapshot/entrypoint.blob.
    const app = mkdtempSync(join(root, 'app-'));
    mkdirSync(join(app, 'bin'));
    mkdirSync(join(app, 'snapshot'));
    copyFileSync(join(snaps, 'airflow-operator.blob'), join(app, 'snapshot', 'entrypoint.blob'));
    copyFileSync(
      join(PACKAGES, '..', 'images', 'operator', 'snapshot-start.sh'),
      join(app, 'bin', 'airflow-operator'),
    );
    chmodSync(join(app, 'bin', 'airflow-operator'), 0o755);
    const viaPath = spawnSync('airflow-operator', ['--help'], {
      encoding: 'utf8',
      env: { PATH: `${join(app, 'bin')}:${process.env.PATH}` },
    });
    const plain = spawnSync(process.execPath, [binOf('airflow-operator'), '--help'], { encoding: 'utf8' });
    expect(viaPath.status, viaPath.stderr).toBe(0);
    expect(viaPath.stdout).toBe(plain.stdout);
    // Bad input answered by the snapshot's runner, not by the wrapper.
    const bad = spawnSync('airflow-operator', ['--task-id', 'x', '--execution-date', 'nope'], {
      encoding: 'utf8',
      env: { PATH: `${join(app, 'bin')}:${process.env.PATH}` },
    });
    expect(bad.status).toBe(EXIT_CODES.usage);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^airflow-operator: --execution-date/);
  });

  it.skipIf(!DOUBLE_READY)('SIGTERM during a hanging backfill: child gone, exit 143', async () => {
    const r = start('snapshot', 'airflow-operator', [...common, ...bash], { AIRFLOW_DOUBLE_OUTCOME: 'hang' });
    const began = Date.now();
    while (!r.stdout().includes('Logging into:') && Date.now() - began < 20_000)
      await new Promise((f) => setTimeout(f, 50));
    r.child.kill('SIGTERM');
    const sent = Date.now();
    const ran = await r.done;
    expect(ran.code).toBe(EXIT_CODES.terminated);
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(ran.outputs['exit-class']).toBe('terminated');
    expect(ran.leftovers).toEqual([]);
    // No process of this run (the airflow double's argv names the run's AIRFLOW_HOME) is left.
    const survivors = readdirSync('/proc')
      .filter((p) => /^\d+$/.test(p))
      .filter((p) => {
        try {
          return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(r.dir);
        } catch {
          return false;
        }
      });
    expect(survivors).toEqual([]);
  });

  /**
   * The native engine against the fake BigQuery, without a key: on an endpoint a key means tokens from its token_uri,
   * which the fake does not serve (the fake key is no real RSA key either).
   */
  const NO_KEY = { GOOGLE_APPLICATION_CREDENTIALS: '' };
  const native = () => [
    ...common,
    '--engine',
    'native',
    '--gcp-project',
    'my-proj',
    '--bigquery-endpoint',
    fake.url,
  ];

  it('native engine: loads the deferred BigQuery client and template engine at run time', async () => {
    fake.onQuery = () => ({ schema: [{ name: 'n', type: 'INTEGER' }], rows: [['1']] });
    const args = [...native(), '--use-legacy-sql', 'false', '--bql', 'SELECT "{{ ds_nodash }}" AS day'];
    fake.requests.length = 0;
    const snap = await run('snapshot', 'bigquery-operator', args, NO_KEY);
    expect(snap.code, snap.stderr).toBe(0);
    expect(snap.outputs['exit-class']).toBe('success');
    const inserted = fake.requests.find((q) => q.method === 'POST' && q.path.endsWith('/jobs')) as
      | { body: { configuration: { query: { query: string } } } }
      | undefined;
    expect(inserted?.body.configuration.query.query).toBe('SELECT "20261123" AS day');
  });

  it('native engine: bigquery-table reads its packaged schemas next to its module', async () => {
    const args = [
      ...native(),
      '--dataset-id',
      'snap_ds',
      '--table-id',
      'github_agg',
      '--schema',
      'builtin:github_agg',
    ];
    const snap = await run('snapshot', 'bigquery-table', args, NO_KEY);
    expect(snap.code, snap.stderr).toBe(0);
    const table = fake.tables.get('my-proj:snap_ds.github_agg') as { schema: { fields: unknown[] } };
    expect(table.schema.fields).toHaveLength(8);
  });
});
