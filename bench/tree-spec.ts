/**
 * A PackageSpec for a directory tree (what do_package would record for it): every entry
 * under `root`, owned by root, hard links pointing at their first name, regular files with
 * their md5, byte order.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { PackageFile, PackageSpec } from '../engine/package/model/spec.js';

export function treeSpec(root: string, name: string): PackageSpec {
  const files: PackageFile[] = [];
  const firstOfInode = new Map<string, string>();
  const walk = (rel: string): void => {
    for (const entry of readdirSync(join(root, rel)).sort()) {
      const path = `${rel}/${entry}`;
      const st = lstatSync(join(root, path));
      const base = { path, mode: st.mode & 0o7777, uid: 0, gid: 0, user: 'root', group: 'root', size: 0 };
      if (st.isDirectory()) {
        files.push({ ...base, kind: 'dir' });
        walk(path);
      } else if (st.isSymbolicLink()) files.push({ ...base, kind: 'symlink', target: readlinkSync(join(root, path)) });
      else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? firstOfInode.get(key) : undefined;
        if (first !== undefined) files.push({ ...base, kind: 'hardlink', target: first });
        else {
          firstOfInode.set(key, path);
          files.push({ ...base, kind: 'file', size: st.size, md5: createHash('md5').update(readFileSync(join(root, path))).digest('hex') });
        }
      }
    }
  };
  walk('');
  files.sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const empty = { depends: [], recommends: [], suggests: [], provides: [], conflicts: [], replaces: [] };
  return {
    name,
    recipe: name,
    version: { epoch: '', version: '1.0', release: 'r0' },
    arch: 'all',
    summary: 'tsbake packaging benchmark tree',
    description: 'The tree from gen-tree.py under /opt/bench.',
    section: 'misc',
    priority: 'optional',
    license: 'MIT',
    homepage: '',
    maintainer: 'tsbake <tsbake@example.com>',
    relations: empty,
    scripts: {},
    conffiles: [],
    files,
    installedSize: files.reduce((n, f) => n + f.size, 0),
    sourceDateEpoch: 1700000000,
  };
}
