/**
 * A worker thread that translates large SQL texts (see translate-pool.ts), so one huge query does not stop the event
 * loop that serves every other client. Table references are resolved by the main thread, which owns the catalog: the
 * worker posts the reference on its resolve port and sleeps (Atomics.wait) until the answer is there, so the
 * translator's synchronous `resolveTable` contract holds in here too.
 */
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { ResolvedTable, TableRef } from './resolve.js';
import {
  type Answer,
  type Job,
  revive,
  serializeError,
  type TranslateReply,
  type WorkerSetup,
} from './translate-protocol.js';
import { loadTranslator } from './translator.js';

const { resolvePort, wake } = workerData as WorkerSetup;
const flag = new Int32Array(wake);

function resolveOnMain(port: MessagePort, jobId: number, ref: TableRef): ResolvedTable {
  Atomics.store(flag, 0, 0);
  port.postMessage({ jobId, ref });
  Atomics.wait(flag, 0, 0); // the main thread posts the answer, then sets the flag to 1 and notifies
  const answer = receiveMessageOnPort(port)?.message as Answer | undefined;
  if (!answer) throw new Error('translate worker: no answer from the main thread for a table reference');
  if ('error' in answer) throw revive(answer.error);
  return answer.resolved;
}

parentPort?.on('message', async (job: Job) => {
  let reply: TranslateReply;
  try {
    const tr = await loadTranslator();
    if (!tr) throw new Error('the SQL translator could not be loaded in the worker');
    const result = tr.translateQuery(job.sql, {
      ...job.opts,
      resolveTable: (ref) => resolveOnMain(resolvePort, job.id, ref),
    });
    reply = { id: job.id, result };
  } catch (e) {
    reply = { id: job.id, error: serializeError(e) };
  }
  parentPort?.postMessage(reply);
});
