/**
 * Raw DEFLATE decoding (RFC 1951) in this thread, for the first bytes of the small gzip members
 * an indexer opens by the thousand (a package's `control.tar.gz`): a call to zlib's binding
 * builds a stream object, a native state and a 32 KiB window, more than such a member holds,
 * and the indexer only needs the archive's first entries. Decoding stops once `limit` bytes
 * are out; a caller that needs more inflates the member again with zlib.
 */

const LENGTH_BASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DIST_EXTRA = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/** The order in which a dynamic block lists its code-length code's lengths. */
const CLEN_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

export class InflateError extends Error {}

/**
 * A canonical Huffman code as one lookup table indexed by the next `bits` input bits (least
 * significant first, as DEFLATE packs them): each entry is `symbol << 4 | code length`, 0 for
 * bit patterns no code starts with. Tables are rebuilt per block into the same arrays.
 */
class HuffmanTable {
  readonly table = new Int32Array(1 << 15);
  bits = 0;
  readonly #count = new Uint16Array(16);
  readonly #next = new Uint16Array(16);

  build(lengths: Uint8Array, n: number): void {
    const count = this.#count.fill(0);
    let max = 0;
    for (let s = 0; s < n; s++) {
      const len = lengths[s] as number;
      count[len] = (count[len] as number) + 1;
      if (len > max) max = len;
    }
    count[0] = 0;
    let left = 1;
    for (let len = 1; len <= 15; len++) {
      left = (left << 1) - (count[len] as number);
      if (left < 0) throw new InflateError('over-subscribed Huffman code');
    }
    const next = this.#next;
    next[1] = 0;
    for (let len = 1; len < 15; len++) next[len + 1] = ((next[len] as number) + (count[len] as number)) << 1;
    this.bits = max;
    const size = 1 << max;
    const table = this.table;
    table.fill(0, 0, size);
    for (let s = 0; s < n; s++) {
      const len = lengths[s] as number;
      if (len === 0) continue;
      let code = next[len] as number;
      next[len] = code + 1;
      let reversed = 0;
      for (let i = 0; i < len; i++, code >>= 1) reversed = (reversed << 1) | (code & 1);
      for (let i = reversed; i < size; i += 1 << len) table[i] = (s << 4) | len;
    }
  }
}

/** The fixed codes of block type 1 (RFC 1951 3.2.6). */
const FIXED_LENGTHS = new Uint8Array(288).fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
const FIXED_DISTANCES = new Uint8Array(30).fill(5);

/** Decoder state reused by every call: the indexer inflates one member at a time. */
const litLen = new HuffmanTable();
const dist = new HuffmanTable();
const codeLengths = new Uint8Array(19);
let out = new Uint8Array(1 << 14);

export interface Inflated {
  readonly data: Uint8Array;
  /** The last block was decoded to its end (false: `limit` stopped the decoding first). */
  readonly complete: boolean;
}

/**
 * The `n` bits (n <= 17) at bit position `p` of `input`, least significant first; bytes past
 * the end read as zeros (inflateRaw checks its position against the end).
 */
const bits = (input: Uint8Array, p: number, n: number): number => {
  const i = p >> 3;
  return (((input[i] ?? 0) | ((input[i + 1] ?? 0) << 8) | ((input[i + 2] ?? 0) << 16)) >> (p & 7)) & ((1 << n) - 1);
};

/** Output space for `n` more bytes after `o`. */
function reserve(o: number, n: number): void {
  if (o + n <= out.length) return;
  const bigger = new Uint8Array(Math.max(out.length * 2, o + n));
  bigger.set(out.subarray(0, o));
  out = bigger;
}

