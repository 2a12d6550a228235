/**
 * The ar container of .deb and .ipk: `debian-binary` (`2.0\n`), the control archive, then
 * the data archive, in that order (dpkg-deb refuses data before control; opkg-build writes
 * them so too). ar states each size before the data, so a member is spooled to a temp file
 * and copied in, except the data archive when the control archive does not need it (.ipk):
 * it is then compressed straight onto the end of the package, after a header that says size
 * 0, and that header is rewritten once the size is known. A .deb's control archive holds the
 * data files' md5sums, so there the data archive is spooled first, taking them on the way.
 */
import { closeSync, createWriteStream, openSync, statSync, writeSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { AR_HEADER_LENGTH, AR_MAGIC, arHeader, arPadding, type ArMemberStyle } from './ar.js';
import { COMPRESSION_SUFFIX, type Compression } from './compression.js';
import { containerStream, spool, spooledBytes, type Spooled } from './spool.js';
import type { FileDigests } from './file-digests.js';
import { tarStream, type TarMember } from './tar-stream.js';

/** A member held in memory or spooled; with neither, only its header is written (size 0), the data to follow. */
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

/** The package's last member, whose `size` bytes were added after its header: the header says so now, and the data is padded. */
function finishLastMember(path: string, headerAt: number, name: string, size: number, style: ArMemberStyle): void {
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, arHeader(name, size, style), 0, AR_HEADER_LENGTH, headerAt);
    const pad = arPadding(size);
    writeSync(fd, pad, 0, pad.length, headerAt + AR_HEADER_LENGTH + size);
  } finally {
    closeSync(fd);
  }
}

export interface ArPackage {
  readonly data: readonly TarMember[];
  /** Filled with the data files' digests while the data archive is written (before `control` is asked for). */
  readonly dataDigests?: FileDigests;
  readonly dataCompression: Compression;
  /** The control members, asked for once the data archive is complete when it has dataDigests to fill, else first. */
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

/** Writes the package to the file at `path` (replaced). */
export async function writeArPackage(pkg: ArPackage, path: string, scratch: ScratchSpace): Promise<void> {
  const dataName = `data.tar${COMPRESSION_SUFFIX[pkg.dataCompression.kind]}`;
  const controlName = `control.tar${COMPRESSION_SUFFIX[pkg.controlCompression.kind]}`;
  const temp = (name: string): string => join(scratch.tmpDir, `${scratch.prefix}.${name}`);
  const signal = scratch.signal ? { signal: scratch.signal } : {};
  const sizeHint = pkg.data.reduce((n, m) => n + m.header.size, 0);
  const spoolData = (file: string, append: boolean): Promise<Spooled> =>
    spool(tarStream(pkg.data, pkg.dataDigests), { compression: pkg.dataCompression, path: file, sizeHint, ...(append ? { append } : {}), ...signal });
  const spoolControl = async (): Promise<Spooled> => spool(tarStream(await pkg.control()), { compression: pkg.controlCompression, path: temp(controlName), sizeHint: 0, ...signal });
  const withControl = (control: Spooled, data: ArMember): ArMember[] => [{ name: 'debian-binary', data: Buffer.from('2.0\n') }, { name: controlName, spooled: control }, data];
  const write = (members: readonly ArMember[]): Promise<void> => pipeline(containerStream(arStream(members, pkg.style)), createWriteStream(path), signal);
  try {
    if (pkg.dataDigests) {
      const data = await spoolData(temp(dataName), false);
      await write(withControl(await spoolControl(), { name: dataName, spooled: data }));
    } else {
      await write(withControl(await spoolControl(), { name: dataName }));
      const headerAt = statSync(path).size - AR_HEADER_LENGTH;
      const data = await spoolData(path, true);
      finishLastMember(path, headerAt, dataName, data.size, pkg.style);
    }
  } finally {
    pkg.dataDigests?.close();
    await Promise.all([rm(temp(dataName), { force: true }), rm(temp(controlName), { force: true })]);
  }
}
