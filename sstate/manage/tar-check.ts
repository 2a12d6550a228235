/**
 * Checks the structure of a tar stream without keeping it: every header's checksum and size
 * field, data that is all there, and the end-of-archive marker (two zero blocks). Member
 * contents are not looked at. Pure: fed chunk by chunk.
 */
const BLOCK = 512;
/** Types whose size field describes no data in the archive. */
const NO_DATA = new Set(['1', '2', '3', '4', '5', '6'].map((c) => c.charCodeAt(0)));

/** An octal field (NUL/space terminated, leading spaces allowed) or GNU base-256. */
function numericField(b: Uint8Array, at: number, len: number): number | undefined {
  const first = b[at] ?? 0;
  if (first & 0x80) {
    if (first & 0x40) return undefined; // negative
    let v = first & 0x3f;
    for (let i = at + 1; i < at + len; i++) v = v * 256 + (b[i] ?? 0);
    return Number.isSafeInteger(v) ? v : undefined;
  }
  let i = at;
  const end = at + len;
  while (i < end && b[i] === 0x20) i++;
  let v = 0;
  let digits = 0;
  for (; i < end; i++) {
    const c = b[i] ?? 0;
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) return undefined;
    v = v * 8 + (c - 0x30);
    digits++;
  }
  return digits === 0 ? undefined : v;
}

function checksumOk(b: Uint8Array): boolean {
  const stored = numericField(b, 148, 8);
  if (stored === undefined) return false;
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const c = i >= 148 && i < 156 ? 0x20 : (b[i] ?? 0);
    unsigned += c;
    signed += c > 127 ? c - 256 : c;
  }
  return stored === unsigned || stored === signed;
}

const isZero = (b: Uint8Array): boolean => b.every((c) => c === 0);

export class TarCheck {
  readonly #block = new Uint8Array(BLOCK);
  #fill = 0;
  /** Data and padding bytes of the current member still to come. */
  #skip = 0;
  #zeroBlocks = 0;
  #ended = false;
  #offset = 0;
  #memberAt = 0;
  #error: string | undefined;

  /** The first problem found so far. */
  get error(): string | undefined {
    return this.#error;
  }

  update(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length && !this.#ended && this.#error === undefined) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - i);
        this.#skip -= n;
        i += n;
        this.#offset += n;
        continue;
      }
      const n = Math.min(BLOCK - this.#fill, chunk.length - i);
      this.#block.set(chunk.subarray(i, i + n), this.#fill);
      this.#fill += n;
      i += n;
      this.#offset += n;
      if (this.#fill < BLOCK) break;
      this.#fill = 0;
      this.#header(this.#offset - BLOCK);
    }
  }

  #header(at: number): void {
    const b = this.#block;
    if (isZero(b)) {
      if (++this.#zeroBlocks === 2) this.#ended = true;
      return;
    }
    this.#zeroBlocks = 0; // a lone zero block: GNU tar reads on, so does this check
    if (!checksumOk(b)) {
      this.#error = `bad tar header checksum at byte ${at}`;
      return;
    }
    const size = numericField(b, 124, 12) ?? (b[124] === 0 ? 0 : undefined);
    if (size === undefined) {
      this.#error = `bad tar size field at byte ${at}`;
      return;
    }
    this.#memberAt = at;
    this.#skip = NO_DATA.has(b[156] ?? 0) ? 0 : Math.ceil(size / BLOCK) * BLOCK;
  }

  /** Undefined when the stream was a complete tar archive, else what is wrong with it. */
  finish(): string | undefined {
    if (this.#error !== undefined || this.#ended) return this.#error;
    if (this.#offset === 0) return 'empty archive (no tar data)';
    if (this.#skip > 0) return `truncated tar data: the member at byte ${this.#memberAt} is cut short`;
    if (this.#fill > 0) return `truncated tar data: a partial header at byte ${this.#offset - this.#fill}`;
    return 'truncated tar data: no end-of-archive marker';
  }
}
