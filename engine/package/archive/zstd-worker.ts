/**
 * Worker thread that compresses a large payload with single-threaded zstd beside the thread
 * that reads and archives it, as `tar | zstd` runs two processes: on two cores both stay busy,
 * and single-threaded zstd costs about a fifth less CPU than zstd's own threads. A job starts
 * with { job }; chunks come as views of shared batch memory (nothing copied) and each is
 * acknowledged once compressed, so the batch can be reused. The compressed bytes go straight
 * to the job's file (a spool, or the package itself). `end` is answered with { result } (the
 * worker then waits for its next job) unless { error } came first; `abandon` closes the file
 * and ends the thread.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { ZstdFile, type ZstdFileOptions, type ZstdFileResult } from './zstd-file.js';

export const ROLE = 'tsbake-package-zstd';

export interface Job extends ZstdFileOptions {
  /** The file the compressed bytes go to. */
  readonly path: string;
}

export type ToWorker =
  | { readonly job: Job }
  | { readonly id: number; readonly memory: SharedArrayBuffer | ArrayBuffer; readonly offset: number; readonly length: number }
  | { readonly end: true }
  | { readonly abandon: true };

export type FromWorker = { readonly compressed: number } | { readonly result: ZstdFileResult } | { readonly error: string };

function serve(port: MessagePort): void {
  let job: Job | undefined;
  let file: ZstdFile | undefined;
  let failed = false;
  port.on('message', (m: ToWorker) => {
    if ('job' in m) {
      job = m.job;
      file = undefined;
      failed = false;
      return;
    }
    if ('abandon' in m) {
      file?.close();
      port.close();
      return;
    }
    if (failed || !job) return;
    try {
      file ??= new ZstdFile(job.path, job);
      if ('end' in m) {
        port.postMessage({ result: file.end() } satisfies FromWorker);
        job = undefined;
        return;
      }
      file.write(new Uint8Array(m.memory, m.offset, m.length));
      port.postMessage({ compressed: m.id } satisfies FromWorker);
    } catch (e) {
      failed = true;
      file?.close();
      port.postMessage({ error: e instanceof Error ? e.message : String(e) } satisfies FromWorker);
    }
  });
}

if (parentPort && (workerData as { role?: unknown } | null)?.role === ROLE) serve(parentPort);
