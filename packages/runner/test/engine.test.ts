import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runOperatorCli } from '../src/index.js';
import { captureIO, sampleDefinition, tempDir } from './helpers.js';

const STUBBORN = join(import.meta.dirname, 'fixtures', 'stubborn-airflow');
const SCRIPTED = join(import.meta.dirname, 'fixtures', 'scripted-airflow');
const STRAGGLER = join(import.meta.dirname, 'fixtures', 'straggler-airflow');
const dirs: Array<() => void> = [];
afterEach(() => {
  for (const c of dirs.splice(0)) c();
});

/** Running (not gone, not a zombie waiting for its reaper). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

describe('Airflow engine signal handling', () => {
  it('SIGKILLs the process group after the grace period when Airflow ignores SIGTERM; exits 143', async () => {
    const d = tempDir();
    dirs.push(d.cleanup);
    const pidFile = join(d.path, 'pid');
    const io = captureIO(
      ['--task-id', 't', '--execution-date', '2026-11-23', '--bql', 'x', '--kill-grace-period', '0.3'],
      { PATH: `${STUBBORN}:/usr/bin:/bin`, TMPDIR: d.path, STUBBORN_PID_FILE: pidFile },
    );
    const started = Date.now();
    const timer = setInterval(() => {
      if (io.out().includes('stubborn backfill started')) {
        clearInterval(timer);
        io.controller.abort('SIGTERM');
      }
    }, 20);
    const code = await runOperatorCli(sampleDefinition(), io);
    clearInterval(timer);
    expect(code).toBe(143);
    expect(Date.now() - started).toBeLessThan(8_000);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(pid)).toBe(false);
    expect(io.err()).toBe('sample-operator: stopped by SIGTERM\n');
    expect(readdirSync(d.path).filter((f) => f.startsWith('dp-airflow-'))).toEqual([]);
    expect(existsSync(pidFile)).toBe(true);
  });
});

describe('Airflow engine with a scripted airflow', () => {
  function setup(taskLog: string, exit = '0') {
    const d = tempDir();
    dirs.push(d.cleanup);
    const record = join(d.path, 'record');
    const outputs = join(d.path, 'out');
    const io = captureIO(
      [
        '--task-id',
        'my_task',
        '--dag-id',
        'my_dag',
        '--execution-date',
        '20261123',
        '--bql',
        'SELECT "q"',
        '--outputs-dir',
        outputs,
      ],
      {
        PATH: `${SCRIPTED}:/usr/bin:/bin`,
        TMPDIR: d.path,
        TASK: 'my_task',
        SCRIPTED_TASK_LOG: taskLog,
        SCRIPTED_EXIT: exit,
        SCRIPTED_RECORD: record,
        AIRFLOW__CORE__SQL_ALCHEMY_CONN: 'mysql://elsewhere',
      },
    );
    return { io, record, outputs, dir: d.path };
  }

  it('runs backfill with the documented argv and env, harvests outputs from the task log, removes the home', async () => {
    const def = sampleDefinition({
      harvestOutputs: (log) => ({ 'job-id': log.find((l) => l.startsWith('job='))?.slice(4) ?? '' }),
    });
    const { io, record, outputs, dir } = setup(
      'job=job_42\n[x] {jobs.py:2124} INFO - Task exited with return code 0',
    );
    expect(await runOperatorCli(def, io)).toBe(0);
    const rec = readFileSync(record, 'utf8');
    expect(rec).toMatch(/^argv: backfill -s 2026-11-23 -e 2026-11-23 -sd \S+\/dags\/my_dag\.py my_dag$/m);
    expect(rec).toMatch(/^LOAD_EXAMPLES=False$/m);
    expect(rec).toMatch(/^SQL_ALCHEMY_CONN=unset$/m);
    expect(rec).toMatch(/^home mode: 700$/m);
    expect(rec).toContain('"bql": "SELECT \\"q\\""');
    expect(readFileSync(join(outputs, 'job-id'), 'utf8')).toBe('job_42');
    const taskRecords = io
      .out()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l))
      .filter((r) => r.src === 'task-log');
    expect(taskRecords.map((r) => r.msg)).toContain('job=job_42');
    expect(taskRecords.every((r) => r.task_id === 'my_task')).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith('dp-airflow-'))).toEqual([]);
  });

  it('keeps the head and the tail of a huge task log for harvestOutputs, in order, in linear time', async () => {
    let seen: readonly string[] = [];
    const def = sampleDefinition({
      harvestOutputs: (log) => {
        seen = log;
        return {};
      },
    });
    const { io } = setup('[x] {jobs.py:2124} INFO - Task exited with return code 0');
    const started = Date.now();
    expect(await runOperatorCli(def, { ...io, env: { ...io.env, SCRIPTED_TASK_LOG_LINES: '130000' } })).toBe(
      0,
    );
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(seen).toHaveLength(100_000);
    expect(seen[0]).toBe('filler line 1');
    expect(seen[49_999]).toBe('filler line 50000');
    expect(seen[50_000]).toBe('filler line 80002');
    expect(seen.at(-1)).toBe('[x] {jobs.py:2124} INFO - Task exited with return code 0');
  });

  it('classifyLog overrides the shared table; a task log without return code 0 is not a success', async () => {
    const def = sampleDefinition({
      classifyLog: (log) => (log.some((l) => l.includes('SCHEMA_CLASH')) ? 'invalid-input' : undefined),
    });
    const a = setup('SCHEMA_CLASH in table', '1');
    expect(await runOperatorCli(def, a.io)).toBe(65);
    const b = setup('no return code line here');
    expect(await runOperatorCli(sampleDefinition(), b.io)).toBe(78);
    expect(b.io.err()).toMatch(/ran nothing: the task log does not show "Task exited with return code 0"/);
  });
});

describe('Airflow engine and stray processes', () => {
  it('does not wait forever for a grandchild holding stdout after Airflow exited; kills it', async () => {
    const d = tempDir();
    dirs.push(d.cleanup);
    const pidFile = join(d.path, 'pid');
    const io = captureIO(['--task-id', 't', '--execution-date', '2026-11-23', '--bql', 'x'], {
      PATH: `${STRAGGLER}:/usr/bin:/bin`,
      TMPDIR: d.path,
      STRAGGLER_PID_FILE: pidFile,
    });
    const started = Date.now();
    expect(await runOperatorCli(sampleDefinition(), io)).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(alive(Number(readFileSync(pidFile, 'utf8')))).toBe(false);
  });
});
