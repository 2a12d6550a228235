/**
 * A zstd file written synchronously, driving the binding directly (no stream machinery):
 * single-threaded zstd, so the bytes depend only on the input and the level, whichever
 * thread runs it. Used in-thread for small payloads and by zstd-worker.ts for large ones.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';
import binding from 'zstd-napi/binding.js';

const OUT = 1 << 20;

export interface ZstdFileResult {
  /** Compressed bytes written. */
  readonly size: number;
  /** Hex digest of the compressed bytes, when asked for. */
  readonly digest?: string;
}

export class ZstdFile {
  readonly #fd: number;
  readonly #cctx = new binding.CCtx();
  readonly #out = Buffer.allocUnsafe(OUT);
  readonly #hash: Hash | undefined;
  #size = 0;

  constructor(path: string, level: number, digest?: string) {
    this.#cctx.setParameter(binding.CParameter.compressionLevel, level);
    this.#cctx.setParameter(binding.CParameter.checksumFlag, 1);
    this.#hash = digest === undefined ? undefined : createHash(digest);
    this.#fd = openSync(path, 'w');
  }

  write(chunk: Uint8Array): void {
    this.#compress(chunk, binding.EndDirective.continue);
  }

  end(): ZstdFileResult {
    try {
      this.#compress(new Uint8Array(0), binding.EndDirective.end);
    } finally {
      closeSync(this.#fd);
    }
    return { size: this.#size, ...(this.#hash ? { digest: this.#hash.digest('hex') } : {}) };
  }

  /** Abandons the file (its descriptor is closed; the caller removes it). */
  close(): void {
    closeSync(this.#fd);
  }

  #compress(input: Uint8Array, op: binding.EndDirective): void {
    let src = input;
    for (;;) {
      const [ret, produced, consumed] = this.#cctx.compressStream2(this.#out, src, op);
      if (produced > 0) {
        const piece = this.#out.subarray(0, produced);
        this.#hash?.update(piece);
        for (let done = 0; done < produced; ) done += writeSync(this.#fd, piece, done);
        this.#size += produced;
      }
      src = src.subarray(consumed);
      if (src.length === 0 && (op === binding.EndDirective.continue ? produced < this.#out.length : ret === 0)) return;
    }
  }
}
