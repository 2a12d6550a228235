/**
 * Digests of whole files (deb md5sums). For a large payload they are computed by a worker
 * thread that reads the files again (from the page cache) while this thread archives them,
 * so hashing does not lengthen the archive pass; small payloads are hashed right here.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { WORKER_THRESHOLD } from './zstd-spool.js';

export const DIGEST_ROLE = 'tsbake-package-digests';

const CHUNK = 1 << 20;

export interface DigestJob {
  readonly paths: readonly string[];
  readonly algorithm: string;
}

/** Hex digest of each file, in order (synchronous reads). */
export function digestFiles(job: DigestJob): string[] {
  const buf = Buffer.allocUnsafe(CHUNK);
  return job.paths.map((path) => {
    const hash = createHash(job.algorithm);
    const fd = openSync(path, 'r');
    try {
      for (let n = readSync(fd, buf, 0, CHUNK, null); n > 0; n = readSync(fd, buf, 0, CHUNK, null)) hash.update(buf.subarray(0, n));
    } finally {
      closeSync(fd);
    }
    return hash.digest('hex');
  });
}

/** Starts hashing; the promise settles when every digest is known. */
export async function fileDigests(job: DigestJob, totalBytes: number): Promise<string[]> {
  if (totalBytes < WORKER_THRESHOLD) return digestFiles(job);
  const worker = new Worker(new URL('./digest-worker.js', import.meta.url), { workerData: { role: DIGEST_ROLE, job } });
  try {
    const [result] = (await once(worker, 'message')) as [{ digests?: string[]; error?: string }];
    if (!result.digests) throw new Error(`hashing files: ${result.error ?? 'no result'}`);
    return result.digests;
  } finally {
    void worker.terminate();
  }
}
