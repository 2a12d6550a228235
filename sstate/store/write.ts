/**
 * Writes an sstate object: a deterministic tar of the task's output directories, through
 * zstd, into `<object>.tmp-<pid>-<n>`, fsynced and renamed into place (ARCHITECTURE rules 4-6).
 *
 * Archive layout. Each input directory becomes `<archivePrefix>/` (oe-core uses the input
 * directory's base name), followed by every entry below it as `<archivePrefix>/<relative
 * path>`, sorted by the byte order of the relative path; inputs keep the order given. Every
 * member has mtime = the given time (SOURCE_DATE_EPOCH) and owner root:root unless an
 * `owners` callback says otherwise. Directories and files keep their permission bits
 * (setuid/setgid/sticky only when the file has them); symlinks are stored as written; a
 * regular file linked more than once inside the inputs is stored once, and its other names
 * become hard-link members pointing at the first name. Sockets are skipped (as GNU tar does);
 * devices and FIFOs are refused (they cannot be restored without privileges). The zstd
 * frame carries a content checksum, so a flipped byte is caught on restore.
 *
 * Two writers of the same object race harmlessly: each has its own temp file and the last
 * rename wins with identical bytes.
 */
import type { Stats } from 'node:fs';
import { createReadStream, createWriteStream, mkdirSync } from 'node:fs';
import { lstat, readdir, readFile, readlink, rename, rm, stat, utimes } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack, type Header, type Pack } from 'tar-stream';
import { CompressStream } from 'zstd-napi';
import { TsbakeError } from '../../engine/core/errors.js';
import { tempName, writeFileAtomic } from '../../engine/core/fs.js';
import { sortByName } from '../signature/byte-order.js';
import { objectPath, siginfoPath } from './naming.js';

/** zstd's own default; oe-core's SSTATE_ZSTD_CLEVEL defaults to 8. */
export const DEFAULT_ZSTD_LEVEL = 3;

export interface ObjectInput {
  /** The directory whose contents are stored; a missing directory contributes nothing. */
  readonly dir: string;
  /** Its name inside the archive: relative, no `..`, e.g. `sysroot-destdir`. */
  readonly archivePrefix: string;
}

export interface Owner {
  readonly uid: number;
  readonly gid: number;
  readonly uname: string;
  readonly gname: string;
}

export const ROOT_OWNER: Owner = { uid: 0, gid: 0, uname: 'root', gname: 'root' };

export interface WriteObjectOptions {
  readonly sstateDir: string;
  /** The object's file name (naming.ts `objectName`). */
  readonly name: string;
  readonly inputs: readonly ObjectInput[];
  /** Seconds since the epoch for every member (SOURCE_DATE_EPOCH). */
  readonly mtime: number;
  /** zstd level (SSTATE_ZSTD_CLEVEL); DEFAULT_ZSTD_LEVEL when omitted. */
  readonly level?: number;
  /** The siginfo record's JSON text, written beside the object. */
  readonly siginfo?: string;
  /** Owner of each entry by its path on disk; root:root when omitted. */
  readonly owners?: (path: string) => Owner;
  /** When the object exists already, only touch it (and its siginfo) and return it. */
  readonly ifMissing?: boolean;
  readonly signal?: AbortSignal;
}

export interface WrittenObject {
  readonly path: string;
  /** Bytes of the compressed object. */
  readonly size: number;
  /** True when `ifMissing` found the object and only touched it. */
  readonly reused: boolean;
}

/** An input that cannot be stored (a device node, a bad prefix). */
export class SstateWriteError extends TsbakeError {
  readonly code = 'E_SSTATE_WRITE';
}

interface Member {
  /** Path relative to the input directory ('' for the directory itself). */
  readonly name: string;
  readonly abs: string;
  readonly st: Stats;
}

