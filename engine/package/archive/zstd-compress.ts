/**
 * zstd compression of archive bytes from a synchronous generator (files read with sync
 * reads), into a file (a spooled member) or a stream (a TAR package). A small payload is
 * compressed in this thread; a large one by a worker thread (zstd-worker.ts) while this one
 * reads, archives and hashes, as `tar | zstd` runs two processes. Both give the same bytes:
 * zstd is single-threaded either way. This thread lets the event loop run whenever it is
 * ahead of the worker, and at least every few megabytes, so other tasks are not held up.
 */
import { once } from 'node:events';
import { Readable, type Writable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { recycleBatch } from './coalesce.js';
import { WorkerPool } from '../../core/worker-pool.js';
import { CompressorError } from './compression.js';
import { ZstdFile, zstdChunks, type ZstdFileResult } from './zstd-file.js';
import { ROLE, type FromWorker, type Job, type ToWorker } from './zstd-worker.js';

/** Payloads from this size on are compressed by a worker thread (below it, handing chunks over costs more than it saves). */
export const WORKER_THRESHOLD = 8 << 20;

const workers = new WorkerPool(new URL('./zstd-worker.js', import.meta.url), ROLE);

/** Chunks the worker may have queued; this thread then waits until half of them are compressed. */
const MAX_QUEUED = 16;

/** Raw bytes between two turns of the event loop. */
const TURN_BYTES = 16 << 20;

/** A file (with an optional hash algorithm for its digest) or a stream, which is ended. */
export type ZstdSink = { readonly path: string; readonly digest?: string } | { readonly out: Writable };

export interface ZstdOptions {
  readonly level: number;
  /** About how many raw bytes will come (the payload's file bytes): it picks the thread. */
  readonly sizeHint: number;
  readonly sink: ZstdSink;
  /** Sees every raw chunk before it is compressed (sizes and digests of the raw stream). */
  readonly onRaw?: (chunk: Buffer) => void;
  readonly signal?: AbortSignal;
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

async function inThisThread(source: Iterable<Buffer>, opts: ZstdOptions): Promise<ZstdFileResult> {
  const sink = opts.sink;
  if ('out' in sink) {
    let size = 0;
    const counted = function* (): Generator<Buffer> {
      for (const piece of zstdChunks(observed(source, opts.onRaw), opts.level)) {
        size += piece.length;
        yield piece;
      }
    };
    await pipeline(Readable.from(counted(), { objectMode: false }), sink.out, ...(opts.signal ? [{ signal: opts.signal }] : []));
    return { size };
  }
  const file = new ZstdFile(sink.path, opts.level, sink.digest);
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
  /** The output stream asked to wait for 'drain'. */
  draining: boolean;
}

async function viaWorker(source: Iterable<Buffer>, opts: ZstdOptions): Promise<ZstdFileResult> {
  const sink = opts.sink;
  const out = 'out' in sink ? sink.out : undefined;
  const job: Job = { level: opts.level, ...('path' in sink ? { path: sink.path, ...(sink.digest ? { digest: sink.digest } : {}) } : {}) };
  const worker = workers.acquire();
  const exited = once(worker, 'exit').catch(() => undefined);
  const state: WorkerState = { exited: false, draining: false };
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
    } else if ('piece' in m) {
      if (out && !out.write(Buffer.from(m.piece)) && !state.draining) {
        state.draining = true;
        out.once('drain', () => {
          state.draining = false;
          notify();
        });
      }
    } else if ('result' in m) state.result = m.result;
    else state.failure ??= new CompressorError(`zstd: ${m.error}`);
    notify();
  });
  worker.on('error', fail);
  worker.on('exit', () => {
    state.exited = true;
    notify();
  });
  out?.on('error', fail);
  const post = (m: ToWorker, transfer: ArrayBuffer[] = []): void => worker.postMessage(m, transfer);
  post({ job });
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
      if (queued.size >= MAX_QUEUED || state.draining || sinceTurn >= TURN_BYTES) {
        sinceTurn = 0;
        await yieldToLoop();
        while (!state.failure && !state.exited && (queued.size > MAX_QUEUED / 2 || state.draining)) await changed();
        if (state.failure) throw state.failure;
        opts.signal?.throwIfAborted();
      }
    }
    post({ end: true });
    while (!state.result && !state.failure && !state.exited) await changed();
    if (!state.result) throw state.failure ?? new CompressorError('zstd: the worker thread stopped');
    if (out) {
      out.end();
      await finished(out);
    }
    workers.release(worker);
    return state.result;
  } catch (e) {
    post({ abandon: true });
    await exited;
    out?.destroy();
    throw e;
  } finally {
    out?.off('error', fail);
  }
}
