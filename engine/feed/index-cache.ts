/**
 * What the indexer learnt about each package file, keyed by its path relative to the feed
 * directory and valid while the file's size and mtime are unchanged: a re-index reads only
 * new and changed packages. The cache is one JSON file, written atomically; entries of files
 * that are gone are dropped on save.
 */
import { readFileSync, type Stats } from 'node:fs';
import { writeFileAtomic } from '../core/fs.js';

interface Entry<T> {
  readonly size: number;
  readonly mtimeMs: number;
  readonly value: T;
}

export class IndexCache<T> {
  readonly #file: string | undefined;
  readonly #version: string;
  readonly #old: Map<string, Entry<T>>;
  readonly #next = new Map<string, Entry<T>>();
  #misses = 0;

  private constructor(file: string | undefined, version: string, old: Map<string, Entry<T>>) {
    this.#file = file;
    this.#version = version;
    this.#old = old;
  }

  /** Reads `file` (none: an in-memory cache); a missing, damaged or other-version file is empty. */
  static load<T>(file: string | undefined, version: string): IndexCache<T> {
    const old = new Map<string, Entry<T>>();
    if (file !== undefined) {
      try {
        const raw: unknown = JSON.parse(readFileSync(file, 'utf8'));
        if (typeof raw === 'object' && raw !== null && 'version' in raw && raw.version === version && 'entries' in raw) {
          for (const [k, v] of Object.entries(raw.entries as Record<string, Entry<T>>)) old.set(k, v);
        }
      } catch {
        // no usable cache: every package is read
      }
    }
    return new IndexCache(file, version, old);
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
    const entries = Object.fromEntries([...this.#next].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    writeFileAtomic(this.#file, JSON.stringify({ version: this.#version, entries }));
  }
}
