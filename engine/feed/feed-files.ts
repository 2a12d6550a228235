/**
 * Feed directories on disk: the package files under one, and writing a set of index files so
 * that a client never sees half an index (every file goes to a temp name first; the renames
 * come last, the meta index after the indexes it describes).
 */
import { readdirSync, renameSync, rmSync, statSync, writeFileSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { ensureDir, tempName } from '../core/fs.js';

export const byteCompare = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * `items` in byte order of `key`. Without surrogates (characters beyond the BMP), UTF-16 order
 * is code point order, which is UTF-8 byte order, so the keys compare as strings; otherwise
 * each is encoded once (not once per comparison).
 */
export function sortedBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const keyed = items.map((item) => ({ item, k: key(item) }));
  if (keyed.some(({ k }) => /[\uD800-\uDFFF]/.test(k))) {
    return keyed
      .map(({ item, k }) => ({ item, b: Buffer.from(k) }))
      .sort((a, b) => Buffer.compare(a.b, b.b))
      .map(({ item }) => item);
  }
  return keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0)).map(({ item }) => item);
}

export interface PackageFile {
  /** Path relative to the feed directory, `/`-separated. */
  readonly rel: string;
  readonly path: string;
  readonly stat: Stats;
}

/** Files ending in one of `exts` below `dir`, in byte order, skipping `skipDirs` names. */
export function packageFiles(dir: string, exts: readonly string[], skipDirs: readonly string[] = []): PackageFile[] {
  const found: PackageFile[] = [];
  const walk = (sub: string): void => {
    for (const entry of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = sub === '' ? entry.name : `${sub}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!skipDirs.includes(entry.name)) walk(rel);
      } else if (entry.isFile() && exts.some((e) => entry.name.endsWith(e))) {
        const path = join(dir, rel);
        found.push({ rel, path, stat: statSync(path) });
      }
    }
  };
  walk('');
  return sortedBy(found, (f) => f.rel);
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
