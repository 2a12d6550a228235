/**
 * What the indexer learnt about each package file, keyed by its path relative to the feed
 * directory and valid while the file's size and mtime are unchanged: a re-index reads only
 * new and changed packages. Entries of files that are gone are dropped on save.
 *
 * An entry is a fixed number of byte strings (a stanza, XML fragments, a sort key), kept as
 * bytes: a re-index joins the cached ones into the index without decoding or re-encoding
 * them. A cache file holds a header line, the paths (UTF-8, each ending in NUL), a table of
 * float64s (size, mtime and the length of each part, per entry; padded to 8 bytes, host byte
 * order: the cache never leaves the machine) and then the parts: every entry's first part,
 * then every second part, and so on. Loading it is one read, one split and one pass over the
 * table, with no number parsed from text. Entries are saved in the order they were looked
 * up, so the parts an index joins are mostly neighbours in the file and join as a few spans
 * (see joinBytes).
 *
 * A save that changes few entries writes them (and the paths that went, as entries of size
 * -1) to `<file>.delta`, which the next load lays over `<file>`; more changes rewrite `<file>`
 * under a new generation, which voids the old delta. Both are written atomically, and each
 * entry carries its own stamp, so whatever a crash leaves can cost reads but never a wrong entry.
 */
import { readFileSync, rmSync } from 'node:fs';
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

interface CacheFile {
  readonly generation: string;
  readonly entries: Map<string, Entry>;
}

const MAGIC = 'tsbake-index-cache-6';
const GONE = -1;
const pad8 = (n: number): number => (n + 7) & ~7;
let generations = 0;

/** The generation and entries of `data`, or undefined when it is not a whole cache file that starts with `prefix`. */
function parse(data: Buffer, prefix: string, parts: number): CacheFile | undefined {
  const headEnd = data.indexOf('\n');
  const countEnd = data.indexOf('\n', headEnd + 1);
  if (headEnd < 0 || countEnd < 0 || data.toString('latin1', 0, prefix.length) !== prefix) return undefined;
  const generation = data.toString('latin1', prefix.length, headEnd);
  const [count, pathBytes] = data.toString('latin1', headEnd + 1, countEnd).split(' ').map(Number);
  if (!Number.isInteger(count) || !Number.isInteger(pathBytes) || count === undefined || pathBytes === undefined) return undefined;
  const stride = 2 + parts;
  const tableStart = pad8(countEnd + 1 + pathBytes);
  let pos = tableStart + count * stride * 8;
  if (pos > data.length) return undefined;
  const paths = data.toString('utf8', countEnd + 1, countEnd + 1 + pathBytes).split('\0');
  if (paths.length !== count + 1) return undefined;
  // A copy: the file's bytes need not sit at an 8-byte boundary of their ArrayBuffer.
  const table = new Float64Array(data.buffer.slice(data.byteOffset + tableStart, data.byteOffset + pos));
  const partsOf = Array.from({ length: count }, (): Uint8Array[] => []);
  for (let p = 0; p < parts; p++) {
    for (let i = 0; i < count; i++) {
      const end = pos + (table[i * stride + 2 + p] ?? Number.NaN);
      if (!(end >= pos && end <= data.length)) return undefined;
      partsOf[i]?.push(new Uint8Array(data.buffer, data.byteOffset + pos, end - pos)); // (cheaper than a Buffer view)
      pos = end;
    }
  }
  if (pos !== data.length) return undefined;
  const entries = new Map<string, Entry>();
  for (let i = 0; i < count; i++) entries.set(paths[i] ?? '', { size: table[i * stride] ?? 0, mtimeMs: table[i * stride + 1] ?? 0, parts: partsOf[i] ?? [] });
  return { generation, entries };
}

