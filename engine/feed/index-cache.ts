/**
 * What the indexer learnt about each package file, keyed by its path relative to the feed
 * directory and valid while the file's size and mtime are unchanged: a re-index reads only
 * new and changed packages. The cache is one file, written atomically; entries of files that
 * are gone are dropped on save.
 *
 * An entry is a fixed number of byte strings (a stanza, XML fragments, a sort key), kept as
 * bytes: a re-index joins the cached ones into the index without decoding or re-encoding
 * them. The file is a header, a table (UTF-8, NUL-separated: path, size, mtime and the byte
 * length of each part, per entry) and then every part, back to back. Loading it is one read,
 * one split of the table and a slice per part.
 */
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../core/fs.js';
import type { FileStamp } from './feed-files.js';

/** The bytes of one entry: as many parts as the cache was loaded with. */
export type EntryParts = readonly Buffer[];

interface Entry {
  readonly size: number;
  readonly mtimeMs: number;
  readonly parts: EntryParts;
}

const MAGIC = 'tsbake-index-cache-3';

class DamagedCache extends Error {}

/** The entries of `data`; throws DamagedCache when it is not a whole cache of this version and part count. */
function parse(data: Buffer, header: string, parts: number): Map<string, Entry> {
  const old = new Map<string, Entry>();
  const headEnd = data.indexOf('\n', header.length);
  if (data.toString('utf8', 0, header.length) !== header || headEnd < 0) throw new DamagedCache();
  const tableStart = headEnd + 1;
  const tableEnd = tableStart + Number(data.toString('latin1', header.length, headEnd));
  if (!Number.isInteger(tableEnd) || tableEnd > data.length) throw new DamagedCache();
  if (tableEnd === tableStart) return old;
  const fields = data.toString('utf8', tableStart, tableEnd).split('\0');
  const stride = 3 + parts;
  if (fields.length % stride !== 0) throw new DamagedCache();
  let pos = tableEnd;
  for (let i = 0; i < fields.length; i += stride) {
    const entry: Buffer[] = [];
    for (let p = 0; p < parts; p++) {
      const end = pos + Number(fields[i + 3 + p]);
      if (!(end >= pos && end <= data.length)) throw new DamagedCache();
      entry.push(data.subarray(pos, end));
      pos = end;
    }
    old.set(fields[i] ?? '', { size: Number(fields[i + 1]), mtimeMs: Number(fields[i + 2]), parts: entry });
  }
  if (pos !== data.length) throw new DamagedCache();
  return old;
}

export class IndexCache {
  readonly #file: string | undefined;
  readonly #header: string;
  readonly #old: Map<string, Entry>;
  readonly #next = new Map<string, Entry>();
  #misses = 0;

  private constructor(file: string | undefined, header: string, old: Map<string, Entry>) {
    this.#file = file;
    this.#header = header;
    this.#old = old;
  }

  /**
   * Reads `file` (none: an in-memory cache) of entries with `parts` parts each; a missing,
   * damaged or other-version file is empty.
   */
  static load(file: string | undefined, version: string, parts: number): IndexCache {
    const header = `${MAGIC} ${version} ${parts}\n`;
    let old = new Map<string, Entry>();
    if (file !== undefined) {
      try {
        old = parse(readFileSync(file), header, parts);
      } catch {
        // no usable cache: every package is read
      }
    }
    return new IndexCache(file, header, old);
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

  save(): void {
    if (this.#file === undefined) return;
    const fields: string[] = [];
    const blob: Buffer[] = [];
    for (const [rel, e] of [...this.#next].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      fields.push(rel, String(e.size), String(e.mtimeMs), ...e.parts.map((p) => String(p.length)));
      blob.push(...e.parts);
    }
    const table = Buffer.from(fields.join('\0'));
    writeFileAtomic(this.#file, Buffer.concat([Buffer.from(`${this.#header}${table.length}\n`), table, ...blob]));
  }
}
