/**
 * Restores an sstate object into its output directories, checking it as it goes.
 *
 * Each output is extracted into a fresh temporary directory beside its target
 * (`<target>.tmp-<pid>-<n>`); only when the whole archive has been read, the zstd checksum
 * verified and the tar end reached are the targets replaced, each by one rename. A bad
 * object therefore never leaves a partial restore.
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
import { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { RESUME_AT, ROLE, type DecompressJob } from './decompress-worker.js';
import { chmodSync, closeSync, constants, copyFileSync, createReadStream, fchmodSync, futimesSync, linkSync, lstatSync, lutimesSync, mkdirSync, openSync, renameSync, statSync, symlinkSync, utimesSync, writeSync, type Stats } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, type ExtractEvents, type Header } from 'tar-stream';
import { DecompressStream } from 'zstd-napi';
import { TsbakeError } from '../../engine/core/errors.js';
import { tempName } from '../../engine/core/fs.js';

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
  /** Where it goes. An existing directory there is replaced. */
  readonly target: string;
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
  readonly tmp: string;
  /** Whether the archive had anything for this output. */
  used: boolean;
}

interface PendingDir {
  readonly abs: string;
  readonly mode: number;
  readonly mtime: Date;
  readonly depth: number;
}

/** tar-stream's entry stream (a streamx Readable). */
type EntryStream = ExtractEvents['entry'][1];

const O_CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
const END_BLOCKS = 1024;

export async function restoreObject(path: string, outputs: readonly RestoreOutput[], opts: RestoreOptions = {}): Promise<RestoreResult> {
  const roots = outputs.map((o) => ({ prefix: normalPrefix(o.archivePrefix), target: o.target, tmp: tempName(o.target), used: false }));
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
    const state = new Extraction(path, roots);
    await state.run(opts.signal);
    for (const r of roots) await replace(r);
    return { members: state.members, bytes: state.bytes };
  } catch (e) {
    await Promise.all(made.map((r) => rm(r.tmp, { recursive: true, force: true })));
    throw e;
  }
}

/** Puts the extracted tree in place of the target: two renames, then the old tree goes. */
async function replace(r: Root): Promise<void> {
  let old: string | undefined;
  try {
    lstatSync(r.target);
    old = tempName(r.target);
    renameSync(r.target, old);
  } catch (e) {
    if (!isCode(e, 'ENOENT')) throw e;
  }
  if (r.used) renameSync(r.tmp, r.target);
  else await rm(r.tmp, { recursive: true, force: true }); // nothing stored: the output is absent, as it was
  if (old !== undefined) await rm(old, { recursive: true, force: true });
}

function normalPrefix(prefix: string): string {
  const parts = prefix.split('/').filter((p) => p !== '' && p !== '.');
  if (isAbsolute(prefix) || parts.length === 0 || parts.includes('..')) throw new TypeError(`bad sstate archive prefix '${prefix}'`);
  return parts.join('/');
}

function isCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

/** Objects this large (compressed) are decompressed on a worker thread. */
const WORKER_MIN_BYTES = 4 << 20;

interface TarSource {
  /** The decompressed tar stream. */
  readonly stream: Readable;
  /** The error reading the object file (as opposed to decoding it), if there was one. */
  readError(): unknown;
}

/**
 * The object's tar stream. A large object is decompressed on a worker thread, so that
 * decompression overlaps with writing files (zstd -dc | tar -x runs two processes too);
 * a small one inline, where starting a thread would cost more than it saves.
 */
function tarBytes(object: string): TarSource {
  let size = 0;
  try {
    size = statSync(object).size;
  } catch {
    // the read below reports it
  }
  return size >= WORKER_MIN_BYTES ? workerTarBytes(object) : inlineTarBytes(object);
}

function inlineTarBytes(object: string): TarSource {
  let readError: unknown;
  const file = createReadStream(object, { highWaterMark: 1 << 20 });
  file.on('error', (e) => (readError = e));
  const decompress = new DecompressStream();
  file.on('error', (e) => decompress.destroy(e));
  return { stream: file.pipe(decompress), readError: () => readError };
}

interface WorkerMessage {
  readonly chunk?: Uint8Array;
  readonly end?: boolean;
  readonly error?: string;
  readonly corrupt?: boolean;
  readonly code?: string;
}

