/**
 * What the indexer learnt about each package file, keyed by its path relative to the feed
 * directory and valid while the file's size and mtime are unchanged: a re-index reads only
 * new and changed packages. The cache is one file, written atomically (and not at all when
 * nothing changed); entries of files that are gone are dropped on save.
 *
 * An entry is a fixed number of byte strings (a stanza, XML fragments, a sort key), kept as
 * bytes: a re-index joins the cached ones into the index without decoding or re-encoding
 * them. The file holds a header line, the paths (UTF-8, each ending in NUL), a table of
 * float64s (size, mtime and the length of each part, per entry; padded to 8 bytes, host byte
 * order: the cache never leaves the machine) and then the parts: every entry's first part,
 * then every second part, and so on. Loading it is one read, one split and one pass over the
 * table, with no number parsed from text. Entries are saved in the order they were looked
 * up, so the parts an index joins are mostly neighbours in the file and join as a few spans
 * (see joinBytes).
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../core/fs.js';
import { joinBytes } from './bytes.js';
import type { FileStamp } from './feed-files.js';

/** The bytes of one entry: as many parts as the cache was loaded with. */
export type EntryParts = readonly Uint8Array[];

interface Entry {
  readonly size: number;
  readonly mtimeMs: number;
  readonly parts: EntryParts;
}

const MAGIC = 'tsbake-index-cache-5';
const pad8 = (n: number): number => (n + 7) & ~7;

/** The entries of `data`, or undefined when it is not a whole cache of this header. */
function parse(data: Buffer, header: string, parts: number): Map<string, Entry> | undefined {
  const old = new Map<string, Entry>();
  const countEnd = data.indexOf('\n', header.length);
  if (data.toString('latin1', 0, header.length) !== header || countEnd < 0) return undefined;
  const [count, pathBytes] = data.toString('latin1', header.length, countEnd).split(' ').map(Number);
  if (!Number.isInteger(count) || !Number.isInteger(pathBytes) || count === undefined || pathBytes === undefined) return undefined;
  const stride = 2 + parts;
  const tableStart = pad8(countEnd + 1 + pathBytes);
  let pos = tableStart + count * stride * 8;
  if (pos > data.length) return undefined;
  const paths = data.toString('utf8', countEnd + 1, countEnd + 1 + pathBytes).split('\0');
  if (paths.length !== count + 1) return undefined;
  // A copy: the file's bytes need not sit at an 8-byte boundary of their ArrayBuffer.
  const table = new Float64Array(data.buffer.slice(data.byteOffset + tableStart, data.byteOffset + pos));
  const entries = Array.from({ length: count }, (): Uint8Array[] => []);
  for (let p = 0; p < parts; p++) {
    for (let i = 0; i < count; i++) {
      const end = pos + (table[i * stride + 2 + p] ?? Number.NaN);
      if (!(end >= pos && end <= data.length)) return undefined;
      entries[i]?.push(new Uint8Array(data.buffer, data.byteOffset + pos, end - pos)); // (cheaper than a Buffer view)
      pos = end;
    }
  }
  if (pos !== data.length) return undefined;
  for (let i = 0; i < count; i++) old.set(paths[i] ?? '', { size: table[i * stride] ?? 0, mtimeMs: table[i * stride + 1] ?? 0, parts: entries[i] ?? [] });
  return old;
}

export class IndexCache {
  readonly #file: string | undefined;
  readonly #header: string;
  readonly #parts: number;
  readonly #old: Map<string, Entry>;
  readonly #next = new Map<string, Entry>();
  #misses = 0;

  private constructor(file: string | undefined, header: string, parts: number, old: Map<string, Entry>) {
    this.#file = file;
    this.#header = header;
    this.#parts = parts;
    this.#old = old;
  }

  /**
   * Reads `file` (none: an in-memory cache) of entries with `parts` parts each; a missing,
   * damaged or other-version file is empty.
   */
  static load(file: string | undefined, version: string, parts: number): IndexCache {
    const header = `${MAGIC} ${version} ${parts}\n`;
    let old: Map<string, Entry> | undefined;
    if (file !== undefined) {
      try {
        old = parse(readFileSync(file), header, parts);
      } catch {
        // unreadable: every package is read
      }
    }
    return new IndexCache(file, header, parts, old ?? new Map());
  }

  /** The entry cached for `rel` while `st` still matches it (kept for the next save), else undefined. */
  lookup(rel: string, st: FileStamp): EntryParts | undefined {
    const hit = this.#old.get(rel);
    if (!hit || hit.size !== st.size || hit.mtimeMs !== st.mtimeMs) return undefined;
    this.#next.set(rel, hit);
    return hit.parts;
  }

  /** Records the entry just read for `rel`. */
  store(rel: string, st: FileStamp, parts: EntryParts): void {
    this.#misses++;
    this.#next.set(rel, { size: st.size, mtimeMs: st.mtimeMs, parts });
  }

  /** How many packages were read this run (not served from the cache). */
  get misses(): number {
    return this.#misses;
  }

  /** Writes the entries looked up or stored since the load; nothing when they are the loaded ones. */
  save(): void {
    if (this.#file === undefined || (this.#misses === 0 && this.#next.size === this.#old.size)) return;
    const stride = 2 + this.#parts;
    const entries = [...this.#next.values()];
    const table = new Float64Array(entries.length * stride);
    entries.forEach((e, i) => {
      table[i * stride] = e.size;
      table[i * stride + 1] = e.mtimeMs;
      e.parts.forEach((p, k) => (table[i * stride + 2 + k] = p.length));
    });
    const paths = Buffer.from([...this.#next.keys()].map((rel) => `${rel}\0`).join(''));
    const head = Buffer.from(`${this.#header}${entries.length} ${paths.length}\n`);
    const padding = Buffer.alloc(pad8(head.length + paths.length) - head.length - paths.length);
    const blob = Array.from({ length: this.#parts }, (_, k) => entries.map((e) => e.parts[k] ?? Buffer.alloc(0))).flat();
    writeFileAtomic(this.#file, joinBytes([head, paths, padding, Buffer.from(table.buffer), ...blob]));
  }
}
