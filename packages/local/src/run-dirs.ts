/**
 * The temporary directory of one `dp run` ($TMPDIR/dp-run-XXXXXX: pod dirs, Secret copies, ConfigMaps) and the sweep of
 * such directories left behind by runs that were killed (SIGKILL skips the `finally` that removes them).
 *
 * A run directory is ours only when it carries {@link OWNER_FILE}, written right after the directory is created and
 * before any Secret is copied into it: the owner's pid and, where /proc exists, the process start time and pid namespace.
 * A sweep removes a directory only when that record says its owner is dead: the pid answers ESRCH, or the pid now
 * belongs to a process that started at another time (pid reuse); never for an owner in another pid namespace. No record, an unreadable one, another user's directory or an owner that may
 * be alive: left alone.
 */
import { readFileSync, readlinkSync } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import type { ProcessHost } from './executor.js';

export const RUN_DIR_PREFIX = 'dp-run-';
export const OWNER_FILE = 'dp-run-owner.json';

interface OwnerRecord {
  readonly pid: number;
  /** Field 22 of /proc/<pid>/stat (clock ticks after boot); null where there is no /proc. */
  readonly start: string | null;
  /** The owner's pid namespace (`pid:[4026531836]`); a pid means nothing in another one (containers sharing /tmp). */
  readonly ns?: string | null;
}

/** This process's pid namespace, or null where there is no /proc. */
function pidNamespace(): string | null {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return null;
  }
}

/** The start time of process `pid` as /proc reports it, or null (no /proc, no such process). */
export function processStartTime(pid: number | 'self', procRoot = '/proc'): string | null {
  try {
    const stat = readFileSync(join(procRoot, String(pid), 'stat'), 'utf8');
    // `pid (comm) state ppid ...`: comm may hold spaces and parentheses, so count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null; // field 22 overall; fields[0] is field 3 (state)
  } catch {
    return null;
  }
}

function ownPid(host: Pick<ProcessHost, 'pid'>): number | undefined {
  if (host.pid !== undefined) return host.pid;
  try {
    return Number(readFileSync('/proc/self/stat', 'utf8').split(' ')[0]) || undefined;
  } catch {
    return undefined;
  }
}

/** Creates this run's directory under `tmp` and writes its owner record first thing. */
export async function createRunDir(tmp: string, host: Pick<ProcessHost, 'pid'>): Promise<string> {
  const dir = await mkdtemp(join(tmp, RUN_DIR_PREFIX));
  const pid = ownPid(host);
  // Without a pid nothing can prove the owner dead later, so no record: a sweep never touches the directory.
  if (pid !== undefined) {
    const record: OwnerRecord = { pid, start: processStartTime(pid), ns: pidNamespace() };
    await writeFile(join(dir, OWNER_FILE), `${JSON.stringify(record)}\n`, { mode: 0o600 });
  }
  return dir;
}

function parseOwner(text: string): OwnerRecord | undefined {
  try {
    const v = JSON.parse(text) as Partial<OwnerRecord>;
    if (!Number.isSafeInteger(v.pid) || (v.pid as number) <= 0) return undefined;
    if (v.start !== null && typeof v.start !== 'string') return undefined;
    if (v.ns !== undefined && v.ns !== null && typeof v.ns !== 'string') return undefined;
    return { pid: v.pid as number, start: v.start, ns: v.ns ?? null };
  } catch {
    return undefined;
  }
}

/** Whether the owner of `record` is gone for sure (ESRCH, or its pid now names a process started at another time). */
export function ownerDead(
  record: OwnerRecord,
  host: Pick<ProcessHost, 'kill'>,
  startOf: (pid: number) => string | null = processStartTime,
  ns: string | null = pidNamespace(),
): boolean {
  if ((record.ns ?? null) !== ns) return false; // another pid namespace: its pids cannot be checked from here
  try {
    // Signal 0 only checks that the pid exists; the hosts (process.kill) accept it though the type names signals.
    (host.kill as (pid: number, signal: NodeJS.Signals | 0) => void)(record.pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH'; // EPERM: alive, someone else's process
  }
  if (record.start === null) return false;
  const now = startOf(record.pid);
  return now !== null && now !== record.start;
}

/**
 * Removes the run directories under `tmp` whose owner is dead (see the module comment); returns the removed paths.
 * Never throws: a sweep is housekeeping and must not stop the run that does it.
 */
export async function sweepStaleRunDirs(
  tmp: string,
  host: Pick<ProcessHost, 'kill'>,
  startOf?: (pid: number) => string | null,
): Promise<string[]> {
  const removed: string[] = [];
  let names: string[];
  try {
    names = await readdir(tmp);
  } catch {
    return removed;
  }
  const uid = userInfo().uid;
  const ns = pidNamespace();
  for (const name of names) {
    if (!name.startsWith(RUN_DIR_PREFIX)) continue;
    const dir = join(tmp, name);
    try {
      const st = await lstat(dir);
      if (!st.isDirectory() || (uid >= 0 && st.uid !== uid)) continue; // symlinks, files, other users
      const record = parseOwner(await readFile(join(dir, OWNER_FILE), 'utf8'));
      if (!record || !ownerDead(record, host, startOf, ns)) continue;
      await rm(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // No record (not ours, or a run between mkdtemp and its record), or it vanished meanwhile: leave it.
    }
  }
  return removed;
}
