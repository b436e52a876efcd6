/**
 * `dp example` in a real terminal: tmux runs it in a pseudo-terminal smaller than the live table, and the test reads
 * the final screen plus the scrollback — what a person scrolling back would see. Each workflow must leave exactly one
 * table (its summary), the lines printed between them must survive, and no stale copy of the live table may end up in
 * the scrollback.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { embeddedWarehouseAvailable } from '@data-pipeline/local';
import { afterAll, describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..', '..');
const DP = join(repo, 'packages', 'cli', 'bin', 'dp.js');
const tmux = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;
const ready = tmux && embeddedWarehouseAvailable();
if (!tmux) console.warn('SKIP terminal test: tmux is not installed (apt-get install tmux)');

const tmp = mkdtempSync(join(tmpdir(), 'dp-terminal-'));
const socket = `dp-test-${process.pid}`;
afterAll(() => {
  spawnSync('tmux', ['-L', socket, 'kill-server']);
  rmSync(tmp, { recursive: true, force: true });
});

const sh = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;
const tmuxRun = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });

/** Everything the pane holds: scrollback and screen, wrapped lines joined, trailing blanks dropped. */
const capture = () =>
  tmuxRun('capture-pane', '-p', '-J', '-S', '-', '-t', 'dp')
    .split('\n')
    .map((l) => l.trimEnd());

async function runInTerminal(command: string, timeoutMs: number): Promise<string[]> {
  tmuxRun('-f', '/dev/null', 'new-session', '-d', '-s', 'dp', '-x', '110', '-y', '14', 'sh', '-c', command);
  tmuxRun('set-option', '-t', 'dp', 'remain-on-exit', 'on');
  tmuxRun('set-option', '-t', 'dp', 'history-limit', '50000');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const lines = capture();
    if (lines.some((l) => l.startsWith('EXIT='))) return lines;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out; the pane shows:\n${capture().join('\n')}`);
}

describe.skipIf(!ready)('dp example in a real terminal (tmux)', () => {
  it('keeps its output: one summary per workflow, the lines between them, no stale live tables', async () => {
    const dataDir = join(tmp, 'data');
    const command = [
      `cd ${sh(tmp)}`,
      // CI unset: the live table is what a person at a terminal gets.
      `env -u CI HOME=${sh(tmp)} ${sh(process.execPath)} ${sh(DP)} example --data-dir ${sh(dataDir)} --report ${sh(join(tmp, 'report.html'))} --run-date 20261120 --days 2`,
      'echo EXIT=$?',
    ].join('; ');
    const lines = await runInTerminal(command, 280_000);
    const text = lines.join('\n');
    expect(lines.find((l) => l.startsWith('EXIT='))).toBe('EXIT=0');

    const summaryHeader = /^TASK\s+STATUS\s+ATTEMPTS\s+DURATION\s+EXIT CLASS$/;
    const liveHeader = /^TASK\s+STATUS\s+ATTEMPTS\s+DURATION$/;
    expect(lines.filter((l) => summaryHeader.test(l))).toHaveLength(2);
    expect(lines.filter((l) => liveHeader.test(l))).toEqual([]); // every live table was erased, none scrolled away
    expect(lines.filter((l) => /^… \d+ more:/.test(l))).toEqual([]);

    // In order: the init's header line, its summary and verdict, the daily's header line, its summary and verdict.
    const at = (re: RegExp) => {
      const i = lines.findIndex((l) => re.test(l));
      expect(i, `${re} in\n${text}`).toBeGreaterThanOrEqual(0);
      expect(
        lines.filter((l) => re.test(l)),
        `${re} once`,
      ).toHaveLength(1);
      return i;
    };
    const order = [
      at(/^embedded warehouse at /),
      at(/^dp run workflows\/bigquery_step_init_workflow\.yaml/),
      at(/^workflow \S*init\S* Succeeded$/),
      // --days 2: the earlier data day's daily run is one line, no table
      at(/^history: daily workflow for data day 2026-11-18 Succeeded \(7 tasks, [\d.]+ s\)$/),
      at(/^dp run workflows\/bigquery_step_workflow\.yaml/),
      at(/^workflow (?!\S*init)\S+ Succeeded$/),
    ];
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // The init's 40 data days are all in its summary, after its header and before its verdict.
    const initRows = lines.slice(order[1], order[2]).filter((l) => /^github-daily\(/.test(l));
    expect(initRows).toHaveLength(40);
    // Each row is labelled by the data day it writes: R-1 (20261119) .. R-40 (20261011), not the execution date.
    const labels = initRows.map((l) => /^github-daily\((\d{8})\)/.exec(l)?.[1]).sort();
    expect(labels[0]).toBe('20261011');
    expect(labels.at(-1)).toBe('20261119');
    expect(new Set(labels).size).toBe(40);
  }, 300_000);
});
