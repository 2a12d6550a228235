/**
 * From a package spec's file list to archive members: every directory a member lives in is
 * present before it (dpkg creates no missing parent; implicit ones are root:root 0755, as
 * nfpm and dpkg-deb add them), names are `./`-relative, every mtime is SOURCE_DATE_EPOCH.
 */
import type { PackageFile } from '../model/spec.js';
import { byteCompare } from '../../core/byte-order.js';
import type { TarHeader, TarType } from './tar.js';
import type { TarMember } from './tar-stream.js';

const IMPLICIT_DIR = { kind: 'dir', mode: 0o755, uid: 0, gid: 0, user: 'root', group: 'root', size: 0 } as const;

/** The files plus their missing parent directories, in byte order of their paths. */
export function withParentDirs(files: readonly PackageFile[]): PackageFile[] {
  const have = new Set(files.map((f) => f.path));
  const added: PackageFile[] = [];
  for (const f of files) {
    for (let i = f.path.lastIndexOf('/'); i > 0; i = f.path.lastIndexOf('/', i - 1)) {
      const dir = f.path.slice(0, i);
      if (have.has(dir)) break;
      have.add(dir);
      added.push({ ...IMPLICIT_DIR, path: dir });
    }
  }
  // a spec's files are in byte order already (PackageFile): only added directories need sorting in
  return added.length === 0 ? [...files] : [...files, ...added].sort((a, b) => byteCompare(a.path, b.path));
}

/** `/usr/bin/x` → `./usr/bin/x` (directories get a trailing `/`, as dpkg-deb writes them). */
export function memberName(path: string, dir = false): string {
  return `.${path}${dir ? '/' : ''}`;
}

const TAR_TYPE: Readonly<Record<PackageFile['kind'], TarType>> = { file: 'file', dir: 'dir', symlink: 'symlink', hardlink: 'hardlink' };

function payloadTarHeader(f: PackageFile, mtime: number): TarHeader {
  const linkname = f.kind === 'hardlink' && f.target !== undefined ? memberName(f.target) : f.target;
  return {
    name: memberName(f.path, f.kind === 'dir'),
    type: TAR_TYPE[f.kind],
    mode: f.mode,
    uid: f.uid,
    gid: f.gid,
    uname: f.user,
    gname: f.group,
    size: f.kind === 'file' ? f.size : 0,
    mtime,
    ...(linkname === undefined ? {} : { linkname }),
  };
}

/** The tar members of a payload rooted at `root` on disk (`files` as withParentDirs returns them). */
export function payloadTarMembers(files: readonly PackageFile[], root: string, mtime: number): TarMember[] {
  return files.map((f) => ({ header: payloadTarHeader(f, mtime), ...(f.kind === 'file' ? { source: `${root}${f.path}` } : {}) }));
}

/** The `./` member dpkg-deb writes first. */
export const rootDirMember = (mtime: number): TarMember => ({
  header: { name: './', type: 'dir', mode: 0o755, uid: 0, gid: 0, uname: 'root', gname: 'root', size: 0, mtime },
});
