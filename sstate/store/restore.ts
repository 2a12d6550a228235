/**
 * Restores an sstate object into its output directories, checking it as it goes.
 *
 * Each output is extracted into a fresh temporary directory beside its target
 * (`<target>.tmp-<pid>-<n>`); only when the whole archive has been read, the zstd checksum
 * verified and the tar end reached are the targets replaced (each by one rename) or merged
 * into (install.ts). A bad object therefore never leaves a partial restore.
 *
 * Failures are typed (the caller turns them into a warning and a miss):
 *  - CorruptObjectError: zstd frame or checksum errors, a truncated tar, bad header
 *    checksums, member types tsbake cannot restore;
 *  - UnsafeArchiveError (naming the member): absolute names, `..`, names outside every
 *    archivePrefix, a member below a symlink the archive made, a hard link to anything but a
 *    regular file extracted earlier, or a member that would replace one already extracted.
 *
 * The temporary directories are ours alone (created empty, mode 0700), so "is this parent a
 * directory we made?" is answered from the record of what this restore created, which is the
 * same answer lstat would give, without a system call per parent. Files are created with
 * O_EXCL|O_NOFOLLOW all the same. Modes, symlinks (exactly as written), hard links and
 * mtimes come from the archive; owners do not (tsbake runs unprivileged; the fakeroot state
 * records them).
 */
import { chmodSync, closeSync, constants, copyFileSync, fchmodSync, futimesSync, linkSync, lstatSync, lutimesSync, mkdirSync, openSync, rmdirSync, statSync, symlinkSync, utimesSync, writeSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, type Header } from 'tar-stream';
import { TsbakeError } from '../../engine/core/errors.js';
import { tempName } from '../../engine/core/fs.js';
import { finishDirectories, memberParts, unsafeMemberName, type EntryStream, type PendingDirectory } from '../../engine/core/tar-entries.js';
import { install, removeTree, type InstallMode } from './install.js';
import { tarBytes } from './object-stream.js';

export class CorruptObjectError extends TsbakeError {
  readonly code = 'E_SSTATE_CORRUPT';
  constructor(
    readonly object: string,
    readonly reason: string,
  ) {
    super(`sstate object ${object} is corrupt: ${reason}`, undefined, 'the object is ignored; the task runs instead');
  }
}

export class UnsafeArchiveError extends TsbakeError {
  readonly code = 'E_SSTATE_UNSAFE';
  constructor(
    readonly object: string,
    readonly member: string,
    readonly reason: string,
  ) {
    super(`sstate object ${object}: unsafe member '${member}': ${reason}`, undefined, 'the object is ignored; the task runs instead');
  }
}

export interface RestoreOutput {
  /** The archive directory to take, e.g. `sysroot-destdir`. */
  readonly archivePrefix: string;
  /** Where it goes. An existing directory there is replaced, unless `merge`. */
  readonly target: string;
  /**
   * Move the entries into the existing target instead, each replacing one of the same name
   * and leaving the rest: for directories other recipes fill too (DEPLOY_DIR_IPK, DEPLOY_DIR_IMAGE).
   */
  readonly merge?: boolean;
}

export interface RestoreOptions {
  readonly signal?: AbortSignal;
}

export interface RestoreResult {
  readonly members: number;
  /** Bytes of regular-file data written. */
  readonly bytes: number;
}

type Kind = 'dir' | 'file' | 'symlink';

interface Root {
  readonly prefix: string;
  readonly target: string;
  readonly mode: InstallMode;
  readonly tmp: string;
  /** Whether the archive had anything for this output. */
  used: boolean;
}

/** A member's archive name, checked key, output and path in the temporary directory. */
interface Place {
  readonly member: string;
  readonly key: string;
  readonly root: Root;
  readonly abs: string;
}

const O_CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const END_BLOCKS = 1024;

