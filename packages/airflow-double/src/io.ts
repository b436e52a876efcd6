import { appendFileSync } from 'node:fs';
import { logTimestamp } from './naive-date.js';

export interface Out {
  write(chunk: string | Uint8Array): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

export type Level = 'INFO' | 'WARNING' | 'ERROR';

/** One Python logging line: `[2018-01-10 12:00:00,123] {jobs.py:2020} INFO - message`. */
export function logLine(where: string, level: Level, message: string, now: Date = new Date()): string {
  return `[${logTimestamp(now)}] {${where}} ${level} - ${message}`;
}

/** Where a command writes: stdout/stderr streams plus the argv audit log of AIRFLOW_DOUBLE_ARGV_LOG. */
export class Io {
  constructor(
    readonly stdout: Out,
    readonly stderr: Out,
    private readonly argvLogPath: string | undefined,
    private readonly pid: number,
  ) {}

  out(text: string): void {
    this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  err(text: string): void {
    this.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  log(where: string, level: Level, message: string): void {
    this.out(logLine(where, level, message));
  }

  /** Records an argv (of this process, a spawned child, or a child the real Airflow would have spawned). */
  recordArgv(kind: 'invocation' | 'child' | 'simulated-child', argv: readonly string[]): void {
    if (!this.argvLogPath) return;
    appendFileSync(this.argvLogPath, `${JSON.stringify({ pid: this.pid, kind, argv })}\n`);
  }
}
