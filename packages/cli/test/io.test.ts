/**
 * The command modules take a CliIo and RETURN their exit code; only src/cli.ts touches `process`.
 * These run the commands in-process with a fake io (no subprocess for the dp binary itself).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_CODES } from '@data-pipeline/local';
import { describe, expect, it } from 'vitest';
import { exampleCommand } from '../src/commands/example.js';
import { queryCommand } from '../src/commands/query.js';
import { type RunFlags, runCommand } from '../src/commands/run.js';
import { type CliIo, interruptedFor } from '../src/io.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const FIX = join(repo, 'packages', 'local', 'test', 'fixtures');

function fakeIo(signal: AbortSignal = new AbortController().signal): CliIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stdout: (t: string) => {
      io.out += t;
    },
    stderr: (t: string) => {
      io.err += t;
    },
    env: { PATH: process.env.PATH },
    cwd: repo,
    isTTY: false,
    columns: undefined,
    rows: undefined,
    signal,
  };
  return io;
}

const flags = (extra: Partial<RunFlags> = {}): RunFlags => ({
  param: [],
  warehouse: 'bigquery',
  dataDir: '.data',
  engine: 'native',
  secret: [],
  imagesManifest: join(FIX, 'images.json'),
  timeScale: '0.1',
  ...extra,
});

describe('command modules: io in, exit code out', () => {
  it('only src/cli.ts touches process', () => {
    const src = join(repo, 'packages', 'cli', 'src');
    const mine = ['program.ts', 'io.ts', 'commands/run.ts', 'commands/query.ts', 'commands/example.ts'];
    for (const f of mine) expect(readFileSync(join(src, f), 'utf8'), f).not.toMatch(/\bprocess\./);
    expect(readdirSync(join(src, 'commands')).sort()).toEqual([
      'example.ts',
      'lint.ts',
      'query.ts',
      'run.ts',
      'warehouse.ts',
    ]);
  });

  it('dp run returns task-failed and writes the summary naming the failing task', async () => {
    const io = fakeIo();
    const code = await runCommand(join(FIX, 'failure.yaml'), flags(), io);
    expect(code).toBe(EXIT_CODES['task-failed']);
    expect(io.out).toMatch(/^bad\s+Failed\s+1\s/m);
    expect(io.out).toMatch(/^dependent\s+Omitted/m);
    expect(io.err).toMatch(/bad: Failed/);
  });

  it('an aborted signal makes the command return the signal exit code', async () => {
    const c = new AbortController();
    c.abort(interruptedFor('SIGINT'));
    const io = fakeIo(c.signal);
    expect(await runCommand(join(FIX, 'failure.yaml'), flags(), io)).toBe(EXIT_CODES.interrupted);
  });

  it('bad input returns the documented code with one line, for run, query and example', async () => {
    const io = fakeIo();
    expect(await runCommand(join(FIX, 'failure.yaml'), flags({ engine: 'spark' }), io)).toBe(
      EXIT_CODES.usage,
    );
    expect(await runCommand(join(FIX, 'unsupported.yaml'), flags(), io)).toBe(EXIT_CODES['invalid-input']);
    expect(await queryCommand(' ', { dataDir: '.data', format: 'table', project: 'p' }, io)).toBe(
      EXIT_CODES.usage,
    );
    expect(
      await exampleCommand({ dataDir: '.data', report: 'r.html', engine: 'native', runDate: 'x' }, io),
    ).toBe(EXIT_CODES.usage);
    expect(io.err.trim().split('\n')).toEqual([
      expect.stringMatching(/^dp run: --engine must be native or airflow/),
      expect.stringMatching(/^dp run: .*unsupported field/),
      'dp query: the SQL text is empty',
      'dp example: --run-date must be YYYYMMDD, got "x"',
    ]);
    expect(io.out).toBe('');
  });
});
