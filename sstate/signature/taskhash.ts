/**
 * The taskhash: the basehash plus what the task's dependencies produced (their taskhashes or
 * unihashes), the content of the local files its `[file-checksums]` lists, and a taint (a
 * forced run, or a nostamp task's per-run id). `taskhash` is pure; `fileChecksums` is the
 * I/O that reads the files, with a stat memo so a no-op build reads none of them.
 */
import { lstatSync, readdirSync, statSync, type Stats } from 'node:fs';
import { basename, join } from 'node:path';
import { FatalError, MissingFileError } from '../../engine/core/errors.js';
import { fileDigest } from '../../engine/core/file-digest.js';
import { hashParts } from '../../engine/core/hash.js';
import { glob, type DirReader } from '../../engine/metadata/glob.js';
import { pySplit } from '../../engine/metadata/pystr.js';
import { UNSET_MARK } from './basehash.js';
import { byteCompare, sortNames } from './byte-order.js';

/** One checksummed file: its name as hashed (see `checksumName`) and its content's sha256. */
export interface FileChecksum {
  readonly path: string;
  readonly checksum: string;
}

/** The hash of each task this one depends on, by task id (`busybox:do_compile`). */
export type DepHashes = Readonly<Record<string, string>>;

const FORMAT = 'tsbake-taskhash-1';

const byPathThenChecksum = (a: FileChecksum, b: FileChecksum): number => byteCompare(a.path, b.path) || byteCompare(a.checksum, b.checksum);

/** Files in the order they are hashed and stored. */
export function sortChecksums(files: readonly FileChecksum[]): FileChecksum[] {
  return [...files].sort(byPathThenChecksum);
}

/**
 * Unlike BitBake, which hashes a plain file's checksum without its name, the name counts too
 * (a renamed patch is a different input). Names are machine-independent (see checksumName).
 */
export function taskhash(basehash: string, depHashes: DepHashes, files: readonly FileChecksum[], taint?: string): string {
  const ids = sortNames(Object.keys(depHashes));
  const parts = [FORMAT, basehash, String(ids.length)];
  for (const id of ids) parts.push(id, depHashes[id] ?? '');
  parts.push(String(files.length));
  for (const f of sortChecksums(files)) parts.push(f.path, f.checksum);
  parts.push(taint ?? UNSET_MARK);
  return hashParts(parts);
}

// ---- file-checksums: the I/O shell --------------------------------------------------------

/** What a stat said when a file was checksummed; a matching stat means the same content. */
export interface ChecksumStamp {
  readonly mtime: number;
  readonly ctime: number;
  readonly size: number;
  readonly ino: number;
  readonly checksum: string;
}

/**
 * A file written less than this long ago is not memoised: a second write within the
 * filesystem's timestamp granularity would leave the stat unchanged (as in the parse cache).
 */
const RACY_MS = 2000;

/** Checksums by path and stat, for one process; `entries()` lets the runner persist them. */
export class ChecksumMemo {
  readonly #stamps: Map<string, ChecksumStamp>;
  readonly #now: number;

  constructor(stamps: Iterable<readonly [string, ChecksumStamp]> = [], now: number = Date.now()) {
    this.#stamps = new Map(stamps);
    this.#now = now;
  }

  checksum(path: string, st: Stats): string {
    const known = this.#stamps.get(path);
    if (known && known.mtime === st.mtimeMs && known.ctime === st.ctimeMs && known.size === st.size && known.ino === st.ino) return known.checksum;
    const checksum = fileDigest(path, 'sha256');
    if (this.#now - Math.max(st.mtimeMs, st.ctimeMs) > RACY_MS) {
      this.#stamps.set(path, { mtime: st.mtimeMs, ctime: st.ctimeMs, size: st.size, ino: st.ino, checksum });
    } else {
      this.#stamps.delete(path);
    }
    return checksum;
  }

