import { describe, expect, it } from 'vitest';
import { effectiveRunDate, parseDay, WorkflowError } from '../src/index.js';

describe('days as dp flags take them', () => {
  it('YYYYMMDD and YYYY-MM-DD are the same day; anything else, or no such day, is refused', () => {
    expect(parseDay('20261120')).toEqual({ compact: '20261120', dashed: '2026-11-20' });
    expect(parseDay('2026-11-20')).toEqual({ compact: '20261120', dashed: '2026-11-20' });
    expect(parseDay('2024-02-29')?.compact).toBe('20240229');
    for (const bad of [
      '2026-02-30',
      '20261301',
      '2026-1120',
      '202611-20',
      '2026/11/20',
      ' 20261120',
      'today',
      '',
    ])
      expect(parseDay(bad), bad).toBeUndefined();
  });

  it('the workflow parameter run-date stays YYYYMMDD (its YAML parses it so on a cluster too), with the fix named', () => {
    expect(effectiveRunDate({ 'run-date': '20261120' }, 0)).toBe('20261120');
    expect(() => effectiveRunDate({ 'run-date': '2026-11-20' }, 0)).toThrow(
      new WorkflowError('run-date must be YYYYMMDD as the workflow reads it: -p run-date=20261120'),
    );
  });
});
