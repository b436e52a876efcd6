import { type ChildProcess, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRunDir, OWNER_FILE, processStartTime, sweepStaleRunDirs } from '../src/index.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const DP = join(repo, 'packages', 'cli', 'bin', 'dp.js');
const FIX = join(import.meta.dirname, 'fixtures');
const tmp = mkdtempSync(join(tmpdir(), 'stale-dirs-test-'));
const started: ChildProcess[] = [];
const stepPids: number[] = [];
afterAll(() => {
  for (const c of started) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const pid of stepPids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  }
  rmSync(tmp, { recursive: true, force: true });
});

/** This process's pid namespace as the owner records hold it (null without /proc). */
const ns = (() => {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return null;
  }
})();
const host = { kill: (pid: number, signal: NodeJS.Signals) => process.kill(pid, signal) };

const waitFor = async (what: string, check: () => boolean, ms = 20_000) => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('run directories of dead dp runs', () => {
  it('the next dp run removes the dir (and key copy) of a run killed with SIGKILL; live and foreign dirs stay', async () => {
    const tmpRoot = join(tmp, 'TMPDIR');
    mkdirSync(tmpRoot);
    const key = join(tmp, 'key.json');
    writeFileSync(key, '{"private_key":"not a real key"}');
    const runDirs = () => readdirSync(tmpRoot).filter((n) => n.startsWith('dp-run-'));
    const keyCopies = (dir: string) => {
      const pods = join(tmpRoot, dir, 'pods');
      if (!existsSync(pods)) return [];
      return readdirSync(pods).flatMap((p) => {
        const vol = join(pods, p, 'volumes', 'gcp-key');
        return existsSync(vol) ? readdirSync(vol).map((f) => join(vol, f)) : [];
      });
    };
    const dpRun = (pidFile: string, sleep: number) => {
      const child = spawn(
        process.execPath,
        [
          DP,
          'run',
          join(FIX, 'secret-sleep.yaml'),
          '-p',
          `pid-file=${pidFile}`,
          '-p',
          `sleep=${sleep}`,
          '--secret',
          `gcp-key=${key}`,
          '--images-manifest',
          join(FIX, 'images.json'),
          '--warehouse',
          'bigquery',
          '--data-dir',
          join(tmp, 'data'),
        ],
        { cwd: tmp, env: { PATH: process.env.PATH ?? '', HOME: tmp, CI: '1', TMPDIR: tmpRoot } },
      );
      started.push(child);
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      return { child, exited, stderr: () => stderr };
    };

    // Run B: alive through everything below (run A's and run C's sweeps must leave it alone).
    const pidB = join(tmp, 'b.pid');
    const b = dpRun(pidB, 60_000);
    await waitFor('run B step', () => existsSync(pidB) && runDirs().length === 1);
    const dirB = runDirs()[0]!;
    await waitFor('run B key copy', () => keyCopies(dirB).length === 1);
    stepPids.push(Number(readFileSync(pidB, 'utf8')));

    // Run A: killed with SIGKILL while its step holds a copy of the key.
    const pidA = join(tmp, 'a.pid');
    const a = dpRun(pidA, 60_000);
    await waitFor('run A step', () => existsSync(pidA) && runDirs().length === 2);
    const dirA = runDirs().find((d) => d !== dirB)!;
    await waitFor('run A key copy', () => keyCopies(dirA).length === 1);
    expect(readFileSync(keyCopies(dirA)[0]!, 'utf8')).toContain('not a real key');
    const stepA = Number(readFileSync(pidA, 'utf8'));
    stepPids.push(stepA);
    a.child.kill('SIGKILL');
    await a.exited;
    process.kill(-stepA, 'SIGKILL'); // its step is an orphan in a process group of its own
    expect(keyCopies(dirA)).toHaveLength(1); // the leak the sweep exists for

    // Lookalikes without an owner record (another tool's dir, this repo's test dirs): never ours to remove.
    mkdirSync(join(tmpRoot, 'dp-run-test-foreign'));
    writeFileSync(join(tmpRoot, 'dp-run-test-foreign', 'keep'), 'x');

    // Run C: sweeps at its start, then runs to the end.
    const c = dpRun(join(tmp, 'c.pid'), 0);
    expect(await c.exited).toBe(0);
    expect(c.stderr()).toMatch(/removed 1 temp dir\(s\) of dead dp runs/);
    expect(existsSync(join(tmpRoot, dirA))).toBe(false);
    expect(keyCopies(dirB)).toHaveLength(1);
    expect(existsSync(join(tmpRoot, 'dp-run-test-foreign', 'keep'))).toBe(true);

    // B stopped normally removes its own dir.
    b.child.kill('SIGTERM');
    await b.exited;
    expect(existsSync(join(tmpRoot, dirB))).toBe(false);
  }, 60_000);

  it('sweeps only directories whose owner record proves the owner dead', async () => {
    const root = join(tmp, 'unit');
    mkdirSync(root);
    const own = await createRunDir(root, { pid: process.pid });
    const record = JSON.parse(readFileSync(join(own, OWNER_FILE), 'utf8')) as {
      pid: number;
      start: unknown;
      ns: unknown;
    };
    expect(record.pid).toBe(process.pid);
    expect(record.start).toBe(processStartTime(process.pid));
    expect(record.ns).toBe(ns);
    const planted = (name: string, owner?: string) => {
      const dir = join(root, name);
      mkdirSync(dir);
      if (owner !== undefined) writeFileSync(join(dir, OWNER_FILE), owner);
      return dir;
    };
    // A process that has exited: its pid answers ESRCH (a pid is not reused within this test in practice).
    const gone = spawn(process.execPath, ['-e', '0']);
    const gonePid = gone.pid!;
    await new Promise((r) => gone.on('exit', r));
    const dead = planted('dp-run-dead', JSON.stringify({ pid: gonePid, start: null, ns }));
    // Our own pid with another start time: the pid was reused, the owner is dead.
    const reused = planted('dp-run-reused', JSON.stringify({ pid: process.pid, start: '1', ns }));
    const live = planted(
      'dp-run-live',
      JSON.stringify({ pid: process.pid, start: processStartTime(process.pid), ns }),
    );
    const noStart = planted('dp-run-nostart', JSON.stringify({ pid: process.pid, start: null, ns }));
    const garbage = planted('dp-run-garbage', '{"pid": "1; rm -rf /"');
    const negative = planted('dp-run-negative', JSON.stringify({ pid: -1, start: null }));
    const bare = planted('dp-run-bare');
    // A dead pid, but recorded in another pid namespace (a container sharing /tmp): not checkable from here.
    const foreignNs = planted(
      'dp-run-other-ns',
      JSON.stringify({ pid: gonePid, start: null, ns: 'pid:[1]' }),
    );
    writeFileSync(join(root, 'dp-run-file'), 'not a dir');
    symlinkSync(dead, join(root, 'dp-run-link'));
    const other = planted('other-dead', JSON.stringify({ pid: gonePid, start: null, ns }));

    const removed = await sweepStaleRunDirs(root, host);
    // Without /proc (not Linux) there is no start time to compare: a reused pid then keeps its dir (the safe side).
    const proc = processStartTime(process.pid) !== null;
    expect(removed.sort()).toEqual((proc ? [dead, reused] : [dead]).sort());
    for (const kept of [
      own,
      live,
      noStart,
      garbage,
      negative,
      bare,
      foreignNs,
      other,
      join(root, 'dp-run-file'),
    ])
      expect(existsSync(kept)).toBe(true);
    // The symlink was not followed into (its target went because of its own record, not through the link).
    expect(readdirSync(root)).toContain('dp-run-link');
  });
});
