/**
 * The Go module "h1" checksum BitBake computes for every download (bb.utils.goh1_file, stored
 * in `.done` stamps and checked against `SRC_URI[goh1sum]`): the sha256 of the lines
 * `<sha256 of member>  <name>\n` over a zip archive's members sorted by name, or, for any other
 * file, of the one line `<sha256 of file>  go.mod\n`. A file is a zip archive when Python's
 * zipfile would open it: an end-of-central-directory record in its last 64 KiB.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** The end record (22 bytes) plus the longest comment. */
const TAIL = 22 + 0xffff;

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** The file's last bytes, enough to find the end-of-central-directory record. */
function tail(path: string): { data: Buffer; size: number } {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const len = Math.min(size, TAIL);
    const data = Buffer.alloc(len);
    readSync(fd, data, 0, len, size - len);
    return { data, size };
  } finally {
    closeSync(fd);
  }
}

interface Member {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly localOffset: number;
}

/** The central directory's members, or undefined when the file is not a (plain, non-zip64) zip archive. */
function zipMembers(path: string): { members: Member[]; archive: Buffer } | undefined {
  const { data, size } = tail(path);
  if (size < 22) return undefined;
  let end = data.length - 22;
  while (end >= 0 && data.readUInt32LE(end) !== EOCD) end = data.lastIndexOf('PK\x05\x06', end - 1, 'latin1');
  if (end < 0) return undefined;
  const count = data.readUInt16LE(end + 10);
  const cdSize = data.readUInt32LE(end + 12);
  const cdOffset = data.readUInt32LE(end + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) return undefined;
  const archive = readFileSync(path);
  const endAt = size - data.length + end;
  // Data prepended to the archive (a self-extractor) shifts every offset, as zipfile allows.
  const shift = endAt - cdSize - cdOffset;
  const members: Member[] = [];
  let p = endAt - cdSize;
  for (let i = 0; i < count; i++) {
    if (p < 0 || p + 46 > archive.length || archive.readUInt32LE(p) !== CENTRAL) return undefined;
    const flags = archive.readUInt16LE(p + 8);
    const nameLen = archive.readUInt16LE(p + 28);
    const raw = archive.subarray(p + 46, p + 46 + nameLen);
    members.push({
      name: raw.toString(flags & 0x800 ? 'utf8' : 'latin1'),
      method: archive.readUInt16LE(p + 10),
      compressedSize: archive.readUInt32LE(p + 20),
      localOffset: archive.readUInt32LE(p + 42) + shift,
    });
    p += 46 + nameLen + archive.readUInt16LE(p + 30) + archive.readUInt16LE(p + 32);
  }
  return { members, archive };
}

function memberData(archive: Buffer, m: Member): Buffer | undefined {
  const at = m.localOffset;
  if (at < 0 || at + 30 > archive.length || archive.readUInt32LE(at) !== LOCAL) return undefined;
  const start = at + 30 + archive.readUInt16LE(at + 26) + archive.readUInt16LE(at + 28);
  const body = archive.subarray(start, start + m.compressedSize);
  if (m.method === 0) return body;
  if (m.method !== 8) return undefined;
  try {
    return inflateRawSync(body);
  } catch {
    return undefined; // a corrupt member: the stamp goes without goh1 rather than fail the download
  }
}

/** The goh1 checksum of `path` whose sha256 is `fileSha256`; undefined when a zip member is neither stored nor deflated, or corrupt. */
export function goh1(path: string, fileSha256: string): string | undefined {
  const zip = zipMembers(path);
  if (!zip) return sha256(`${fileSha256}  go.mod\n`);
  // zipfile reads the last member of a name; Python sorts names by code point.
  const byName = new Map(zip.members.map((m) => [m.name, m]));
  const names = [...byName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const lines: string[] = [];
  for (const name of names) {
    const m = byName.get(name);
    const data = m && memberData(zip.archive, m);
    if (!data) return undefined;
    lines.push(`${sha256(data)}  ${name}\n`);
  }
  return sha256(lines.join(''));
}
