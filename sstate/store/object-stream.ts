/**
 * An sstate object's tar stream, decompressed. A large object is decompressed on a worker
 * thread (decompress-worker.ts), so that decompression overlaps with writing the files, as
 * `zstd -dc | tar -x` runs two processes; a small one inline, where starting a thread
 * would cost more than it saves. Either way the caller learns whether a failure was reading
 * the file (an I/O error) or decoding it (a corrupt object).
 */
import { createReadStream, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { DecompressStream } from 'zstd-napi';
import { RESUME_AT, ROLE, type DecompressJob, type WorkerMessage } from './decompress-worker.js';

/** Objects this large (compressed) are decompressed on a worker thread. */
const WORKER_MIN_BYTES = 4 << 20;

export interface TarSource {
  /** The decompressed tar stream. */
  readonly stream: Readable;
  /** The error reading the object file (as opposed to decoding it), if there was one. */
  readError(): unknown;
}

export function tarBytes(object: string): TarSource {
  let size = 0;
  try {
    size = statSync(object).size;
  } catch {
    // the read below reports it
  }
  return size >= WORKER_MIN_BYTES ? workerTarBytes(object) : inlineTarBytes(object);
}

function inlineTarBytes(object: string): TarSource {
  let readError: unknown;
  const file = createReadStream(object, { highWaterMark: 1 << 20 });
  file.on('error', (e) => (readError = e));
  const decompress = new DecompressStream();
  file.on('error', (e) => decompress.destroy(e));
  return { stream: file.pipe(decompress), readError: () => readError };
}

/** The one decompression thread; started on first use, kept (unreferenced) while idle. */
let shared: { readonly worker: Worker; busy: boolean } | undefined;
let jobs = 0;

/** The thread, if it is free; undefined while another restore is using it. */
function acquire(): Worker | undefined {
  if (shared?.busy) return undefined;
  if (!shared) {
    const worker = new Worker(new URL('./decompress-worker.js', import.meta.url), { workerData: { role: ROLE } });
    const mine = { worker, busy: false };
    worker.on('exit', () => {
      if (shared === mine) shared = undefined;
    });
    worker.on('error', () => undefined); // reported to the job through 'exit'
    shared = mine;
  }
  shared.busy = true;
  shared.worker.ref(); // a job in progress keeps the process alive
  return shared.worker;
}

function release(worker: Worker): void {
  if (shared?.worker !== worker) return;
  shared.busy = false;
  worker.unref(); // an idle thread does not
}

function workerTarBytes(object: string): TarSource {
  const acquired = acquire();
  if (!acquired) return inlineTarBytes(object);
  const worker: Worker = acquired;
  const id = ++jobs;
  let readError: unknown;
  let finished = false;
  const flow = new Int32Array(new SharedArrayBuffer(8));
  const stream = new Readable({
    highWaterMark: 1, // flow control is the worker's window, not this buffer
    read() {},
    destroy(err, cb) {
      Atomics.store(flow, 1, 1); // the worker stops at its next chunk
      Atomics.notify(flow, 0);
      finish();
      cb(err);
    },
  });
  // A chunk handed on to the tar parser frees a place in the worker's window; the worker is
  // woken only when half the window is free (one wake-up per several chunks, not per chunk).
  stream.on('data', () => {
    if (Atomics.sub(flow, 0, 1) - 1 === RESUME_AT) Atomics.notify(flow, 0);
  });
  const onMessage = (m: WorkerMessage): void => {
    if (m.id !== id) return;
    if (m.chunk) stream.push(Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength));
    else if (m.end) {
      // Free for the next restore now: a job posted meanwhile waits only for this one's close().
      finish();
      stream.push(null);
    } else if (m.error !== undefined) {
      const err = Object.assign(new Error(m.error), m.code !== undefined ? { code: m.code } : {});
      if (!m.corrupt) readError = err;
      stream.destroy(err);
    }
  };
  const onExit = (): void => {
    readError ??= new Error('the sstate decompression thread stopped');
    if (!stream.destroyed && !stream.readableEnded) stream.destroy(readError instanceof Error ? readError : undefined);
    finish();
  };
  function finish(): void {
    if (finished) return;
    finished = true;
    worker.off('message', onMessage);
    worker.off('exit', onExit);
    release(worker);
  }
  worker.on('message', onMessage);
  worker.on('exit', onExit);
  worker.postMessage({ id, path: object, flow } satisfies DecompressJob);
  return { stream, readError: () => readError };
}
