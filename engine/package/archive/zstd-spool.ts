/**
 * zstd spooling: archive bytes from a synchronous generator (files read with sync reads)
 * compressed into a file. Large payloads are compressed by a worker thread while this one
 * reads and hashes; small ones in this thread (a worker's start-up would cost more). Both
 * give the same bytes. Idle workers are kept for the next package and do not hold the
 * process open.
 */
import { once } from 'node:events';
import { recycleBatch } from './coalesce.js';
import { Worker } from 'node:worker_threads';
import { CompressorError } from './compression.js';
import { ZstdFile, type ZstdFileResult } from './zstd-file.js';
import { ROLE, type FromWorker, type ToWorker } from './zstd-worker.js';

/** Payloads from this size on go to a worker thread. */
export const WORKER_THRESHOLD = 8 << 20;
/** Chunks (of up to 512 KiB) posted and not yet compressed, at most. */
const AHEAD = 8;

const idle: Worker[] = [];

type WaitResult = { readonly async: false } | { readonly async: true; readonly value: Promise<string> };
/** Atomics.waitAsync (Node 16+; not in the ES2023 lib typings). */
const waitAsync = (Atomics as unknown as { waitAsync: (a: Int32Array, i: number, v: number) => WaitResult }).waitAsync;

function acquire(): Worker {
  const w = idle.pop() ?? new Worker(new URL('./zstd-worker.js', import.meta.url), { workerData: { role: ROLE } });
  w.ref();
  return w;
}

function release(w: Worker): void {
  w.unref();
  idle.push(w);
}

function ownedCopy(chunk: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(chunk.length);
  chunk.copy(copy);
  return copy;
}

export interface ZstdSpoolOptions {
  readonly path: string;
  readonly level: number;
  readonly digest?: string;
  readonly sizeHint: number;
  /** Sees every raw chunk before it is compressed (sizes and digests of the raw stream). */
  readonly onRaw: (chunk: Buffer) => void;
  readonly signal?: AbortSignal;
}

export async function zstdSpool(source: Iterable<Buffer>, opts: ZstdSpoolOptions): Promise<ZstdFileResult> {
  if (opts.sizeHint < WORKER_THRESHOLD) {
    const file = new ZstdFile(opts.path, opts.level, opts.digest);
    try {
      for (const chunk of source) {
        opts.onRaw(chunk);
        file.write(chunk);
        recycleBatch(Buffer.from(chunk.buffer, 0, chunk.buffer.byteLength));
      }
    } catch (e) {
      file.close();
      throw e;
    }
    return file.end();
  }
  const worker = acquire();
  const flow = new Int32Array(new SharedArrayBuffer(4));
  const post = (m: ToWorker, transfer: ArrayBuffer[] = []): void => worker.postMessage(m, transfer);
  const reply = new Promise<Exclude<FromWorker, { readonly recycled: ArrayBuffer }>>((resolve) => {
    const onMessage = (m: FromWorker): void => {
      if ('recycled' in m) recycleBatch(Buffer.from(m.recycled));
      else {
        worker.off('message', onMessage);
        resolve(m);
      }
    };
    worker.on('message', onMessage);
  });
  let crashed: unknown;
  const onError = (e: unknown): void => {
    crashed = e;
    Atomics.store(flow, 0, 0);
    Atomics.notify(flow, 0);
  };
  worker.once('error', onError);
  let healthy = true;
  try {
    post({ start: { path: opts.path, level: opts.level, flow, ...(opts.digest ? { digest: opts.digest } : {}) } });
    for (const chunk of source) {
      opts.onRaw(chunk);
      for (let n = Atomics.load(flow, 0); n >= AHEAD; n = Atomics.load(flow, 0)) {
        const w = waitAsync(flow, 0, n);
        if (w.async) await w.value;
      }
      if (crashed !== undefined) throw crashed;
      opts.signal?.throwIfAborted();
      // A buffer larger than Node's pool owns its ArrayBuffer (Coalescer batches do): transfer
      // it; copy anything else, since transferring a pool would detach other buffers.
      const own = chunk.byteOffset === 0 && chunk.buffer instanceof ArrayBuffer && chunk.buffer.byteLength > Buffer.poolSize ? chunk : ownedCopy(chunk);
      Atomics.add(flow, 0, 1);
      post({ chunk: own.buffer as ArrayBuffer, length: own.length }, [own.buffer as ArrayBuffer]);
    }
    post({ end: true });
    const m = await Promise.race([reply, once(worker, 'error').then(([e]) => Promise.reject(e as Error))]);
    if ('error' in m) throw new CompressorError(`zstd: ${m.error}`);
    return m.done;
  } catch (e) {
    healthy = false;
    await worker.terminate();
    throw e;
  } finally {
    worker.off('error', onError);
    if (healthy) release(worker);
  }
}
