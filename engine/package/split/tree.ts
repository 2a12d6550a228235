/**
 * A directory tree as do_package sees it: every entry by absolute target path (`/usr/bin/x`),
 * with its type, permission bits, owner (from the fakeroot state, keyed by the inode the entry
 * had in `${D}`), size and inode (hard links share one).
 */
import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { inodeKey, type FakerootState } from './fakeroot-state.js';
import { byteCompare } from '../../core/byte-order.js';

export type EntryKind = 'file' | 'dir' | 'symlink' | 'other';

export interface TreeEntry {
  readonly path: string;
  readonly kind: EntryKind;
  /** Permission bits (with setuid/setgid/sticky). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly size: number;
  readonly ino: number;
  readonly nlink: number;
  /** Last modification, ms (fractional): with the inode and size it tells a rewritten file. */
  readonly mtimeMs: number;
  readonly target?: string;
}

export interface Owner {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

const kindOf = (st: Stats): EntryKind => (st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other');

/** What do_install set for an entry: by path, or from the inode's stat (the fakeroot state). */
export type OwnerOf = (path: string, st: Stats) => Owner | undefined;

/**
 * Every entry below `root` (not `root` itself), parents before children, names in byte order.
 * An entry `ownerOf` does not know gets root and its real mode.
 */
export function walkTree(root: string, ownerOf: OwnerOf = () => undefined): TreeEntry[] {
  const out: TreeEntry[] = [];
  const visit = (dir: string, prefix: string): void => {
    const names = readdirSync(dir).sort(byteCompare);
    for (const name of names) {
      const abs = join(dir, name);
      const path = `${prefix}/${name}`;
      const st = lstatSync(abs);
      const kind = kindOf(st);
      const owner = ownerOf(path, st);
      out.push({
        path,
        kind,
        mode: (owner?.mode ?? st.mode) & 0o7777,
        uid: owner?.uid ?? 0,
        gid: owner?.gid ?? 0,
        size: kind === 'file' ? st.size : 0,
        ino: st.ino,
        nlink: st.nlink,
        mtimeMs: st.mtimeMs,
        ...(kind === 'symlink' ? { target: readlinkSync(abs) } : {}),
      });
      if (kind === 'dir') visit(abs, path);
    }
  };
  visit(root, '');
  return out;
}

/** Owners as the fakeroot state of `${D}` records them, by inode. */
export const fromFakeroot = (state: FakerootState): OwnerOf => (_path, st) => state.get(inodeKey(st.dev, st.ino));

/** Owners of a tree already walked (a copy of it keeps them by path). */
export function ownersOf(entries: readonly TreeEntry[]): OwnerOf {
  const owners = new Map(entries.map((e) => [e.path, e]));
  return (path) => owners.get(path);
}
