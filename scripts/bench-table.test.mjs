import { describe, expect, it } from 'vitest';
import { benchExitCode, benchTable, verdict } from './bench-table.mjs';

const ok = {
  bench: 'snapshot',
  name: 'image ENTRYPOINT / node -e 0',
  measured: 1.21,
  op: '<=',
  limit: 1.5,
  unit: '×',
};
const missed = { ...ok, name: 'pod command / node -e 0', measured: 1.61 };
const rss = { bench: 'runner', name: 'peak RSS', measured: 151, op: '<=', limit: 150, unit: 'MB' };
const throughput = {
  bench: 'runner',
  name: 'throughput / cat',
  measured: 0.49,
  op: '>=',
  limit: 0.5,
  unit: '×',
};
const skipped = { bench: 'cli', name: '--engine airflow daily', skipped: 'no real Airflow 1.8.2' };
const clean = (bench, reported = 1) => ({ bench, code: 0, signal: null, reported });

describe('bench verdicts', () => {
  it('reads the target in its direction, the limit itself included', () => {
    expect(verdict(ok)).toBe('ok');
    expect(verdict({ ...ok, measured: 1.5 })).toBe('ok');
    expect(verdict(missed)).toBe('MISSED');
    expect(verdict(rss)).toBe('MISSED');
    expect(verdict(throughput)).toBe('MISSED');
    expect(verdict({ ...throughput, measured: 0.5 })).toBe('ok');
    expect(verdict({ ...ok, measured: Number.NaN })).toBe('MISSED');
    expect(verdict(skipped)).toBe('skipped');
  });

  it('exits 1 for one missed target among met ones, 0 when all are met or skipped', () => {
    const runs = [clean('snapshot', 2), clean('cli')];
    expect(benchExitCode([ok, missed, skipped], runs)).toBe(1);
    expect(benchExitCode([ok, { ...missed, measured: 1.4 }, skipped], runs)).toBe(0);
  });

  it('exits 1 when a bench process fails or reports no target, even if every reported target is met', () => {
    expect(
      benchExitCode([ok], [clean('snapshot'), { bench: 'local', code: 1, signal: null, reported: 0 }]),
    ).toBe(1);
    expect(benchExitCode([ok], [clean('snapshot'), clean('warehouse', 0)])).toBe(1);
  });
});

describe('the bench table', () => {
  it('has one row per target and per failed bench, aligned, with a count line', () => {
    const lines = benchTable(
      [ok, missed, rss, skipped],
      [
        clean('snapshot', 2),
        clean('runner'),
        clean('cli'),
        { bench: 'local', code: null, signal: 'SIGKILL', reported: 0 },
      ],
    );
    expect(lines[0].split(/\s{2,}/)).toEqual(['bench', 'measurement', 'measured', 'target', 'verdict']);
    const body = lines.slice(2, -2);
    expect(body).toHaveLength(5);
    expect(body[0]).toMatch(/^snapshot\s+image ENTRYPOINT \/ node -e 0\s+1\.21×\s+≤ 1\.50×\s+ok$/);
    expect(body[1]).toMatch(/1\.61×\s+≤ 1\.50×\s+MISSED$/);
    expect(body[2]).toMatch(/^runner\s+peak RSS\s+151 MB\s+≤ 150 MB\s+MISSED$/);
    expect(body[3]).toMatch(/^cli\s+--engine airflow daily\s+—\s+no real Airflow 1\.8\.2\s+skipped$/);
    expect(body[4]).toMatch(/^local\s+\(bench process\)\s+killed by SIGKILL\s+exit 0\s+FAILED$/);
    // every verdict starts in the same column
    const col = lines[0].indexOf('verdict');
    for (const l of body) expect(l.slice(col)).toMatch(/^(ok|MISSED|skipped|FAILED)$/);
    expect(lines.at(-1)).toBe('1 ok, 3 missed or failed, 1 skipped');
  });
});
