/**
 * The md5 of every regular file do_package ships (a .deb's md5sums), as dh_md5sums takes them
 * before dpkg-deb runs: the writer then only packs them. A large total is shared out among
 * worker threads, in runs of files of about equal bytes, so the hashing runs on every core,
 * and it starts on ${D}'s files while the split goes on (its linking and renaming is
 * system-call time on this thread); a file the split rewrote (stripped, or changed by a split
 * function) no longer has the inode, size and mtime it was hashed with, and is hashed again.
 */
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { TsbakeError } from '../../core/errors.js';
import { WorkerPool } from '../../core/worker-pool.js';
import { MD5_ROLE, md5OfFiles, type FromMd5Worker, type ToMd5Worker } from './md5-worker.js';
import type { TreeEntry } from './tree.js';

/** Below this many bytes a worker's start costs more than the hashing it takes over. */
const SHARE_FROM = 32 << 20;

const workers = new WorkerPool(new URL('./md5-worker.js', import.meta.url), MD5_ROLE);

export interface SizedFile {
  readonly path: string;
  readonly size: number;
}

/** `files` cut into `n` runs, in order, of about equal total size. */
export function runsOf<T extends SizedFile>(files: readonly T[], n: number): T[][] {
  const total = files.reduce((sum, f) => sum + f.size, 0);
  const runs: T[][] = [[]];
  let done = 0;
  for (const f of files) {
    const run = runs[runs.length - 1] as T[];
    // a file starts the next run when most of it lies past this run's share
    if (run.length > 0 && runs.length < n && done + f.size / 2 >= (total * runs.length) / n) runs.push([f]);
    else run.push(f);
    done += f.size;
  }
  return runs;
}

export class FileDigestError extends TsbakeError {
  readonly code = 'E_FILE_DIGEST';
}

async function inWorker(paths: readonly string[]): Promise<readonly string[]> {
  const worker = workers.acquire();
  try {
    const reply = await new Promise<FromMd5Worker>((resolve, reject) => {
      worker.once('message', resolve).once('error', reject);
      worker.once('exit', (code) => reject(new FileDigestError(`the md5 thread exited (${String(code)}) without an answer`)));
      worker.postMessage({ paths } satisfies ToMd5Worker);
    });
    if ('error' in reply) throw new FileDigestError(`md5: ${reply.error}`);
    workers.release(worker);
    return reply.digests;
  } catch (e) {
    void worker.terminate();
    throw e;
  }
}

/** Hex md5 of each file, in order. */
export async function fileMd5s(files: readonly SizedFile[]): Promise<string[]> {
  const total = files.reduce((sum, f) => sum + f.size, 0);
  if (total < SHARE_FROM) return md5OfFiles(files.map((f) => f.path));
  const runs = runsOf(files, availableParallelism());
  const digests = await Promise.all(runs.map((run) => inWorker(run.map((f) => f.path))));
  return digests.flat();
}

/** A file's md5 with what its inode looked like when it was taken. */
export interface Md5Stamp {
  readonly size: number;
  readonly mtimeMs: number;
  readonly md5: string;
}

/** md5s by inode, as md5Ahead takes them. */
export type Md5Stamps = ReadonlyMap<number, Md5Stamp>;

/**
 * Starts taking the md5 of the regular files of a tree walked at `root` (${D}), on worker
 * threads, when there is enough to share out (else none: they are hashed at the end). Never
 * rejects: a failure only means no stamps.
 */
export async function md5Ahead(root: string, entries: readonly TreeEntry[]): Promise<Md5Stamps> {
  // one name per inode: hard links share their bytes
  const inodes = new Map(entries.filter((e) => e.kind === 'file').map((e) => [e.ino, e]));
  const files = [...inodes.values()];
  if (files.reduce((sum, f) => sum + f.size, 0) < SHARE_FROM) return new Map();
  try {
    const sums = await fileMd5s(files.map((f) => ({ path: join(root, f.path), size: f.size })));
    return new Map(files.map((f, i) => [f.ino, { size: f.size, mtimeMs: f.mtimeMs, md5: sums[i] ?? '' }]));
  } catch {
    return new Map();
  }
}

/** The md5 stamped for `entry`, if its inode still has the size and mtime it was hashed with. */
export function stampedMd5(stamps: Md5Stamps, entry: TreeEntry): string | undefined {
  const stamp = stamps.get(entry.ino);
  return stamp && stamp.size === entry.size && stamp.mtimeMs === entry.mtimeMs ? stamp.md5 : undefined;
}
