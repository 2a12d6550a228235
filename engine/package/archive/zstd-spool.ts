/**
 * zstd spooling: archive bytes from a synchronous generator (files read with sync reads)
 * compressed into a file, in this thread. A large payload is compressed by zstd's own
 * threads while this one reads, archives and hashes, as `zstd -T` runs beside `tar`; the
 * event loop gets a turn every few megabytes, so other tasks of the build are not held up.
 */
import { availableParallelism } from 'node:os';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { recycleBatch } from './coalesce.js';
import { ZstdFile, type ZstdFileResult } from './zstd-file.js';

/** Payloads from this size on are compressed by zstd's threads. */
export const THREADS_THRESHOLD = 8 << 20;

/**
 * zstd's threads for a large payload. Its multi-threaded output depends on the input and
 * the level only, never on how many threads made it (tests/package/archive.test.ts), so the
 * count follows the machine and the bytes stay reproducible.
 */
export const ZSTD_THREADS = Math.min(4, Math.max(2, availableParallelism()));

/** Raw bytes between two turns of the event loop. */
const TURN_BYTES = 16 << 20;

export interface ZstdSpoolOptions {
  readonly path: string;
  readonly level: number;
  readonly digest?: string;
  readonly sizeHint: number;
  /** Sees every raw chunk before it is compressed (sizes and digests of the raw stream). */
  readonly onRaw: (chunk: Buffer) => void;
  readonly signal?: AbortSignal;
  /** zstd's threads (default: ZSTD_THREADS for a payload of THREADS_THRESHOLD bytes or more). */
  readonly threads?: number;
}

export async function zstdSpool(source: Iterable<Buffer>, opts: ZstdSpoolOptions): Promise<ZstdFileResult> {
  const threads = opts.threads ?? (opts.sizeHint >= THREADS_THRESHOLD ? ZSTD_THREADS : 0);
  const file = new ZstdFile(opts.path, opts.level, opts.digest, threads);
  try {
    let sinceTurn = 0;
    for (const chunk of source) {
      opts.onRaw(chunk);
      file.write(chunk);
      recycleBatch(chunk);
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
