/** The messages between translate-pool.ts (main thread) and translate-worker.ts, and errors across the boundary. */
import type { MessagePort } from 'node:worker_threads';
import { BigQueryError, REASON_STATUS, type Reason } from './errors.js';
import type { ResolvedTable, TableRef } from './resolve.js';
import type { Translator } from './translator.js';

export type TranslateOptions = Omit<Parameters<Translator['translateQuery']>[1], 'resolveTable'>;
export type Translation = ReturnType<Translator['translateQuery']>;

/** Handed to each worker at start: its resolve port and the flag it sleeps on while the main thread resolves. */
export interface WorkerSetup {
  readonly resolvePort: MessagePort;
  readonly wake: SharedArrayBuffer;
}

/** main → worker: translate one text. */
export interface Job {
  readonly id: number;
  readonly sql: string;
  readonly opts: TranslateOptions;
}

/** worker → main: the translation or why it failed. */
export type TranslateReply =
  | { readonly id: number; readonly result: Translation }
  | { readonly id: number; readonly error: SerializedError };

/** worker → main on the resolve port: a table the translator asks for; the answer goes back the same way. */
export interface ResolveRequest {
  readonly jobId: number;
  readonly ref: TableRef;
}
export type Answer = { readonly resolved: ResolvedTable } | { readonly error: SerializedError };

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly reason?: string;
}

export function serializeError(e: unknown): SerializedError {
  if (!(e instanceof Error)) return { name: 'Error', message: String(e) };
  const reason = (e as { reason?: unknown }).reason;
  return { name: e.name, message: e.message, ...(typeof reason === 'string' ? { reason } : {}) };
}

/** The error again on this side: a BigQueryError where it carries a known reason (what callers branch on). */
export function revive(s: SerializedError): Error {
  if (s.reason !== undefined && s.reason in REASON_STATUS)
    return new BigQueryError(s.reason as Reason, s.message);
  const e = new Error(s.message);
  e.name = s.name;
  return e;
}
