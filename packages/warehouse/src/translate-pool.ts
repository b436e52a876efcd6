/**
 * Large SQL texts are translated in worker threads so one huge query (a 100,000-item `IN (…)` takes seconds) cannot
 * stall the event loop that answers every other client. Texts below {@link OFF_THREAD_CHARS} stay on the main thread
 * (a worker trip costs more than their translation); the pool starts its first worker only when a large text arrives.
 *
 * Translations still go through the QueryCache, with the same guarantee: the cache keeps a translation with the table
 * relations it was made with, and here those relations are checked again on the main thread, against the catalog as it
 * is when the translation is stored (see {@link translateCached}).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, Worker } from 'node:worker_threads';
import type { Catalog } from './catalog.js';
import type { QueryCache } from './jobs/query-cache.js';
import { makeResolver, type ResolvedTable, type TableRef } from './resolve.js';
import {
  type Answer,
  type Job,
  type ResolveRequest,
  revive,
  serializeError,
  type TranslateOptions,
  type TranslateReply,
  type Translation,
  type WorkerSetup,
} from './translate-protocol.js';
import { loadedTranslator, type Translator } from './translator.js';

/** SQL texts at least this long are translated off the main thread (~50 ms of translation on one core). */
export const OFF_THREAD_CHARS = 32 * 1024;
let offThreadChars = OFF_THREAD_CHARS;

/** Tests: moves the threshold (Infinity keeps everything on the main thread); returns the previous one. */
export function setOffThreadChars(chars: number): number {
  const was = offThreadChars;
  offThreadChars = chars;
  return was;
}

/** An idle worker is ended after this long; the next large text starts one again. */
const IDLE_MS = 60_000;

/** The built worker: next to this module in dist/, or dist/ seen from src/ (tests run the sources). */
const WORKER_FILE: URL | undefined = [
  new URL('./translate-worker.js', import.meta.url),
  new URL('../dist/translate-worker.js', import.meta.url),
].find((url) => existsSync(fileURLToPath(url)));

interface Pending {
  readonly job: Job;
  readonly resolveTable: (ref: TableRef) => ResolvedTable;
  readonly done: (result: Translation) => void;
  readonly fail: (error: Error) => void;
}

/** One worker with its resolve port; runs one job at a time. */
class Slot {
  readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag: Int32Array;
  current: Pending | undefined;
  private idle: NodeJS.Timeout | undefined;

  constructor(
    file: URL,
    private readonly onFree: (slot: Slot) => void,
    private readonly onGone: (slot: Slot) => void,
  ) {
    const { port1, port2 } = new MessageChannel();
    const wake = new SharedArrayBuffer(4);
    this.port = port1;
    this.flag = new Int32Array(wake);
    const setup: WorkerSetup = { resolvePort: port2, wake };
    this.worker = new Worker(file, { workerData: setup, transferList: [port2] });
    this.worker.unref();
    this.port.on('message', (req: ResolveRequest) => this.answer(req));
    this.port.unref();
    this.worker.on('message', (reply: TranslateReply) => this.finish(reply));
    this.worker.on('error', (e) => this.gone(e));
    this.worker.on('exit', (code) => this.gone(new Error(`translate worker exited (code ${code})`)));
  }

  start(p: Pending): void {
    clearTimeout(this.idle);
    this.current = p;
    this.worker.postMessage(p.job);
  }

  /** The worker sleeps until the flag is set: answer first, then wake it (it reads the answer synchronously). */
  private answer(req: ResolveRequest): void {
    let answer: Answer;
    try {
      if (!this.current || this.current.job.id !== req.jobId) throw new Error('no such translation job');
      answer = { resolved: this.current.resolveTable(req.ref) };
    } catch (e) {
      answer = { error: serializeError(e) };
    }
    this.port.postMessage(answer);
    Atomics.store(this.flag, 0, 1);
    Atomics.notify(this.flag, 0);
  }

