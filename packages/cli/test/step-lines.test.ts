import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodeHelp } from '../src/exit-help.js';
import { formatStepLine, resolveLogFormat } from '../src/step-lines.js';

const DP = join(import.meta.dirname, '..', 'bin', 'dp.js');

const record = (over: Record<string, unknown>) =>
  JSON.stringify({
    level: 30,
    time: Date.UTC(2026, 11, 7, 14, 0, 15, 540),
    task_id: 'bq_check_hackernews_full',
    operator: 'bigquery-check-operator',
    msg: 'starting',
    ...over,
  });

describe('dp run -v step lines', () => {
  it('pretty: time, level, step, message, then the fields that are not the step identity', () => {
    expect(formatStepLine('check-hn-data', record({ engine: 'native', connections: [] }), 'pretty')).toBe(
      '14:00:15.540 INFO  check-hn-data  starting  engine=native',
    );
    expect(
      formatStepLine(
        'write',
        record({ level: 50, msg: 'job failed', exit_class: 'invalid-input', reason: 'Syntax error: x' }),
        'pretty',
      ),
    ).toBe('14:00:15.540 ERROR write  job failed  exit_class=invalid-input  reason="Syntax error: x"');
  });

  it('pretty: a multi-line message keeps its lines, indented under the record', () => {
    const text = formatStepLine(
      'check',
      record({ msg: 'Executing SQL check: #legacySql\nSELECT 1\nLIMIT 1' }),
      'pretty',
    );
    expect(text.split('\n')).toEqual([
      '14:00:15.540 INFO  check  Executing SQL check: #legacySql',
      '    SELECT 1',
      '    LIMIT 1',
    ]);
  });

  it('lines that are not log records, and json format, pass through as written', () => {
    const raw = record({ msg: 'x' });
    expect(formatStepLine('s', raw, 'json')).toBe(`s | ${raw}`);
    expect(formatStepLine('s', '[2026-12-07 14:00:15,540] {models.py:1} INFO - hi', 'pretty')).toBe(
      's | [2026-12-07 14:00:15,540] {models.py:1} INFO - hi',
    );
    expect(formatStepLine('s', '{not json', 'pretty')).toBe('s | {not json');
    expect(formatStepLine('s', '{"a":1}', 'pretty')).toBe('s | {"a":1}'); // no level/msg: not a record
    expect(formatStepLine('s', '[1,2]', 'pretty')).toBe('s | [1,2]');
  });

  it('--log-format auto is pretty on a terminal and json when piped; anything else is refused', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
    expect(resolveLogFormat('yaml', true)).toBeUndefined();
  });
});

describe('dp help', () => {
  it('lists the exit codes from the one table, and hides the test-only --time-scale', () => {
    const help = exitCodeHelp();
    for (const code of [0, 1, 64, 65, 75, 77, 78, 130, 143])
      expect(help).toMatch(new RegExp(`^  ${code} +\\S`, 'm'));
    for (const cmd of [[], ['query']]) {
      const r = spawnSync(process.execPath, [DP, ...cmd, '--help'], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(r.stdout).toContain('Exit codes');
      expect(r.stdout).toMatch(/^ {2}78 +configuration +/m);
    }
    const run = spawnSync(process.execPath, [DP, 'run', '--help'], { encoding: 'utf8' });
    expect(run.stdout).not.toContain('--time-scale');
    expect(run.stdout).toContain('--log-format');
  });
});
