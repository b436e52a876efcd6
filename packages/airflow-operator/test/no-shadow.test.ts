import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_CODES } from '@data-pipeline/runner';
import { afterAll, describe, expect, it } from 'vitest';

// The airflow double is a test tool: tests put packages/airflow-double/bin on PATH themselves. It must never be
// installed as `airflow` (node_modules/.bin is on PATH in npm scripts and npx, where it shadowed a real Airflow).
const repo = join(import.meta.dirname, '..', '..', '..');
const DP = join(repo, 'packages', 'cli', 'bin', 'dp.js');
const tmp = mkdtempSync(join(tmpdir(), 'airflow-no-shadow-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function binNames(bin: unknown, name: string): string[] {
  if (typeof bin === 'string') return [name.replace(/^@[^/]+\//, '')];
  return bin && typeof bin === 'object' ? Object.keys(bin) : [];
}

/** PATH as the test process has it, minus every directory holding an `airflow` (the real one, a double, ...). */
function pathWithoutAirflow(): string {
  return (process.env.PATH ?? '')
    .split(':')
    .filter((d) => d !== '' && !existsSync(join(d, 'airflow')))
    .join(':');
}

function dp(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [DP, ...args], {
      cwd: tmp,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('no `airflow` double on the install PATH', () => {
  it('no workspace package declares an `airflow` bin, and the lock file installs none', () => {
    const packages = readdirSync(join(repo, 'packages'));
    for (const p of packages) {
      const file = join(repo, 'packages', p, 'package.json');
      if (!existsSync(file)) continue;
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name: string; bin?: unknown };
      expect(binNames(pkg.bin, pkg.name), pkg.name).not.toContain('airflow');
    }
    const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { bin?: Record<string, string> }>;
    };
    for (const [where, entry] of Object.entries(lock.packages))
      expect(Object.keys(entry.bin ?? {}), where).not.toContain('airflow');
  });

  it('after `npm ci` node_modules/.bin has no `airflow` (the double stays in packages/airflow-double/bin)', () => {
    expect(existsSync(join(repo, 'node_modules', '.bin'))).toBe(true);
    expect(existsSync(join(repo, 'node_modules', '.bin', 'airflow'))).toBe(false);
    expect(existsSync(join(repo, 'packages', 'airflow-double', 'bin', 'airflow'))).toBe(true);
  });

  it.each([
    ['dp run', ['run', join(repo, 'workflows', 'bigquery_step_workflow.yaml')]],
    ['dp example', ['example']],
  ])(
    '%s --engine airflow without airflow on PATH → 78 and one line saying how to install it, before anything starts',
    async (_name, args) => {
      const dataDir = mkdtempSync(join(tmp, 'data-'));
      const path = pathWithoutAirflow();
      const r = await dp([...args, '--engine', 'airflow', '--data-dir', dataDir], {
        PATH: path,
        HOME: tmp,
        CI: '1',
      });
      expect(r.code, r.stderr).toBe(EXIT_CODES.configuration);
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^dp (run|example): --engine airflow: `airflow` \(Apache Airflow 1\.8\.2\) was not found on PATH; install it with scripts\/install-real-airflow\.sh .*`pip install apache-airflow==1\.8\.2`/,
      );
      // Refused up front: no warehouse was started in the data dir, no step ran.
      expect(readdirSync(dataDir)).toEqual([]);
    },
    60_000,
  );
});
