/**
 * A tar archive as a stream of chunks: headers, then each regular file's data read from
 * disk (or held in memory for small control files), padded to blocks, then the trailer.
 */
import { Coalescer } from './coalesce.js';
import { tarHeader, tarPadding, tarTrailer, type TarHeader } from './tar.js';

export interface TarMember {
  readonly header: TarHeader;
  /** Where a regular file's data is on disk... */
  readonly source?: string;
  /** ...or the data itself (control files, scripts). */
  readonly data?: Buffer;
}

export function* tarStream(members: Iterable<TarMember>): Generator<Buffer> {
  const out = new Coalescer();
  for (const m of members) {
    yield* out.push(tarHeader(m.header));
    if (m.header.type !== 'file') continue;
    if (m.data) yield* out.push(m.data);
    else if (m.source !== undefined) yield* out.pushFile(m.source, m.header.size);
    yield* out.push(tarPadding(m.header.size));
  }
  yield* out.push(tarTrailer());
  yield* out.flush();
}

/** A small in-memory file member (control data, scripts). */
export function memoryMember(name: string, data: string, mode: number, mtime: number): TarMember {
  const bytes = Buffer.from(data, 'utf8');
  return {
    header: { name, type: 'file', mode, uid: 0, gid: 0, uname: 'root', gname: 'root', size: bytes.length, mtime },
    data: bytes,
  };
}
