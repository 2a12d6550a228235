/**
 * Reading many package files at once: the indexer's main thread reads one share itself and
 * worker threads (engine/feed/read-worker.ts) read the others, so a full index uses the idle
 * cores (but one, for compressing the chunks read so far). A few packages (a re-index) are
 * read in-thread, and so is everything on a machine with two cores or whose cores are all
 * busy: there a worker's start-up is only extra work.
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

/**
 * Threads worth using for `jobs` packages: one per idle core (the load average says how many
 * are busy) but one, which compresses the index as it is read. On two cores that is this
 * thread alone: measured on 5,000 packages, a worker's start-up and its own cold code cost
 * more than it saves once the other core compresses.
 */
export function readerThreads(jobs: number, cores: number, load: number): number {
  const idle = Math.floor(cores - load + 0.5);
  return Math.max(1, Math.min(idle - 1, Math.floor(jobs / PER_THREAD)));
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

/**
 * How `jobs` are shared out: this thread reads the first `own` of them, worker threads the
 * rest (`others`, their entries in order), started at once so they load while this thread reads.
 */
function share<T>(kind: ReaderKind, jobs: readonly PackageJob[], threads: number): { own: number; others: Promise<T[]> | undefined } {
  if (threads <= 1) return { own: jobs.length, others: undefined };
  const size = Math.ceil(jobs.length / threads);
  const others = (async () => {
    // Loaded only here: a re-index reads a few packages in this thread.
    const { Worker } = await import('node:worker_threads');
    const shares = Array.from({ length: threads - 1 }, (_, i) => jobs.slice((i + 1) * size, (i + 2) * size));
    return (await Promise.all(shares.map((s) => inWorker<T>(Worker, kind, s)))).flat();
  })();
  others.catch(() => undefined); // awaited later, unless this thread's own share fails first
  return { own: size, others };
}

const threadsFor = (jobs: number): number => readerThreads(jobs, availableParallelism(), loadavg()[0] ?? 0);

/**
 * The entries of `files` chunk by chunk (`cuts` as from chunkCuts: the index after each cut),
 * each chunk as soon as all of its entries are there: from `cache` where still valid, the
 * others read (in this thread in order, or their later share by worker threads) and turned
 * into the cache's parts by `toParts` (and cached). `read` is the reader a worker of `kind`
 * runs too; `threads` (default: readerThreads by the load) says how many threads read. The
 * caller compresses a chunk while the next ones are read.
 */
export async function* readChunks<T>(
  cache: IndexCache,
  kind: ReaderKind,
  files: readonly PackageFile[],
  cuts: readonly number[],
  read: (job: PackageJob) => T,
  toParts: (entry: T) => EntryParts,
  threads?: number,
): AsyncGenerator<EntryParts[]> {
  const out = files.map((f) => cache.lookup(f.rel, f));
  const missing = out.flatMap((v, i) => (v === undefined ? [i] : []));
  const jobs = missing.map((i): PackageJob => {
    const f = files[i] as PackageFile;
    return { path: f.path, rel: f.rel, size: f.size, mtimeMs: f.mtimeMs };
  });
  const { own, others } = share<T>(kind, jobs, threads ?? threadsFor(jobs.length));
  const fill = (k: number, entry: T): void => {
    const i = missing[k] as number;
    const f = files[i] as PackageFile;
    const parts = toParts(entry);
    cache.store(f.rel, f, parts);
    out[i] = parts;
  };
  let next = 0;
  let start = 0;
  for (const end of [...cuts, files.length]) {
    if (end === start && start > 0) continue;
    for (; next < own && (missing[next] as number) < end; next++) fill(next, read(jobs[next] as PackageJob));
    if (next < missing.length && (missing[next] as number) < end) {
      ((await others) ?? []).forEach((entry, k) => fill(own + k, entry));
      next = missing.length;
    }
    yield out.slice(start, end) as EntryParts[];
    start = end;
  }
}

/** The entry of each of `files` in order (see readChunks). */
export async function readThroughCache<T>(
  cache: IndexCache,
  kind: ReaderKind,
  files: readonly PackageFile[],
  read: (job: PackageJob) => T,
  toParts: (entry: T) => EntryParts,
  threads?: number,
): Promise<EntryParts[]> {
  const all: EntryParts[] = [];
  for await (const chunk of readChunks(cache, kind, files, [], read, toParts, threads)) all.push(...chunk);
  return all;
}