export async function restoreObject(path: string, outputs: readonly RestoreOutput[], opts: RestoreOptions = {}): Promise<RestoreResult> {
  const roots = outputs.map((o): Root => ({ prefix: normalPrefix(o.archivePrefix), target: o.target, mode: o.merge ? 'merge' : 'replace', tmp: tempName(o.target), used: false }));
  for (const a of roots) {
    for (const b of roots) if (a !== b && (a.prefix === b.prefix || b.prefix.startsWith(`${a.prefix}/`))) throw new TypeError(`sstate restore: archive prefixes '${a.prefix}' and '${b.prefix}' overlap`);
  }
  const made: Root[] = [];
  try {
    for (const r of roots) {
      mkdirSync(dirname(r.target), { recursive: true }); // not ensureDir: the build may have removed it since
      mkdirSync(r.tmp, { mode: 0o700 });
      made.push(r);
    }
    const state = new Extraction(path, roots, creationMask(roots[0]?.tmp));
    await state.run(opts.signal);
    for (const r of roots) await install(r.tmp, r.target, r.mode, r.used);
    return { members: state.members, bytes: state.bytes };
  } catch (e) {
    await Promise.all(made.map((r) => removeTree(r.tmp)));
    throw e;
  }
}

/**
 * The permission bits a new file keeps under the process umask (0o755 for umask 022): files
 * whose mode fits are created with it and need no fchmod. Read from a probe directory,
 * since asking process.umask() without changing it is deprecated.
 */
function creationMask(parent: string | undefined): number {
  if (parent === undefined) return 0;
  const probe = join(parent, '.umask-probe');
  mkdirSync(probe, { mode: 0o777 });
  try {
    return statSync(probe).mode & 0o777;
  } finally {
    rmdirSync(probe);
  }
}

function normalPrefix(prefix: string): string {
  const parts = prefix.split('/').filter((p) => p !== '' && p !== '.');
  if (isAbsolute(prefix) || parts.length === 0 || parts.includes('..')) throw new TypeError(`bad sstate archive prefix '${prefix}'`);
  return parts.join('/');
}

function isCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

class Extraction {
  readonly #object: string;
  readonly #roots: readonly Root[];
  /** What this restore created, by archive path (prefix included). */
  readonly #kinds = new Map<string, Kind>();
  readonly #dirs: PendingDirectory[] = [];
  /** A thrown Unsafe/Corrupt/IO error from an entry, which wins over what the pipeline saw. */
  #failure: unknown;
  /** The parent directory checked last (members come sorted, so it repeats). */
  #lastParent = '';
  /** The last END_BLOCKS bytes of the tar stream, to see its end-of-archive blocks. */
  #tail: Buffer[] = [];
  #tailBytes = 0;
  #tarBytes = 0;
  members = 0;
  bytes = 0;

  /** Mode bits the umask lets through at creation. */
  readonly #keeps: number;

  constructor(object: string, roots: readonly Root[], keeps: number) {
    this.#object = object;
    this.#keeps = keeps;
    this.#roots = roots;
    for (const r of roots) {
      const parts = r.prefix.split('/');
      for (let i = 1; i <= parts.length; i++) this.#kinds.set(parts.slice(0, i).join('/'), 'dir');
    }
  }

