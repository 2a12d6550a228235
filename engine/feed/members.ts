/**
 * Compressed indexes as a series of members (gzip and xz both allow one stream after
 * another; apt, dnf, zcat and opkg, through libarchive, read them as one). The index text is
 * cut where a package's key hashes to a boundary, so adding or changing one package changes
 * one member, and members are cached by content: a re-index compresses only what changed.
 */
import { hash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/fs.js';
import { joinBytes } from './bytes.js';
import { gzip, xzEach } from './compress.js';

/** About one member per this many packages. */
const AVERAGE_PACKAGES = 128;

/** FNV-1a over the UTF-16 units of `key`, finished with murmur3's mix so every bit counts. */
function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Where `items` are cut into chunks: after each item whose key hashes to a boundary (the indexes after the cuts). */
export function chunkCuts<T>(items: readonly T[], key: (item: T) => string): number[] {
  const cuts: number[] = [];
  items.forEach((item, i) => {
    if (keyHash(key(item)) % AVERAGE_PACKAGES === 0) cuts.push(i + 1);
  });
  return cuts;
}

/** The bytes of `items` joined per chunk (`cuts` from chunkCuts). */
export function chunkBytes<T>(items: readonly T[], cuts: readonly number[], bytes: (item: T) => Uint8Array): Buffer[] {
  const chunks: Buffer[] = [];
  let start = 0;
  for (const end of [...cuts, items.length]) {
    if (end > start || chunks.length === 0) chunks.push(joinBytes(items.slice(start, end).map(bytes)));
    start = end;
  }
  return chunks;
}

/**
 * `gz`: gzip at its default level 6, as oe-core's `gzip -fcn Packages` and createrepo_c
 * compress; `gz9`: gzip -9, as opkg-make-index does; `xz`: see xzEach.
 */
export type MemberKind = 'gz' | 'gz9' | 'xz';

/** The cached member in `file`, or undefined when there is none. */
function cached(file: string | undefined): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Compressed members by content hash, in a directory (none: nothing is kept). */
export class MemberCache {
  readonly #dir: string | undefined;
  readonly #used = new Set<string>();
  /** Content hash per chunk: the gz and the xz members of one chunk hash it once. */
  readonly #ids = new WeakMap<Uint8Array, string>();

  constructor(dir: string | undefined) {
    this.#dir = dir;
  }

  /** The members of `parts`, compressing only those not cached (all xz ones in one batch). */
  async members(parts: readonly Buffer[], kind: MemberKind): Promise<Buffer[]> {
    const out: Array<Buffer | undefined> = [];
    const missing: number[] = [];
    const files = parts.map((data, i) => {
      const id = this.#ids.get(data) ?? `${hash('sha1', data, 'hex')}-${data.length}`;
      this.#ids.set(data, id);
      const name = `${id}.${kind}`;
      this.#used.add(name);
      const file = this.#dir === undefined ? undefined : join(this.#dir, name);
      out[i] = cached(file);
      if (out[i] === undefined) missing.push(i);
      return file;
    });
    const todo = missing.map((i) => parts[i] ?? Buffer.alloc(0));
    const made = kind === 'xz' ? await xzEach(todo) : todo.map((data) => gzip(data, kind === 'gz' ? 6 : 9));
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
