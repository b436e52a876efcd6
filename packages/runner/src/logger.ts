import { Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { TaskLogger } from './operator.js';
import type { Redactor } from './stream.js';

export interface RunnerLogger extends TaskLogger {
  readonly pretty: boolean;
  child(fields: Record<string, unknown>): RunnerLogger;
}

/**
 * Everything the runner prints on stdout (its own pino records and the streamed Airflow lines) goes through this
 * one Writable, so the order on stdout is the order of writes, with backpressure from the real stdout. While pino is
 * still loading, writes are held so that records logged earlier can be put in front of them.
 */
export class OrderedSink extends Writable {
  private held: Array<string | Buffer> | undefined = [];
  constructor(private readonly target: Writable) {
    super({ decodeStrings: false, highWaterMark: 1 << 16 });
  }

  override _write(chunk: string | Buffer, _enc: BufferEncoding, cb: (error?: Error | null) => void): void {
    if (this.held) {
      this.held.push(chunk);
      cb();
      return;
    }
    if (this.target.write(chunk)) {
      cb();
      return;
    }
    // A closed stdout (EPIPE) never drains: give up waiting rather than hang the run.
    const done = (): void => {
      this.target.off('drain', done);
      this.target.off('error', done);
      this.target.off('close', done);
      cb();
    };
    this.target.on('drain', done);
    this.target.on('error', done);
    this.target.on('close', done);
  }

  override _final(cb: (error?: Error | null) => void): void {
    cb(); // never ends the real stdout
  }

  /** Takes the chunks held so far, so records logged before them can be written first. */
  takeHeld(): Array<string | Buffer> {
    const held = this.held ?? [];
    if (this.held) this.held = [];
    return held;
  }

  /** Writes what is held, then `after`, and lets later writes through. */
  open(after: ReadonlyArray<string | Buffer> = []): void {
    const pending = [...(this.held ?? []), ...after];
    this.held = undefined;
    for (const chunk of pending) this.target.write(chunk);
  }
}

type Level = 'info' | 'warn' | 'error';
type Bindings = readonly Record<string, unknown>[];
interface Entry {
  readonly bindings: Bindings;
  readonly level: Level;
  readonly msg: string;
  readonly fields: Record<string, unknown> | undefined;
}

export interface Logging {
  readonly log: RunnerLogger;
  /** Ordered stdout for streamed child output. */
  readonly out: Writable;
  /**
   * Loads pino (once) and writes what was queued; resolves when done. Called after the first child is spawned, so
   * loading pino never delays it; `close` calls it too.
   */
  start(): Promise<void>;
  /** Flushes and detaches (stdout itself stays open). */
  close(): Promise<void>;
}

async function loadPino(stdout: Writable, pretty: boolean, fields: Record<string, unknown> | undefined) {
  const { pino } = await import('pino');
  const base = { base: null };
  let logger: Logger;
  if (pretty) {
    // Only imported for pretty output: the JSON (container) case never pays for it.
    const { default: prettyStream } = await import('pino-pretty');
    logger = pino(
      base,
      prettyStream({
        destination: stdout as unknown as NodeJS.WritableStream,
        sync: true,
        colorize: true,
        singleLine: true,
        translateTime: 'UTC:HH:MM:ss.l',
      }),
    );
  } else {
    logger = pino(base, stdout as unknown as NodeJS.WritableStream);
  }
  return fields ? logger.child(fields) : logger;
}

/**
 * The runner's structured logger: pino JSON lines on stdout (pino-pretty on a TTY or when asked). It is usable at
 * once: records are queued until `start()` loads pino (after the first Airflow child is spawned, so the import never
 * delays it) and are then written, in order, ahead of any Airflow output. Messages and field values are redacted.
 */
// ~90 lines, kept whole: one closure over the queue of records logged before pino has loaded, the root logger and
// the children cache; the queue is replayed in order once pino is there, which splitting would thread through calls.
export function createLogger(opts: {
  readonly stdout: Writable;
  readonly pretty: boolean;
  readonly redactor: Redactor;
  readonly fields?: Record<string, unknown>;
}): Logging {
  const sink = new OrderedSink(opts.stdout);
  // A record logged after close (e.g. by an abandoned native call) must not crash the process.
  sink.on('error', () => undefined);
  let queue: Entry[] | undefined = [];
  let root: Logger | undefined;
  const children = new Map<Bindings, Logger>();

  const write = (e: Entry): void => {
    if (!root) return;
    let target = root;
    if (e.bindings.length > 0) {
      let cached = children.get(e.bindings);
      if (!cached) {
        cached = root.child(Object.assign({}, ...e.bindings));
        children.set(e.bindings, cached);
      }
      target = cached;
    }
    if (e.fields) target[e.level](e.fields, e.msg);
    else target[e.level](e.msg);
  };

  let started: Promise<void> | undefined;
  const start = (): Promise<void> => {
    started ??= load();
    return started;
  };
  const load = (): Promise<void> =>
    loadPino(sink, opts.pretty, opts.fields).then(
      (logger) => {
        const early = sink.takeHeld();
        root = logger;
        for (const e of queue ?? []) write(e);
        queue = undefined;
        sink.open(early);
      },
      (err: unknown) => {
        // pino could not load (broken install): fall back to plain JSON lines rather than lose the records.
        const early = sink.takeHeld();
        for (const e of queue ?? []) {
          sink.write(
            `${JSON.stringify({ level: e.level, time: Date.now(), ...opts.fields, ...Object.assign({}, ...e.bindings), ...e.fields, msg: e.msg, logger_error: String(err) })}\n`,
          );
        }
        queue = undefined;
        sink.open(early);
      },
    );

  const make = (bindings: Bindings): RunnerLogger => {
    const emit =
      (level: Level) =>
      (msg: string, fields?: Record<string, unknown>): void => {
        const entry: Entry = {
          bindings,
          level,
          msg: opts.redactor.apply(msg),
          // Field values are redacted too: an operator might log a connection by mistake.
          fields: fields
            ? (JSON.parse(opts.redactor.apply(JSON.stringify(fields))) as Record<string, unknown>)
            : undefined,
        };
        if (queue) queue.push(entry);
        else write(entry);
      };
    return {
      pretty: opts.pretty,
      info: emit('info'),
      warn: emit('warn'),
      error: emit('error'),
      child: (fields) => make([...bindings, fields]),
    };
  };

  return {
    log: make([]),
    out: sink,
    start,
    close: async () => {
      await start();
      await new Promise<void>((resolve) => sink.end(() => resolve()));
    },
  };
}