  private finish(reply: TranslateReply): void {
    const p = this.current;
    if (!p || p.job.id !== reply.id) return;
    this.current = undefined;
    if ('error' in reply) p.fail(revive(reply.error));
    else p.done(reply.result);
    this.idle = setTimeout(() => void this.worker.terminate(), IDLE_MS);
    this.idle.unref();
    this.onFree(this);
  }

  private gone(error: Error): void {
    clearTimeout(this.idle);
    const p = this.current;
    this.current = undefined;
    this.port.close();
    this.onGone(this);
    p?.fail(error);
  }
}

/** A few workers (lazily started), a FIFO of jobs waiting for one. */
class TranslatePool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private readonly size = Math.min(2, Math.max(1, availableParallelism() - 1));

  constructor(private readonly file: URL) {}

  translate(
    sql: string,
    opts: TranslateOptions,
    resolveTable: (ref: TableRef) => ResolvedTable,
  ): Promise<Translation> {
    return new Promise((done, fail) => {
      this.queue.push({ job: { id: this.nextId++, sql, opts }, resolveTable, done, fail });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let free = [...this.slots].find((s) => !s.current);
      if (!free && this.slots.size < this.size) {
        free = new Slot(
          this.file,
          () => this.dispatch(),
          (s) => {
            this.slots.delete(s);
            this.dispatch();
          },
        );
        this.slots.add(free);
      }
      if (!free) return;
      free.start(this.queue.shift()!);
    }
  }
}

let pool: TranslatePool | undefined;
let inFlight = 0;

/** How many texts are being translated off the main thread right now (tests watch the event loop meanwhile). */
export const offThreadTranslations = (): number => inFlight;

const MISS = Symbol('not in the translation cache');
const STALE = Symbol('a table changed while the worker translated');

/** A translator for the cache that only says "miss": asks the cache whether it holds a current translation. */
const probe: Translator = {
  detectDialect: () => {
    throw MISS;
  },
  translateQuery: () => {
    throw MISS;
  },
};

/** Hands the cache a worker's translation, re-resolving every table it used; any difference makes it STALE. */
function replay(result: Translation, used: readonly [TableRef, ResolvedTable][]): Translator {
  return {
    detectDialect: () => {
      throw STALE;
    },
    translateQuery: (_sql, opts) => {
      for (const [ref, was] of used) {
        let now: ResolvedTable;
        try {
          now = opts.resolveTable(ref);
        } catch {
          throw STALE;
        }
        if (now.sql !== was.sql || now.pseudoColumns.join(',') !== was.pseudoColumns.join(',')) throw STALE;
      }
      return result;
    },
  };
}

/**
 * `cache.translate`, but a large text on a cache miss is translated by a worker while this thread serves others.
 * The worker's table lookups run here, against `catalog`; before the translation is used (and cached) every lookup is
 * repeated, and a table that changed meanwhile means translating again (after two tries: here, synchronously).
 * A translator other than the loaded ./sql one (tests inject their own) always runs here.
 */
export async function translateCached(
  cache: QueryCache,
  catalog: Catalog,
  tr: Translator,
  sql: string,
  opts: TranslateOptions,
): Promise<Translation> {
  if (sql.length < offThreadChars || !WORKER_FILE || tr !== loadedTranslator())
    return cache.translate(catalog, tr, sql, opts);
  try {
    return cache.translate(catalog, probe, sql, opts);
  } catch (e) {
    if (e !== MISS) throw e;
  }
  pool ??= new TranslatePool(WORKER_FILE);
  const resolve = makeResolver(catalog, opts.defaultProject);
  for (let attempt = 0; attempt < 2; attempt++) {
    const used: [TableRef, ResolvedTable][] = [];
    inFlight++;
    let result: Translation;
    try {
      result = await pool.translate(sql, opts, (ref) => {
        const out = resolve(ref);
        used.push([{ ...ref }, out]);
        return out;
      });
    } finally {
      inFlight--;
    }
    try {
      return cache.translate(catalog, replay(result, used), sql, opts);
    } catch (e) {
      if (e !== STALE) throw e;
    }
  }
  return cache.translate(catalog, tr, sql, opts);
}
