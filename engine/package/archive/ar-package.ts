/**
 * The ar container of .deb and .ipk: `debian-binary` (`2.0\n`), the control archive, then
 * the data archive, in that order (dpkg-deb refuses data before control; opkg-build writes
 * them so too). ar states each size before the data, so a member is spooled to a temp file
 * and copied in, except the data archive when the control archive does not need it (.ipk):
 * it is then compressed straight onto the end of the package, after a header that says size
 * 0, and that header is rewritten once the size is known. A .deb's control archive holds the
 * data files' md5sums, so there the data archive is spooled first, taking them on the way.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AR_HEADER_LENGTH, AR_MAGIC, arHeader, arPadding, type ArMemberStyle } from './ar.js';
import { COMPRESSION_SUFFIX, type Compression } from './compression.js';
import { PackageFile } from './package-file.js';
import { spool, type Spooled } from './spool.js';
import type { FileDigests } from './file-digests.js';
import { tarStream, type TarMember } from './tar-stream.js';

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
  const out = new PackageFile(path);
  const header = (name: string, size: number): void => out.write(arHeader(name, size, pkg.style));
  const padding = (size: number): void => out.write(arPadding(size));
  /** The magic, `debian-binary` and the control archive. */
  const head = async (control: Spooled): Promise<void> => {
    out.write(Buffer.from(AR_MAGIC, 'latin1'));
    header('debian-binary', 4);
    out.write(Buffer.from('2.0\n'));
    header(controlName, control.size);
    await out.copy(control.path, scratch.signal);
    padding(control.size);
  };
  try {
    if (pkg.dataDigests) {
      const data = await spoolData(temp(dataName), false);
      await head(await spoolControl());
      header(dataName, data.size);
      await out.copy(data.path, scratch.signal);
      padding(data.size);
    } else {
      await head(await spoolControl());
      const headerAt = out.size;
      header(dataName, 0);
      const data = await spoolData(path, true);
      out.writeAt(arHeader(dataName, data.size, pkg.style), headerAt);
      out.writeAt(arPadding(data.size), headerAt + AR_HEADER_LENGTH + data.size);
    }
  } finally {
    out.close();
    pkg.dataDigests?.close();
    await Promise.all([rm(temp(dataName), { force: true }), rm(temp(controlName), { force: true })]);
  }
}
