import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedWarehouseAvailable } from '@data-pipeline/local';
import { afterAll, describe, expect, it } from 'vitest';
import { type DpResult, runDp } from './support/dp.js';

const tmp = mkdtempSync(join(tmpdir(), 'dp-query-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function dp(args: string[]): Promise<DpResult> {
  return runDp(args, { cwd: tmp, env: { PATH: process.env.PATH ?? '', HOME: tmp } });
}

const ready = await embeddedWarehouseAvailable();
if (!ready) console.warn('dp query tests skipped: the embedded warehouse is not built');

describe.skipIf(!ready)('dp query', () => {
  const sql = "SELECT 1 AS n, 'a,\"b' AS s UNION ALL SELECT 2, NULL ORDER BY n";
  // One data dir per invocation so the (slow-starting) processes can run side by side.
  let n = 0;
  const dir = () => ['--data-dir', join(tmp, `data-${n++}`), '--create'];

  it('prints a table, JSON (array of row objects) and CSV', async () => {
    const [table, json, csv] = await Promise.all([
      dp(['query', sql, ...dir()]),
      dp(['query', sql, ...dir(), '--format', 'json']),
      dp(['query', sql, ...dir(), '--format', 'csv']),
    ]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^n \| s\s*$/m);
    expect(table.stdout).toMatch(/^2 \| NULL$/m);
    expect(table.stdout).toMatch(/\(2 rows\)/);
    expect(JSON.parse(json.stdout)).toEqual([
      { n: 1, s: 'a,"b' },
      { n: 2, s: null },
    ]);
    expect(csv.stdout).toBe('n,s\r\n1,"a,""b"\r\n2,\r\n');
  });

  it('bad SQL exits 65 with one line; a bad format exits 64', async () => {
    const [bad, fmt, missing] = await Promise.all([
      dp(['query', 'SELEC 1', ...dir()]),
      dp(['query', 'SELECT 1', ...dir(), '--format', 'xml']),
      dp(['query', 'SELECT * FROM nope.nothing', ...dir()]),
    ]);
    expect(bad.code).toBe(65);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^dp query: /);
    expect(fmt.code).toBe(64);
    expect(fmt.stderr).toMatch(/--format must be table, json or csv/);
    expect(missing.code).toBe(65);
    expect(missing.stderr).toMatch(/[Nn]ot found/);
  });
});