/** Inflates `input` (raw DEFLATE data) until its last block ends or at least `limit` bytes are out. */
export function inflateRaw(input: Uint8Array, limit: number): Inflated {
  const endBit = input.length * 8;
  let p = 0;
  let o = 0;
  let done = false;
  const fail = (why: string): never => {
    throw new InflateError(p > endBit ? 'deflate data ends early' : why);
  };
  while (!done && o < limit) {
    const last = bits(input, p, 1);
    const type = bits(input, p + 1, 2);
    p += 3;
    if (type === 0) {
      // Stored: from the next byte boundary, LEN and its complement, then LEN bytes.
      let i = (p + 7) >> 3;
      if (i + 4 > input.length) fail('deflate data ends early');
      const len = (input[i] as number) | ((input[i + 1] as number) << 8);
      if ((len ^ ((input[i + 2] as number) | ((input[i + 3] as number) << 8))) !== 0xffff) fail('stored block length check failed');
      i += 4;
      if (i + len > input.length) fail('deflate data ends early');
      reserve(o, len);
      out.set(input.subarray(i, i + len), o);
      o += len;
      p = (i + len) * 8;
      done = last === 1;
      continue;
    }
    if (type === 1) {
      litLen.build(FIXED_LENGTHS, 288);
      dist.build(FIXED_DISTANCES, 30);
    } else if (type === 2) {
      const nLit = bits(input, p, 5) + 257;
      const nDist = bits(input, p + 5, 5) + 1;
      const nCode = bits(input, p + 10, 4) + 4;
      p += 14;
      if (nLit > 286 || nDist > 30) fail('too many length or distance codes');
      codeLengths.fill(0, 0, 19);
      for (let i = 0; i < nCode; i++, p += 3) codeLengths[CLEN_ORDER[i] as number] = bits(input, p, 3);
      litLen.build(codeLengths, 19);
      const lengths = new Uint8Array(nLit + nDist);
      for (let i = 0; i < nLit + nDist; ) {
        const entry = litLen.table[bits(input, p, litLen.bits)] as number;
        if (entry === 0) fail('invalid Huffman code');
        p += entry & 15;
        const sym = entry >> 4;
        if (sym < 16) {
          lengths[i++] = sym;
          continue;
        }
        let repeat: number;
        let value = 0;
        if (sym === 16) {
          if (i === 0) fail('repeat with no previous length');
          value = lengths[i - 1] as number;
          repeat = 3 + bits(input, p, 2);
          p += 2;
        } else if (sym === 17) {
          repeat = 3 + bits(input, p, 3);
          p += 3;
        } else {
          repeat = 11 + bits(input, p, 7);
          p += 7;
        }
        if (i + repeat > nLit + nDist) fail('too many code lengths');
        lengths.fill(value, i, i + repeat);
        i += repeat;
      }
      if (p > endBit) fail('deflate data ends early');
      if (lengths[256] === 0) fail('no end-of-block code');
      litLen.build(lengths, nLit);
      dist.build(lengths.subarray(nLit), nDist);
    } else fail('invalid block type 3');
    const lt = litLen.table;
    const lBits = litLen.bits;
    const dt = dist.table;
    const dBits = dist.bits;
    for (;;) {
      const entry = lt[bits(input, p, lBits)] as number;
      if (entry === 0) fail('invalid Huffman code');
      p += entry & 15;
      const sym = entry >> 4;
      if (sym < 256) {
        reserve(o, 1);
        out[o++] = sym;
      } else if (sym === 256) {
        done = last === 1;
        break;
      } else {
        const l = sym - 257;
        if (l >= 29) fail('invalid length code');
        const lenExtra = LENGTH_EXTRA[l] as number;
        const len = (LENGTH_BASE[l] as number) + bits(input, p, lenExtra);
        p += lenExtra;
        const dEntry = dt[bits(input, p, dBits)] as number;
        if (dEntry === 0) fail('invalid Huffman code');
        p += dEntry & 15;
        const d = dEntry >> 4;
        const distExtra = DIST_EXTRA[d] as number;
        const back = (DIST_BASE[d] as number) + bits(input, p, distExtra);
        p += distExtra;
        if (back > o) fail('distance too far back');
        reserve(o, len);
        // Runs (distance 1: a tar's zero padding) as a fill, far copies as a move, overlapping ones byte by byte.
        if (back === 1) out.fill(out[o - 1] as number, o, o + len);
        else if (back >= len) out.copyWithin(o, o - back, o - back + len);
        else for (let k = 0; k < len; k++) out[o + k] = out[o + k - back] as number;
        o += len;
      }
      if (p > endBit) fail('deflate data ends early');
      if (o >= limit) break;
    }
  }
  return { data: out.slice(0, o), complete: done };
}
