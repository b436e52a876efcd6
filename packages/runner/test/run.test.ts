import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AIRFLOW_NOT_ON_PATH, type NativeContext, OperatorError, runOperatorCli } from '../src/index.js';
import { captureIO, sampleDefinition, tempDir } from './helpers.js';

const dirs: Array<() => void> = [];
afterEach(() => {
  for (const c of dirs.splice(0)) c();
});

function outDir(): string {
  const d = tempDir();
  dirs.push(d.cleanup);
  return join(d.path, 'outputs');
}

const argv = (outputs: string) => [
  '--task-id',
  'native_task',
  '--execution-date',
  '2026-11-23',
  '--bql',
  'SELECT 1',
  '--engine',
  'native',
  '--outputs-dir',
  outputs,
];

describe('runOperatorCli with the native engine', () => {
  it('passes validated kwargs and context, writes outputs atomically, exits 0', async () => {
    let seen: NativeContext<Record<string, unknown>> | undefined;
    const def = sampleDefinition({
      native: async (ctx) => {
        seen = ctx as NativeContext<Record<string, unknown>>;
        ctx.log.info('working', { rows: 3 });
        return { outputs: { 'job-id': 'job_123' } };
      },
    });
    const outputs = outDir();
    const io = captureIO(argv(outputs), { BIGQUERY_EMULATOR_HOST: 'http://127.0.0.1:1' });
    expect(await runOperatorCli(def, io)).toBe(0);
    expect(seen?.kwargs).toEqual({ bql: 'SELECT 1', use_legacy_sql: true, priority: 'INTERACTIVE' });
    expect(seen?.executionDate.toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(seen?.extra['bigquery-endpoint']).toBe('http://127.0.0.1:1');
    expect(readFileSync(join(outputs, 'job-id'), 'utf8')).toBe('job_123');
    expect(readFileSync(join(outputs, 'exit-class'), 'utf8')).toBe('success');
    expect(readFileSync(join(outputs, 'exit-code'), 'utf8')).toBe('0');
    const records = io
      .out()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.find((r) => r.msg === 'working')).toMatchObject({
      rows: 3,
      src: 'native',
      task_id: 'native_task',
    });
    expect(io.err()).toBe('');
  });

  it('renders the templatedFields before native() and hands it renderTemplate for derived templates', async () => {
    let seen: Record<string, unknown> | undefined;
    let derived: string | undefined;
    const def = sampleDefinition({
      native: async (ctx) => {
        seen = ctx.kwargs as Record<string, unknown>;
        derived = await ctx.renderTemplate('sql1', "WHERE ds='{{ macros.ds_add(ds, -7) }}'");
        return { outputs: {} };
      },
    });
    const outputs = outDir();
    const args = argv(outputs).map((a) => (a === 'SELECT 1' ? "SELECT '{{ ds }}'" : a));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a BigQuery partition decorator
    const io = captureIO([...args, '--destination-dataset-table', 'd.t${{ ds_nodash }}']);
    expect(await runOperatorCli(def, io)).toBe(0);
    expect(seen).toMatchObject({ bql: "SELECT '2026-11-23'", destination_dataset_table: 'd.t$20261123' });
    expect(derived).toBe("WHERE ds='2026-11-16'");
  });

  it('a templated field that does not render → 65 naming the field; native() is never called', async () => {
    let called = false;
    const def = sampleDefinition({
      native: async () => {
        called = true;
        return { outputs: {} };
      },
    });
    const outputs = outDir();
    const args = argv(outputs).map((a) => (a === 'SELECT 1' ? 'SELECT {{ macros.nope(ds) }}' : a));
    const io = captureIO(args);
    expect(await runOperatorCli(def, io)).toBe(65);
    expect(io.err()).toMatch(/^sample-operator: cannot render bql: UndefinedError: .*\n$/);
    expect(called).toBe(false);
  });

  it('maps OperatorError to its class with one line on stderr, and empty operator outputs', async () => {
    const def = sampleDefinition({
      native: async () => {
        throw new OperatorError('transient', 'rate limited: try later');
      },
    });
    const outputs = outDir();
    const io = captureIO(argv(outputs));
    expect(await runOperatorCli(def, io)).toBe(75);
    expect(io.err()).toBe('sample-operator: rate limited: try later\n');
    expect(readFileSync(join(outputs, 'exit-class'), 'utf8')).toBe('transient');
    expect(readFileSync(join(outputs, 'job-id'), 'utf8')).toBe('');
  });

  it('maps unknown errors to 1 with the first line only, never a stack', async () => {
    const def = sampleDefinition({
      native: async () => {
        throw new TypeError('cannot read x\n    at secret/stack.js:1:1');
      },
    });
    const io = captureIO(argv(outDir()));
    expect(await runOperatorCli(def, io)).toBe(1);
    expect(io.err()).toBe('sample-operator: unexpected error: cannot read x\n');
  });

  it('returns 143 when aborted with SIGTERM (130 for SIGINT) while the implementation hangs', async () => {
    for (const [sig, code] of [
      ['SIGTERM', 143],
      ['SIGINT', 130],
    ] as const) {
      const def = sampleDefinition({ native: () => new Promise(() => undefined) });
      const outputs = outDir();
      const io = captureIO(argv(outputs));
      setTimeout(() => io.controller.abort(sig), 50);
      expect(await runOperatorCli(def, io)).toBe(code);
      expect(readFileSync(join(outputs, 'exit-code'), 'utf8')).toBe(String(code));
    }
  });

  it('logs readable lines (pino-pretty) on a TTY', async () => {
    const def = sampleDefinition({
      native: async (ctx) => {
        ctx.log.info('hello from native');
        return { outputs: {} };
      },
    });
    const io = { ...captureIO(argv(outDir())), isTTY: true };
    expect(await runOperatorCli(def, io)).toBe(0);
    expect(io.out()).toMatch(/INFO.*hello from native/);
    expect(io.out().split('\n')[0]?.startsWith('{')).toBe(false);
  });

  it('prints help and version without writing anything', async () => {
    const outputs = outDir();
    const io = captureIO(['--help', '--outputs-dir', outputs]);
    expect(await runOperatorCli(sampleDefinition(), io)).toBe(0);
    expect(io.out()).toContain('usage: sample-operator');
    expect(existsSync(outputs)).toBe(false);
    const io2 = captureIO(['--version']);
    expect(await runOperatorCli(sampleDefinition(), io2)).toBe(0);
    expect(io2.out()).toBe('sample-operator 1.2.3\n');
  });

  it('writes exit-class even for usage errors when --outputs-dir is given', async () => {
    const outputs = outDir();
    const io = captureIO(['--task-id', 't', '--outputs-dir', outputs, '--execution-date', 'nope']);
    expect(await runOperatorCli(sampleDefinition(), io)).toBe(64);
    expect(readFileSync(join(outputs, 'exit-class'), 'utf8')).toBe('usage');
    expect(io.err().trim().split('\n')).toHaveLength(1);
  });
});

