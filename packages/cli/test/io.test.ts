/**
 * The command modules take a CliIo and RETURN their exit code; only src/cli.ts touches `process`.
 * These run the commands in-process with a fake io (no subprocess for the dp binary itself).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_CODES } from '@data-pipeline/runner/exit-codes';
import { describe, expect, it } from 'vitest';
import { exampleCommand } from '../src/commands/example.js';
import { lintCommand } from '../src/commands/lint.js';
import { queryCommand } from '../src/commands/query.js';
import { type RunFlags, runCommand } from '../src/commands/run.js';
import { warehouseSeed, warehouseServe } from '../src/commands/warehouse.js';
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
    host: { nodePath: process.execPath, kill: (pid: number, sig: NodeJS.Signals) => process.kill(pid, sig) },
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
  logFormat: 'auto',
  ...extra,
});

describe('command modules: io in, exit code out', () => {
  it('only src/cli.ts touches process', () => {
    const src = join(repo, 'packages', 'cli', 'src');
    const mine = [
      'program.ts',
      'program-convert.ts',
      'io.ts',
      'commands/run.ts',
      'commands/query.ts',
      'commands/example.ts',
      'commands/lint.ts',
      'commands/warehouse.ts',
      'commands/convert.ts',
    ];
    for (const f of mine) expect(readFileSync(join(src, f), 'utf8'), f).not.toMatch(/\bprocess\./);
    expect(readdirSync(join(src, 'commands')).sort()).toEqual([
      'convert.ts',
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
    expect(await runCommand(join(FIX, 'failure.yaml'), flags({ logFormat: 'xml' }), io)).toBe(
      EXIT_CODES.usage,
    );
    expect(await queryCommand(' ', { dataDir: '.data', format: 'table', project: 'p' }, io)).toBe(
      EXIT_CODES.usage,
    );
    expect(
      await exampleCommand({ dataDir: '.data', report: 'r.html', engine: 'native', runDate: 'x' }, io),
    ).toBe(EXIT_CODES.usage);
    expect(io.err.trim().split('\n')).toEqual([
      expect.stringMatching(/^dp run: --engine must be native or airflow/),
      expect.stringMatching(/^dp run: .*unsupported field/),
      'dp run: --log-format must be auto, pretty or json, got "xml"',
      'dp query: the SQL text is empty',
      'dp example: --run-date must be YYYYMMDD or YYYY-MM-DD, got "x"',
    ]);
    expect(io.out).toBe('');
  });

  it('dp lint returns its codes through io: clean 0, problems 1, missing path 64', () => {
    const lintFix = join(repo, 'packages', 'lint', 'test', 'fixtures');
    const io = fakeIo();
    expect(lintCommand([join(lintFix, 'good')], {}, io)).toBe(EXIT_CODES.success);
    expect(io.err).toBe('');
    expect(lintCommand([join(lintFix, 'bad', 'dependency-cycle.yaml')], {}, io)).toBe(
      EXIT_CODES['task-failed'],
    );
    expect(io.out).toMatch(/dependency-cycle\.yaml:\d+: /);
    expect(lintCommand(['no-such-dir.yaml'], {}, io)).toBe(EXIT_CODES.usage);
    expect(io.err.trim().split('\n')).toEqual([
      expect.stringMatching(/^dp lint: \d+ problem\(s\) in 1 file\(s\)$/),
      expect.stringMatching(/^dp lint: .*no-such-dir\.yaml$/),
    ]);
  });

  it('dp warehouse serve prints its URL, then stops on the io signal with the signal exit code', async () => {
    const c = new AbortController();
    const io = fakeIo(c.signal);
    const served = warehouseServe(
      { port: '0', host: '127.0.0.1', dataDir: '.data', inMemory: true, project: 'local-project' },
      io,
    );
    await expect
      .poll(() => io.out, { timeout: 10_000 })
      .toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(in memory\)/);
    const url = /listening on (\S+)/.exec(io.out)?.[1] ?? '';
    expect((await fetch(`${url}/bigquery/v2/projects/local-project/datasets`)).status).toBe(200);
    c.abort(interruptedFor('SIGTERM'));
    expect(await served).toBe(EXIT_CODES.terminated);
    expect(io.out).toMatch(/warehouse stopping \(SIGTERM\)\n$/);
    expect(io.err).toBe('');
  });

  it('dp warehouse bad flags return 64 with one line, nothing started', async () => {
    const io = fakeIo();
    const serve = { port: '99999', host: '127.0.0.1', dataDir: '.data', inMemory: true, project: 'p' };
    expect(await warehouseServe(serve, io)).toBe(EXIT_CODES.usage);
    const seed = { from: '2024-01-01', to: 'x', scale: '1', seed: '42', dataDir: '.data' };
    expect(await warehouseSeed(seed, io)).toBe(EXIT_CODES.usage);
    expect(io.err.trim().split('\n')).toEqual([
      'dp warehouse serve: --port must be an integer 0-65535, got "99999"',
      'dp warehouse seed: --to must be YYYY-MM-DD or YYYYMMDD, got "x"',
    ]);
    expect(io.out).toBe('');
  });
});
