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

function readArgv(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/**
 * Samples /proc every `intervalMs` and records every descendant of each tracked root pid (its argv as the kernel
 * shows it to everyone, its process group), including processes that re-parent or change group (`setsid`) later.
 * Linux only. One watcher serves all concurrent runs of a test file, so the scan cost does not multiply.
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
    if (this.roots.size === 0) return;
    const stats = new Map<number, Stat>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const st = readStat(entry);
      if (st) stats.set(st.pid, st);
    }
    for (const [root, seen] of this.roots) {
      for (const st of stats.values()) {
        const key = `${st.pid}:${st.startTime}`;
        if (st.state === 'Z') continue;
        const known = seen.get(key);
        if (known) {
          const argv = readArgv(st.pid);
          const last = known.argvs.at(-1) ?? [];
          if (argv.length > 0 && argv.join('\0') !== last.join('\0')) known.argvs.push(argv);
          continue;
        }
        // Walk up to root. Processes are recorded while their parents live, so a later re-parenting does not matter.
        let cur: Stat | undefined = st;
        let hops = 0;
        let mine = false;
        while (cur && cur.pid > 1 && hops++ < 64) {
          if (cur.ppid === root) {
            mine = true;
            break;
          }
          cur = stats.get(cur.ppid);
        }
        if (!mine) continue;
        const argv = readArgv(st.pid);
        if (argv.length === 0) continue;
        seen.set(key, { pid: st.pid, pgid: st.pgid, startTime: st.startTime, argvs: [argv] });
      }
    }
  }
}
