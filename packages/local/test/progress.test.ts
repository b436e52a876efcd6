import { describe, expect, it } from 'vitest';
import { formatSummary, ProgressReporter, type TaskRecord } from '../src/index.js';

const task = (over: Partial<TaskRecord>): TaskRecord => ({
  name: 't',
  template: 't',
  phase: 'Running',
  attempts: 1,
  exitCode: undefined,
  message: '',
  startedAt: 0,
  finishedAt: undefined,
  ...over,
});

describe('progress and summary', () => {
  it('prints plain status lines when not on a terminal', () => {
    const out: string[] = [];
    const r = new ProgressReporter({ write: (t) => out.push(t), isTTY: false }, () => 1500);
    const t = task({ name: 'write-hn-agg' });
    r.taskChanged(t);
    r.taskChanged(t); // unchanged: no new line
    t.phase = 'Succeeded';
    t.finishedAt = 1500;
    r.taskChanged(t);
    expect(out).toEqual([
      '[00:00:01] write-hn-agg: Running\n',
      '[00:00:01] write-hn-agg: Succeeded in 1.5s\n',
    ]);
  });

  it('redraws a live table in place on a terminal', async () => {
    const out: string[] = [];
    const r = new ProgressReporter({ write: (t) => out.push(t), isTTY: true, columns: 80 }, () => 2000);
    r.taskChanged(task({ name: 'a' }));
    r.taskChanged(task({ name: 'b', phase: 'Pending', startedAt: undefined, attempts: 0 }));
    await new Promise((res) => setTimeout(res, 150));
    r.taskChanged(task({ name: 'c', phase: 'Succeeded', finishedAt: 2000 }));
    r.finish();
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what is tested
      /^\x1b\[0JTASK\s+STATUS\s+ATTEMPTS\s+DURATION\na\s+Running\s+1\s+2.0s\nb\s+Pending\s+0\s+-\n$/,
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what is tested
    expect(out[1]).toMatch(/^\x1b\[3A\x1b\[0J/); // cursor up over the 3 lines drawn before
    expect(out[1]).toMatch(/c\s+Succeeded/);
  });

  it('a pty of unknown size (columns 0) does not cut the table; a table taller than the screen is folded', async () => {
    const out: string[] = [];
    const r = new ProgressReporter(
      { write: (t) => out.push(t), isTTY: true, columns: 0, rows: 6 },
      () => 2000,
    );
    for (let i = 0; i < 8; i++)
      r.taskChanged(task({ name: `done-${i}`, phase: 'Succeeded', finishedAt: 1000 }));
    r.taskChanged(task({ name: 'skipped', phase: 'Skipped', finishedAt: 1000 }));
    r.taskChanged(task({ name: 'busy' }));
    r.finish();
    const lines = out.join('').split('\n').filter(Boolean);
    expect(lines).toHaveLength(5); // rows - 1: the cursor can always move back over it
    expect(lines[0]).toMatch(/TASK\s+STATUS\s+ATTEMPTS\s+DURATION$/);
    // the running task and the latest finished ones, in their usual order
    expect(lines[1]).toMatch(/^done-7\s+Succeeded/);
    expect(lines[2]).toMatch(/^skipped\s+Skipped/);
    expect(lines[3]).toMatch(/^busy\s+Running\s+1\s+2.0s$/);
    expect(lines[4]).toBe('… 7 more: 7 Succeeded');
  });

  it('summarises task, status, attempts, duration and exit class, naming the failed task', () => {
    const failed = task({
      name: 'bad',
      phase: 'Failed',
      exitCode: 75,
      attempts: 4,
      finishedAt: 12_000,
      message: 'exit code 75',
    });
    const text = formatSummary(
      {
        phase: 'Failed',
        message: '',
        outputs: {},
        tasks: [task({ name: 'ok', phase: 'Succeeded', exitCode: 0, finishedAt: 300 }), failed],
        failedTask: failed,
      },
      20_000,
      'wf',
    );
    expect(text).toMatch(/^TASK\s+STATUS\s+ATTEMPTS\s+DURATION\s+EXIT CLASS$/m);
    expect(text).toMatch(/^ok\s+Succeeded\s+1\s+0.3s\s+success \(0\)$/m);
    expect(text).toMatch(/^bad\s+Failed\s+4\s+12s\s+transient \(75\)$/m);
    expect(text).toMatch(/workflow wf Failed: task bad Failed \(exit code 75\)\n$/);
  });
});
