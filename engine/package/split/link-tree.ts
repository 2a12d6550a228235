/**
 * ${D} into ${PKGD} without copying data: directories are made, symlinks recreated, and
 * every other entry is hard-linked to its ${D} inode. Copying 600 MB costs seconds of
 * kernel time; linking 20,000 names costs a fraction of one. Sharing inodes is safe because
 * nothing do_package does writes into an existing file: objcopy's results are new files
 * renamed over the old name (debug-split.ts), and populate_packages renames names away (a
 * recipe's PACKAGESPLITFUNCS must do the same: write a new file, never into one). The
 * same inodes also keep holes, owners in the fakeroot state (keyed by inode) and the link
 * groups of ${D}: names that shared an inode in ${D} share one in ${PKGD}.
 */
import { copyFileSync, linkSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { TreeEntry } from './tree.js';

/** Recreates `entries` (a walk of `from`, parents first) under `to` (which exists). */
export function linkTree(from: string, to: string, entries: readonly TreeEntry[]): void {
  for (const e of entries) {
    const target = join(to, e.path);
    if (e.kind === 'dir') mkdirSync(target);
    else if (e.kind === 'symlink') symlinkSync(e.target ?? '', target);
    else {
      try {
        linkSync(join(from, e.path), target);
      } catch (err) {
        // ${PKGD} on another file system than ${D}: the data has to be copied after all
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
        copyFileSync(join(from, e.path), target);
      }
    }
  }
}
