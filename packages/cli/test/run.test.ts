import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DP, type DpResult, runDp } from './support/dp.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const FIX = join(repo, 'packages', 'local', 'test', 'fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'dp-run-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function dp(args: string[], env: Record<string, string> = {}): Promise<DpResult> {
  return runDp(args, { cwd: tmp, env: { PATH: process.env.PATH ?? '', HOME: tmp, CI: '1', ...env } });
}

const fixture = (name: string) => join(FIX, name);
const common = [
  '--images-manifest',
  fixture('images.json'),
  '--warehouse',
  'bigquery',
  '--data-dir',
  join(tmp, 'data'),
  '--time-scale',
  '0.1',
];

// Each test runs its own dp process with its own state files: they run side by side.
describe.concurrent('dp run with fixture images', () => {
  it('retries a step that exits 75 as the YAML says, then succeeds; the summary shows the attempts', async () => {
    const state = join(tmp, 'retry-state');
    const r = await dp(['run', fixture('retry.yaml'), '-p', `state=${state}`, ...common]);
    expect(r.stderr).toMatch(/flaky: Running: attempt 1 failed \(exit code 75: transient failure 1/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^flaky\s+Succeeded\s+3\s+\S+\s+success \(0\)$/m);
    expect(r.stdout).toMatch(/^after\s+Succeeded\s+1/m);
    expect(readFileSync(state, 'utf8')).toBe('3');
  });

  it('a step still failing after the retry limit fails the workflow', async () => {
    const state = join(tmp, 'retry-state-2');
    const r = await dp([
      'run',
      fixture('retry.yaml'),
      '-p',
      `state=${state}`,
      '-p',
      'fail-times=9',
      ...common,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^flaky\s+Failed\s+4\s+\S+\s+transient \(75\)$/m);
    expect(r.stdout).toMatch(/^after\s+Omitted/m);
    expect(r.stdout).toMatch(/workflow retry-local Failed: task flaky Failed/);
  });

  it('a non-retryable failure stops its dependents; summary and exit code name the failing task', async () => {
    const r = await dp(['run', fixture('failure.yaml'), ...common]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^bad\s+Failed\s+1\s+\S+\s+invalid-input \(65\)$/m);
    expect(r.stdout).toMatch(/^dependent\s+Omitted\s+0/m);
    expect(r.stdout).toMatch(/^independent\s+Succeeded/m);
    expect(r.stdout).toMatch(/workflow failure Failed: task bad Failed \(exit code 65/);
  });

  it('maps Secret and emptyDir volumes to local dirs, rewrites mount paths and passes outputs on', async () => {
    const key = join(tmp, 'key.json');
    writeFileSync(key, '{"private_key":"SECRET-VALUE-123"}');
    const record = join(tmp, 'record.txt');
    const r = await dp([
      'run',
      fixture('volumes.yaml'),
      '--secret',
      `my-key=${key}`,
      '-p',
      `record=${record}`,
      '-v',
      ...common,
    ]);
    expect(r.code).toBe(0);
    const cred = /GOOGLE_APPLICATION_CREDENTIALS=(\S+)/.exec(r.stderr)?.[1];
    expect(cred).toBeDefined();
    expect(cred).not.toMatch(/^\/var\/run/);
    expect(cred).toMatch(/key\.json$/);
    expect(r.stderr).toMatch(/key\.json has 34 bytes/);
    expect(readFileSync(record, 'utf8')).toBe('got job-42\n');
    expect(r.stderr).toMatch(/DP_ENGINE=native/);
    expect(`${r.stdout}${r.stderr}`).not.toContain('SECRET-VALUE-123');
    // the per-pod copy of the secret is gone after the run
    expect(() => statSync(cred!)).toThrow();
  });

  it('without --secret the Secret is mounted empty, its env var dropped, and the caller ADC passed on', async () => {
    const r = await dp(['run', fixture('volumes.yaml'), '-p', `record=${join(tmp, 'r2')}`, '-v', ...common], {
      GOOGLE_APPLICATION_CREDENTIALS: '/home/me/adc.json',
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/secret my-key not given \(--secret my-key=PATH\): mounted empty/);
    expect(r.stderr).toMatch(/GOOGLE_APPLICATION_CREDENTIALS=\/home\/me\/adc.json/);
    expect(r.stderr).toMatch(/key\.json has -1 bytes/);
  });

  it('stops a step that exceeds activeDeadlineSeconds', async () => {
    const t0 = Date.now();
    const r = await dp(['run', fixture('deadline.yaml'), ...common]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/longer than the specified deadline/);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });

  it('SIGTERM stops the running step (its process group) and exits 143', async () => {
    const pidFile = join(tmp, 'sleep.pid');
    const child = spawn(
      process.execPath,
      [DP, 'run', fixture('sleep.yaml'), '-p', `pid-file=${pidFile}`, ...common],
      {
        cwd: tmp,
        env: { PATH: process.env.PATH ?? '', HOME: tmp, CI: '1' },
      },
    );
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    for (let i = 0; i < 300 && !existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
    const stepPid = Number(readFileSync(pidFile, 'utf8'));
    child.kill('SIGTERM');
    expect(await exited).toBe(143);
    expect(stdout).toMatch(/^slow\s+Failed/m);
    expect(() => process.kill(stepPid, 0)).toThrow();
  });

  it('an image that is not in the manifest is refused before anything runs', async () => {
    const r = await dp(['run', fixture('unknown-image.yaml'), ...common]);
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(
      /templates.main.container.image docker.io\/library\/alpine:3.20 is not in the images manifest/,
    );
    expect(r.stdout).toBe('');
  });
});

describe.concurrent('dp run bad input: one line, documented exit code, no stack trace', () => {
  const cases: [string, string[], number, RegExp][] = [
    [
      'unsupported field',
      ['run', fixture('unsupported.yaml'), ...common],
      65,
      /unsupported.yaml:9: unsupported field spec.templates\[0\].script/,
    ],
    ['missing file', ['run', join(tmp, 'nope.yaml'), ...common], 65, /nope.yaml: cannot read \(ENOENT\)/],
    ['bad -p', ['run', fixture('failure.yaml'), '-p', 'novalue', ...common], 64, /-p expects name=value/],
    ['unknown -p', ['run', fixture('failure.yaml'), '-p', 'x=1', ...common], 65, /unknown parameter x/],
    [
      'missing required parameter',
      ['run', fixture('retry.yaml'), ...common],
      65,
      /parameters.state has no value: pass -p state=VALUE/,
    ],
    [
      'bad --warehouse',
      ['run', fixture('failure.yaml'), '--warehouse', 'mysql'],
      64,
      /--warehouse must be embedded or bigquery/,
    ],
    [
      'bad --engine',
      ['run', fixture('failure.yaml'), '--engine', 'spark'],
      64,
      /--engine must be native or airflow/,
    ],
    ['unknown flag', ['run', fixture('failure.yaml'), '--bogus'], 64, /unknown option '--bogus'/],
    ['missing argument', ['run'], 64, /missing required argument/],
    ['unknown command', ['nosuch'], 64, /unknown command 'nosuch'/],
    [
      'bad manifest',
      ['run', fixture('failure.yaml'), '--images-manifest', fixture('retry.yaml'), '--warehouse', 'bigquery'],
      65,
      /cannot read the images manifest/,
    ],
    [
      'bad --time-scale',
      ['run', fixture('failure.yaml'), '--time-scale', '0'],
      64,
      /--time-scale must be a number/,
    ],
    [
      'bad run-date for the embedded warehouse',
      [
        'run',
        join(repo, 'workflows', 'bigquery_step_workflow.yaml'),
        '-p',
        'run-date=2026-11-20',
        '--data-dir',
        join(tmp, 'd2'),
      ],
      65,
      /run-date must be YYYYMMDD as the workflow reads it: -p run-date=20261120/,
    ],
    [
      'missing --secret file',
      ['run', fixture('failure.yaml'), '--secret', 'k=/nonexistent/key.json', ...common],
      64,
      /--secret k: \/nonexistent\/key.json does not exist/,
    ],
    [
      'dp example: bad --run-date',
      ['example', '--run-date', '2026'],
      64,
      /--run-date must be YYYYMMDD or YYYY-MM-DD, got "2026"/,
    ],
    ['dp example: bad --engine', ['example', '--engine', 'spark'], 64, /--engine must be native or airflow/],
    ['dp query: missing SQL', ['query'], 64, /missing required argument 'sql'/],
    ['dp query: empty SQL', ['query', '  '], 64, /the SQL text is empty/],
    [
      'bad --secret',
      ['run', fixture('failure.yaml'), '--secret', 'x', ...common],
      64,
      /--secret expects name=path/,
    ],
  ];
  for (const [name, args, code, message] of cases) {
    it(name, async () => {
      const r = await dp(args);
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }
});
