/**
 * Unpacking a package's payload tar into the root filesystem as a package manager does with
 * `--root`: paths are resolved the way they would be after `chroot` (a symlinked directory
 * such as `/bin -> usr/bin` is followed, but never out of the rootfs), entry names with `..`
 * are refused, and owners, modes and mtimes come from the tar headers.
 */
import { createWriteStream, lchownSync, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync, linkSync, chmodSync, chownSync, utimesSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Header } from 'tar-stream';
import { TsbakeError } from '../core/errors.js';
import { forEachTarEntry, memberParts, type EntryStream } from '../core/tar-entries.js';

export class UnsafeEntryError extends TsbakeError {
  readonly code = 'E_UNSAFE_ENTRY';
}

export type EntryKind = 'dir' | 'file' | 'symlink' | 'hardlink';

export interface UnpackedEntry {
  /** As the package names it, absolute: `/usr/bin/hello` (`/.` for the root itself). */
  readonly path: string;
  readonly kind: EntryKind;
  readonly mode: number;
  readonly target?: string;
}

/** Called before a non-directory entry is written over whatever is there; throws to refuse. */
export type OverwriteCheck = (path: string) => void;

const lstatOrUndefined = (p: string): Stats | undefined => {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
};

/** `path` (absolute in the target) → host path, following symlinked directories inside `root`. */
export function resolveInRoot(root: string, path: string, followLast = false): string {
  const parts = memberParts(path);
  if (parts.includes('..')) throw new UnsafeEntryError(`refusing entry with '..': ${path}`);
  let at: string[] = [];
  for (let i = 0, hops = 0; i < parts.length; i++) {
    const next = [...at, parts[i] ?? ''];
    const host = posix.join(root, ...next);
    const st = i < parts.length - 1 || followLast ? lstatOrUndefined(host) : undefined;
    if (st?.isSymbolicLink()) {
      if (++hops > 40) throw new UnsafeEntryError(`too many symlinks resolving ${path}`);
      const link = readlinkSync(host);
      const resolved = posix.normalize(link.startsWith('/') ? link : posix.join('/', ...at, link));
      const rest = parts.slice(i + 1);
      // `..` in a link target is resolved against the target root, so it never climbs out.
      return resolveInRoot(root, [...resolved.split('/').filter((p) => p !== '' && p !== '..'), ...rest].join('/'), followLast);
    }
    at = next;
  }
  return posix.join(root, ...at);
}

function normalName(name: string): string {
  const clean = posix.normalize(`/${name}`).replace(/\/$/, '');
  if (name.split('/').includes('..')) throw new UnsafeEntryError(`refusing entry with '..': ${name}`);
  return clean === '' ? '/.' : clean;
}

const isRoot = process.getuid?.() === 0;

function own(host: string, uid: number, gid: number, link = false): void {
  if (!isRoot) return;
  if (link) lchownSync(host, uid, gid);
  else chownSync(host, uid, gid);
}

/** Extracts `tar` into `root`; returns the entries in archive order. */
export async function unpackInto(root: string, tar: Readable, check: OverwriteCheck): Promise<UnpackedEntry[]> {
  const entries: UnpackedEntry[] = [];
  await forEachTarEntry(tar, async (header, body) => {
    const entry = await place(root, header, body, check);
    if (entry) entries.push(entry);
  });
  return entries;
}

async function place(root: string, header: Header, body: EntryStream, check: OverwriteCheck): Promise<UnpackedEntry | undefined> {
  const path = normalName(header.name);
  const mode = (header.mode ?? 0o644) & 0o7777;
  const uid = header.uid ?? 0;
  const gid = header.gid ?? 0;
  const mtime = header.mtime ?? new Date(0);
  if (path === '/.') {
    body.resume();
    return { path, kind: 'dir', mode };
  }
  const host = resolveInRoot(root, path);
  const existing = lstatOrUndefined(host);
  switch (header.type) {
    case 'directory': {
      body.resume();
      const st = existing?.isSymbolicLink() ? lstatOrUndefined(resolveInRoot(root, path, true)) : existing;
      if (st && !st.isDirectory()) throw new UnsafeEntryError(`${path}: a directory in the package, but not in the rootfs`);
      if (!st) {
        mkdirSync(host);
        chmodSync(host, mode);
        own(host, uid, gid);
      }
      return { path, kind: 'dir', mode };
    }
    case 'file':
    case 'contiguous-file': {
      makeRoom(path, host, existing, check);
      await pipeline(body, createWriteStream(host, { mode }));
      chmodSync(host, mode);
      own(host, uid, gid);
      utimesSync(host, mtime, mtime);
      return { path, kind: 'file', mode };
    }
    case 'symlink': {
      body.resume();
      makeRoom(path, host, existing, check);
      const target = header.linkname ?? '';
      symlinkSync(target, host);
      own(host, uid, gid, true);
      return { path, kind: 'symlink', mode: 0o777, target };
    }
    case 'link': {
      body.resume();
      makeRoom(path, host, existing, check);
      const target = normalName(header.linkname ?? '');
      linkSync(resolveInRoot(root, target), host);
      return { path, kind: 'hardlink', mode, target };
    }
    default:
      body.resume();
      throw new UnsafeEntryError(`${path}: unsupported tar entry type '${String(header.type)}'`);
  }
}

function makeRoom(path: string, host: string, existing: Stats | undefined, check: OverwriteCheck): void {
  if (!existing) return;
  if (existing.isDirectory()) throw new UnsafeEntryError(`${path}: a directory in the rootfs, but a file in the package`);
  check(path);
  rmSync(host);
}
