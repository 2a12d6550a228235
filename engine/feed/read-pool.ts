/**
 * Reading many package files at once: the indexer's main thread reads one share itself and
 * worker threads (engine/feed/read-worker.ts) read the others, so a full index uses the idle
 * cores. A few packages (a re-index) are read in-thread, and so is everything on a machine
 * whose cores are all busy: there a worker's start-up is only extra work.
 */
import { availableParallelism, loadavg } from 'node:os';
import { PackageReadError } from './errors.js';
import type { PackageFile } from './feed-files.js';
import type { EntryParts, IndexCache } from './index-cache.js';

export type ReaderKind = 'deb' | 'ipk' | 'rpm';

export interface PackageJob {
  readonly path: string;
  /** Path relative to the feed directory, `/`-separated. */
  readonly rel: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** A worker's answer: the entries of its jobs, in order, or the first package it could not read. */
export type WorkerReply<T> = { readonly ok: true; readonly entries: readonly T[] } | { readonly ok: false; readonly file: string; readonly reason: string };

/** Below this many packages per thread, one thread reads them all. */
const PER_THREAD = 400;

/** Threads worth using for `jobs` packages: one per idle core (the load average says how many are busy). */
export function readerThreads(jobs: number, cores: number, load: number): number {
  const idle = Math.floor(cores - load + 0.5);
  return Math.max(1, Math.min(idle, Math.floor(jobs / PER_THREAD)));
}

type WorkerClass = typeof import('node:worker_threads').Worker;

function inWorker<T>(Worker: WorkerClass, kind: ReaderKind, jobs: readonly PackageJob[]): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./read-worker.js', import.meta.url), { workerData: { kind, jobs } });
    worker.once('message', (reply: WorkerReply<T>) => {
      if (reply.ok) resolve([...reply.entries]);
      else reject(new PackageReadError(reply.file, reply.reason));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`package reader thread exited (${code}) without an answer`)));
  });
}

async function inThread<T>(jobs: readonly PackageJob[], read: (job: PackageJob) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (const job of jobs) out.push(await read(job));
  return out;
}

/** The entries of `jobs` in order; `read` is the reader a worker of `kind` runs too. */
export async function readPackages<T>(
  kind: ReaderKind,
  jobs: readonly PackageJob[],
  read: (job: PackageJob) => Promise<T>,
  threads = readerThreads(jobs.length, availableParallelism(), loadavg()[0] ?? 0),
): Promise<T[]> {
  if (threads === 1) return inThread(jobs, read);
  // Loaded only here: a re-index reads a few packages in this thread.
  const { Worker } = await import('node:worker_threads');
  const size = Math.ceil(jobs.length / threads);
  const shares = Array.from({ length: threads }, (_, i) => jobs.slice(i * size, (i + 1) * size));
  // Workers start first, so they load while this thread reads its own share.
  const others = shares.slice(1).map((share) => inWorker<T>(Worker, kind, share));
  const own = await inThread(shares[0] ?? [], read);
  return [own, ...(await Promise.all(others))].flat();
}

/**
 * The entry of each of `files` in order: from `cache` where still valid, the others read and
 * turned into the cache's parts by `toParts` (and cached).
 */
export async function readThroughCache<T>(
  cache: IndexCache,
  kind: ReaderKind,
  files: readonly PackageFile[],
  read: (job: PackageJob) => Promise<T>,
  toParts: (entry: T) => EntryParts,
): Promise<EntryParts[]> {
  const out = files.map((f) => cache.lookup(f.rel, f));
  const missing = out.flatMap((v, i) => (v === undefined ? [i] : []));
  const jobs = missing.map((i): PackageJob => {
    const f = files[i] as PackageFile;
    return { path: f.path, rel: f.rel, size: f.size, mtimeMs: f.mtimeMs };
  });
  const fresh = await readPackages(kind, jobs, read);
  missing.forEach((i, k) => {
    const f = files[i] as PackageFile;
    const parts = toParts(fresh[k] as T);
    cache.store(f.rel, f, parts);
    out[i] = parts;
  });
  return out as EntryParts[];
}
