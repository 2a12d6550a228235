/**
 * A zstd file written synchronously, driving the binding directly (no stream machinery).
 * zstd's own threads compress (its multi-threaded mode, as `zstd -T` and dpkg-deb use it)
 * while the calling thread feeds them; a call waits when they are all busy. One frame, and
 * the same bytes for any number of threads from one up, so ZSTD_THREADS is not part of a
 * package's identity (zero threads, zstd's single-threaded mode, would give other bytes).
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import binding from 'zstd-napi/binding.js';

const OUT = 1 << 20;

export interface ZstdFileResult {
  /** Compressed bytes written. */
  readonly size: number;
  /** Hex digest of the compressed bytes, when asked for. */
  readonly digest?: string;
}

/** The compressor: each call yields the compressed pieces, views that are valid until the next call. */
class ZstdEncoder {
  readonly #cctx = new binding.CCtx();
  readonly #out = Buffer.allocUnsafe(OUT);

  constructor(level: number, threads: number) {
    this.#cctx.setParameter(binding.CParameter.compressionLevel, level);
    this.#cctx.setParameter(binding.CParameter.checksumFlag, 1);
    this.#cctx.setParameter(binding.CParameter.nbWorkers, Math.max(1, threads));
  }

  write(chunk: Uint8Array): Generator<Buffer> {
    return this.#compress(chunk, binding.EndDirective.continue);
  }

  end(): Generator<Buffer> {
    return this.#compress(new Uint8Array(0), binding.EndDirective.end);
  }

  *#compress(input: Uint8Array, op: binding.EndDirective): Generator<Buffer> {
    let src = input;
    for (;;) {
      const [ret, produced, consumed] = this.#cctx.compressStream2(this.#out, src, op);
      if (produced > 0) yield this.#out.subarray(0, produced);
      src = src.subarray(consumed);
      if (src.length === 0 && (op === binding.EndDirective.continue ? produced < this.#out.length : ret === 0)) return;
    }
  }
}

export interface ZstdFileOptions {
  readonly level: number;
  /** zstd's worker threads (ZSTD_THREADS; default: one per CPU); the bytes do not depend on it. */
  readonly threads?: number;
  /** Hash algorithm for the digest of the compressed bytes. */
  readonly digest?: string;
  /** Add to the end of the file (a package whose earlier members are written) instead of replacing it. */
  readonly append?: boolean;
}

export class ZstdFile {
  readonly #fd: number;
  readonly #zstd: ZstdEncoder;
  readonly #hash: Hash | undefined;
  #size = 0;
  #open = true;

  constructor(path: string, opts: ZstdFileOptions) {
    this.#zstd = new ZstdEncoder(opts.level, opts.threads ?? availableParallelism());
    this.#hash = opts.digest === undefined ? undefined : createHash(opts.digest);
    this.#fd = openSync(path, opts.append ? 'a' : 'w');
  }

  write(chunk: Uint8Array): void {
    this.#put(this.#zstd.write(chunk));
  }

  end(): ZstdFileResult {
    try {
      this.#put(this.#zstd.end());
    } finally {
      this.close();
    }
    return { size: this.#size, ...(this.#hash ? { digest: this.#hash.digest('hex') } : {}) };
  }

  /** Abandons the file (its descriptor is closed, once; the caller removes it). */
  close(): void {
    if (this.#open) closeSync(this.#fd);
    this.#open = false;
  }

  #put(pieces: Iterable<Buffer>): void {
    for (const piece of pieces) {
      this.#hash?.update(piece);
      for (let done = 0; done < piece.length; ) done += writeSync(this.#fd, piece, done);
      this.#size += piece.length;
    }
  }
}
