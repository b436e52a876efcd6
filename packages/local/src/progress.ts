/**
 * Progress while a workflow runs: a live table redrawn in place on a TTY, plain status lines otherwise (CI),
 * and the end-of-run summary table.
 */
import { exitClassOf } from '@data-pipeline/runner';
import type { Reporter, RunResult, TaskRecord } from './engine.js';

export interface ProgressSink {
  write(text: string): void;
  readonly isTTY: boolean;
  /** Terminal width; 0 or absent (a pty of unknown size) → 120. */
  readonly columns?: number;
  /** Terminal height; the live table never grows taller than this (a table taller than the screen cannot be
   * redrawn in place). 0 or absent → 24. */
  readonly rows?: number;
}

const ACTIVE: Record<string, number> = { Running: 0, Failed: 1, Error: 1, Pending: 2 };

function duration(t: TaskRecord, now: number): string {
  if (t.startedAt === undefined) return '-';
  const ms = (t.finishedAt ?? now) - t.startedAt;
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}

export function exitClassText(t: TaskRecord): string {
  if (t.exitCode === undefined) return t.phase === 'Error' ? 'error' : '-';
  return `${exitClassOf(t.exitCode) ?? 'unknown'} (${t.exitCode})`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The summary printed at the end: task, status, attempts, duration, exit class — and the verdict line. */
export function formatSummary(result: RunResult, now: number, workflowName: string): string {
  const rows = [['TASK', 'STATUS', 'ATTEMPTS', 'DURATION', 'EXIT CLASS']];
  for (const t of result.tasks)
    rows.push([t.name, t.phase, String(t.attempts), duration(t, now), exitClassText(t)]);
  const verdict =
    result.phase === 'Succeeded'
      ? `workflow ${workflowName} Succeeded`
      : `workflow ${workflowName} ${result.phase}${result.failedTask ? `: task ${result.failedTask.name} ${result.failedTask.phase}` : ''}${
          result.failedTask?.message
            ? ` (${result.failedTask.message})`
            : result.message
              ? ` (${result.message})`
              : ''
        }`;
  return `${table(rows)}\n${verdict}\n`;
}

export class ProgressReporter implements Reporter {
  private readonly tasks = new Map<TaskRecord, string>();
  private drawnLines = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sink: ProgressSink,
    private readonly clock: () => number = Date.now,
  ) {}

  taskChanged(task: TaskRecord): void {
    const key = `${task.phase}/${task.attempts}/${task.message}`;
    if (this.tasks.get(task) === key) return;
    this.tasks.set(task, key);
    if (this.sink.isTTY) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.redraw();
      }, 100);
      return;
    }
    const extra =
      task.phase === 'Running' && task.message.endsWith('; retrying')
        ? `: attempt ${task.attempts} failed (${task.message})`
        : task.phase === 'Running'
          ? task.attempts > 1
            ? ` (attempt ${task.attempts})`
            : ''
          : task.phase === 'Succeeded'
            ? ` in ${duration(task, this.clock())}`
            : task.message
              ? ` (${task.message})`
              : '';
    this.sink.write(
      `[${new Date(this.clock()).toISOString().slice(11, 19)}] ${task.name}: ${task.phase}${extra}\n`,
    );
  }

  private redraw(): void {
    const now = this.clock();
    const width = this.sink.columns || 120;
    const height = Math.max(4, this.sink.rows || 24);
    let tasks = [...this.tasks.keys()];
    let rest = '';
    if (tasks.length + 1 > height - 1) {
      // Too tall for the screen: running, failed and pending tasks first, then the latest finished; the rest counted.
      const keep = height - 3; // header + kept tasks + the "… more" line = height - 1
      const ranked = tasks
        .map((t, i) => ({ t, i }))
        .sort((a, b) => (ACTIVE[a.t.phase] ?? 3) - (ACTIVE[b.t.phase] ?? 3) || b.i - a.i);
      const shown = new Set(ranked.slice(0, keep).map((x) => x.t));
      const hidden = tasks.filter((t) => !shown.has(t));
      const byPhase = new Map<string, number>();
      for (const t of hidden) byPhase.set(t.phase, (byPhase.get(t.phase) ?? 0) + 1);
      rest = `… ${hidden.length} more: ${[...byPhase].map(([p, n]) => `${n} ${p}`).join(', ')}`;
      tasks = tasks.filter((t) => shown.has(t));
    }
    const rows = [['TASK', 'STATUS', 'ATTEMPTS', 'DURATION']];
    for (const t of tasks) rows.push([t.name, t.phase, String(t.attempts), duration(t, now)]);
    const lines = [...table(rows).split('\n'), ...(rest ? [rest] : [])].map((l) => l.slice(0, width - 1));
    const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}A` : '';
    this.sink.write(`${up}\x1b[0J${lines.join('\n')}\n`);
    this.drawnLines = lines.length;
  }

  /** Draws the final state of the live table (TTY) and stops redrawing. */
  finish(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.sink.isTTY && this.tasks.size > 0) this.redraw();
  }
}
