/**
 * Tar headers as dpkg, opkg and GNU tar all read them: ustar fields with GNU magic, a name
 * over 100 bytes in a GNU `L` long-name record (and a long link target in a `K` record).
 * Never pax: dpkg refuses `x` headers. Numbers that do not fit octal fields use GNU base-256.
 */
export type TarType = 'file' | 'hardlink' | 'symlink' | 'dir';

export interface TarHeader {
  /** `./etc/x.conf`; directories end with `/`. */
  readonly name: string;
  readonly type: TarType;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly uname: string;
  readonly gname: string;
  /** Data bytes that follow (regular files only). */
  readonly size: number;
  readonly mtime: number;
  /** The symlink target or the earlier member a hard link names. */
  readonly linkname?: string;
}

const TAR_BLOCK = 512;

const TYPEFLAG: Record<TarType, string> = { file: '0', hardlink: '1', symlink: '2', dir: '5' };

function putString(block: Buffer, offset: number, length: number, value: string): void {
  block.write(value, offset, length, 'utf8');
}

function putNumber(block: Buffer, offset: number, length: number, value: number): void {
  const octal = value.toString(8);
  if (octal.length < length) {
    putString(block, offset, length, `${octal.padStart(length - 1, '0')}\0`);
    return;
  }
  // GNU base-256: the high bit of the first byte set, the value big-endian in the rest.
  let v = BigInt(value);
  for (let i = offset + length - 1; i > offset; i--) {
    block[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  block[offset] = 0x80;
}

function record(h: TarHeader, name: string, typeflag: string, size: number, linkname: string): Buffer {
  const block = Buffer.alloc(TAR_BLOCK);
  putString(block, 0, 100, name);
  putNumber(block, 100, 8, h.mode & 0o7777);
  putNumber(block, 108, 8, h.uid);
  putNumber(block, 116, 8, h.gid);
  putNumber(block, 124, 12, size);
  putNumber(block, 136, 12, h.mtime);
  block.fill(0x20, 148, 156);
  putString(block, 156, 1, typeflag);
  putString(block, 157, 100, linkname);
  putString(block, 257, 8, 'ustar  \0');
  putString(block, 265, 32, h.uname);
  putString(block, 297, 32, h.gname);
  let sum = 0;
  for (let i = 0; i < TAR_BLOCK; i++) sum += block[i] ?? 0;
  putString(block, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

/** A GNU long-name (`L`) or long-link (`K`) record holding `value`, then its data blocks. */
function longRecord(h: TarHeader, typeflag: 'L' | 'K', value: string): Buffer {
  const data = Buffer.from(`${value}\0`, 'utf8');
  const padded = Buffer.alloc(Math.ceil(data.length / TAR_BLOCK) * TAR_BLOCK);
  data.copy(padded);
  const head = record({ ...h, mode: 0, uid: 0, gid: 0, mtime: 0, uname: 'root', gname: 'root' }, '././@LongLink', typeflag, data.length, '');
  return Buffer.concat([head, padded]);
}

/** The header record(s) of one member. */
export function tarHeader(h: TarHeader): Buffer {
  const link = h.linkname ?? '';
  const parts: Buffer[] = [];
  if (Buffer.byteLength(h.name) > 100) parts.push(longRecord(h, 'L', h.name));
  if (Buffer.byteLength(link) > 100) parts.push(longRecord(h, 'K', link));
  parts.push(record(h, h.name, TYPEFLAG[h.type], h.type === 'file' ? h.size : 0, link));
  return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
}

/** Zero bytes that pad `size` data bytes to a whole block. */
export function tarPadding(size: number): Buffer {
  return ZEROS.subarray(0, (TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK);
}

/** Never written to: padding is a view of it. */
const ZEROS = Buffer.alloc(TAR_BLOCK);

/** The end-of-archive marker: two zero blocks. */
export const tarTrailer = (): Buffer => Buffer.alloc(2 * TAR_BLOCK);
