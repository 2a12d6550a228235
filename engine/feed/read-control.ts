/**
 * The control file of a .deb or .ipk: `control.tar[.gz|.xz|.zst]` found in the outer ar
 * archive (or, for an ipk, a gzip-compressed tar), then `control` or `./control` inside it.
 */
import { fstatSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { decompressByName } from './compress.js';
import { arMembers, isAr, readRange, tarFiles } from './read-archive.js';

async function controlFrom(tarName: string, data: Buffer): Promise<string> {
  const control = tarFiles(await decompressByName(tarName, data)).get('control');
  if (!control) throw new Error(`${tarName} has no control file`);
  return control.toString('utf8');
}

/** The control text of the package open as `fd`. */
export async function readControl(fd: number): Promise<string> {
  const size = fstatSync(fd).size;
  const head = readRange(fd, 0, Math.min(size, 8));
  if (isAr(head)) {
    const member = arMembers(fd, size).find((m) => /^control\.tar(\.(gz|xz|zst))?$/.test(m.name));
    if (!member) throw new Error('no control.tar member');
    return controlFrom(member.name, readRange(fd, member.offset, member.size));
  }
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const inner = tarFiles(gunzipSync(readRange(fd, 0, size))).get('control.tar.gz');
    if (inner) return controlFrom('control.tar.gz', inner);
  }
  throw new Error('neither an ar archive nor a gzip tar with control.tar.gz');
}
