// The one way a benchmark reports a target to `npm run bench` (scripts/bench.mjs): each call appends one JSON line to
// the file named by DP_BENCH_RESULTS. Run on its own (`node bench/x.mjs`), a bench has no such file and this does
// nothing; its own printed lines stay what a person reads.
import { appendFileSync } from 'node:fs';

/**
 * @param {string} bench   the reporting bench, e.g. 'runner'
 * @param {string} name    what was measured, e.g. '1000 MB streamed: peak RSS'
 * @param {number} measured the measured value, in `unit`
 * @param {'<=' | '>='} op  the direction the target allows
 * @param {number} limit   the target, in `unit`
 * @param {string} unit    '×', 'ms', 'MB', …
 */
export function reportTarget(bench, name, measured, op, limit, unit = '×') {
  write({ bench, name, measured, op, limit, unit });
}

/** A target that could not be measured in this run (e.g. no real Airflow installed): shown as skipped, never a pass. */
export function reportSkipped(bench, name, reason) {
  write({ bench, name, skipped: reason });
}

function write(record) {
  const file = process.env.DP_BENCH_RESULTS;
  if (file) appendFileSync(file, `${JSON.stringify(record)}\n`);
}
