/**
 * Tar extraction that stays inside its target (ARCHITECTURE.md §6), for do_unpack: member
 * names that are absolute or contain `..`, symlinks that point outside the target (or are
 * absolute) and members below a symlink are refused, naming the member, before anything is
 * written for them. A hard link is made only to a regular file inside the target. An existing
 * file is replaced (unlinked, never written through), and so is an empty directory; a member
 * that would replace a directory with content, or go below a file, is skipped and fails the
 * extraction at its end, as GNU tar does. Directory modes are applied last, as GNU tar does, so a read-only directory
 * can still be filled. Modes are GNU tar's: as archived for the superuser (its
 * --same-permissions default there), less the umask for anyone else. Owners are not restored.
 */
import { chmodSync, closeSync, createReadStream, constants, futimesSync, linkSync, lstatSync, lutimesSync, mkdirSync, openSync, rmdirSync, rmSync, symlinkSync, writeSync } from 'node:fs';
import { basename, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import type { Header } from 'tar-stream';
import { finishDirectories, forEachTarEntry, memberParts, unsafeMemberName, type EntryStream, type PendingDirectory } from '../core/tar-entries.js';
import { decompressed, type Compression } from './decompress.js';
import { UnpackError, UnsafeMemberError } from './errors.js';

export interface TarOptions {
  /** `striplevel=`: leading path components dropped from every member. */
  readonly strip: number;
}

/** One tarball to extract (structured-cloneable: it is what an unpack worker is sent). */
export interface TarballJob extends TarOptions {
  readonly file: string;
  /** The extraction root, which must exist. */
  readonly root: string;
  readonly compression: Compression | undefined;
  /** The environment for the decompressor. */
  readonly env: Readonly<Record<string, string>>;
}

type Kind = 'dir' | 'file' | 'symlink' | 'other';

/** A member's path relative to the target, or undefined when striplevel leaves nothing. */
export function memberPath(archive: string, name: string, strip: number): string | undefined {
  const unsafe = unsafeMemberName(name);
  if (unsafe) throw new UnsafeMemberError(archive, name, unsafe);
  // GNU tar's --strip-components counts every component, `.` too (`./app/x` less 1 is `app/x`).
  const kept = strip ? memberParts(name.split('/').filter((p) => p !== '').slice(strip).join('/')) : memberParts(name);
  return kept.length ? kept.join('/') : undefined;
}

/** Whether a symlink at `rel` pointing to `target` stays inside the extraction root. */
function linkEscapes(rel: string, target: string): boolean {
  if (target.startsWith('/')) return true;
  const resolved = posix.normalize(posix.join(posix.dirname(rel), target));
  return resolved === '..' || resolved.startsWith('../');
}

class Extraction {
  readonly #root: string;
  readonly #archive: string;
  readonly #known = new Map<string, Kind>([['', 'dir']]);
  readonly #dirs: PendingDirectory[] = [];
  /** Members not extracted because something was in the way, each with what. */
  readonly #blocked: string[] = [];
  readonly #umask = process.umask();
  readonly #sameMode = process.geteuid?.() === 0;

  constructor(root: string, archive: string) {
    this.#root = root;
    this.#archive = archive;
  }

  /** The mode a member gets (see the module comment). */
  #mode(archived: number): number {
    return this.#sameMode ? archived : archived & ~this.#umask;
  }

  #kind(rel: string): Kind | undefined {
    const known = this.#known.get(rel);
    if (known) return known;
    let st;
    try {
      st = lstatSync(join(this.#root, rel));
    } catch {
      return undefined;
    }
    const kind: Kind = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
    this.#known.set(rel, kind);
    return kind;
  }

  /**
   * Creates the parents of `rel`, refusing to go through a symlink; false (and the member noted
   * as blocked) when one of them is a file.
   */
  #parents(rel: string, member: string): boolean {
    const parts = rel.split('/');
    let cur = '';
    for (let i = 0; i < parts.length - 1; i++) {
      cur = cur ? `${cur}/${parts[i] ?? ''}` : (parts[i] ?? '');
      const kind = this.#kind(cur);
      if (kind === 'dir') continue;
      if (kind === 'symlink') throw new UnsafeMemberError(this.#archive, member, `it would be written through the symlink ${cur}`);
      if (kind !== undefined) {
        this.#blocked.push(`${member} (${cur} is not a directory)`);
        return false;
      }
      mkdirSync(join(this.#root, cur));
      this.#known.set(cur, 'dir');
    }
    return true;
  }

  /** Whether one of `rel`'s parents is a file (or another non-directory that is not a symlink). */
  #belowFile(rel: string): boolean {
    const parts = rel.split('/');
    for (let i = 1; i < parts.length; i++) {
      const kind = this.#kind(parts.slice(0, i).join('/'));
      if (kind === 'file' || kind === 'other') return true;
    }
    return false;
  }

  /**
   * Removes what is at `rel` unless it is a directory and `keepDir`. A directory is removed only
   * when empty; false (and the member noted as blocked) when one with content is in the way.
   */
  #clear(rel: string, keepDir: boolean, member: string): boolean {
    const kind = this.#kind(rel);
    if (kind === undefined || (kind === 'dir' && keepDir)) return true;
    const path = join(this.#root, rel);
    if (kind === 'dir') {
      try {
        rmdirSync(path);
      } catch {
        this.#blocked.push(`${member} (a directory with content is in the way)`);
        return false;
      }
      // Its mode, still pending, must not land on what replaces it.
      for (let i = this.#dirs.length - 1; i >= 0; i--) if (this.#dirs[i]?.path === path) this.#dirs.splice(i, 1);
    } else rmSync(path, { force: true });
    this.#known.delete(rel);
    return true;
  }

  async entry(header: Header, body: EntryStream, strip: number): Promise<void> {
    const rel = memberPath(this.#archive, header.name, strip);
    if (rel === undefined) return void body.resume();
    const path = join(this.#root, rel);
    const mode = (header.mode ?? 0o644) & 0o7777;
    switch (header.type) {
      case 'directory': {
        if (!this.#parents(rel, header.name)) return void body.resume();
        this.#clear(rel, true, header.name);
        if (this.#kind(rel) !== 'dir') mkdirSync(path);
        this.#known.set(rel, 'dir');
        this.#dirs.push({ path, mode: this.#mode(mode), mtime: header.mtime });
        return void body.resume();
      }
      case 'file':
      case 'contiguous-file': {
        if (!this.#parents(rel, header.name) || !this.#clear(rel, false, header.name)) return void body.resume();
        const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode | 0o200);
        try {
          for await (const chunk of body) writeSync(fd, chunk as Buffer);
          if (header.mtime) futimesSync(fd, header.mtime, header.mtime);
        } finally {
          closeSync(fd);
        }
        // Created writable (and less the umask); chmod when the member's mode is not that.
        const final = this.#mode(mode);
        if (final !== ((mode | 0o200) & ~this.#umask)) chmodSync(path, final);
        this.#known.set(rel, 'file');
        return;
      }
      case 'symlink': {
        const target = header.linkname ?? '';
        if (linkEscapes(rel, target)) throw new UnsafeMemberError(this.#archive, header.name, `symlink to '${target}' points outside the unpack directory`);
        if (!this.#parents(rel, header.name) || !this.#clear(rel, false, header.name)) return void body.resume();
        symlinkSync(target, path);
        if (header.mtime) lutimesSync(path, header.mtime, header.mtime);
        this.#known.set(rel, 'symlink');
        return void body.resume();
      }
      case 'link': {
        const target = memberPath(this.#archive, header.linkname ?? '', strip);
        if (target === undefined || this.#kind(target) !== 'file') {
          // link(2) fails. GNU tar makes the link's parents (and retries) only when that failure is
          // ENOENT, not ENOTDIR (the target lies below a file).
          if ((target === undefined || !this.#belowFile(target)) && !this.#parents(rel, header.name)) return void body.resume();
          this.#blocked.push(`${header.name} (hard link to '${header.linkname ?? ''}', which is not a file there)`);
          return void body.resume();
        }
        if (!this.#parents(rel, header.name)) return void body.resume();
        // A link to itself (striplevel= can make one) is the file already there, as for GNU tar.
        if (target === rel || !this.#clear(rel, false, header.name)) return void body.resume();
        linkSync(join(this.#root, target), path);
        this.#known.set(rel, 'file');
        return void body.resume();
      }
      default:
        throw new UnpackError(`${this.#archive}: member '${header.name}' is a ${header.type ?? 'special file'}, which do_unpack does not create`);
    }
  }

  finish(): void {
    finishDirectories(this.#dirs);
    if (this.#blocked.length) throw new UnpackError(`${this.#archive}: cannot unpack ${this.#blocked.join(', ')}`);
  }
}

/** Extracts the tar stream `input` into `root` (which must exist). */
export async function extractTar(input: Readable, root: string, archive: string, opts: TarOptions): Promise<void> {
  const x = new Extraction(root, archive);
  try {
    await forEachTarEntry(input, (header, body) => x.entry(header, body, opts.strip));
  } catch (e) {
    if (e instanceof UnsafeMemberError || e instanceof UnpackError) throw e;
    throw new UnpackError(`${archive}: cannot unpack: ${e instanceof Error ? e.message : String(e)}`);
  }
  x.finish();
}

/** Extracts `job.file`, decompressing it on the way. */
export async function extractTarball(job: TarballJob, signal: AbortSignal): Promise<void> {
  const input = job.compression ? decompressed(job.compression, job.file, { env: job.env, signal }) : { stream: createReadStream(job.file), done: Promise.resolve() };
  await Promise.all([extractTar(input.stream, job.root, basename(job.file), job), input.done]);
}
