/**
 * The headers of an RPM file: the 96-byte lead, the signature header (padded to 8 bytes),
 * then the main header. Only the headers are read; the payload is hashed, never unpacked.
 */
import type { ByteSource } from './byte-source.js';

type TagValue = string | readonly string[] | readonly number[] | Buffer;

/** A header's tags, decoded when asked for: an index needs a few dozen of a header's many tags. */
export interface TagTable {
  get(tag: number): TagValue | undefined;
}

export interface RpmHeaders {
  readonly signature: TagTable;
  readonly main: TagTable;
  /** Byte range of the main header in the file (createrepo_c's `header-range`). */
  readonly headerStart: number;
  readonly headerEnd: number;
}

const HEADER_MAGIC = 0x8eade801;

function strings(store: Buffer, offset: number, count: number): string[] {
  const out: string[] = [];
  let pos = offset;
  for (let i = 0; i < count; i++) {
    const end = store.indexOf(0, pos);
    if (end < 0) throw new Error('string runs past the header');
    out.push(store.toString('utf8', pos, end));
    pos = end + 1;
  }
  return out;
}

function integers(store: Buffer, offset: number, count: number, width: 1 | 2 | 4 | 8): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const at = offset + i * width;
    out.push(width === 1 ? store.readUInt8(at) : width === 2 ? store.readUInt16BE(at) : width === 4 ? store.readUInt32BE(at) : Number(store.readBigUInt64BE(at)));
  }
  return out;
}

/** The value of one index entry (`type`, `offset` into the store, `n` items). */
function decode(store: Buffer, type: number, offset: number, n: number): TagValue | undefined {
  switch (type) {
    case 1:
    case 2:
      return integers(store, offset, n, 1);
    case 3:
      return integers(store, offset, n, 2);
    case 4:
      return integers(store, offset, n, 4);
    case 5:
      return integers(store, offset, n, 8);
    case 6:
      return strings(store, offset, 1)[0] ?? '';
    case 7:
      return Buffer.from(store.subarray(offset, offset + n));
    case 8:
    case 9:
      return strings(store, offset, n);
    default:
      return undefined;
  }
}

/** Reads the header structure at `start`: its tag table (decoded lazily) and its length in bytes. */
function readHeader(src: ByteSource, start: number): { tags: TagTable; length: number } {
  const intro = src.read(start, 16);
  if (intro.readUInt32BE(0) !== HEADER_MAGIC) throw new Error(`no header magic at byte ${start}`);
  const count = intro.readUInt32BE(8);
  const storeSize = intro.readUInt32BE(12);
  if (count > 100_000 || storeSize > 256 * 1024 * 1024) throw new Error('implausible header size');
  const body = src.read(start + 16, count * 16 + storeSize);
  const store = body.subarray(count * 16);
  const entries = new Map<number, number>();
  for (let i = 0; i < count; i++) entries.set(body.readUInt32BE(i * 16), i * 16);
  const tags: TagTable = {
    get(tag) {
      const at = entries.get(tag);
      return at === undefined ? undefined : decode(store, body.readUInt32BE(at + 4), body.readUInt32BE(at + 8), body.readUInt32BE(at + 12));
    },
  };
  return { tags, length: 16 + count * 16 + storeSize };
}

export function readRpmHeaders(src: ByteSource): RpmHeaders {
  if (src.size < 96 + 16) throw new Error('too short for an RPM');
  if (src.read(0, 4).readUInt32BE(0) !== 0xedabeedb) throw new Error('no RPM lead magic');
  const sig = readHeader(src, 96);
  const headerStart = 96 + Math.ceil(sig.length / 8) * 8;
  const main = readHeader(src, headerStart);
  return { signature: sig.tags, main: main.tags, headerStart, headerEnd: headerStart + main.length };
}

/** A tag as one string ('' when absent; the first entry of an array). */
export function tagString(tags: TagTable, tag: number): string {
  const v = tags.get(tag);
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return String(v[0] ?? '');
  return '';
}

export function tagStrings(tags: TagTable, tag: number): readonly string[] {
  const v = tags.get(tag);
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) return [];
  return v.every((x): x is string => typeof x === 'string') ? v : v.map(String);
}

export function tagNumbers(tags: TagTable, tag: number): readonly number[] {
  const v = tags.get(tag);
  if (!Array.isArray(v)) return [];
  return v.every((x): x is number => typeof x === 'number') ? v : v.map(Number);
}
