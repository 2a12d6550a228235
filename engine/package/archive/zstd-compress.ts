/**
 * zstd compression of archive bytes from a synchronous generator (files read with sync
 * reads), into a file: a spooled member, or the package itself (a TAR package, or the last
 * member of a DEB or IPK, added to the end of the file). This thread reads and archives while
 * zstd's threads compress (zstd-file.ts), as `tar | zstd -T` runs. It lets the event loop run
 * every few megabytes, so other tasks are not held up.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { recycleBatch } from './coalesce.js';
import { ZstdFile, type ZstdFileOptions, type ZstdFileResult } from './zstd-file.js';

/** Raw bytes between two turns of the event loop. */
const TURN_BYTES = 16 << 20;

export interface ZstdOptions extends ZstdFileOptions {
  /** The file the compressed bytes go to. */
  readonly path: string;
  /** Sees every raw chunk before it is compressed (sizes and digests of the raw stream). */
  readonly onRaw?: (chunk: Buffer) => void;
  readonly signal?: AbortSignal;
}

/** Compresses `source` into the file; each chunk's batch is given back once zstd has taken it. */
export async function zstdCompress(source: Iterable<Buffer>, opts: ZstdOptions): Promise<ZstdFileResult> {
  const file = new ZstdFile(opts.path, opts);
  try {
    let sinceTurn = 0;
    for (const chunk of source) {
      opts.onRaw?.(chunk);
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
