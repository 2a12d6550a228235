/**
 * One walk of the cache: breadth first, directories handed to the fs pool in batches so
 * every thread has work, with the lstat calls the rules need done on the way. Directories
 * are entered only when they are real directories; a symlinked file counts only when it
 * points at a file inside the cache (it is then handled as a link: removing it removes the
 * link). Everything else is left alone.
 */
import { lstatSync, realpathSync, statSync } from 'node:fs';
import { CatalogueBuilder, type CacheFile, type Catalogue } from './catalogue.js';
import { codeOf, type ScanBatch, type StatScope } from './fs-batch.js';
import { batches, type FsPool } from './fs-pool.js';
import { SstateDirError } from './errors.js';
import { parseTempName } from './object-name.js';

export interface WalkResult {
  readonly catalogue: Catalogue;
  readonly dirs: number;
  readonly ignored: number;
  /** Symlinks left alone, with the reason. */
  readonly skippedLinks: readonly { readonly path: string; readonly why: string }[];
}

/** Up to this many directories per batch; fewer while the queue is short. */
const MAX_BATCH = 256;

/** `root` as the user wrote it (paths are reported under it); `realRoot` its real path. */
export async function walkCache(root: string, realRoot: string, pool: FsPool, scope: StatScope): Promise<WalkResult> {
  const cat = new CatalogueBuilder();
  const skippedLinks: { path: string; why: string }[] = [];
  const unreadable: string[] = [];
  const statLinks = scope.archives || scope.companions || scope.temps;
  let dirs = 0;
  let ignored = 0;

  // Each batch is catalogued as it arrives, while the threads read on.
  const take = (b: ScanBatch): string[] => {
    addBatch(cat, b);
    for (const e of b.errors) {
      // A directory removed since its parent was read is no error; anything else is.
      if (e.dir === root || (e.code !== 'ENOENT' && e.code !== 'ENOTDIR')) unreadable.push(`${e.dir}: ${e.message}`);
    }
    dirs += b.dirs.length;
    ignored += b.ignored;
    for (const path of b.links) {
      const target = insideTarget(path, realRoot);
      if (typeof target !== 'string') {
        skippedLinks.push({ path, why: target.why });
        continue;
      }
      const slash = path.lastIndexOf('/');
      const found = { dir: path.slice(0, slash), name: path.slice(slash + 1), linkTarget: target };
      const stat = statLinks ? linkStat(path) : undefined;
      if (!statLinks) cat.addFile({ ...found, mtimeMs: undefined, size: undefined });
      else if (stat) cat.addFile({ ...found, ...stat });
    }
    return b.subdirs;
  };

  let level = [root];
  while (level.length > 0) {
    const size = Math.min(MAX_BATCH, Math.max(1, Math.floor(level.length / (2 * pool.size))));
    const scanned = await Promise.all(batches(level, size).map((b) => pool.scan(b, scope)));
    level = scanned.flatMap(take);
  }
  if (unreadable.length > 0) {
    const more = unreadable.length > 5 ? `\n  ... and ${unreadable.length - 5} more` : '';
    throw new SstateDirError(`cannot read the sstate cache:\n  ${unreadable.slice(0, 5).join('\n  ')}${more}`, undefined, 'nothing was removed; fix the permissions or pass another --cache-dir');
  }
  return { catalogue: cat.finish(), dirs, ignored, skippedLinks };
}

const known = (n: number | undefined): number | undefined => (n === undefined || Number.isNaN(n) ? undefined : n);

function addBatch(cat: CatalogueBuilder, b: ScanBatch): void {
  const file = (path: string, at: number, mtimeMs: Float64Array, size: Float64Array): CacheFile => ({ path, linkTarget: undefined, mtimeMs: known(mtimeMs[at]), size: known(size[at]) });
  b.objectNames.forEach((objectName, i) => {
    const dir = b.dirs[b.objectDir[i] ?? 0] ?? '';
    const slot = (k: number, path: () => string): CacheFile | undefined => (b.present[i * 3 + k] ? file(path(), i * 3 + k, b.mtimeMs, b.size) : undefined);
    cat.addObject(dir, objectName, {
      archive: slot(0, () => `${dir}/${objectName}`),
      siginfo: slot(1, () => `${dir}/${objectName}.siginfo`),
      done: slot(2, () => `${dir}/${objectName}.done`),
    });
  });
  b.temps.forEach((path, i) => {
    const pid = parseTempName(path.slice(path.lastIndexOf('/') + 1))?.pid;
    if (pid !== undefined) cat.addTemp(file(path, i, b.tempMtimeMs, b.tempSize), pid);
  });
  for (const path of b.others) cat.addUnrecognised({ path, linkTarget: undefined, mtimeMs: undefined, size: undefined });
}

/** The link's own lstat data (as oe-core: a link's age is the link's). */
function linkStat(path: string): { mtimeMs: number; size: number } | undefined {
  try {
    const st = lstatSync(path);
    return st.isSymbolicLink() ? { mtimeMs: st.mtimeMs, size: st.size } : undefined;
  } catch (e) {
    if (codeOf(e) === 'ENOENT') return undefined;
    throw new SstateDirError(`cannot stat ${path}: ${e instanceof Error ? e.message : String(e)}`, undefined, 'nothing was removed');
  }
}

/** The real path of a symlink's target when it is a file inside `realRoot`. */
function insideTarget(link: string, realRoot: string): string | { why: string } {
  let real: string;
  try {
    real = realpathSync(link);
  } catch {
    return { why: 'dangling symlink' };
  }
  if (!real.startsWith(`${realRoot}/`)) return { why: `points outside the cache, to ${real}` };
  try {
    if (!statSync(real).isFile()) return { why: 'points at something that is not a file' };
  } catch {
    return { why: 'dangling symlink' };
  }
  return real;
}