  entries(): Array<[string, ChecksumStamp]> {
    return [...this.#stamps];
  }
}

export interface FileChecksumOptions {
  /** Directory names skipped inside a checksummed directory (BB_SIGNATURE_LOCAL_DIRS_EXCLUDE). */
  readonly localDirsExclude?: readonly string[];
  readonly memo?: ChecksumMemo;
}

/** BitBake's default BB_SIGNATURE_LOCAL_DIRS_EXCLUDE: version-control directories. */
export const DEFAULT_LOCAL_DIRS_EXCLUDE: readonly string[] = ['CVS', '.bzr', '.git', '.hg', '.osc', '.p4', '.repo', '.svn'];

/** Entries are separated by whitespace after `:True` or `:False`, so paths may contain blanks. */
const ENTRY_SEPARATOR = /(?<=:True|:False)\s+/;

const statOrUndefined = (path: string, follow: boolean): Stats | undefined => {
  try {
    return follow ? statSync(path) : lstatSync(path);
  } catch {
    return undefined;
  }
};

const diskReader: DirReader = {
  list(dir) {
    try {
      return readdirSync(dir);
    } catch {
      return undefined;
    }
  },
  exists: (path) => statOrUndefined(path, false) !== undefined,
};

/**
 * The checksums of the files an expanded `[file-checksums]` flag lists (`path:True` /
 * `path:False` entries; BitBake's fetch2 get_file_checksums):
 * - `:False` entries are paths the fetcher probed and did not find: they only matter to the
 *   parse cache, and are skipped;
 * - a `:True` entry must exist (BitBake warns and leaves it out; a missing input fails here);
 * - a path with `*` is a glob, and what it matches may be files or directories;
 * - a directory (not a symlink to one) contributes each file below it, skipping the
 *   `localDirsExclude` names; a symlink inside is followed unless it points to a directory;
 * - a plain file is named by its base name, a file found in a directory by `./` plus its path
 *   below that directory (BitBake's "/./" trick), so names never hold a build path.
 */
export function fileChecksums(flagValue: string, opts: FileChecksumOptions = {}): FileChecksum[] {
  const memo = opts.memo ?? new ChecksumMemo();
  const exclude = new Set(opts.localDirsExclude ?? DEFAULT_LOCAL_DIRS_EXCLUDE);
  const out: FileChecksum[] = [];
  for (const raw of flagValue.split(ENTRY_SEPARATOR)) {
    const entry = raw.trim();
    if (!entry) continue;
    const colon = entry.lastIndexOf(':');
    if (colon < 0 || entry.slice(colon + 1) === 'False') continue;
    const path = entry.slice(0, colon);
    if (path.includes('*')) {
      for (const match of glob(path, diskReader)) addPath(match, false, out, memo, exclude);
    } else {
      addPath(path, true, out, memo, exclude);
    }
  }
  return sortChecksums(out);
}

function addPath(path: string, required: boolean, out: FileChecksum[], memo: ChecksumMemo, exclude: ReadonlySet<string>): void {
  const own = statOrUndefined(path, false);
  const st = own?.isSymbolicLink() ? statOrUndefined(path, true) : own;
  if (!st) {
    if (!required) return;
    throw new MissingFileError(`${path} is listed in [file-checksums] but does not exist`, undefined, 'it existed when the recipe was parsed; restore it, or touch the recipe so it is parsed again');
  }
  if (st.isDirectory()) {
    if (!own?.isSymbolicLink()) addDirectory(path, out, memo, exclude);
    return;
  }
  out.push({ path: basename(path), checksum: checksumOf(path, st, memo) });
}

function checksumOf(path: string, st: Stats, memo: ChecksumMemo): string {
  try {
    return memo.checksum(path, st);
  } catch (e) {
    throw new MissingFileError(`${path} is listed in [file-checksums] but cannot be read: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** os.walk without following directory symlinks, as BitBake's checksum_dir does. */
function addDirectory(root: string, out: FileChecksum[], memo: ChecksumMemo, exclude: ReadonlySet<string>): void {
  const top = root.replace(/\/+$/, '');
  if (top === '') throw new FatalError('refusing to checksum /', undefined, 'fix the [file-checksums] entry (a SRC_URI file:// path) that names the root directory');
  const visit = (dir: string, rel: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      const name = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!exclude.has(e.name)) visit(path, name);
        continue;
      }
      const st = e.isSymbolicLink() ? statOrUndefined(path, true) : statOrUndefined(path, false);
      if (!st || st.isDirectory()) continue;
      out.push({ path: `./${name}`, checksum: checksumOf(path, st, memo) });
    }
  };
  visit(top, '');
}

/** BB_SIGNATURE_LOCAL_DIRS_EXCLUDE as options, from its (expanded) value or the default. */
export function localDirsExclude(value: string | undefined): readonly string[] {
  return value === undefined ? DEFAULT_LOCAL_DIRS_EXCLUDE : pySplit(value);
}
