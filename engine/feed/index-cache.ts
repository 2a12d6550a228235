/**
 * What the indexer learnt about each package file, keyed by its path relative to the feed
 * directory and valid while the file's size and mtime are unchanged: a re-index reads only
 * new and changed packages. The cache is one file, written atomically; entries of files that
 * are gone are dropped on save.
 *
 * The file is a series of length-prefixed strings (`<length>:<text>`, length in UTF-16 units),
 * one record per package: path, size, mtime, then the entry's parts. A re-index loads it with
 * a scan and slices, much cheaper than parsing megabytes of JSON.
 */
import { readFileSync, type Stats } from 'node:fs';
import { writeFileAtomic } from '../core/fs.js';

/** How an entry becomes strings and back. */
export interface EntryCodec<T> {
  readonly parts: number;
  encode(value: T): readonly string[];
  decode(parts: readonly string[]): T;
}

/** Entries that are one string. */
export const TEXT_CODEC: EntryCodec<string> = { parts: 1, encode: (v) => [v], decode: (p) => p[0] ?? '' };

interface Entry<T> {
  readonly size: number;
  readonly mtimeMs: number;
  readonly value: T;
}

const MAGIC = 'tsbake-index-cache-2';
const field = (s: string): string => `${s.length}:${s}`;

/** The strings of `text` from `pos` on, as `field` wrote them; throws on a damaged file. */
function* fields(text: string, pos: number): Generator<string> {
  while (pos < text.length) {
    const colon = text.indexOf(':', pos);
    const length = Number(text.slice(pos, colon));
    if (colon < 0 || !Number.isInteger(length) || colon + 1 + length > text.length) throw new Error('damaged index cache');
    yield text.slice(colon + 1, colon + 1 + length);
    pos = colon + 1 + length;
  }
}

function parse<T>(text: string, header: string, codec: EntryCodec<T>): Map<string, Entry<T>> {
  const old = new Map<string, Entry<T>>();
  if (!text.startsWith(header)) return old;
  const it = fields(text, header.length);
  const next = (): string => {
    const r = it.next();
    if (r.done === true) throw new Error('damaged index cache');
    return r.value;
  };
  for (let r = it.next(); r.done !== true; r = it.next()) {
    const size = Number(next());
    const mtimeMs = Number(next());
    const parts = Array.from({ length: codec.parts }, next);
    old.set(r.value, { size, mtimeMs, value: codec.decode(parts) });
  }
  return old;
}

export class IndexCache<T> {
  readonly #file: string | undefined;
  readonly #header: string;
  readonly #codec: EntryCodec<T>;
  readonly #old: Map<string, Entry<T>>;
  readonly #next = new Map<string, Entry<T>>();
  #misses = 0;

  private constructor(file: string | undefined, header: string, codec: EntryCodec<T>, old: Map<string, Entry<T>>) {
    this.#file = file;
    this.#header = header;
    this.#codec = codec;
    this.#old = old;
  }

  /** Reads `file` (none: an in-memory cache); a missing, damaged or other-version file is empty. */
  static load<T>(file: string | undefined, version: string, codec: EntryCodec<T>): IndexCache<T> {
    const header = `${MAGIC} ${version}\n`;
    let old = new Map<string, Entry<T>>();
    if (file !== undefined) {
      try {
        old = parse(readFileSync(file, 'utf8'), header, codec);
      } catch {
        // no usable cache: every package is read
      }
    }
    return new IndexCache(file, header, codec, old);
  }

  /** The value cached for `rel` while `st` still matches it (kept for the next save), else undefined. */
  lookup(rel: string, st: Stats): T | undefined {
    const hit = this.#old.get(rel);
    if (!hit || hit.size !== st.size || hit.mtimeMs !== st.mtimeMs) return undefined;
    this.#next.set(rel, hit);
    return hit.value;
  }

  /** Records the value just read for `rel`. */
  store(rel: string, st: Stats, value: T): void {
    this.#misses++;
    this.#next.set(rel, { size: st.size, mtimeMs: st.mtimeMs, value });
  }

  /** How many packages were read this run (not served from the cache). */
  get misses(): number {
    return this.#misses;
  }

  save(): void {
    if (this.#file === undefined) return;
    const out: string[] = [this.#header];
    for (const [rel, e] of [...this.#next].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      out.push(field(rel), field(String(e.size)), field(String(e.mtimeMs)));
      for (const p of this.#codec.encode(e.value)) out.push(field(p));
    }
    writeFileAtomic(this.#file, out.join(''));
  }
}
