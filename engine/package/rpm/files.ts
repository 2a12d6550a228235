/**
 * The file list of an rpm, one array element per file in path order: compressed file names
 * (DIRNAMES ending in `/`, BASENAMES, DIRINDEXES), modes with type bits, sizes, SHA-256
 * digests of regular files, link targets, %config(noreplace) flags, owners by name, and
 * inode numbers that hard links share (rpm re-creates the links from them).
 */
import type { PackageFile } from '../model/spec.js';
import { int16, int32, strArray, type TagValue } from './header.js';
import { DIGEST_SHA256, FILE_CONFIG_NOREPLACE, TAG } from './tags.js';

const TYPE_BITS: Readonly<Record<PackageFile['kind'], number>> = { file: 0o100000, hardlink: 0o100000, dir: 0o040000, symlink: 0o120000 };

export interface RpmFile {
  readonly file: PackageFile;
  readonly ino: number;
  /** Members of its hard-link set (1 for most files). */
  readonly nlink: number;
  /** Whether this entry carries the data of its hard-link set in the cpio (the last one does). */
  readonly carriesData: boolean;
  /** Bytes as rpm counts them: the data of a (linked) regular file, a symlink's target length. */
  readonly size: number;
  readonly mode: number;
}

/** Inode numbers and hard-link sets; `files` sorted by path. */
export function rpmFiles(files: readonly PackageFile[]): RpmFile[] {
  const inoOf = new Map<string, number>();
  const sizeOf = new Map<string, number>();
  const setSize = new Map<number, number>();
  const lastOf = new Map<number, string>();
  files.forEach((f, i) => {
    const ino = f.kind === 'hardlink' ? (inoOf.get(f.target ?? '') ?? i + 1) : i + 1;
    inoOf.set(f.path, ino);
    if (f.kind === 'file') sizeOf.set(f.path, f.size);
    setSize.set(ino, (setSize.get(ino) ?? 0) + 1);
    lastOf.set(ino, f.path);
  });
  return files.map((f) => {
    const ino = inoOf.get(f.path) ?? 0;
    const size =
      f.kind === 'file' ? f.size : f.kind === 'hardlink' ? (sizeOf.get(f.target ?? '') ?? 0) : f.kind === 'symlink' ? Buffer.byteLength(f.target ?? '') : 0;
    return { file: f, ino, nlink: setSize.get(ino) ?? 1, carriesData: lastOf.get(ino) === f.path, size, mode: TYPE_BITS[f.kind] | (f.mode & 0o7777) };
  });
}

/** Installed bytes (SIZE): every regular file once per inode, plus symlink targets. */
export function installedBytes(files: readonly RpmFile[]): number {
  return files.reduce((n, f) => n + (f.carriesData || f.file.kind === 'symlink' ? f.size : 0), 0);
}

export function fileTags(files: readonly RpmFile[], digests: ReadonlyMap<string, string>, conffiles: readonly string[], mtime: number): [number, TagValue][] {
  if (files.length === 0) return [];
  const dirs: string[] = [];
  const dirIndex = new Map<string, number>();
  const indexes: number[] = [];
  const basenames: string[] = [];
  for (const { file } of files) {
    const cut = file.path.lastIndexOf('/') + 1;
    const dir = file.path.slice(0, cut);
    let i = dirIndex.get(dir);
    if (i === undefined) {
      i = dirs.push(dir) - 1;
      dirIndex.set(dir, i);
    }
    indexes.push(i);
    basenames.push(file.path.slice(cut));
  }
  const conf = new Set(conffiles);
  const digestOf = (f: PackageFile): string => (f.kind === 'file' ? f.path : f.kind === 'hardlink' ? (f.target ?? '') : '');
  const each = <T>(fn: (f: RpmFile) => T): T[] => files.map(fn);
  return [
    [TAG.FILESIZES, int32(each((f) => f.size))],
    [TAG.FILEMODES, int16(each((f) => f.mode))],
    [TAG.FILERDEVS, int16(each(() => 0))],
    [TAG.FILEMTIMES, int32(each(() => mtime))],
    [TAG.FILEDIGESTS, strArray(each((f) => digests.get(digestOf(f.file)) ?? ''))],
    [TAG.FILELINKTOS, strArray(each((f) => (f.file.kind === 'symlink' ? (f.file.target ?? '') : '')))],
    [TAG.FILEFLAGS, int32(each((f) => (conf.has(f.file.path) && f.file.kind === 'file' ? FILE_CONFIG_NOREPLACE : 0)))],
    [TAG.FILEUSERNAME, strArray(each((f) => f.file.user))],
    [TAG.FILEGROUPNAME, strArray(each((f) => f.file.group))],
    [TAG.FILEVERIFYFLAGS, int32(each(() => 0xffffffff))],
    [TAG.FILEDEVICES, int32(each(() => 1))],
    [TAG.FILEINODES, int32(each((f) => f.ino))],
    [TAG.FILELANGS, strArray(each(() => ''))],
    [TAG.DIRINDEXES, int32(indexes)],
    [TAG.BASENAMES, strArray(basenames)],
    [TAG.DIRNAMES, strArray(dirs)],
    [TAG.FILEDIGESTALGO, int32([DIGEST_SHA256])],
  ];
}