function serialize(prefix: string, generation: string, parts: number, entries: ReadonlyMap<string, Entry>): Buffer {
  const stride = 2 + parts;
  const list = [...entries.values()];
  const table = new Float64Array(list.length * stride);
  list.forEach((e, i) => {
    table[i * stride] = e.size;
    table[i * stride + 1] = e.mtimeMs;
    e.parts.forEach((p, k) => (table[i * stride + 2 + k] = p.length));
  });
  const paths = Buffer.from([...entries.keys()].map((rel) => `${rel}\0`).join(''));
  const head = Buffer.from(`${prefix}${generation}\n${list.length} ${paths.length}\n`);
  const padding = Buffer.alloc(pad8(head.length + paths.length) - head.length - paths.length);
  const blob = Array.from({ length: parts }, (_, k) => list.map((e) => e.parts[k] ?? new Uint8Array(0))).flat();
  return joinBytes([head, paths, padding, new Uint8Array(table.buffer), ...blob]);
}

function readCache(file: string, prefix: string, parts: number): CacheFile | undefined {
  try {
    return parse(readFileSync(file), prefix, parts);
  } catch {
    return undefined; // missing or unreadable
  }
}

export class IndexCache {
  readonly #file: string | undefined;
  readonly #prefix: string;
  readonly #parts: number;
  /** The generation of the file the delta applies to; undefined: there is no file. */
  readonly #generation: string | undefined;
  readonly #delta: ReadonlyMap<string, Entry>;
  readonly #old: Map<string, Entry>;
  readonly #next = new Map<string, Entry>();
  readonly #stored = new Map<string, Entry>();

  private constructor(file: string | undefined, prefix: string, parts: number, base: CacheFile | undefined, delta: ReadonlyMap<string, Entry>) {
    this.#file = file;
    this.#prefix = prefix;
    this.#parts = parts;
    this.#generation = base?.generation;
    this.#delta = delta;
    this.#old = base?.entries ?? new Map();
    for (const [rel, e] of delta) {
      if (e.size === GONE) this.#old.delete(rel);
      else this.#old.set(rel, e);
    }
  }

  /**
   * Reads `file` and its delta (none: an in-memory cache) of entries with `parts` parts each;
   * a missing, damaged or other-version file is empty, a delta of another generation ignored.
   */
  static load(file: string | undefined, version: string, parts: number): IndexCache {
    const prefix = `${MAGIC} ${version} ${parts} `;
    const base = file === undefined ? undefined : readCache(file, prefix, parts);
    const delta = base && file !== undefined ? readCache(`${file}.delta`, prefix, parts) : undefined;
    return new IndexCache(file, prefix, parts, base, delta?.generation === base?.generation ? (delta?.entries ?? new Map()) : new Map());
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
    const entry = { size: st.size, mtimeMs: st.mtimeMs, parts };
    this.#stored.set(rel, entry);
    this.#next.set(rel, entry);
  }

  /** How many packages were read this run (not served from the cache). */
  get misses(): number {
    return this.#stored.size;
  }

  /** Writes the entries looked up or stored since the load; nothing when they are the loaded ones. */
  save(): void {
    const file = this.#file;
    if (file === undefined || (this.#stored.size === 0 && this.#next.size === this.#old.size)) return;
    const delta = new Map(this.#delta);
    for (const [rel, e] of this.#stored) delta.set(rel, e);
    const none = new Array<Uint8Array>(this.#parts).fill(new Uint8Array(0));
    for (const rel of this.#old.keys()) if (!this.#next.has(rel)) delta.set(rel, { size: GONE, mtimeMs: 0, parts: none });
    // A delta up to a sixteenth of the entries: a re-index after a few rebuilt packages
    // writes kilobytes instead of the whole cache.
    if (this.#generation !== undefined && delta.size <= Math.max(16, this.#next.size >> 4)) {
      writeFileAtomic(`${file}.delta`, serialize(this.#prefix, this.#generation, this.#parts, delta));
      return;
    }
    writeFileAtomic(file, serialize(this.#prefix, `${Date.now()}.${process.pid}.${++generations}`, this.#parts, this.#next));
    rmSync(`${file}.delta`, { force: true });
  }
}
