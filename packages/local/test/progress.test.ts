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

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/**
 * What a terminal shows after `writes`, for the controls the reporter uses: `\r`, `\n` (a pty's onlcr: back to
 * column 0), cursor up (`ESC[nA`), erase to end of line (`ESC[K`), erase line (`ESC[2K`) and clear to end of screen
 * (`ESC[J`). Trailing blank lines are dropped.
 */
function screen(writes: readonly string[]): string[] {
  const lines: string[] = [];
  let row = 0;
  let col = 0;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what is parsed
  for (const part of writes.join('').split(/(\x1b\[\d*[AJK]|\r|\n)/)) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what is parsed
    const control = /^\x1b\[(\d*)([AJK])$/.exec(part);
    const line = lines[row] ?? '';
    if (control?.[2] === 'A') row = Math.max(0, row - Number(control[1] || 1));
    else if (control?.[2] === 'J') lines.length = row;
    else if (control?.[2] === 'K') lines[row] = control[1] === '2' ? '' : line.slice(0, col);
    else if (part === '\r') col = 0;
    else if (part === '\n') {
      row++;
      col = 0;
    } else if (part) {
      lines[row] = line.padEnd(col).slice(0, col) + part + line.slice(col + part.length);
      col += part.length;
    }
  }
  const shown = Array.from(lines, (l) => (l ?? '').trimEnd());
  while (shown.length > 0 && shown.at(-1) === '') shown.pop();
  return shown;
}

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

  it('redraws a live table in place on a terminal, keeps printed lines above it, erases it at the end', async () => {
    const out: string[] = [];
    const r = new ProgressReporter({ write: (t) => out.push(t), isTTY: true, columns: 80 }, () => 2000);
    r.taskChanged(task({ name: 'a' }));
    r.taskChanged(task({ name: 'b', phase: 'Pending', startedAt: undefined, attempts: 0 }));
    await sleep(150);
    expect(out).toHaveLength(1); // two changes, one redraw
    expect(out[0]).toMatch(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what is tested
      /^\rTASK\s+STATUS\s+ATTEMPTS\s+DURATION\x1b\[K\n\ra\s+Running\s+1\s+2.0s\x1b\[K\n\rb\s+Pending\s+0\s+-\x1b\[K\n$/,
    );
    r.println('step a | hello');
    r.taskChanged(task({ name: 'c', phase: 'Succeeded', finishedAt: 2000 }));
    await sleep(150);
    // cursor up over the 3 lines drawn before; never "clear to end of screen" (tmux would scroll it into history)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes are what is tested
    expect(out.at(-1)).toMatch(/^\x1b\[3A\r/);
    expect(out.join('')).not.toContain('\x1b[0J');
    expect(screen(out)).toEqual([
      'step a | hello',
      'TASK  STATUS     ATTEMPTS  DURATION',
      'a     Running    1         2.0s',
      'b     Pending    0         -',
      'c     Succeeded  1         2.0s',
    ]);
    r.finish();
    expect(screen(out)).toEqual(['step a | hello']); // the summary printed next is the only table left
    const written = out.length;
    r.finish();
    r.taskChanged(task({ name: 'late' }));
    r.println('after the end');
    await sleep(150);
    expect(out.slice(written)).toEqual(['after the end\n']);
  });

  it('ticks the duration of a running task once per tick without a state change', async () => {
    const out: string[] = [];
    let now = 1000;
    const r = new ProgressReporter({ write: (t) => out.push(t), isTTY: true }, () => now, 40);
    r.taskChanged(task({ name: 'slow', startedAt: 0 }));
    await sleep(150);
    expect(screen(out)[1]).toMatch(/^slow\s+Running\s+1\s+1.0s$/);
    now = 61_000;
    await sleep(120);
    expect(screen(out)[1]).toMatch(/^slow\s+Running\s+1\s+61s$/);
    r.finish();
    const written = out.length;
    await sleep(120);
    expect(out.length).toBe(written); // no tick after finish
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
    await sleep(150);
    const lines = screen(out);
    expect(lines).toHaveLength(5); // rows - 1: the cursor can always move back over it
    expect(lines[0]).toMatch(/TASK\s+STATUS\s+ATTEMPTS\s+DURATION$/);
    // the running task and the latest finished ones, in their usual order
    expect(lines[1]).toMatch(/^done-7\s+Succeeded/);
    expect(lines[2]).toMatch(/^skipped\s+Skipped/);
    expect(lines[3]).toMatch(/^busy\s+Running\s+1\s+2.0s$/);
    expect(lines[4]).toBe('… 7 more: 7 Succeeded');
    r.finish();
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
