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

const up = (n: number): string => (n > 0 ? `\x1b[${n}A` : '');

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

/**
 * The live view of one workflow run. On a terminal it owns the lines below the cursor: a table redrawn in place on
 * every state change and once a second while a task runs (its DURATION ticks), with other output (`println`: log
 * lines, `-v` step lines) printed above it. `finish()` erases it, so that the summary printed next is the only table
 * left on the screen and in the scrollback. Not on a terminal (CI, a pipe): one plain line per state change.
 */
export class ProgressReporter implements Reporter {
  private readonly tasks = new Map<TaskRecord, string>();
  private drawnLines = 0;
  private pending: NodeJS.Timeout | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private finished = false;

  constructor(
    private readonly sink: ProgressSink,
    private readonly clock: () => number = Date.now,
    /** How often a running task's duration is redrawn on a terminal. */
    private readonly tickMs = 1000,
  ) {}

  taskChanged(task: TaskRecord): void {
    if (this.finished) return;
    const key = `${task.phase}/${task.attempts}/${task.message}`;
    if (this.tasks.get(task) === key) return;
    this.tasks.set(task, key);
    if (this.sink.isTTY) {
      this.pending ??= setTimeout(() => {
        this.pending = undefined;
        this.redraw();
      }, 100);
      this.ticker ??= setInterval(() => this.tick(), this.tickMs);
      this.ticker.unref?.();
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

  /** Prints `text` (whole lines) above the live table, which is redrawn below it; plain output otherwise. */
  println(text: string): void {
    const line = text.endsWith('\n') ? text : `${text}\n`;
    if (!this.sink.isTTY || this.finished || this.drawnLines === 0) {
      this.sink.write(line);
      return;
    }
    this.sink.write(`${this.erase()}${line}${this.draw(0)}`);
  }

  /** Erases the live table (terminal) and stops redrawing; the caller prints the summary next. Idempotent. */
  finish(): void {
    if (this.pending) clearTimeout(this.pending);
    if (this.ticker) clearInterval(this.ticker);
    this.pending = undefined;
    this.ticker = undefined;
    if (this.finished) return;
    this.finished = true;
    if (this.sink.isTTY && this.drawnLines > 0) this.sink.write(this.erase());
  }

  private tick(): void {
    if ([...this.tasks.keys()].some((t) => t.phase === 'Running')) this.redraw();
  }

  private redraw(): void {
    if (this.finished) return;
    const drawn = this.drawnLines;
    this.sink.write(`${up(drawn)}${this.draw(drawn)}`);
  }

  /**
   * Blanks the lines of the table drawn last and leaves the cursor where it started. Line by line (erase-line), never
   * "clear to the end of the screen": from the top-left corner some terminals (tmux) push the whole screen into the
   * scrollback first, which would leave a stale copy of the table there on every redraw.
   */
  private erase(): string {
    const n = this.drawnLines;
    this.drawnLines = 0;
    return n > 0 ? `${up(n)}${'\x1b[2K\n'.repeat(n)}${up(n)}` : '';
  }

  /** Writes the table over `previous` lines at the cursor (each line cleared to its end), blanking leftovers. */
  private draw(previous: number): string {
    const lines = this.render();
    this.drawnLines = lines.length;
    const extra = previous - lines.length;
    const body = lines.map((l) => `\r${l}\x1b[K\n`).join('');
    return extra > 0 ? `${body}${'\x1b[2K\n'.repeat(extra)}${up(extra)}` : body;
  }

  private render(): string[] {
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
    return lines;
  }
}
