/** Runs an operator bin as a real subprocess (async, so an in-process fake server can answer). Test support only. */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OperatorDefinition } from '@data-pipeline/runner';
import { runInProcess as runnerInProcess, tempDir } from '@data-pipeline/runner/testing';
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
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
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