export async function writeObject(opts: WriteObjectOptions): Promise<WrittenObject> {
  const final = objectPath(opts.sstateDir, opts.name);
  checkPrefixes(opts.inputs);
  if (opts.ifMissing) {
    const existing = await touchIfPresent(final);
    if (existing !== undefined) {
      await writeSiginfo(final, opts.siginfo, true);
      return { path: final, size: existing, reused: true };
    }
  }
  mkdirSync(dirname(final), { recursive: true }); // not ensureDir: tsbake-sstate may clean SSTATE_DIR meanwhile
  const tmp = tempName(final);
  try {
    const tar = tarPack();
    const compress = new CompressStream({ compressionLevel: opts.level ?? DEFAULT_ZSTD_LEVEL, checksumFlag: true });
    // flush: fsync before close, so the rename never publishes an object the disk does not hold.
    const sink = createWriteStream(tmp, { flags: 'wx', mode: 0o664, flush: true, highWaterMark: 1 << 20 });
    const feed = feedMembers(tar, opts).catch((e: unknown) => {
      tar.destroy(e instanceof Error ? e : new Error(String(e)));
      throw e;
    });
    const flow = pipeline(tar, compress, sink, opts.signal ? { signal: opts.signal } : {});
    await Promise.all([feed, flow]);
    const { size } = await stat(tmp);
    await rename(tmp, final);
    await writeSiginfo(final, opts.siginfo, false);
    return { path: final, size, reused: false };
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Size of `path` after setting its times to now, or undefined when it does not exist. */
async function touchIfPresent(path: string): Promise<number | undefined> {
  try {
    const st = await stat(path);
    const now = new Date();
    await utimes(path, now, now);
    return st.size;
  } catch (e) {
    if (isCode(e, 'ENOENT')) return undefined;
    throw e;
  }
}

async function writeSiginfo(objectFile: string, text: string | undefined, keepExisting: boolean): Promise<void> {
  if (text === undefined) return;
  const path = siginfoPath(objectFile);
  if (keepExisting && (await touchIfPresent(path)) !== undefined) return;
  writeFileAtomic(path, text);
}

function isCode(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === code;
}

function normalPrefix(prefix: string): string {
  const parts = prefix.split('/').filter((p) => p !== '' && p !== '.');
  if (isAbsolute(prefix) || parts.length === 0 || parts.includes('..')) throw new SstateWriteError(`bad sstate archive prefix '${prefix}': it must be a relative path without '..'`);
  return parts.join('/');
}

/** Prefixes must be distinct and none inside another, or members would collide on restore. */
function checkPrefixes(inputs: readonly ObjectInput[]): void {
  const seen = inputs.map((i) => normalPrefix(i.archivePrefix));
  for (const a of seen) {
    for (const b of seen) {
      if (a !== b && b.startsWith(`${a}/`)) throw new SstateWriteError(`sstate archive prefixes overlap: '${a}' and '${b}'`);
    }
    if (seen.indexOf(a) !== seen.lastIndexOf(a)) throw new SstateWriteError(`sstate archive prefix '${a}' given twice`);
  }
}

/** Files up to this size are read whole, ahead of the packer; larger ones are streamed. */
const SMALL_FILE = 1 << 20;
/** Read-ahead window: small files being read while earlier members are packed. */
const READ_AHEAD_FILES = 32;
const READ_AHEAD_BYTES = 32 << 20;

async function feedMembers(tar: Pack, opts: WriteObjectOptions): Promise<void> {
  const mtime = new Date(opts.mtime * 1000);
  const owners = opts.owners ?? (() => ROOT_OWNER);
  /** First archive name of each multiply-linked file, by device and inode, across inputs. */
  const firstNames = new Map<string, string>();
  for (const input of opts.inputs) {
    const prefix = normalPrefix(input.archivePrefix);
    const members = await walk(input.dir);
    const nameOf = (m: Member): string => (m.name === '' ? prefix : `${prefix}/${m.name}`);
    /** Members stored as hard links to an earlier name, by index. */
    const links = new Map<number, string>();
    members.forEach((m, i) => {
      if (!m.st.isFile() || m.st.nlink < 2) return;
      const key = `${m.st.dev}:${m.st.ino}`;
      const first = firstNames.get(key);
      if (first === undefined) firstNames.set(key, nameOf(m));
      else links.set(i, first);
    });
    // Small regular files are read ahead of the packer, so the next files' open/read/close
    // overlap with compressing this one instead of leaving the thread idle.
    const ahead = new ReadAhead(members, (m, i) => m.st.isFile() && m.st.size <= SMALL_FILE && !links.has(i));
    for (let i = 0; i < members.length; i++) {
      opts.signal?.throwIfAborted();
      const m = members[i] as Member;
      const name = nameOf(m);
      const { uid, gid, uname, gname } = owners(m.abs);
      const base = { mtime, uid, gid, uname, gname, mode: m.st.mode & 0o7777 };
      const linkTo = links.get(i);
      if (m.st.isDirectory()) await add(tar, { ...base, name: `${name}/`, type: 'directory' });
      else if (m.st.isSymbolicLink()) await add(tar, { ...base, name, type: 'symlink', mode: 0o777, linkname: await readlink(m.abs) });
      else if (linkTo !== undefined) await add(tar, { ...base, name, type: 'link', linkname: linkTo });
      else if (m.st.isFile()) {
        const header = { ...base, name, type: 'file' as const, size: m.st.size };
        const data = ahead.take(i);
        await (data ? addBuffer(tar, header, await data, m.abs) : addFile(tar, header, m.abs));
      } else if (m.st.isSocket()) continue;
      else throw new SstateWriteError(`cannot store ${m.abs} in sstate: device nodes and FIFOs are not supported`);
    }
  }
  tar.finalize();
}

/** Reads the wanted members a bounded distance ahead of the consumer. */
class ReadAhead {
  readonly #members: readonly Member[];
  readonly #wanted: (m: Member, i: number) => boolean;
  readonly #pending = new Map<number, Promise<Buffer>>();
  #next = 0;
  #bytes = 0;

  constructor(members: readonly Member[], wanted: (m: Member, i: number) => boolean) {
    this.#members = members;
    this.#wanted = wanted;
  }

  /** The contents of member `i` when it is wanted, else undefined; refills the window. */
  take(i: number): Promise<Buffer> | undefined {
    const m = this.#members[i];
    if (!m || !this.#wanted(m, i)) return undefined;
    this.#fill(i);
    const p = this.#pending.get(i);
    this.#pending.delete(i);
    this.#bytes -= m.st.size;
    this.#fill(i + 1);
    return p;
  }

  #fill(from: number): void {
    if (this.#next < from) this.#next = from;
    while (this.#next < this.#members.length && this.#pending.size < READ_AHEAD_FILES && this.#bytes < READ_AHEAD_BYTES) {
      const j = this.#next++;
      const m = this.#members[j] as Member;
      if (!this.#wanted(m, j)) continue;
      const p = readFile(m.abs);
      p.catch(() => undefined); // observed by take(); an unread failure must not crash the process
      this.#pending.set(j, p);
      this.#bytes += m.st.size;
    }
  }
}

/** Every entry under `root` (and root itself first), sorted by byte order of the relative path. */
async function walk(root: string): Promise<Member[]> {
  let rootStat: Stats;
  try {
    rootStat = await lstat(root);
  } catch (e) {
    if (isCode(e, 'ENOENT')) return [];
    throw e;
  }
  if (!rootStat.isDirectory()) throw new SstateWriteError(`sstate input ${root} is not a directory`);
  const out: Member[] = [];
  const visit = async (rel: string, abs: string): Promise<void> => {
    const names = await readdir(abs);
    const entries = await Promise.all(
      names.map(async (n) => {
        const childRel = rel === '' ? n : `${rel}/${n}`;
        const childAbs = join(abs, n);
        return { name: childRel, abs: childAbs, st: await lstat(childAbs) };
      }),
    );
    out.push(...entries);
    await Promise.all(entries.filter((e) => e.st.isDirectory()).map((e) => visit(e.name, e.abs)));
  };
  await visit('', root);
  sortByName(out);
  return [{ name: '', abs: root, st: rootStat }, ...out];
}

type Headers = Partial<Header> & { readonly name: string };

function add(tar: Pack, header: Headers): Promise<void> {
  return new Promise((resolve, reject) => {
    tar.entry(header, (err) => (err ? reject(err) : resolve()));
  });
}

/** A small file read ahead; its size must still be the one the header was made from. */
function addBuffer(tar: Pack, header: Headers, data: Buffer, source: string): Promise<void> {
  if (data.byteLength !== header.size) return Promise.reject(new SstateWriteError(`${source} changed size while it was being stored in sstate`));
  return new Promise((resolve, reject) => {
    tar.entry(header, data, (err) => (err ? reject(err) : resolve()));
  });
}

function addFile(tar: Pack, header: Headers, source: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const sink = tar.entry(header, (err) => (err ? reject(err) : resolve()));
    createReadStream(source, { highWaterMark: 1 << 20 })
      .on('error', (err) => {
        sink.destroy(err);
        reject(err);
      })
      .pipe(sink);
  });
}
