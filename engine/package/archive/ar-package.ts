/**
 * The ar container of .deb and .ipk: `debian-binary` (`2.0\n`), the control archive, then
 * the data archive, in that order (dpkg-deb refuses data before control; opkg-build writes
 * them so too). ar states each size before the data: the small control archive is spooled to
 * a temp file and copied in; the data archive is compressed straight onto the end of the
 * package, after a header that says size 0, and that header is rewritten once the size is
 * known. (A .deb's md5sums come with the package spec, so its control archive needs nothing
 * from the data archive.)
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { AR_HEADER_LENGTH, AR_MAGIC, arHeader, arPadding, type ArMemberStyle } from './ar.js';
import { COMPRESSION_SUFFIX, type Compression } from './compression.js';
import { PackageFile } from './package-file.js';
import { spool } from './spool.js';
import { tarStream, type TarMember } from './tar-stream.js';

export interface ArPackage {
  readonly data: readonly TarMember[];
  readonly dataCompression: Compression;
  readonly control: readonly TarMember[];
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
  const controlFile = join(scratch.tmpDir, `${scratch.prefix}.${controlName}`);
  const signal = scratch.signal ? { signal: scratch.signal } : {};
  const out = new PackageFile(path);
  try {
    const control = await spool(tarStream(pkg.control), { compression: pkg.controlCompression, path: controlFile, ...signal });
    out.write(Buffer.from(AR_MAGIC, 'latin1'));
    out.write(arHeader('debian-binary', 4, pkg.style));
    out.write(Buffer.from('2.0\n'));
    out.write(arHeader(controlName, control.size, pkg.style));
    await out.copy(control.path, scratch.signal);
    out.write(arPadding(control.size));
    const headerAt = out.size;
    out.write(arHeader(dataName, 0, pkg.style));
    const data = await spool(tarStream(pkg.data), { compression: pkg.dataCompression, path, append: true, ...signal });
    out.writeAt(arHeader(dataName, data.size, pkg.style), headerAt);
    out.writeAt(arPadding(data.size), headerAt + AR_HEADER_LENGTH + data.size);
  } finally {
    out.close();
    await rm(controlFile, { force: true });
  }
}
