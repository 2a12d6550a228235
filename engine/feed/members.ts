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
import { gzip, xzCompress } from './compress.js';

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

  async member(text: string, kind: MemberKind): Promise<Buffer> {
    const data = Buffer.from(text);
    const name = `${hashBytes(data)}-${data.length}.${kind}`;
    this.#used.add(name);
    const file = this.#dir === undefined ? undefined : join(this.#dir, name);
    if (file && existsSync(file)) return readFileSync(file);
    const packed = kind === 'gz' ? gzip(data, 6) : await xzCompress(data);
    if (file) writeFileAtomic(file, packed);
    return packed;
  }

  /** Removes members no index of this run used. */
  prune(): void {
    if (this.#dir === undefined || !existsSync(this.#dir)) return;
    for (const name of readdirSync(this.#dir)) if (!this.#used.has(name) && !name.includes('.tmp-')) rmSync(join(this.#dir, name), { force: true });
  }
}

/** The members of `chunks`, concatenated; xz members are made two at a time (one process each). */
export async function compressMembers(chunks: readonly string[], kind: MemberKind, cache: MemberCache): Promise<Buffer> {
  const out: Buffer[] = new Array<Buffer>(chunks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const i = next++;
      out[i] = await cache.member(chunks[i] ?? '', kind);
    }
  };
  await Promise.all(kind === 'xz' ? [worker(), worker()] : [worker()]);
  return Buffer.concat(out);
}

export function memberCacheFor(cacheFile: string | undefined): MemberCache {
  if (cacheFile === undefined) return new MemberCache(undefined);
  const dir = `${cacheFile}.members`;
  mkdirSync(dir, { recursive: true });
  return new MemberCache(dir);
}
