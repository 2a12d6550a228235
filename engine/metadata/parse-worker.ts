/**
 * A parse worker thread (started by parse-pool.ts): opens its own session the way the main
 * thread did, then takes file indexes from the shared counter until none are left, posting a
 * result or a serialised error for each. It ends when the list runs out and on any failure;
 * it never waits for an answer, so it cannot hang on a main thread that has moved on.
 */
import { workerData } from 'node:worker_threads';
import { adoptWatchReady } from '../core/interrupt.js';
import { parseToInfo } from './parse-all.js';
import { serialiseError, type WorkerInput, type WorkerMessage } from './parse-pool.js';
import { MetadataSession } from './session.js';

function isWorkerInput(x: unknown): x is WorkerInput {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'tsbake-parse-worker';
}

async function openSession(input: WorkerInput): Promise<MetadataSession> {
  const mod: unknown = await import(input.opener.module);
  const open = typeof mod === 'object' && mod !== null ? (mod as Record<string, unknown>)[input.opener.exportName] : undefined;
  if (typeof open !== 'function') throw new Error(`${input.opener.module} does not export a function ${input.opener.exportName}`);
  const session: unknown = open(input.opener.request);
  if (!(session instanceof MetadataSession)) throw new Error(`${input.opener.exportName} did not return a MetadataSession`);
  return session;
}

async function run(input: WorkerInput): Promise<void> {
  const post = (m: WorkerMessage): void => {
    input.port.postMessage(m);
    Atomics.add(input.shared, 1, 1);
    Atomics.notify(input.shared, 1);
  };
  adoptWatchReady(input.watchReady);
  try {
    const session = await openSession(input);
    for (;;) {
      const index = Atomics.add(input.shared, 0, 1);
      const file = input.files[index];
      if (file === undefined) break;
      try {
        post({ type: 'result', index, parsed: parseToInfo(session, file) });
      } catch (e) {
        post({ type: 'error', index, error: serialiseError(e) });
      }
    }
    post({ type: 'done' });
  } catch (e) {
    post({ type: 'fatal', error: serialiseError(e) });
  } finally {
    input.port.close();
  }
}

// Once run() returns nothing keeps the thread alive (the python3 worker's child handle is
// unref'd), so the thread ends, and its 'exit' hooks close that python3 worker.
if (isWorkerInput(workerData)) await run(workerData);
