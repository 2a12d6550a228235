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
function findFiles(dir: string, skipDirs: readonly string[]): Promise<string> {
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
      code === 0 ? done(Buffer.concat(out).toString()) : fail(new FeedError(`cannot list ${dir}: ${Buffer.concat(err).toString().trim() || `find exited with ${code}`}`)),
    );
  });
}

/**
 * Regular files ending in one of `exts` below `dir`, in byte order of `order` (default: the
 * relative path), skipping directories named in `skipDirs` (symbolic links are not followed).
 * A feed has thousands of packages and a re-index little else to do, so one `find` lists and
 * stats them all: in another process, while the indexer loads its cache, and without a Stats
 * object per file.
 */
export async function packageFiles(
  dir: string,
  exts: readonly string[],
  skipDirs: readonly string[] = [],
  order: (rel: string) => string = (rel) => rel,
): Promise<PackageFile[]> {
  const found: PackageFile[] = [];
  const fields = (await findFiles(dir, skipDirs)).split('\0');
  for (let i = 0; i + 3 < fields.length; i += 4) {
    const rel = fields[i] as string;
    if (!exts.some((e) => rel.endsWith(e))) continue;
    // Milliseconds from find's decimal seconds: not always the double fs.stat computes, but
    // every index gets its stamps from here, so a cached stamp compares equal to a new one.
    found.push({ rel, path: `${dir}/${rel}`, size: Number(fields[i + 1]), mtimeMs: Number(fields[i + 2]) * 1e3, ctimeMs: Number(fields[i + 3]) * 1e3 });
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
