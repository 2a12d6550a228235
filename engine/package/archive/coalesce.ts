/**
 * Write combining for archive generators: headers and small files are copied into one
 * bounded buffer, so the compressor sees few large chunks instead of thousands of 512-byte
 * ones. Large chunks pass through untouched (after what is pending). Memory stays bounded.
 */
const BATCH = 256 * 1024;

export class Coalescer {
  #buf = Buffer.allocUnsafe(BATCH);
  #used = 0;

  /** Adds `chunk`; returns the chunks that are ready to go downstream, in order. */
  push(chunk: Buffer): Buffer[] {
    if (chunk.length >= BATCH / 4) return [...this.flush(), chunk];
    const out = this.#used + chunk.length > BATCH ? this.flush() : [];
    chunk.copy(this.#buf, this.#used);
    this.#used += chunk.length;
    return out;
  }

  /** What is pending, as a chunk that downstream may keep. */
  flush(): Buffer[] {
    if (this.#used === 0) return [];
    const out = this.#buf.subarray(0, this.#used);
    this.#buf = Buffer.allocUnsafe(BATCH);
    this.#used = 0;
    return [out];
  }
}