function workerTarBytes(object: string): TarSource {
  let readError: unknown;
  const flow = new Int32Array(new SharedArrayBuffer(8));
  const stopWorker = (): void => {
    Atomics.store(flow, 1, 1);
    Atomics.notify(flow, 0);
  };
  const worker = new Worker(new URL('./decompress-worker.js', import.meta.url), { workerData: { role: ROLE, path: object, flow } satisfies DecompressJob });
  let ended = false;
  const stream = new Readable({
    highWaterMark: 1,
    read() {},
    destroy(err, cb) {
      stopWorker();
      void worker.terminate();
      cb(err);
    },
  });
  // A chunk handed on to the tar parser frees a place in the worker's window; the worker is
  // woken only when half the window is free (one wake-up per several chunks, not per chunk).
  stream.on('data', () => {
    if (Atomics.sub(flow, 0, 1) - 1 === RESUME_AT) Atomics.notify(flow, 0);
  });
  worker.on('message', (m: WorkerMessage) => {
    if (m.chunk) stream.push(Buffer.from(m.chunk.buffer, m.chunk.byteOffset, m.chunk.byteLength));
    else if (m.end) {
      ended = true;
      stream.push(null);
      void worker.terminate();
    } else if (m.error !== undefined) {
      const err = Object.assign(new Error(m.error), m.code ? { code: m.code } : {});
      if (!m.corrupt) readError = err;
      ended = true;
      stream.destroy(err);
    }
  });
  worker.on('error', (e) => {
    readError = e;
    stream.destroy(e);
  });
  worker.on('exit', () => {
    if (!ended && !stream.destroyed) stream.destroy(new Error('the decompression thread stopped'));
  });
  return { stream, readError: () => readError };
}

class Extraction {
  readonly #object: string;
  readonly #roots: readonly Root[];
  /** What this restore created, by archive path (prefix included). */
  readonly #kinds = new Map<string, Kind>();
  readonly #dirs: PendingDir[] = [];
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

  constructor(object: string, roots: readonly Root[]) {
    this.#object = object;
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
    this.#finishDirs();
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
    if (name.startsWith('/')) throw this.#unsafe(member, `absolute path '${name}'`);
    const parts = name.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.includes('..')) throw this.#unsafe(member, `'..' in '${name}'`);
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
    const abs = this.#abs(root, key);
    const mtime = header.mtime;
    const mode = header.mode & 0o7777;
    switch (header.type) {
      case 'directory': {
        const kind = this.#kinds.get(key);
        if (kind !== undefined && kind !== 'dir') throw this.#unsafe(member, 'it would replace a member extracted earlier');
        if (kind === undefined) {
          this.#parents(root, key, member);
          mkdirSync(abs, { mode: 0o700 });
          this.#kinds.set(key, 'dir');
        }
        this.#dirs.push({ abs, mode, mtime, depth: key.split('/').length });
        stream.resume();
        next();
        return;
      }
      case 'file':
      case 'contiguous-file': {
        if (key === root.prefix) throw new CorruptObjectError(this.#object, `member '${member}' should be a directory`);
        this.#claim(key, member);
        this.#parents(root, key, member);
        const fd = openSync(abs, O_CREATE, 0o600);
        this.#kinds.set(key, 'file');
        this.#writeFile(fd, stream, mode, mtime, next);
        return;
      }
      case 'symlink': {
        if (key === root.prefix) throw new CorruptObjectError(this.#object, `member '${member}' should be a directory`);
        if (!header.linkname) throw new CorruptObjectError(this.#object, `symlink '${member}' has no target`);
        this.#claim(key, member);
        this.#parents(root, key, member);
        symlinkSync(header.linkname, abs);
        lutimesSync(abs, mtime, mtime);
        this.#kinds.set(key, 'symlink');
        stream.resume();
        next();
        return;
      }
      case 'link': {
        if (key === root.prefix) throw new CorruptObjectError(this.#object, `member '${member}' should be a directory`);
        const linkKey = this.#key(header.linkname ?? '', member);
        const linkRoot = this.#rootOf(linkKey, member);
        if (this.#kinds.get(linkKey) !== 'file') throw this.#unsafe(member, `hard link to '${header.linkname}', which is not a regular file extracted earlier`);
        this.#claim(key, member);
        this.#parents(root, key, member);
        this.#hardLink(this.#abs(linkRoot, linkKey), abs);
        this.#kinds.set(key, 'file');
        stream.resume();
        next();
        return;
      }
      case 'block-device':
      case 'character-device':
      case 'fifo':
        throw new CorruptObjectError(this.#object, `member '${member}' is a ${header.type}, which tsbake does not restore`);
      default:
        throw new CorruptObjectError(this.#object, `member '${member}' has an unknown type`);
    }
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
    stream.on('end', () => {
      if (done) return;
      try {
        fchmodSync(fd, mode);
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

  /** Directory modes and times last, deepest first, so a read-only directory is filled first. */
  #finishDirs(): void {
    this.#dirs.sort((a, b) => b.depth - a.depth);
    for (const d of this.#dirs) {
      chmodSync(d.abs, d.mode);
      utimesSync(d.abs, d.mtime, d.mtime);
    }
  }
}
