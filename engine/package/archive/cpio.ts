/**
 * cpio "newc" (SVR4 without checksums), the rpm payload: `070701`, 13 fields of 8 uppercase
 * hex digits, the NUL-terminated name padded so header + name is a multiple of 4, the data
 * padded to 4. The archive ends with a `TRAILER!!!` entry and no block padding (as rpmbuild).
 */
export interface CpioHeader {
  readonly name: string;
  readonly ino: number;
  /** Type and permission bits (`0o100644`). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly nlink: number;
  readonly mtime: number;
  readonly size: number;
}

const hex = (n: number): string => n.toString(16).toUpperCase().padStart(8, '0');

export const pad4 = (n: number): Buffer => Buffer.alloc((4 - (n % 4)) % 4);

export function cpioHeader(h: CpioHeader): Buffer {
  // newc has 8 hex digits per field; rpm's >= 4 GiB files need its own stripped-cpio format
  if (h.size > 0xffffffff) throw new RangeError(`${h.name}: ${h.size} bytes does not fit a cpio newc entry (4 GiB at most)`);
  const name = Buffer.from(`${h.name}\0`, 'utf8');
  const fields = [h.ino, h.mode, h.uid, h.gid, h.nlink, h.mtime, h.size, 0, 0, 0, 0, name.length, 0];
  const head = Buffer.from(`070701${fields.map(hex).join('')}`, 'latin1');
  return Buffer.concat([head, name, pad4(head.length + name.length)]);
}

export const cpioTrailer = (): Buffer =>
  cpioHeader({ name: 'TRAILER!!!', ino: 0, mode: 0, uid: 0, gid: 0, nlink: 1, mtime: 0, size: 0 });
