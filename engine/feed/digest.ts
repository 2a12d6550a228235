/** File checksums for index entries, read once in 1 MiB chunks for every algorithm at once. */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

export type Algorithm = 'md5' | 'sha1' | 'sha256' | 'sha512';
export type Digests = Readonly<Record<Algorithm, string>>;

const CHUNK = 1 << 20;

/** Hashes every chunk of an open file with each algorithm in `algos`. */
export function digestFd(fd: number, algos: readonly Algorithm[]): Partial<Record<Algorithm, string>> {
  const size = fstatSync(fd).size;
  const hashes: Array<[Algorithm, Hash]> = algos.map((a) => [a, createHash(a)]);
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
  for (let pos = 0; ; ) {
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n === 0) break;
    for (const [, h] of hashes) h.update(buf.subarray(0, n));
    pos += n;
  }
  return Object.fromEntries(hashes.map(([a, h]) => [a, h.digest('hex')]));
}

export function digestBytes(data: Uint8Array, algo: Algorithm): string {
  return createHash(algo).update(data).digest('hex');
}

/** Opens `file`, runs `read` on the descriptor and closes it once `read` has settled. */
export async function withFd<T>(file: string, read: (fd: number) => Promise<T> | T): Promise<T> {
  const fd = openSync(file, 'r');
  try {
    return await read(fd);
  } finally {
    closeSync(fd);
  }
}
