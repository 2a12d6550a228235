/**
 * Members whose size a container must state before their data (ar, the rpm header) are
 * compressed into a file, counting and hashing on the way: a temp file whose bytes are then
 * copied into the container, or the end of the package file itself when the member is its
 * last (the container's size field is then patched in place). Memory stays bounded whatever
 * the payload size.
 */
import { createHash, type Hash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { compressor, type Compression } from './compression.js';
import { zstdCompress } from './zstd-compress.js';

/** Counts (and optionally hashes) the bytes that pass through. */
class ByteTap extends Transform {
  bytes = 0;
  readonly hash: Hash | undefined;
  constructor(algorithm?: string) {
    super();
    this.hash = algorithm === undefined ? undefined : createHash(algorithm);
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash?.update(chunk);
    done(null, chunk);
  }
}

export interface Spooled {
  readonly path: string;
  /** Compressed bytes in the file. */
  readonly size: number;
  /** Bytes before compression. */
  readonly rawSize: number;
  /** Hex digests of the raw and the compressed bytes, when asked for. */
  readonly rawDigest?: string;
  readonly digest?: string;
}

export interface SpoolOptions {
  readonly compression: Compression;
  readonly path: string;
  /** Add to the end of the file (the package, after the members before this one) instead of replacing it. */
  readonly append?: boolean;
  /** Hash algorithm (node:crypto name) for rawDigest and digest. */
  readonly digest?: string;
  readonly signal?: AbortSignal;
}

export async function spool(source: Iterable<Buffer>, opts: SpoolOptions): Promise<Spooled> {
  const raw = new ByteTap(opts.digest);
  const c = opts.compression;
  const signal = opts.signal ? { signal: opts.signal } : {};
  if (c.kind === 'zstd') {
    const onRaw = (chunk: Buffer): void => {
      raw.bytes += chunk.length;
      raw.hash?.update(chunk);
    };
    const file = { path: opts.path, ...(opts.digest ? { digest: opts.digest } : {}), ...(opts.append ? { append: true } : {}) };
    const packed = await zstdCompress(source, { level: c.level, ...(c.threads === undefined ? {} : { threads: c.threads }), ...file, onRaw, ...signal });
    return { path: opts.path, size: packed.size, rawSize: raw.bytes, ...(raw.hash && packed.digest ? { rawDigest: raw.hash.digest('hex'), digest: packed.digest } : {}) };
  }
  const packed = new ByteTap(opts.digest);
  await pipeline(Readable.from(source, { objectMode: false }), raw, compressor({ kind: c.kind, level: c.level }), packed, createWriteStream(opts.path, { flags: opts.append ? 'a' : 'w' }), signal);
  return {
    path: opts.path,
    size: packed.bytes,
    rawSize: raw.bytes,
    ...(raw.hash && packed.hash ? { rawDigest: raw.hash.digest('hex'), digest: packed.hash.digest('hex') } : {}),
  };
}
