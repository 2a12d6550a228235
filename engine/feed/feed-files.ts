/**
 * Feed directories on disk: the package files under one, and writing a set of index files so
 * that a client never sees half an index (every file goes to a temp name first; the renames
 * come last, the meta index after the indexes it describes).
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ensureDir, tempName } from '../core/fs.js';
import { spawnInGroup } from '../core/proc.js';
import { FeedError } from './errors.js';

export const byteCompare = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * `items` in byte order of `key` (stable). Without surrogates (characters beyond the BMP),
 * UTF-16 order is code point order, which is UTF-8 byte order, so the keys compare as strings:
 * unique keys with the built-in sort (no comparator call per pair: a feed sorts thousands of
 * names on every index). With surrogates each key is encoded once (not once per comparison).
 */
export function sortedBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const keys = items.map(key);
  if (/[\uD800-\uDFFF]/.test(keys.join(''))) {
    const bytes = keys.map((k) => Buffer.from(k));
    return items.map((_, i) => i).sort((a, b) => Buffer.compare(bytes[a] as Buffer, bytes[b] as Buffer)).map((i) => items[i] as T);
  }
  const byKey = new Map(keys.map((k, i) => [k, items[i] as T]));
  if (byKey.size === items.length) return keys.sort().map((k) => byKey.get(k) as T);
  return items.map((_, i) => i).sort((a, b) => {
    const x = keys[a] as string;
    const y = keys[b] as string;
    return x < y ? -1 : x > y ? 1 : 0;
  }).map((i) => items[i] as T);
}

/** What a re-index compares to decide whether a package file changed. */
export interface FileStamp {
  readonly size: number;
  readonly mtimeMs: number;
}

export interface PackageFile extends FileStamp {
  /** Path relative to the feed directory, `/`-separated. */
  readonly rel: string;
  readonly path: string;
  readonly ctimeMs: number;
}

/** What find prints per regular file below `dir`: path, size, mtime and ctime (seconds), each NUL-terminated. */
function findFiles(dir: string, skipDirs: readonly string[]): Promise<Buffer> {
  const prune = skipDirs.length === 0 ? [] : ['(', '-type', 'd', '(', ...skipDirs.flatMap((d, i) => [...(i > 0 ? ['-o'] : []), '-name', d]), ')', '-prune', ')', '-o'];
  const args = [resolve(dir), '-mindepth', '1', ...prune, '-type', 'f', '-printf', '%P\\0%s\\0%T@\\0%C@\\0'];
  return new Promise((done, fail) => {
    const child = spawnInGroup('find', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => fail(new FeedError(`cannot list ${dir} with find: ${e.message}`, undefined, 'install findutils')));
    child.on('close', (code) =>
      code === 0 ? done(Buffer.concat(out)) : fail(new FeedError(`cannot list ${dir}: ${Buffer.concat(err).toString().trim() || `find exited with ${code}`}`)),
    );
  });
}

const NUL = 0;
const DOT = 0x2e;
const ZERO = 0x30;

/**
 * The number of find's `%s` or the milliseconds of its `%T@`/`%C@` (`seconds.fraction`) in
 * `out` from `start` to `end`, read from the bytes (no string per field). The milliseconds
 * are computed as fs.stat computes `mtimeMs` (seconds * 1e3 + nanoseconds / 1e6), so a stamp
 * equals the double fs.stat gives.
 */
function decimal(out: Buffer, start: number, end: number): number {
  let whole = 0;
  let i = start;
  for (; i < end && out[i] !== DOT; i++) whole = whole * 10 + ((out[i] ?? ZERO) - ZERO);
  if (i === end) return whole;
  let nanos = 0;
  for (let k = 1; k <= 9; k++) nanos = nanos * 10 + (i + k < end ? (out[i + k] ?? ZERO) - ZERO : 0);
  return whole * 1e3 + nanos / 1e6;
}

/**
 * Regular files ending in one of `exts` below `dir`, in byte order of `order` (default: the
 * relative path), skipping directories named in `skipDirs` (symbolic links are not followed).
 * A feed has thousands of packages and a re-index little else to do, so one `find` lists and
 * stats them all: in another process, while the indexer loads its cache, and without a Stats
 * object per file (measured on 5,000 packages: synchronous lstat calls, or find sharing the
 * files with this thread, take longer).
 */
export async function packageFiles(
  dir: string,
  exts: readonly string[],
  skipDirs: readonly string[] = [],
  order: (rel: string) => string = (rel) => rel,
): Promise<PackageFile[]> {
  const found: PackageFile[] = [];
  const out = await findFiles(dir, skipDirs);
  const next = (from: number): number => out.indexOf(NUL, from);
  for (let pos = 0; pos < out.length; ) {
    const relEnd = next(pos);
    const sizeEnd = next(relEnd + 1);
    const mtimeEnd = next(sizeEnd + 1);
    const ctimeEnd = next(mtimeEnd + 1);
    if (ctimeEnd < 0) break;
    const rel = out.toString('utf8', pos, relEnd);
    if (exts.some((e) => rel.endsWith(e))) {
      found.push({ rel, path: `${dir}/${rel}`, size: decimal(out, relEnd + 1, sizeEnd), mtimeMs: decimal(out, sizeEnd + 1, mtimeEnd), ctimeMs: decimal(out, mtimeEnd + 1, ctimeEnd) });
    }
    pos = ctimeEnd + 1;
  }
  return sortedBy(found, (f) => order(f.rel));
}

/** Writes every file to a temp name, then renames them in the order given. */
export function publish(dir: string, files: ReadonlyArray<readonly [name: string, data: string | Uint8Array]>): void {
  const temps: Array<[string, string]> = [];
  try {
    for (const [name, data] of files) {
      const target = join(dir, name);
      ensureDir(join(target, '..'));
      const tmp = tempName(target);
      temps.push([tmp, target]);
      writeFileSync(tmp, data);
    }
    for (const [tmp, target] of temps) renameSync(tmp, target);
  } catch (e) {
    for (const [tmp] of temps) rmSync(tmp, { force: true });
    throw e;
  }
}
