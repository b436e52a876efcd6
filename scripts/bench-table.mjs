// Pure parts of `npm run bench` (scripts/bench.mjs): the verdict of one reported target, the final table, the exit code.

/** @typedef {{bench: string, name: string, measured?: number, op?: '<=' | '>=', limit?: number, unit?: string, skipped?: string}} Result */
/** @typedef {{bench: string, code: number | null, signal?: string | null, reported: number}} Run */

/** 'ok', 'MISSED' or 'skipped' for one reported target. */
export function verdict(r) {
  if (r.skipped !== undefined) return 'skipped';
  if (typeof r.measured !== 'number' || !Number.isFinite(r.measured)) return 'MISSED';
  return (r.op === '>=' ? r.measured >= r.limit : r.measured <= r.limit) ? 'ok' : 'MISSED';
}

const fmt = (n, unit) => {
  const digits = unit === '×' ? 2 : Math.abs(n) >= 100 ? 0 : 1;
  const s = n.toFixed(digits);
  return unit === '×' ? `${s}×` : `${s} ${unit}`;
};

/** Lines after the benches: a failed bench process is a row too, so nothing that went wrong is left off the table. */
export function benchTable(/** @type {Result[]} */ results, /** @type {Run[]} */ runs) {
  const rows = results.map((r) => [
    r.bench,
    r.name,
    r.skipped !== undefined ? '—' : typeof r.measured === 'number' ? fmt(r.measured, r.unit) : 'none',
    r.skipped !== undefined ? r.skipped : `${r.op === '>=' ? '≥' : '≤'} ${fmt(r.limit, r.unit)}`,
    verdict(r),
  ]);
  for (const run of runs) {
    if (run.code !== 0)
      rows.push([
        run.bench,
        '(bench process)',
        run.signal ? `killed by ${run.signal}` : `exit ${run.code}`,
        'exit 0',
        'FAILED',
      ]);
    else if (run.reported === 0)
      rows.push([run.bench, '(bench process)', 'no target reported', '≥ 1', 'FAILED']);
  }
  const head = ['bench', 'measurement', 'measured', 'target', 'verdict'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    cells
      .map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const missed = rows.filter((r) => r[4] === 'MISSED' || r[4] === 'FAILED').length;
  const skipped = rows.filter((r) => r[4] === 'skipped').length;
  return [
    line(head),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    `${rows.length - missed - skipped} ok, ${missed} missed or failed, ${skipped} skipped`,
  ];
}

/** 0 when every reported target is met and every bench exited 0 having reported one (skips allowed); 1 otherwise. */
export function benchExitCode(/** @type {Result[]} */ results, /** @type {Run[]} */ runs) {
  if (runs.some((r) => r.code !== 0 || r.reported === 0)) return 1;
  return results.some((r) => verdict(r) === 'MISSED') ? 1 : 0;
}
