/**
 * A package file as the readers see it: positional reads plus checksums. A small file is read
 * once into memory (one system call instead of one per header); a large one is read in place,
 * its payload hashed in 1 MiB chunks and never held whole.
 */
import { createHash, hash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';

export type Algorithm = 'md5' | 'sha1' | 'sha256' | 'sha512';

export interface ByteSource {
  readonly size: number;
  /** `length` bytes at `offset`; throws when the file ends first. */
  read(offset: number, length: number): Buffer;
  /** Hex digests of the whole file. */
  digests(algos: readonly Algorithm[]): Partial<Record<Algorithm, string>>;
}

const IN_MEMORY_LIMIT = 4 << 20;
const CHUNK = 1 << 20;

function memorySource(data: Buffer): ByteSource {
  return {
    size: data.length,
    read(offset, length) {
      if (offset + length > data.length) throw new Error('file ends early');
      return data.subarray(offset, offset + length);
    },
    // One-shot hashing: no Hash object per algorithm and file.
    digests: (algos) => Object.fromEntries(algos.map((a) => [a, hash(a, data, 'hex')])),
  };
}

function fdSource(fd: number, size: number): ByteSource {
  const read = (offset: number, length: number): Buffer => {
    const buf = Buffer.alloc(length);
    for (let done = 0; done < length; ) {
      const n = readSync(fd, buf, done, length - done, offset + done);
      if (n === 0) throw new Error('file ends early');
      done += n;
    }
    return buf;
  };
  return {
    size,
    read,
    digests(algos) {
      const hashes: Array<[Algorithm, Hash]> = algos.map((a) => [a, createHash(a)]);
      const buf = Buffer.allocUnsafe(CHUNK);
      for (let pos = 0, n = 0; pos < size; pos += n) {
        n = readSync(fd, buf, 0, CHUNK, pos);
        if (n === 0) break;
        for (const [, h] of hashes) h.update(buf.subarray(0, n));
      }
      return Object.fromEntries(hashes.map(([a, h]) => [a, h.digest('hex')]));
    },
  };
}

/** The whole of `file`, expected to be `size` bytes: one open, read and close (readFileSync when it is not). */
function readKnownSize(file: string, size: number): Buffer {
  const fd = openSync(file, 'r');
  let n: number;
  const buf = Buffer.allocUnsafe(size + 1);
  try {
    n = readSync(fd, buf, 0, size + 1, 0);
  } finally {
    closeSync(fd);
  }
  // A short read or one byte more: the file changed since it was stat'ed.
  return n === size ? buf.subarray(0, size) : readFileSync(file);
}

/**
 * Runs `use` on `file` as a ByteSource and closes the file once `use` has returned. `size`, when
 * the caller has just stat'ed the file, saves a small file its open-stat-read round.
 */
export function withSource<T>(file: string, use: (src: ByteSource) => T, size?: number): T {
  if (size !== undefined && size <= IN_MEMORY_LIMIT) return use(memorySource(readKnownSize(file, size)));
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    return use(size <= IN_MEMORY_LIMIT ? memorySource(readFileSync(fd)) : fdSource(fd, size));
  } finally {
    closeSync(fd);
  }
}

export function digestBytes(data: Uint8Array, algo: Algorithm): string {
  return hash(algo, data, 'hex');
}
