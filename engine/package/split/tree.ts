/**
 * A directory tree as do_package sees it: every entry by absolute target path (`/usr/bin/x`),
 * with its type, permission bits, owner (from the fakeroot state, keyed by the inode the entry
 * had in `${D}`), size and inode (hard links share one).
 */
import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { inodeKey, type FakerootState } from './fakeroot-state.js';

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
  readonly target?: string;
}

export interface Owner {
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

const kindOf = (st: Stats): EntryKind => (st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other');

/**
 * Every entry below `root` (not `root` itself), parents before children, names in byte order.
 * `owners` gives what do_install set (by path); an entry it lacks gets root and its real mode.
 */
export function walkTree(root: string, owners: ReadonlyMap<string, Owner> = new Map()): TreeEntry[] {
  const out: TreeEntry[] = [];
  const visit = (dir: string, prefix: string): void => {
    const names = readdirSync(dir).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const name of names) {
      const abs = join(dir, name);
      const path = `${prefix}/${name}`;
      const st = lstatSync(abs);
      const kind = kindOf(st);
      const owner = owners.get(path);
      out.push({
        path,
        kind,
        mode: (owner?.mode ?? st.mode) & 0o7777,
        uid: owner?.uid ?? 0,
        gid: owner?.gid ?? 0,
        size: kind === 'file' ? st.size : 0,
        ino: st.ino,
        nlink: st.nlink,
        ...(kind === 'symlink' ? { target: readlinkSync(abs) } : {}),
      });
      if (kind === 'dir') visit(abs, path);
    }
  };
  visit(root, '');
  return out;
}

/** What do_install set for each path of `${D}`: the fakeroot state's view of its inode, or the real mode and root. */
export function installedOwners(d: string, state: FakerootState): Map<string, Owner> {
  const out = new Map<string, Owner>();
  const visit = (dir: string, prefix: string): void => {
    for (const name of readdirSync(dir)) {
      const abs = join(dir, name);
      const path = `${prefix}/${name}`;
      const st = lstatSync(abs);
      const fake = state.get(inodeKey(st.dev, st.ino));
      out.set(path, fake ? { mode: fake.mode, uid: fake.uid, gid: fake.gid } : { mode: st.mode, uid: 0, gid: 0 });
      if (st.isDirectory()) visit(abs, path);
    }
  };
  visit(d, '');
  return out;
}
