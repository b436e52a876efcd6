import { readdirSync, readFileSync } from 'node:fs';

/** One process seen under a tracked root: enough to tell later whether that same process is still alive. */
export interface SeenProcess {
  readonly pid: number;
  readonly pgid: number;
  /** Start time in clock ticks since boot (field 22 of /proc/PID/stat): tells a reused pid apart. */
  readonly startTime: string;
  /** Every distinct argv seen (a forked child shows its parent's argv until it execs). */
  readonly argvs: string[][];
}

interface Stat {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly state: string;
  readonly startTime: string;
}

/** Parses /proc/PID/stat; the command name is in parentheses and may itself contain spaces or parentheses. */
function readStat(pid: string): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return {
    pid: Number(pid),
    state: rest[0] as string,
    ppid: Number(rest[1]),
    pgid: Number(rest[2]),
    startTime: rest[19] as string,
  };
}

/** Children of every thread of `pid` (/proc/PID/task/TID/children), or none once it is gone. */
function childrenOf(pid: number): number[] {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const tid of tids) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' '))
        if (c.trim() !== '') out.push(Number(c));
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** Every live descendant of `root`, walked top-down (cheap: only the tree is read, not all of /proc). */
function descendants(root: number): number[] {
  const out: number[] = [];
  const queue = childrenOf(root);
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    out.push(pid);
    queue.push(...childrenOf(pid));
  }
  return out;
}

function readArgv(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Samples /proc every `intervalMs` and records every descendant of each tracked root pid (its argv as the kernel
 * shows it to everyone, its process group), including processes that change group (`setsid`): they stay children of
 * their parent. A process is recorded while its parent lives, so re-parenting after the parent dies does not hide
 * it from `isAlive`. Linux only (needs /proc/PID/task/TID/children).
 */
export class ProcessWatch {
  private readonly roots = new Map<number, Map<string, SeenProcess>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs = 100) {}

  start(): void {
    this.timer ??= setInterval(() => this.scan(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Starts recording `root`'s descendants: `seen()` is what was recorded so far, `stop()` ends and returns it. */
  track(root: number): { seen: () => SeenProcess[]; stop: () => SeenProcess[] } {
    const seen = new Map<string, SeenProcess>();
    this.roots.set(root, seen);
    this.scan();
    return {
      seen: () => [...seen.values()],
      stop: () => {
        this.roots.delete(root);
        return [...seen.values()];
      },
    };
  }

  /** Whether that very process (same pid and start time) still exists and is not a zombie. */
  static isAlive(p: SeenProcess): boolean {
    const st = readStat(String(p.pid));
    return st !== undefined && st.startTime === p.startTime && st.state !== 'Z';
  }

  private scan(): void {
    for (const [root, seen] of this.roots) {
      for (const pid of descendants(root)) {
        const st = readStat(String(pid));
        if (!st || st.state === 'Z') continue;
        const argv = readArgv(pid);
        if (argv.length === 0) continue;
        const key = `${pid}:${st.startTime}`;
        const known = seen.get(key);
        if (!known) seen.set(key, { pid, pgid: st.pgid, startTime: st.startTime, argvs: [argv] });
        else if (argv.join('\0') !== (known.argvs.at(-1) ?? []).join('\0')) known.argvs.push(argv);
      }
    }
  }
}
