/**
 * The rpm payload: a cpio "newc" stream of the files in header order, names `./path`, uid
 * and gid 0 (ownership is in the header, by name), every mtime SOURCE_DATE_EPOCH. A hard-link
 * set carries its data on its last entry. Each regular file's SHA-256 is taken on the way.
 */
import { createHash } from 'node:crypto';
import { Coalescer } from '../archive/coalesce.js';
import { cpioHeader, cpioTrailer, pad4 } from '../archive/cpio.js';
import { memberName } from '../archive/payload.js';
import type { RpmFile } from './files.js';

/** Fills `digests` (path of the regular file → hex SHA-256) while streaming. */
export function* cpioPayload(files: readonly RpmFile[], root: string, mtime: number, digests: Map<string, string>): Generator<Buffer> {
  const out = new Coalescer();
  for (const f of files) {
    const kind = f.file.kind;
    const withData = (kind === 'file' || kind === 'hardlink') && f.carriesData;
    const size = kind === 'symlink' ? f.size : withData ? f.size : 0;
    yield* out.push(cpioHeader({ name: memberName(f.file.path), ino: f.ino, mode: f.mode, uid: 0, gid: 0, nlink: f.nlink, mtime, size }));
    if (kind === 'symlink') yield* out.push(Buffer.from(f.file.target ?? '', 'utf8'));
    else if (withData) {
      const source = kind === 'file' ? f.file.path : (f.file.target ?? '');
      const hash = createHash('sha256');
      yield* out.pushFile(`${root}${source}`, size, (piece) => hash.update(piece));
      digests.set(source, hash.digest('hex'));
    }
    yield* out.push(pad4(size));
  }
  yield* out.push(cpioTrailer());
  yield* out.flush();
}
