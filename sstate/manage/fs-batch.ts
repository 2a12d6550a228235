/**
 * The file-system work of tsbake-sstate in batches: synchronous system calls in a tight
 * loop, run by fs-worker.ts threads (one batch at a time per thread), so a 200,000-file cache
 * costs no promise per file and uses every core. Also the message types of that protocol.
 */
import { lstatSync, readdirSync, unlinkSync } from 'node:fs';
import { isCandidateName, parseTempName, placeOf, type ObjectSlot } from './object-name.js';
import type { VerifyResult } from './verify.js';

/** Which files a scan lstats while their directory is fresh in the kernel's caches. */
export interface StatScope {
  readonly archives: boolean;
  /** .siginfo, .done and other `sstate:` names. */
  readonly companions: boolean;
  readonly temps: boolean;
}

/**
 * The entries of a batch of directories, flat: a few arrays per batch rather than objects
 * per file, so the main thread receives 200,000 names without 200,000 objects to collect.
 * Each archive is already paired with its companions (per directory, here in the thread).
 */
export interface ScanBatch {
  /** The directories that could be read. */
  readonly dirs: string[];
  /** Per object: its directory (index into dirs) and its archive's name. */
  readonly objectDir: Uint32Array;
  readonly objectNames: string[];
  /**
   * Per object and slot (archive, siginfo, done; index object * 3 + slot): whether the file
   * is there, and lstat's mtime and size (NaN: not in the StatScope).
   */
  readonly present: Uint8Array;
  readonly mtimeMs: Float64Array;
  readonly size: Float64Array;
  /** Temp files, as paths, with their lstat data (NaN: not in the StatScope). */
  readonly temps: string[];
  readonly tempMtimeMs: Float64Array;
  readonly tempSize: Float64Array;
  /** Other `sstate:` files (lock files...), as paths. */
  readonly others: string[];
  /** Symlinks with a candidate name, as paths; the main thread decides whether they stay in the cache. */
  readonly links: string[];
  readonly subdirs: string[];
  /** Entries ignored: other names, symlinks with other names, sockets... */
  readonly ignored: number;
  readonly errors: readonly { readonly dir: string; readonly code: string; readonly message: string }[];
}

export interface PathFailure {
  readonly index: number;
  readonly code: string;
  readonly message: string;
}

export type WorkerJob =
  | { readonly id: number; readonly op: 'scan'; readonly paths: readonly string[]; readonly stat: StatScope }
  | { readonly id: number; readonly op: 'unlink'; readonly paths: readonly string[] }
  | { readonly id: number; readonly op: 'verify'; readonly paths: readonly string[] };

export type WorkerResult =
  | { readonly op: 'scan'; readonly batch: ScanBatch }
  | { readonly op: 'unlink'; readonly failures: PathFailure[] }
  | { readonly op: 'verify'; readonly results: VerifyResult[] };

export type WorkerReply = { readonly id: number; readonly ok: true; readonly result: WorkerResult } | { readonly id: number; readonly ok: false; readonly message: string };

export const codeOf = (e: unknown): string => (e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : 'EUNKNOWN');
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const gone = (code: string): boolean => code === 'ENOENT' || code === 'ENOTDIR';

/** Collects a batch; `stat` returns the file's lstat data, or undefined when it has gone. */
class BatchWriter {
  readonly dirs: string[] = [];
  readonly objectDir: number[] = [];
  readonly objectNames: string[] = [];
  readonly present: number[] = [];
  readonly mtimeMs: number[] = [];
  readonly size: number[] = [];
  readonly temps: string[] = [];
  readonly tempMtimeMs: number[] = [];
  readonly tempSize: number[] = [];
  readonly others: string[] = [];
  readonly links: string[] = [];
  readonly subdirs: string[] = [];
  readonly errors: { dir: string; code: string; message: string }[] = [];
  ignored = 0;

