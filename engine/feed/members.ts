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

/** Joins `items` into texts, cut after each item whose key hashes to a boundary. */
export function chunkTexts<T>(items: readonly T[], key: (item: T) => string, text: (item: T) => string): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const item of items) {
    current += text(item);
    if (Number.parseInt(hashParts([key(item)]).slice(-4), 16) % AVERAGE_PACKAGES === 0) {
      chunks.push(current);
      current = '';
    }
  }
  if (current !== '' || chunks.length === 0) chunks.push(current);
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
