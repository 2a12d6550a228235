/** Reading files for their md5 (file-md5.ts), with synchronous reads through one reused buffer. */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';

const BUFFER = 1 << 20;

export function md5OfFiles(paths: readonly string[]): string[] {
  const buf = Buffer.allocUnsafe(BUFFER);
  return paths.map((path) => {
    const hash = createHash('md5');
    const fd = openSync(path, 'r');
    try {
      for (let n = readSync(fd, buf, 0, BUFFER, null); n > 0; n = readSync(fd, buf, 0, BUFFER, null)) hash.update(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    return hash.digest('hex');
  });
}
