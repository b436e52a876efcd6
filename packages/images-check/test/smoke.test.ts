import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { findRealAirflow } from '@data-pipeline/runner/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { loadImagesManifest } from '../src/index.js';

// images/smoke.sh is what images.yml runs against each built operator image before pushing. Here it runs against
// (a) the real airflow-operator bin with the real Airflow 1.8.2 on PATH — the same checks the image gets, minus
// Docker — and (b) fake operators that break the contract, to prove each check fires.
const repoRoot = resolve(import.meta.dirname, '../../..');
const smoke = join(repoRoot, 'images/smoke.sh');
const work = mkdtempSync(join(tmpdir(), 'smoke-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const run = (args: string[], env: Record<string, string | undefined> = {}) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((ok) =>
    execFile(
      'bash',
      [smoke, ...args],
      { env: { ...process.env, ...env }, timeout: 120_000 },
      (err, stdout, stderr) => ok({ code: err ? Number(err.code) : 0, stdout, stderr }),
    ),
  );

// A fake operator bin: records its argv, then behaves as FAKE_MODE says.
const fake = join(work, 'fake-operator.mjs');
writeFileSync(
  fake,
  `import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
const argv = process.argv.slice(2);
const flag = (name) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
appendFileSync(process.env.FAKE_ARGV, JSON.stringify(argv) + '\\n');
const dir = flag('--outputs-dir');
mkdirSync(dir, { recursive: true });
const mode = process.env.FAKE_MODE;
let code = 0, cls = 'success';
if (mode === 'honest') {
  const failing = (flag('--kwargs') ?? '').includes('exit 3') || (flag('--bql') ?? '').startsWith('SELEC ');
  if (failing) [code, cls] = (flag('--bql') ? [65, 'invalid-input'] : [1, 'task-failed']);
  const kw = flag('--kwargs') ?? '';
  console.log(JSON.stringify({ msg: kw.includes('smoke-ok') ? 'smoke-ok-20260115' : 'smoke-failing' }));
  if (flag('--bql') && !failing) writeFileSync(dir + '/job-id', 'job_123');
}
if (mode === 'leaky') console.log('-----BEGIN PRIVATE KEY-----');
writeFileSync(dir + '/exit-class', cls);
writeFileSync(dir + '/exit-code', String(code));
process.exit(code);
`,
);

describe('images/smoke.sh suites', () => {
  it('are exactly the "smoke" values of images/images.json (the workflow runs the suite the manifest names)', () => {
    const suites = [...readFileSync(smoke, 'utf8').matchAll(/^([a-z0-9-]+)\)$/gm)].map((m) => m[1]).sort();
    const named = loadImagesManifest(repoRoot)
      .images.flatMap((img) => (img.smoke ? [img.smoke] : []))
      .sort();
    expect(named).toEqual(['airflow-operator', 'bigquery-operator']);
    expect(suites).toEqual(named);
  });
});