  async run(signal: AbortSignal | undefined): Promise<void> {
    const source = tarBytes(this.#object);
    source.stream.on('data', (chunk: Buffer) => this.#track(chunk));
    const tar = tarExtract();
    tar.on('entry', (header, stream, next) => {
      // A failure destroys every entry stream with it; the pipeline reports it, not the entry.
      stream.on('error', () => undefined);
      try {
        this.#entry(header, stream, next);
      } catch (e) {
        this.#failure = e;
        stream.resume();
        next(e instanceof Error ? e : new Error(String(e)));
      }
    });
    try {
      await pipeline(source.stream, tar, signal ? { signal } : {});
    } catch (e) {
      if (this.#failure !== undefined) throw this.#failure;
      if (source.readError() !== undefined || signal?.aborted) throw e;
      throw new CorruptObjectError(this.#object, e instanceof Error ? e.message : String(e));
    }
    if (this.#failure !== undefined) throw this.#failure;
    this.#checkEnd();
    finishDirectories(this.#dirs);
  }

  #track(chunk: Buffer): void {
    this.#tarBytes += chunk.byteLength;
    this.#tail.push(chunk);
    this.#tailBytes += chunk.byteLength;
    while (this.#tail.length > 1 && this.#tailBytes - (this.#tail[0]?.byteLength ?? 0) >= END_BLOCKS) this.#tailBytes -= this.#tail.shift()?.byteLength ?? 0;
  }

  /** A tar ends with two zero blocks; without them the archive was cut short. */
  #checkEnd(): void {
    const tail = Buffer.concat(this.#tail).subarray(-END_BLOCKS); // at most END_BLOCKS + one chunk
    if (this.#tarBytes % 512 !== 0 || tail.byteLength < END_BLOCKS || tail.some((b) => b !== 0)) {
      throw new CorruptObjectError(this.#object, 'the tar archive is truncated (no end-of-archive blocks)');
    }
  }

  #unsafe(member: string, reason: string): UnsafeArchiveError {
    return new UnsafeArchiveError(this.#object, member, reason);
  }

  /** The archive path of a member or link name, checked: never absolute, never `..`. */
  #key(name: string, member: string): string {
    const unsafe = unsafeMemberName(name);
    if (unsafe) throw this.#unsafe(member, `${unsafe}: '${name}'`);
    const parts = memberParts(name);
    if (parts.length === 0) throw this.#unsafe(member, 'empty name');
    return parts.join('/');
  }

  #rootOf(key: string, member: string): Root {
    for (const r of this.#roots) if (key === r.prefix || key.startsWith(`${r.prefix}/`)) return r;
    throw this.#unsafe(member, 'outside every archive prefix of this restore');
  }

  #abs(root: Root, key: string): string {
    return key === root.prefix ? root.tmp : join(root.tmp, key.slice(root.prefix.length + 1));
  }

  /** Creates missing parents of `key` as directories; refuses to go below a symlink or file. */
  #parents(root: Root, key: string, member: string): void {
    const slash = key.lastIndexOf('/');
    const parent = slash < 0 ? '' : key.slice(0, slash);
    if (parent === this.#lastParent || parent.length < root.prefix.length) return;
    let at = root.prefix.length;
    while (at < parent.length) {
      const next = parent.indexOf('/', at + 1);
      const end = next < 0 ? parent.length : next;
      const dir = parent.slice(0, end);
      const kind = this.#kinds.get(dir);
      if (kind === undefined) {
        mkdirSync(this.#abs(root, dir));
        this.#kinds.set(dir, 'dir');
      } else if (kind === 'symlink') throw this.#unsafe(member, `its parent '${dir}' is a symlink`);
      else if (kind === 'file') throw this.#unsafe(member, `its parent '${dir}' is a file`);
      at = end;
    }
    this.#lastParent = parent;
  }

  #claim(key: string, member: string): void {
    if (this.#kinds.has(key)) throw this.#unsafe(member, 'it would replace a member extracted earlier');
  }

  #entry(header: Header, stream: EntryStream, next: (err?: Error | null) => void): void {
    const member = header.name;
    const key = this.#key(member, member);
    const root = this.#rootOf(key, member);
    root.used = true;
    this.members++;
    const at: Place = { member, key, root, abs: this.#abs(root, key) };
    if (header.type !== 'directory' && key === root.prefix) throw new CorruptObjectError(this.#object, `member '${member}' should be a directory`);
    switch (header.type) {
      case 'directory':
        this.#directory(at, header);
        break;
      case 'file':
      case 'contiguous-file':
        this.#file(at, header, stream, next);
        return; // next() once the data is written
      case 'symlink':
        this.#symlink(at, header);
        break;
      case 'link':
        this.#link(at, header);
        break;
      case 'block-device':
      case 'character-device':
      case 'fifo':
        throw new CorruptObjectError(this.#object, `member '${member}' is a ${header.type}, which tsbake does not restore`);
      default:
        throw new CorruptObjectError(this.#object, `member '${member}' has an unknown type`);
    }
    stream.resume();
    next();
  }

  #directory(at: Place, header: Header): void {
    const kind = this.#kinds.get(at.key);
    if (kind !== undefined && kind !== 'dir') throw this.#unsafe(at.member, 'it would replace a member extracted earlier');
    if (kind === undefined) {
      this.#parents(at.root, at.key, at.member);
      mkdirSync(at.abs, { mode: 0o700 }); // writable until finishDirs gives it its mode
      this.#kinds.set(at.key, 'dir');
    }
    this.#dirs.push({ path: at.abs, mode: header.mode & 0o7777, mtime: header.mtime });
  }

  #file(at: Place, header: Header, stream: EntryStream, next: (err?: Error | null) => void): void {
    this.#claim(at.key, at.member);
    this.#parents(at.root, at.key, at.member);
    const mode = header.mode & 0o7777;
    const fd = openSync(at.abs, O_CREATE, mode & 0o777);
    this.#kinds.set(at.key, 'file');
    this.#writeFile(fd, stream, mode, header.mtime, next);
  }

  #symlink(at: Place, header: Header): void {
    if (!header.linkname) throw new CorruptObjectError(this.#object, `symlink '${at.member}' has no target`);
    this.#claim(at.key, at.member);
    this.#parents(at.root, at.key, at.member);
    symlinkSync(header.linkname, at.abs); // exactly as written: it is never written through
    lutimesSync(at.abs, header.mtime, header.mtime);
    this.#kinds.set(at.key, 'symlink');
  }

  #link(at: Place, header: Header): void {
    const linkKey = this.#key(header.linkname ?? '', at.member);
    const linkRoot = this.#rootOf(linkKey, at.member);
    if (this.#kinds.get(linkKey) !== 'file') throw this.#unsafe(at.member, `hard link to '${header.linkname}', which is not a regular file extracted earlier`);
    this.#claim(at.key, at.member);
    this.#parents(at.root, at.key, at.member);
    this.#hardLink(this.#abs(linkRoot, linkKey), at.abs);
    this.#kinds.set(at.key, 'file');
  }

  #hardLink(existing: string, abs: string): void {
    try {
      linkSync(existing, abs);
    } catch (e) {
      // Outputs on different file systems: a copy keeps the contents, mode and mtime.
      if (!isCode(e, 'EXDEV')) throw e;
      copyFileSync(existing, abs, constants.COPYFILE_EXCL);
      const st: Stats = lstatSync(existing);
      chmodSync(abs, st.mode & 0o7777);
      utimesSync(abs, st.atime, st.mtime);
    }
  }

  #writeFile(fd: number, stream: EntryStream, mode: number, mtime: Date, next: (err?: Error | null) => void): void {
    let done = false;
    const fail = (e: unknown): void => {
      if (done) return;
      done = true;
      closeSync(fd);
      this.#failure ??= e;
      next(e instanceof Error ? e : new Error(String(e)));
    };
    stream.on('data', (chunk: unknown) => {
      if (done || !(chunk instanceof Uint8Array)) return;
      try {
        let off = 0;
        while (off < chunk.byteLength) off += writeSync(fd, chunk, off);
        this.bytes += chunk.byteLength;
      } catch (e) {
        fail(e);
      }
    });
    stream.on('error', fail);
    stream.on('close', () => {
      if (done) return; // destroyed without an error (an abort): the descriptor still closes
      done = true;
      closeSync(fd);
    });
    stream.on('end', () => {
      if (done) return;
      try {
        if ((mode & ~this.#keeps) !== 0) fchmodSync(fd, mode); // special bits, or bits the umask took
        futimesSync(fd, mtime, mtime);
      } catch (e) {
        fail(e);
        return;
      }
      done = true;
      closeSync(fd);
      next();
    });
  }
}
