/**
 * zstd spooling: archive bytes from a synchronous generator (files read with sync reads)
 * compressed into a file. Large payloads are compressed by a worker thread while this one
 * reads and hashes (zstd-worker.ts: a ring of shared slots between the two); small ones in
 * this thread (a worker's start-up would cost more). Both give the same bytes. Idle workers
 * and their rings are kept for the next package and do not hold the process open.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { recycleBatch } from './coalesce.js';
import { CompressorError } from './compression.js';
import { ZstdFile, type ZstdFileResult } from './zstd-file.js';
import { END, HEAD, LENGTHS, newRing, ROLE, SLOT_BYTES, SLOTS, TAIL, type FromWorker, type Job, type Ring } from './zstd-worker.js';

/** Payloads from this size on go to a worker thread. */
export const WORKER_THRESHOLD = 8 << 20;

interface Compressor {
  readonly worker: Worker;
  readonly ring: Ring;
}

const idle: Compressor[] = [];

type WaitResult = { readonly async: false } | { readonly async: true; readonly value: Promise<string> };
/** Atomics.waitAsync (Node 16+; not in the ES2023 lib typings). */
const waitAsync = (Atomics as unknown as { waitAsync: (a: Int32Array, i: number, v: number) => WaitResult }).waitAsync;

function acquire(): Compressor {
  const c = idle.pop() ?? { worker: new Worker(new URL('./zstd-worker.js', import.meta.url), { workerData: { role: ROLE } }), ring: newRing() };
  c.worker.ref();
  c.ring.control.fill(0);
  return c;
}

function release(c: Compressor): void {
  c.worker.unref();
  idle.push(c);
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

/** Chunks of at most SLOT_BYTES. */
function* slotSized(source: Iterable<Buffer>): Generator<Buffer> {
  for (const chunk of source) {
    for (let off = 0; off < chunk.length; off += SLOT_BYTES) yield chunk.subarray(off, off + SLOT_BYTES);
    recycleBatch(chunk);
  }
}

async function viaWorker(source: Iterable<Buffer>, opts: ZstdSpoolOptions): Promise<ZstdFileResult> {
  const c = acquire();
  const { control, data } = c.ring;
  const job: Job = { path: opts.path, level: opts.level, ring: c.ring, ...(opts.digest ? { digest: opts.digest } : {}) };
  const reply = once(c.worker, 'message') as Promise<[FromWorker]>;
  c.worker.postMessage(job);
  let healthy = true;
  try {
    let tail = 0;
    for (const chunk of slotSized(source)) {
      opts.onRaw(chunk);
      if (tail - Atomics.load(control, HEAD) >= SLOTS) {
        for (let head = Atomics.load(control, HEAD); tail - head > SLOTS / 2; head = Atomics.load(control, HEAD)) {
          const w = waitAsync(control, HEAD, head);
          if (w.async) await w.value;
        }
      }
      opts.signal?.throwIfAborted();
      const slot = tail % SLOTS;
      chunk.copy(new Uint8Array(data, slot * SLOT_BYTES, SLOT_BYTES));
      Atomics.store(control, LENGTHS + slot, chunk.length);
      Atomics.store(control, TAIL, ++tail);
      Atomics.notify(control, TAIL);
    }
    Atomics.store(control, END, 1);
    Atomics.notify(control, TAIL);
    const [m] = await reply;
    if ('error' in m) throw new CompressorError(`zstd: ${m.error}`);
    return m.done;
  } catch (e) {
    Atomics.store(control, END, 2);
    Atomics.notify(control, TAIL);
    await reply.catch(() => undefined);
    healthy = false;
    await c.worker.terminate();
    throw e;
  } finally {
    if (healthy) release(c);
  }
}

export async function zstdSpool(source: Iterable<Buffer>, opts: ZstdSpoolOptions): Promise<ZstdFileResult> {
  if (opts.sizeHint >= WORKER_THRESHOLD) return viaWorker(source, opts);
  const file = new ZstdFile(opts.path, opts.level, opts.digest);
  try {
    for (const chunk of source) {
      opts.onRaw(chunk);
      file.write(chunk);
      recycleBatch(chunk);
    }
  } catch (e) {
    file.close();
    throw e;
  }
  return file.end();
}
