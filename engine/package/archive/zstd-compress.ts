/**
 * zstd compression of archive bytes from a synchronous generator (files read with sync
 * reads), into a file: a spooled member, or the package itself (a TAR package, or the last
 * member of an IPK, added to the end of the file). A small payload is compressed in this
 * thread; a large one by a worker thread (zstd-worker.ts) while this one reads, archives and
 * hashes, as `tar | zstd` runs two processes. Both give the same bytes: zstd is
 * single-threaded either way. This thread lets the event loop run whenever it is ahead of the
 * worker, and at least every few megabytes, so other tasks are not held up.
 */
import { once } from 'node:events';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { recycleBatch } from './coalesce.js';
import { WorkerPool } from '../../core/worker-pool.js';
import { CompressorError, type Compression } from './compression.js';
import { ZstdFile, type ZstdFileResult } from './zstd-file.js';
import { ROLE, type FromWorker, type Job, type ToWorker } from './zstd-worker.js';

/** Payloads from this size on are compressed by a worker thread (below it, handing chunks over costs more than it saves). */
export const WORKER_THRESHOLD = 8 << 20;

const workers = new WorkerPool(new URL('./zstd-worker.js', import.meta.url), ROLE);

/** Chunks the worker may have queued; this thread then waits until half of them are compressed. */
const MAX_QUEUED = 16;

/** Raw bytes between two turns of the event loop. */
const TURN_BYTES = 16 << 20;

/** The file and the level (a Job), and how the bytes come. */
export interface ZstdOptions extends Job {
  /** About how many raw bytes will come (the payload's file bytes): it picks the thread. */
  readonly sizeHint: number;
  /** Sees every raw chunk before it is compressed (sizes and digests of the raw stream). */
  readonly onRaw?: (chunk: Buffer) => void;
  readonly signal?: AbortSignal;
}

/**
 * Starts the worker thread a payload of `sizeHint` bytes will be compressed by (none for a
 * small one, or one zstd does not compress), so that its start (some 50 ms) overlaps the
 * writer's work before the payload.
 */
export function prestartCompressor(c: Compression, sizeHint: number): void {
  if (c.kind === 'zstd' && sizeHint >= WORKER_THRESHOLD) workers.prestart();
}

export function zstdCompress(source: Iterable<Buffer>, opts: ZstdOptions): Promise<ZstdFileResult> {
  return opts.sizeHint >= WORKER_THRESHOLD ? viaWorker(source, opts) : inThisThread(source, opts);
}

/** The source's chunks, each seen by onRaw, and each batch taken back once the consumer asks for the next. */
function* observed(source: Iterable<Buffer>, onRaw?: (chunk: Buffer) => void): Generator<Buffer> {
  for (const chunk of source) {
    onRaw?.(chunk);
    yield chunk;
    recycleBatch(chunk);
  }
}

/** The job alone (the options also hold a callback and a signal, which cannot go to a worker). */
const jobOf = (opts: ZstdOptions): Job => ({
  path: opts.path,
  level: opts.level,
  ...(opts.digest === undefined ? {} : { digest: opts.digest }),
  ...(opts.append ? { append: true } : {}),
});

async function inThisThread(source: Iterable<Buffer>, opts: ZstdOptions): Promise<ZstdFileResult> {
  const file = new ZstdFile(opts.path, opts);
  try {
    let sinceTurn = 0;
    for (const chunk of observed(source, opts.onRaw)) {
      file.write(chunk);
      sinceTurn += chunk.length;
      if (sinceTurn >= TURN_BYTES) {
        sinceTurn = 0;
        await yieldToLoop();
        opts.signal?.throwIfAborted();
      }
    }
  } catch (e) {
    file.close();
    throw e;
  }
  return file.end();
}

interface WorkerState {
  result?: ZstdFileResult;
  failure?: Error;
  exited: boolean;
}

async function viaWorker(source: Iterable<Buffer>, opts: ZstdOptions): Promise<ZstdFileResult> {
  const worker = workers.acquire();
  const exited = once(worker, 'exit').catch(() => undefined);
  const state: WorkerState = { exited: false };
  /** Chunks sent and not yet compressed, by id: batches are reused once the worker is done with them. */
  const queued = new Map<number, Buffer>();
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const changed = (): Promise<void> => new Promise((resolve) => (wake = resolve));
  const fail = (e: Error): void => {
    state.failure ??= e;
    notify();
  };
  worker.on('message', (m: FromWorker) => {
    if ('compressed' in m) {
      const chunk = queued.get(m.compressed);
      queued.delete(m.compressed);
      if (chunk) recycleBatch(chunk);
    } else if ('result' in m) state.result = m.result;
    else state.failure ??= new CompressorError(`zstd: ${m.error}`);
    notify();
  });
  worker.on('error', fail);
  worker.on('exit', () => {
    state.exited = true;
    notify();
  });
  const post = (m: ToWorker, transfer: ArrayBuffer[] = []): void => worker.postMessage(m, transfer);
  post({ job: jobOf(opts) });
  try {
    let id = 0;
    let sinceTurn = 0;
    for (const chunk of source) {
      opts.onRaw?.(chunk);
      queued.set(id, chunk);
      if (chunk.buffer instanceof SharedArrayBuffer) post({ id, memory: chunk.buffer, offset: chunk.byteOffset, length: chunk.length });
      else {
        const copy = chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + chunk.length);
        post({ id, memory: copy, offset: 0, length: chunk.length }, [copy]);
      }
      id++;
      sinceTurn += chunk.length;
      if (queued.size >= MAX_QUEUED || sinceTurn >= TURN_BYTES) {
        sinceTurn = 0;
        await yieldToLoop();
        while (!state.failure && !state.exited && queued.size > MAX_QUEUED / 2) await changed();
        if (state.failure) throw state.failure;
        opts.signal?.throwIfAborted();
      }
    }
    post({ end: true });
    while (!state.result && !state.failure && !state.exited) await changed();
    if (!state.result) throw state.failure ?? new CompressorError('zstd: the worker thread stopped');
    workers.release(worker);
    return state.result;
  } catch (e) {
    post({ abandon: true });
    await exited;
    throw e;
  }
}
