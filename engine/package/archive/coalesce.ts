/**
 * Write combining for archive generators: headers are copied, and files are read (with
 * synchronous reads: thousands of small files through the thread pool cost more than the
 * reading) straight into one bounded batch buffer, which goes downstream when full. The
 * compressor sees few large chunks; memory stays bounded whatever the payload size.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { TsbakeError } from '../../core/errors.js';

export const BATCH = 512 * 1024;

/**
 * Batch buffers handed back by consumers that are done with them (zstd-compress.ts), reused
 * instead of allocated: a fresh 512 KiB buffer costs page faults and, later, its unmapping.
 */
const pool: Buffer[] = [];
const POOL_MAX = 32;
/** The memory of every batch made here: nothing else is ever taken into the pool. */
const batches = new WeakSet<ArrayBufferLike>();

/** Gives a batch back (any other buffer is ignored): its bytes will be overwritten. */
export function recycleBatch(buf: Buffer): void {
  if (batches.has(buf.buffer) && pool.length < POOL_MAX) pool.push(Buffer.from(buf.buffer, 0, BATCH));
}

function takeBatch(): Buffer {
  const reused = pool.pop();
  if (reused) return reused;
  const buf = Buffer.allocUnsafeSlow(BATCH);
  batches.add(buf.buffer);
  return buf;
}

export class PayloadChangedError extends TsbakeError {
  readonly code = 'E_PAYLOAD_CHANGED';
}

function changed(path: string, want: number, got: string): PayloadChangedError {
  return new PayloadChangedError(`${path}: ${got} bytes, but the package spec says ${want}`, undefined, 'run do_package again');
}

export class Coalescer {
  #buf = takeBatch();
  #used = 0;

  /** Adds `chunk`; yields the batches that are full. */
  *push(chunk: Buffer): Generator<Buffer> {
    let done = 0;
    while (done < chunk.length) {
      if (this.#used === BATCH) yield* this.flush();
      const n = chunk.copy(this.#buf, this.#used, done);
      this.#used += n;
      done += n;
    }
  }

  /**
   * Adds the `size` bytes of the file at `path`, checking that it still has that size;
   * `onData` sees each piece (hashing).
   */
  *pushFile(path: string, size: number, onData?: (piece: Buffer) => void): Generator<Buffer> {
    const fd = openSync(path, 'r');
    try {
      let done = 0;
      while (done < size) {
        if (this.#used === BATCH) yield* this.flush();
        const n = readSync(fd, this.#buf, this.#used, Math.min(BATCH - this.#used, size - done), null);
        if (n === 0) throw changed(path, size, `only ${done}`);
        onData?.(this.#buf.subarray(this.#used, this.#used + n));
        this.#used += n;
        done += n;
      }
      if (readSync(fd, Buffer.alloc(1), 0, 1, null) !== 0) throw changed(path, size, 'more than');
    } finally {
      closeSync(fd);
    }
  }

  /** What is pending, as a chunk that downstream may keep (or give back with recycleBatch). */
  *flush(): Generator<Buffer> {
    if (this.#used === 0) return;
    const out = this.#buf.subarray(0, this.#used);
    this.#buf = takeBatch();
    this.#used = 0;
    yield out;
  }
}