describe.concurrent('images/smoke.sh', () => {
  it('passes an operator that keeps the contract, and passes the scenario flags to it', async () => {
    const argvFile = join(work, 'argv-honest');
    const out = join(work, 'honest');
    const r = await run(['airflow-operator', out, '--', process.execPath, fake], {
      FAKE_MODE: 'honest',
      FAKE_ARGV: argvFile,
    });
    expect(r.stderr).toBe('');
    expect(r).toMatchObject({
      code: 0,
      stdout: `smoke: airflow-operator: all checks passed; logs in ${out}\n`,
    });
    const calls = readFileSync(argvFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string[]);
    expect(calls).toHaveLength(2);
    for (const argv of calls) {
      expect(argv.slice(0, 4)).toEqual([
        '--engine',
        'airflow',
        '--operator',
        'airflow.operators.bash_operator.BashOperator',
      ]);
      expect(argv).toEqual(
        expect.arrayContaining(['--execution-date', '2026-01-15', '--log-format', 'json']),
      );
    }
  });

  it('fails (exit 1, one line per broken check) when the failing task is reported as success', async () => {
    const out = join(work, 'liar');
    const r = await run(['airflow-operator', out, '--', process.execPath, fake], {
      FAKE_MODE: 'liar',
      FAKE_ARGV: join(work, 'argv-liar'),
    });
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')).toEqual([
      'smoke: bash-success: stdout has no "smoke-ok-20260115" (the harvested task log)',
      'smoke: bash-failure: expected exit 1 (task-failed), got 0 (see bash-failure/stderr.log)',
      'smoke: bash-failure: outputs/exit-class is success, expected task-failed',
      'smoke: bash-failure: outputs/exit-code is 0, expected 1',
      'smoke: bash-failure: stdout has no "smoke-failing" (the harvested task log)',
      `smoke: airflow-operator: 5 check(s) failed; logs in ${out}`,
      '',
    ]);
  });

  it('fails when key material shows up in a log', async () => {
    const r = await run(['airflow-operator', join(work, 'leaky'), '--', process.execPath, fake], {
      FAKE_MODE: 'leaky',
      FAKE_ARGV: join(work, 'argv-leaky'),
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^smoke: key material \(PRIVATE KEY\) found in: .*stdout\.log/m);
  });

  it('runs the bigquery-operator scenarios against SMOKE_ENDPOINT with the Airflow engine', async () => {
    const argvFile = join(work, 'argv-bq');
    const out = join(work, 'bq');
    const r = await run(['bigquery-operator', out, '--', process.execPath, fake], {
      FAKE_MODE: 'honest',
      FAKE_ARGV: argvFile,
      SMOKE_ENDPOINT: 'http://127.0.0.1:9050',
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const calls = readFileSync(argvFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string[]);
    expect(calls.map((a) => a[a.indexOf('--bql') + 1]).sort()).toEqual(['SELEC 17', 'SELECT 17 AS n']);
    for (const argv of calls) {
      expect(argv.slice(0, 4)).toEqual([
        '--engine',
        'airflow',
        '--bigquery-endpoint',
        'http://127.0.0.1:9050',
      ]);
    }
  });

  it.each([
    [['airflow-operator', 'x'], 'usage'],
    [['nope-operator', 'x', '--', 'true'], 'usage'],
    [['airflow-operator', 'x', 'true', 'y'], 'usage'],
  ])('refuses bad usage %j with 64', async (args) => {
    const r = await run(args.map((a) => (a === 'x' ? join(work, 'usage') : a)));
    expect(r.code).toBe(64);
    expect(r.stderr).toBe('smoke: usage: smoke.sh airflow-operator|bigquery-operator OUT -- COMMAND...\n');
  });

  it('refuses bigquery-operator without SMOKE_ENDPOINT with 64', async () => {
    const r = await run(['bigquery-operator', join(work, 'noendpoint'), '--', 'true'], {
      SMOKE_ENDPOINT: '',
    });
    expect(r).toMatchObject({
      code: 64,
      stderr: 'smoke: bigquery-operator needs SMOKE_ENDPOINT (the dp warehouse serve URL)\n',
    });
  });
});

const found = findRealAirflow(process.env);
if ('skip' in found) console.warn(found.skip);

describe.skipIf('skip' in found)(
  'images/smoke.sh against the real airflow-operator bin and real Airflow 1.8.2',
  () => {
    it('BashOperator success → 0/success with the rendered output in the task log; exit 3 → 1/task-failed', async () => {
      const binDir = 'binDir' in found ? found.binDir : '';
      const out = join(work, 'real');
      const bin = join(repoRoot, 'packages/airflow-operator/bin/airflow-operator.js');
      const r = await run(['airflow-operator', out, '--', process.execPath, bin], {
        PATH: `${binDir}:${process.env.PATH}`,
      });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(readFileSync(join(out, 'bash-success/outputs/exit-class'), 'utf8')).toBe('success');
      expect(readFileSync(join(out, 'bash-failure/outputs/exit-class'), 'utf8')).toBe('task-failed');
      expect(readFileSync(join(out, 'bash-success/stdout.log'), 'utf8')).toContain('smoke-ok-20260115');
    }, 120_000);
  },
);
