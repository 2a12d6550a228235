/**
 * The rpm header structure ("Package format", "Immutable header regions"): magic
 * `8e ad e8 01`, 4 reserved bytes, index count, data size, 16-byte index entries sorted by
 * tag, then the data, each integer aligned to its size. The first entry is the region tag
 * (62 in the signature header, 63 in the main one): a BIN entry pointing at a 16-byte trailer
 * at the end of the data, itself an entry `(tag, BIN, -16 × entries, 16)`. Without it rpm
 * treats the package as v3 and cannot read it back from its database. All big-endian.
 */
export const enum TagType {
  Int16 = 3,
  Int32 = 4,
  Int64 = 5,
  String = 6,
  Bin = 7,
  StringArray = 8,
  I18nString = 9,
}

export type TagValue =
  | { readonly type: TagType.Int16 | TagType.Int32 | TagType.Int64; readonly values: readonly number[] }
  | { readonly type: TagType.String; readonly value: string }
  | { readonly type: TagType.StringArray | TagType.I18nString; readonly values: readonly string[] }
  | { readonly type: TagType.Bin; readonly value: Buffer };

export const int16 = (values: readonly number[]): TagValue => ({ type: TagType.Int16, values });
export const int32 = (values: readonly number[]): TagValue => ({ type: TagType.Int32, values });
export const int64 = (values: readonly number[]): TagValue => ({ type: TagType.Int64, values });
export const str = (value: string): TagValue => ({ type: TagType.String, value });
export const strArray = (values: readonly string[]): TagValue => ({ type: TagType.StringArray, values });
export const i18n = (value: string): TagValue => ({ type: TagType.I18nString, values: [value] });

const HEADER_MAGIC = Buffer.from([0x8e, 0xad, 0xe8, 0x01]);

const ALIGN: Partial<Record<TagType, number>> = { [TagType.Int16]: 2, [TagType.Int32]: 4, [TagType.Int64]: 8 };

function encode(v: TagValue): { readonly data: Buffer; readonly count: number } {
  switch (v.type) {
    case TagType.Int16:
    case TagType.Int32:
    case TagType.Int64: {
      const size = v.type === TagType.Int16 ? 2 : v.type === TagType.Int32 ? 4 : 8;
      const data = Buffer.alloc(size * v.values.length);
      v.values.forEach((n, i) => {
        if (size === 2) data.writeUInt16BE(n & 0xffff, 2 * i);
        else if (size === 4) data.writeUInt32BE(n >>> 0, 4 * i);
        else data.writeBigUInt64BE(BigInt(n), 8 * i);
      });
      return { data, count: v.values.length };
    }
    case TagType.String:
      return { data: Buffer.from(`${v.value}\0`, 'utf8'), count: 1 };
    case TagType.StringArray:
    case TagType.I18nString:
      return { data: Buffer.from(v.values.map((s) => `${s}\0`).join(''), 'utf8'), count: v.values.length };
    case TagType.Bin:
      return { data: v.value, count: v.value.length };
    default: {
      const never: never = v;
      throw new Error(`unreachable: ${String(never)}`);
    }
  }
}

function indexEntry(tag: number, type: TagType, offset: number, count: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(tag, 0);
  b.writeUInt32BE(type, 4);
  b.writeInt32BE(offset, 8);
  b.writeUInt32BE(count, 12);
  return b;
}

/** The header bytes: `regionTag` first, then `tags` (empty arrays left out) sorted by tag. */
export function encodeHeader(regionTag: number, tags: ReadonlyMap<number, TagValue>): Buffer {
  const sorted = [...tags.entries()].filter(([, v]) => encode(v).count > 0).sort(([a], [b]) => a - b);
  const index: Buffer[] = [];
  const data: Buffer[] = [];
  let size = 0;
  for (const [tag, value] of sorted) {
    const { data: bytes, count } = encode(value);
    const align = ALIGN[value.type] ?? 1;
    const pad = (align - (size % align)) % align;
    if (pad) data.push(Buffer.alloc(pad));
    size += pad;
    index.push(indexEntry(tag, value.type, size, count));
    data.push(bytes);
    size += bytes.length;
  }
  const entries = sorted.length + 1;
  const trailer = indexEntry(regionTag, TagType.Bin, -16 * entries, 16);
  const region = indexEntry(regionTag, TagType.Bin, size, 16);
  const intro = Buffer.alloc(16);
  HEADER_MAGIC.copy(intro, 0);
  intro.writeUInt32BE(entries, 8);
  intro.writeUInt32BE(size + 16, 12);
  return Buffer.concat([intro, region, ...index, ...data, trailer]);
}
