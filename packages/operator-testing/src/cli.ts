/** Runs an operator bin as a real subprocess (async, so an in-process fake server can answer). Test support only. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OperatorDefinition } from '@data-pipeline/runner';
import { runInProcess as runnerInProcess, spawnCollecting, tempDir } from '@data-pipeline/runner/testing';
import { expect } from 'vitest';

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function runCli(
  bin: string,
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 20_000,
): Promise<CliResult> {
  const { child, closed } = spawnCollecting(process.execPath, [bin, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, ...env },
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return closed.finally(() => clearTimeout(timer));
}

export { tempDir };

/** The bad-input contract: exit `code`, and stderr is one line matching `message`. */
export function expectOneLineFailure(
  r: { code: number | null; stderr: string },
  code: number,
  message: RegExp,
): void {
  expect(r.code).toBe(code);
  expect(r.stderr).toMatch(message);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
}

/**
 * A step's failure as a bin reports it: exit `code`, exactly one non-empty stderr line, `<bin>: …` matching
 * `pattern`, no stack trace in stderr (`noTrace`, a Node frame by default), and `exit-code` written.
 */
export function expectStepFailure(
  r: { code: number | null; stderr: string; outputs: Record<string, string> },
  bin: string,
  code: number,
  pattern: RegExp,
  noTrace: RegExp = /\n\s+at .*:\d+:\d+/,
): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]?.startsWith(`${bin}: `), lines[0]).toBe(true);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(noTrace);
  expect(r.outputs['exit-code']).toBe(String(code));
}

export function readOutputs(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

/** `readOutputs`, or `{}` when the run wrote no outputs folder (or it cannot be read). */
export function readOutputsIfAny(dir: string): Record<string, string> {
  try {
    return readOutputs(dir);
  } catch {
    return {};
  }
}

/** Runs an operator CLI in-process (the runner's test support), with this process's PATH unless env overrides it. */
export function runInProcess(
  definition: OperatorDefinition,
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runnerInProcess(definition, args, { PATH: process.env.PATH, ...env });
}
