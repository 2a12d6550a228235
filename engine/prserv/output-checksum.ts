/**
 * The checksum of a recipe's installed output (${D}) that keys its PR value: paths, types,
 * modes, link targets and file contents, in byte order of path. A rebuild that installs the
 * same files keeps its PRAUTO; one that installs anything different gets the next.
 */
import { createHash, type Hash } from 'node:crypto';
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import { join } from 'node:path';

const CHUNK = 1 << 20;

function hashFile(h: Hash, path: string): void {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let n = readSync(fd, buf, 0, CHUNK, null); n > 0; n = readSync(fd, buf, 0, CHUNK, null)) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}

export function outputChecksum(root: string): string {
  const h = createHash('sha256');
  if (!existsSync(root)) return h.update('\0none').digest('hex');
  const walk = (rel: string): void => {
    const names = readdirSync(join(root, rel)).map((n) => Buffer.from(n)).sort(Buffer.compare).map((b) => b.toString());
    for (const name of names) {
      const sub = rel === '' ? name : `${rel}/${name}`;
      const path = join(root, sub);
      const st = lstatSync(path);
      h.update(`${sub.length}:${sub}\0${st.mode.toString(8)}\0`);
      if (st.isSymbolicLink()) h.update(`link:${readlinkSync(path)}\0`);
      else if (st.isDirectory()) walk(sub);
      else if (st.isFile()) {
        h.update(`file:${st.size}\0`);
        hashFile(h, path);
      }
    }
  };
  walk('');
  return h.digest('hex');
}
