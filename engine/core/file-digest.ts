/** A file's digest (a node:crypto algorithm), read in 1 MiB pieces: large files never sit in memory whole. */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

const PIECE = 1 << 20;

/** Hex digest of the file at `path`; `buffer` (reused by a caller hashing many files) takes the pieces. */
export function fileDigest(path: string, algorithm: string, buffer: Buffer = Buffer.allocUnsafe(PIECE)): string {
  const hash = createHash(algorithm);
  const fd = openSync(path, 'r');
  try {
    for (let n = readSync(fd, buffer, 0, buffer.length, null); n > 0; n = readSync(fd, buffer, 0, buffer.length, null)) hash.update(buffer.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
