/**
 * The ar container of .deb and .ipk: `debian-binary` (`2.0\n`), the control archive, then
 * the data archive, in that order (dpkg-deb refuses data before control; opkg does not care).
 * The data archive is spooled first (taking the files' digests on the way), then the control
 * archive (whose md5sums need them); both are temp files because ar states each size before the data.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AR_MAGIC, arHeader, arPadding, type ArMemberStyle } from './ar.js';
import { COMPRESSION_SUFFIX, type Compression } from './compression.js';
import { containerStream, spool, spooledBytes, type Spooled } from './spool.js';
import type { FileDigests } from './file-digests.js';
import { tarStream, type TarMember } from './tar-stream.js';

interface ArMember {
  readonly name: string;
  readonly data?: Buffer;
  readonly spooled?: Spooled;
}

function* arStream(members: readonly ArMember[], style: ArMemberStyle): Generator<Buffer> {
  yield Buffer.from(AR_MAGIC, 'latin1');
  for (const m of members) {
    const size = m.data?.length ?? m.spooled?.size ?? 0;
    yield arHeader(m.name, size, style);
    if (m.data) yield m.data;
    if (m.spooled) yield* spooledBytes(m.spooled.path);
    if (size % 2) yield arPadding(size);
  }
}

export interface ArPackage {
  readonly data: readonly TarMember[];
  /** Filled with the data files' digests while the data archive is written (before `control` is asked for). */
  readonly dataDigests?: FileDigests;
  readonly dataCompression: Compression;
  /** The control members, asked for once the data archive is complete. */
  readonly control: () => readonly TarMember[] | Promise<readonly TarMember[]>;
  readonly controlCompression: Compression;
  readonly style: ArMemberStyle;
}

export interface ScratchSpace {
  readonly tmpDir: string;
  /** Unique per package and format: temp names start with it. */
  readonly prefix: string;
  readonly signal?: AbortSignal;
}

export async function writeArPackage(pkg: ArPackage, out: Writable, scratch: ScratchSpace): Promise<void> {
  const dataName = `data.tar${COMPRESSION_SUFFIX[pkg.dataCompression.kind]}`;
  const controlName = `control.tar${COMPRESSION_SUFFIX[pkg.controlCompression.kind]}`;
  const temp = (name: string): string => join(scratch.tmpDir, `${scratch.prefix}.${name}`);
  const signal = scratch.signal ? { signal: scratch.signal } : {};
  try {
    const sizeHint = pkg.data.reduce((n, m) => n + m.header.size, 0);
    const data = await spool(tarStream(pkg.data, pkg.dataDigests), { compression: pkg.dataCompression, path: temp(dataName), sizeHint, ...signal });
    const control = await spool(tarStream(await pkg.control()), { compression: pkg.controlCompression, path: temp(controlName), sizeHint: 0, ...signal });
    const members: ArMember[] = [
      { name: 'debian-binary', data: Buffer.from('2.0\n') },
      { name: controlName, spooled: control },
      { name: dataName, spooled: data },
    ];
    await pipeline(containerStream(arStream(members, pkg.style)), out, signal);
  } finally {
    pkg.dataDigests?.close();
    await Promise.all([rm(temp(dataName), { force: true }), rm(temp(controlName), { force: true })]);
  }
}
