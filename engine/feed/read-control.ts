/**
 * The control file of a .deb or .ipk: `control.tar[.gz|.xz|.zst]` found in the outer ar
 * archive (or, for an ipk, a gzip-compressed tar), then `control` or `./control` inside it.
 */
import { decompressByName, gunzip, gunzipHead } from './compress.js';
import type { ByteSource } from './byte-source.js';
import { parseParagraph, type Field } from './deb822.js';
import { PackageReadError } from './errors.js';
import { arMembers, isAr, tarFile } from './read-archive.js';

/** What a control.tar.gz's first entries (`./` and `control`, as dpkg-deb and opkg-build order them) fit in. */
const CONTROL_HEAD = 4096;

/** The control file of a control.tar.gz, if it lies within the member's first CONTROL_HEAD bytes. */
function controlInHead(data: Buffer): Buffer | undefined {
  const { head, complete } = gunzipHead(data, CONTROL_HEAD);
  const control = tarFile(head, 'control');
  if (control || !complete) return control;
  throw new Error('control.tar.gz has no control file');
}

function controlFrom(tarName: string, data: Buffer): string {
  const control = (tarName.endsWith('.gz') ? controlInHead(data) : undefined) ?? tarFile(decompressByName(tarName, data), 'control');
  if (!control) throw new Error(`${tarName} has no control file`);
  return control.toString('utf8');
}

/** The control text of a package. */
export function readControl(src: ByteSource): string {
  const head = src.read(0, Math.min(src.size, 8));
  if (isAr(head)) {
    const member = arMembers(src).find((m) => /^control\.tar(\.(gz|xz|zst))?$/.test(m.name));
    if (!member) throw new Error('no control.tar member');
    return controlFrom(member.name, src.read(member.offset, member.size));
  }
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const inner = tarFile(gunzip(src.read(0, src.size)), 'control.tar.gz');
    if (inner) return controlFrom('control.tar.gz', inner);
  }
  throw new Error('neither an ar archive nor a gzip tar with control.tar.gz');
}

/** The control fields of the package `path` (for error messages) read through `src`. */
export function controlFields(src: ByteSource, path: string): Field[] {
  try {
    return parseParagraph(readControl(src));
  } catch (e) {
    throw new PackageReadError(path, (e as Error).message);
  }
}
