/**
 * Moving a verified, extracted tree (a temporary directory beside its target) into place.
 *
 * replace: the target becomes the tree: two renames, then the old tree is deleted. For a
 *   task's own output directory (a sysroot-destdir, a pkgdata of its own).
 * merge: the tree's entries are moved into the existing target, each replacing an entry of
 *   the same name and leaving the others. For directories other recipes also fill (oe-core's
 *   DEPLOY_DIR_IPK, DEPLOY_DIR_IMAGE). A directory the target lacks moves in whole; a file
 *   moves with one rename over the old one, so readers see the old or the new file, never
 *   half of one. A symlink in the target where the tree has a directory is replaced, never
 *   written through: every level is checked with lstat. Two restores merging into one target
 *   at once are fine: the loser of a race for a directory merges into the winner's.
 */
import { chmodSync, lstatSync, readdirSync, renameSync } from 'node:fs';
import { chmod, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { tempName } from '../../engine/core/fs.js';

export type InstallMode = 'replace' | 'merge';

function isCode(e: unknown, ...codes: string[]): boolean {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && codes.includes(code);
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch (e) {
    if (isCode(e, 'ENOENT')) return undefined;
    throw e;
  }
}

/**
 * Installs `tree` (gone afterwards) as or into `target`. `stored` false means the archive had
 * nothing for this output: replace leaves no target, merge leaves the target as it was.
 * Merging keeps an existing directory's own mode and times.
 */
export async function install(tree: string, target: string, mode: InstallMode, stored: boolean): Promise<void> {
  if (mode === 'merge') {
    if (stored) {
      const leftovers = mergeInto(tree, target);
      if (leftovers) await removeTree(tree);
    } else await removeTree(tree); // nothing to add: the target stays as it is
    return;
  }
  let old: string | undefined;
  if (lstatOrUndefined(target) !== undefined) {
    old = tempName(target);
    renameSync(target, old);
  }
  if (stored) renameSync(tree, target);
  else await removeTree(tree); // nothing stored: the output is absent, as it was
  // The restore is complete here; a previous tree that will not go is left as *.tmp-* junk
  // rather than turned into a failed restore.
  if (old !== undefined) await removeTree(old);
}

/** Moves the entries of `src` into `dest`; true when `src` still exists (merged, not moved). */
function mergeInto(src: string, dest: string): boolean {
  const have = lstatOrUndefined(dest);
  if (have === undefined || !have.isDirectory()) {
    if (have !== undefined) removeTreeSync(dest); // a file or symlink where a directory goes
    try {
      renameSync(src, dest);
      return false;
    } catch (e) {
      // Another restore made the directory first: merge into it.
      if (!isCode(e, 'ENOTEMPTY', 'EEXIST') || !lstatOrUndefined(dest)?.isDirectory()) throw e;
    }
  }
  chmodSync(src, 0o700); // entries move out of it, even when the archive made it read-only; it goes after
  for (const name of readdirSync(src)) {
    const from = join(src, name);
    const to = join(dest, name);
    if (lstatSync(from).isDirectory()) {
      mergeInto(from, to);
      continue;
    }
    if (lstatOrUndefined(to)?.isDirectory()) removeTreeSync(to);
    renameSync(from, to); // over a file or symlink: replaces it, never follows it
  }
  return true;
}

function removeTreeSync(path: string): void {
  // Rare (a type change between builds): rename out of the way now, delete in the background.
  const aside = tempName(path);
  renameSync(path, aside);
  void removeTree(aside);
}

/**
 * rm -rf that also gets through read-only directories (a restored tree may have them, and an
 * unprivileged user cannot unlink inside one); best effort, never throws.
 */
export async function removeTree(path: string): Promise<void> {
  try {
    await rm(path, { recursive: true, force: true });
    return;
  } catch {
    // EACCES or EPERM below a read-only directory: make the directories writable, then again
  }
  const unlock = async (dir: string): Promise<void> => {
    await chmod(dir, 0o700).catch(() => undefined);
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    await Promise.all(entries.filter((e) => e.isDirectory()).map((e) => unlock(join(dir, e.name))));
  };
  await unlock(path);
  await rm(path, { recursive: true, force: true }).catch(() => undefined);
}
