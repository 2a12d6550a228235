/**
 * Worker thread that takes the payload files' digests (deb md5sums) from the archive's
 * batches in shared memory, beside the thread that reads and archives the files and the one
 * that compresses them. A job starts with { job }; then each message is a group of segments in one batch, in stream order:
 * (file index, offset, length) triples, length -1 ending the file. After each group the
 * count at HASHED rises (the reader reuses the batch then, and waits on it when too far
 * ahead); FAILED is set on an error, which is also the reply to `end`. The reply to `end`
 * is otherwise every file's hex digest, in file order; the worker then waits for its next job.
 */
import { createHash, type Hash } from 'node:crypto';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';

export const DIGEST_ROLE = 'tsbake-package-digests';
/** Int32 indexes in the control array. */
export const HASHED = 0;
export const FAILED = 1;

export interface DigestJob {
  readonly algorithm: string;
  readonly control: Int32Array;
}

export type ToDigestWorker = { readonly job: DigestJob } | { readonly memory?: SharedArrayBuffer; readonly segments: readonly number[] } | { readonly end: true };

export type FromDigestWorker = { readonly digests: readonly string[] } | { readonly error: string };

function serve(port: MessagePort): void {
  let job: DigestJob | undefined;
  let digests: string[] = [];
  let current = -1;
  let hash: Hash | undefined;
  let failed = false;
  port.on('message', (m: ToDigestWorker) => {
    if ('job' in m) {
      job = m.job;
      digests = [];
      current = -1;
      failed = false;
      return;
    }
    if (!job) return;
    if ('end' in m) {
      if (!failed) port.postMessage({ digests } satisfies FromDigestWorker);
      job = undefined;
      return;
    }
    const { control, algorithm } = job;
    try {
      if (failed) return;
      const s = m.segments;
      for (let i = 0; i + 2 < s.length; i += 3) {
        const file = s[i] ?? 0;
        const offset = s[i + 1] ?? 0;
        const length = s[i + 2] ?? 0;
        if (file !== current || !hash) {
          current = file;
          hash = createHash(algorithm);
        }
        if (length < 0) {
          digests[file] = hash.digest('hex');
          current = -1;
        } else if (m.memory) hash.update(new Uint8Array(m.memory, offset, length));
      }
    } catch (e) {
      failed = true;
      Atomics.store(control, FAILED, 1);
      port.postMessage({ error: e instanceof Error ? e.message : String(e) } satisfies FromDigestWorker);
    } finally {
      Atomics.add(control, HASHED, 1);
      Atomics.notify(control, HASHED);
    }
  });
}

if (parentPort && (workerData as { role?: unknown } | null)?.role === DIGEST_ROLE) serve(parentPort);
