/**
 * Compressed indexes as a series of members (gzip and xz both allow one stream after
 * another; apt, dnf and zcat read them as one). The index text is cut where a package's key
 * hashes to a boundary, so adding or changing one package changes one member, and members
 * are cached by content: a re-index compresses only what changed.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/fs.js';
import { hashBytes, hashParts } from '../core/hash.js';
import { gzip, xzEach } from './compress.js';

/** About one member per this many packages. */
const AVERAGE_PACKAGES = 512;

/** Where `items` are cut into chunks: after each item whose key hashes to a boundary (the indexes after the cuts). */
export function chunkCuts<T>(items: readonly T[], key: (item: T) => string): number[] {
  const cuts: number[] = [];
  items.forEach((item, i) => {
    if (Number.parseInt(hashParts([key(item)]).slice(-4), 16) % AVERAGE_PACKAGES === 0) cuts.push(i + 1);
  });
  return cuts;
}

/** The texts of `items` joined per chunk (`cuts` from chunkCuts), each encoded to bytes. */
export function chunkBytes<T>(items: readonly T[], cuts: readonly number[], text: (item: T) => string): Buffer[] {
  const chunks: Buffer[] = [];
  let start = 0;
  for (const end of [...cuts, items.length]) {
    if (end > start || chunks.length === 0) {
      let joined = '';
      for (let i = start; i < end; i++) joined += text(items[i] as T);
      chunks.push(Buffer.from(joined));
    }
    start = end;
  }
  return chunks;
}

export type MemberKind = 'gz' | 'xz';

/** Compressed members by content hash, in a directory (none: nothing is kept). */
export class MemberCache {
  readonly #dir: string | undefined;
  readonly #used = new Set<string>();

  constructor(dir: string | undefined) {
    this.#dir = dir;
  }

  /** The members of `parts`, compressing only those not cached (all xz ones in one batch). */
  async members(parts: readonly Buffer[], kind: MemberKind): Promise<Buffer[]> {
    const out: Array<Buffer | undefined> = [];
    const missing: number[] = [];
    const files = parts.map((data, i) => {
      const name = `${hashBytes(data)}-${data.length}.${kind}`;
      this.#used.add(name);
      const file = this.#dir === undefined ? undefined : join(this.#dir, name);
      out[i] = file && existsSync(file) ? readFileSync(file) : undefined;
      if (out[i] === undefined) missing.push(i);
      return file;
    });
    const todo = missing.map((i) => parts[i] ?? Buffer.alloc(0));
    const made = kind === 'gz' ? todo.map((data) => gzip(data, 6)) : await xzEach(todo);
    missing.forEach((i, k) => {
      const packed = made[k] ?? Buffer.alloc(0);
      out[i] = packed;
      const file = files[i];
      if (file) writeFileAtomic(file, packed);
    });
    return out.map((b) => b ?? Buffer.alloc(0));
  }

  /** Removes members no index of this run used. */
  prune(): void {
    if (this.#dir === undefined || !existsSync(this.#dir)) return;
    for (const name of readdirSync(this.#dir)) if (!this.#used.has(name) && !name.includes('.tmp-')) rmSync(join(this.#dir, name), { force: true });
  }
}

/** The members of `chunks`, concatenated. */
export async function compressMembers(chunks: readonly Buffer[], kind: MemberKind, cache: MemberCache): Promise<Buffer> {
  return Buffer.concat(await cache.members(chunks, kind));
}

export function memberCacheFor(cacheFile: string | undefined): MemberCache {
  if (cacheFile === undefined) return new MemberCache(undefined);
  const dir = `${cacheFile}.members`;
  mkdirSync(dir, { recursive: true });
  return new MemberCache(dir);
}
