/**
 * Compressed indexes as a series of members (gzip and xz both allow one stream after
 * another; apt, dnf, zcat and opkg, through libarchive, read them as one). The index text is
 * cut where a package's key hashes to a boundary, so adding or changing one package changes
 * one member, and members are cached by content: a re-index compresses only what changed.
 */
import { hash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { writeFileAtomic } from '../core/fs.js';
import { joinBytes } from './bytes.js';
import { gzipAsync, XzFiles } from './compress.js';

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
 * compress; `gz9`: gzip -9, as opkg-make-index does; `xz`: see XzFiles.
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

  /** The cached member of `chunk` (undefined when there is none yet), and where a new one is kept. */
  lookup(chunk: Buffer, kind: MemberKind): { readonly member: Buffer | undefined; readonly file: string | undefined } {
    const id = this.#ids.get(chunk) ?? `${hash('sha1', chunk, 'hex')}-${chunk.length}`;
    this.#ids.set(chunk, id);
    const name = `${id}.${kind}`;
    this.#used.add(name);
    const file = this.#dir === undefined ? undefined : join(this.#dir, name);
    return { member: cached(file), file };
  }

  /** A new directory for files on their way to a member: in the cache (prune leaves it), else in the system's. */
  scratchDir(): string {
    return mkdtempSync(this.#dir === undefined ? join(tmpdir(), 'tsbake-xz-') : join(this.#dir, 'xz.tmp-'));
  }

  /** A compressed index of `kind` to build chunk by chunk. */
  pack(kind: MemberKind): MemberPack {
    return new MemberPack(this, kind);
  }

  /** Removes members no index of this run used. */
  prune(): void {
    if (this.#dir === undefined || !existsSync(this.#dir)) return;
    for (const name of readdirSync(this.#dir)) if (!this.#used.has(name) && !name.includes('.tmp-')) rmSync(join(this.#dir, name), { force: true });
  }
}

/** Keeps a new member in the cache (when there is one) and hands it on. */
function kept(file: string | undefined, member: Buffer): Buffer {
  if (file !== undefined) writeFileAtomic(file, member);
  return member;
}

/**
 * One compressed index, a member per chunk. Each chunk not cached starts compressing as it is
 * added (gzip on libuv's threads, xz in an xz process), so the indexer can read the next
 * packages meanwhile and a full index compresses on the other core.
 */
export class MemberPack {
  readonly #cache: MemberCache;
  readonly #kind: MemberKind;
  readonly #members: Array<Buffer | Promise<Buffer>> = [];
  /** Chunks given to xz: their place, their text's file (the member is `<tmp>.xz`), and where the member is kept. */
  readonly #xzPending: Array<{ readonly index: number; readonly tmp: string; readonly file: string | undefined }> = [];
  #xz: { readonly dir: string; readonly files: XzFiles } | undefined;

  constructor(cache: MemberCache, kind: MemberKind) {
    this.#cache = cache;
    this.#kind = kind;
  }

  add(chunk: Buffer): void {
    const { member, file } = this.#cache.lookup(chunk, this.#kind);
    const index = this.#members.length;
    if (member !== undefined) this.#members.push(member);
    else if (this.#kind !== 'xz') {
      const packed = gzipAsync(chunk, this.#kind === 'gz' ? 6 : 9).then((m) => kept(file, m));
      packed.catch(() => undefined); // bytes() reports it; an abandoned index never asks
      this.#members.push(packed);
    } else {
      this.#xz ??= { dir: this.#cache.scratchDir(), files: new XzFiles() };
      const tmp = join(this.#xz.dir, String(index));
      writeFileSync(tmp, chunk);
      this.#xz.files.add(tmp);
      this.#xzPending.push({ index, tmp, file });
      this.#members.push(Buffer.alloc(0)); // its place, filled by bytes()
    }
  }

  /** The members, concatenated, once all are compressed. */
  async bytes(): Promise<Buffer> {
    const xz = this.#xz;
    if (xz !== undefined) {
      try {
        await xz.files.finish();
        for (const { index, tmp, file } of this.#xzPending) this.#members[index] = kept(file, readFileSync(`${tmp}.xz`));
      } finally {
        this.#xz = undefined;
        rmSync(xz.dir, { recursive: true, force: true });
      }
    }
    return Buffer.concat(await Promise.all(this.#members));
  }

  /** For an index that failed half-way: ends the xz process (if any) and removes its files. */
  async abandon(): Promise<void> {
    const xz = this.#xz;
    if (xz === undefined) return;
    this.#xz = undefined;
    await xz.files.finish().catch(() => undefined);
    rmSync(xz.dir, { recursive: true, force: true });
  }
}

/** The members of `chunks`, concatenated. */
export async function compressMembers(chunks: readonly Buffer[], kind: MemberKind, cache: MemberCache): Promise<Buffer> {
  const pack = cache.pack(kind);
  for (const chunk of chunks) pack.add(chunk);
  return pack.bytes();
}

export function memberCacheFor(cacheFile: string | undefined): MemberCache {
  if (cacheFile === undefined) return new MemberCache(undefined);
  const dir = `${cacheFile}.members`;
  mkdirSync(dir, { recursive: true });
  return new MemberCache(dir);
}