  /** The object's index, made on first sight in this directory. */
  object(byName: Map<string, number>, dir: number, objectName: string): number {
    let i = byName.get(objectName);
    if (i === undefined) {
      i = this.objectNames.push(objectName) - 1;
      byName.set(objectName, i);
      this.objectDir.push(dir);
      for (let k = 0; k < 3; k++) {
        this.present.push(0);
        this.mtimeMs.push(Number.NaN);
        this.size.push(Number.NaN);
      }
    }
    return i;
  }

  finish(): ScanBatch {
    return {
      dirs: this.dirs,
      objectDir: Uint32Array.from(this.objectDir),
      objectNames: this.objectNames,
      present: Uint8Array.from(this.present),
      mtimeMs: Float64Array.from(this.mtimeMs),
      size: Float64Array.from(this.size),
      temps: this.temps,
      tempMtimeMs: Float64Array.from(this.tempMtimeMs),
      tempSize: Float64Array.from(this.tempSize),
      others: this.others,
      links: this.links,
      subdirs: this.subdirs,
      ignored: this.ignored,
      errors: this.errors,
    };
  }
}

const SLOT_INDEX: Readonly<Record<ObjectSlot, number>> = { archive: 0, siginfo: 1, done: 2 };

/**
 * Reads each directory, never following a symlink (a link to a directory is a link), and
 * lstats the files in `scope` while the directory is fresh in the kernel's caches. A file
 * gone before its lstat is dropped; an lstat that fails otherwise fails its directory.
 */
export function scanDirs(dirs: readonly string[], scope: StatScope): ScanBatch {
  const w = new BatchWriter();
  for (const dir of dirs) {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      w.errors.push({ dir, code: codeOf(e), message: messageOf(e) });
      continue;
    }
    const d = w.dirs.push(dir) - 1;
    const byName = new Map<string, number>();
    const stat = (name: string): { mtimeMs: number; size: number } | 'gone' => {
      try {
        const st = lstatSync(`${dir}/${name}`);
        return st.isFile() ? { mtimeMs: st.mtimeMs, size: st.size } : 'gone'; // replaced since the readdir
      } catch (err) {
        if (!gone(codeOf(err))) w.errors.push({ dir, code: codeOf(err), message: `${name}: ${messageOf(err)}` });
        return 'gone';
      }
    };
    for (const e of entries) {
      const name = e.name;
      if (e.isDirectory()) {
        w.subdirs.push(`${dir}/${name}`);
        continue;
      }
      if (!isCandidateName(name) || !(e.isFile() || e.isSymbolicLink())) {
        w.ignored++;
        continue;
      }
      if (e.isSymbolicLink()) {
        w.links.push(`${dir}/${name}`);
        continue;
      }
      if (parseTempName(name)) {
        const st = scope.temps ? stat(name) : undefined;
        if (st === 'gone') continue;
        w.temps.push(`${dir}/${name}`);
        w.tempMtimeMs.push(st?.mtimeMs ?? Number.NaN);
        w.tempSize.push(st?.size ?? Number.NaN);
        continue;
      }
      const place = placeOf(name);
      if (!place) {
        w.others.push(`${dir}/${name}`);
        continue;
      }
      const st = (place.slot === 'archive' ? scope.archives : scope.companions) ? stat(name) : undefined;
      if (st === 'gone') continue;
      const at = w.object(byName, d, place.objectName) * 3 + SLOT_INDEX[place.slot];
      w.present[at] = 1;
      if (st) {
        w.mtimeMs[at] = st.mtimeMs;
        w.size[at] = st.size;
      }
    }
  }
  return w.finish();
}

/** A file that is already gone counts as removed. */
export function unlinkPaths(paths: readonly string[]): PathFailure[] {
  const failures: PathFailure[] = [];
  paths.forEach((p, i) => {
    try {
      unlinkSync(p);
    } catch (e) {
      const code = codeOf(e);
      if (code !== 'ENOENT') failures.push({ index: i, code, message: messageOf(e) });
    }
  });
  return failures;
}
