/**
 * `dp` loads only what the command it runs uses (README "Start-up"): help and usage errors load commander and the
 * command declarations (src/register/), never the interpreter, the warehouse (DuckDB) or lint's Kubernetes models.
 * Asserted on the modules the process really loads (support/module-log.mjs), not on time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DP } from './support/dp.js';

const MODULE_LOG = join(import.meta.dirname, 'support', 'module-log.mjs');
const REPO = join(import.meta.dirname, '..', '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'dp-start-up-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let runs = 0;
/** Runs dp with the module log; its exit code, stdout and the modules it loaded. */
function loaded(args: readonly string[]): { code: number | null; stdout: string; modules: string[] } {
  const log = join(scratch, `modules-${++runs}.txt`);
  const r = spawnSync(process.execPath, ['--import', MODULE_LOG, DP, ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '', DP_MODULE_LOG: log },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, modules: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

const HEAVY = [/kubernetes-models/, /@duckdb/, /\/zod\//, /packages\/local\/dist\/index\.js/];
const heavyIn = (modules: readonly string[]) => modules.filter((m) => HEAVY.some((h) => h.test(m)));

describe('dp start-up', () => {
  it('dp --help loads neither the Kubernetes models, DuckDB, zod nor the interpreter', () => {
    const r = loaded(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: dp');
    // The log works: it saw dp's own entry module (else an empty list would pass).
    expect(r.modules.some((m) => m.endsWith('/packages/cli/dist/cli.js'))).toBe(true);
    expect(heavyIn(r.modules)).toEqual([]);
  });

  it.each([
    ['run', '--help'],
    ['query', '--help'],
    ['warehouse', 'serve', '--help'],
    ['lint', '--help'],
    ['nosuch'],
  ])('dp %s … (help or a usage error) loads nothing heavy either', (...args) => {
    const r = loaded(args);
    expect(r.code === 0 || r.code === 64).toBe(true);
    expect(heavyIn(r.modules)).toEqual([]);
  });

  it('the module log sees what a command does load: dp lint of a Workflow loads the Argo Workflow model', () => {
    const r = loaded(['lint', 'workflows/bigquery_step_workflow.yaml']);
    expect(r.code).toBe(0);
    expect(r.modules.some((m) => m.includes('@kubernetes-models/argo-workflows'))).toBe(true);
    expect(r.modules.filter((m) => /@duckdb|packages\/warehouse\/dist\/index\.js/.test(m))).toEqual([]);
  });
});