describe('runOperatorCli with the Airflow engine (no airflow needed for these)', () => {
  it('refuses kwargs named task_id or dag (they would break the DAG import) with 65', async () => {
    const { z } = await import('zod');
    const def = sampleDefinition({ kwargs: z.object({ dag: z.string() }), fileFields: [] });
    const io = captureIO(['--task-id', 't', '--execution-date', '2026-11-23', '--dag', 'x']);
    expect(await runOperatorCli(def, io)).toBe(65);
    expect(io.err()).toBe('sample-operator: kwarg dag is set by the runner and must not be given\n');
  });

  it('airflow missing from PATH → 78 with one line', async () => {
    const io = captureIO(['--task-id', 't', '--execution-date', '2026-11-23', '--bql', 'x'], {
      PATH: '/nonexistent',
    });
    expect(await runOperatorCli(sampleDefinition(), io)).toBe(78);
    expect(io.err()).toBe(`sample-operator: ${AIRFLOW_NOT_ON_PATH}\n`);
  });
});

describe('main (the process edge)', () => {
  it("routes Node's process warnings (google-auth's MetadataLookupWarning) to the log: stderr keeps one line", async () => {
    const bin = join(import.meta.dirname, 'fixtures', 'warning-operator.mjs');
    const conns = tempDir();
    const env = { PATH: process.env.PATH, DP_CONNECTIONS_DIR: conns.path };
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        [bin, '--task-id', 't', '--execution-date', '2026-11-23'],
        { env },
        (_err, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
      );
    }).finally(conns.cleanup);
    expect(r.stderr).toBe('warning-operator: no credentials found\n');
    expect(r.code).toBe(78);
    const warnings = r.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((rec) => rec.warning === 'MetadataLookupWarning');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: 40,
      src: 'node',
      msg: expect.stringContaining('All promises'),
    });
  });
});
