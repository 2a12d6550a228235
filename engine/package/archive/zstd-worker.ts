/**
 * Worker thread that compresses a large payload with single-threaded zstd beside the thread
 * that reads and archives it, as `tar | zstd` runs two processes: on two cores both stay busy,
 * and single-threaded zstd costs about a fifth less CPU than zstd's own threads. A job starts
 * with { job }; chunks come as views of shared batch memory (nothing copied) and each is
 * acknowledged once compressed, so the batch can be reused. The compressed bytes go to the
 * job's file, or back to the caller as pieces. `end` is answered with { result } (the worker
 * then waits for its next job) unless { error } came first; `abandon` closes the file and ends
 * the thread.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { ZstdEncoder, ZstdFile, type ZstdFileResult } from './zstd-file.js';

export const ROLE = 'tsbake-package-zstd';

export interface Job {
  readonly level: number;
  /** The file the compressed bytes go to; without it they are posted back as pieces. */
  readonly path?: string;
  /** Hash algorithm for the digest of the compressed file. */
  readonly digest?: string;
}

export type ToWorker =
  | { readonly job: Job }
  | { readonly id: number; readonly memory: SharedArrayBuffer | ArrayBuffer; readonly offset: number; readonly length: number }
  | { readonly end: true }
  | { readonly abandon: true };

export type FromWorker =
  | { readonly compressed: number }
  | { readonly piece: ArrayBuffer }
  | { readonly result: ZstdFileResult }
  | { readonly error: string };

function serve(port: MessagePort): void {
  let job: Job | undefined;
  let file: ZstdFile | undefined;
  let encoder: ZstdEncoder | undefined;
  let size = 0;
  let failed = false;
  const postPieces = (pieces: Iterable<Buffer>): void => {
    for (const p of pieces) {
      const copy = new Uint8Array(p).buffer;
      size += p.length;
      port.postMessage({ piece: copy } satisfies FromWorker, [copy]);
    }
  };
  const finish = (): ZstdFileResult => {
    if (file) return file.end();
    if (encoder) postPieces(encoder.end());
    return { size };
  };
  port.on('message', (m: ToWorker) => {
    if ('job' in m) {
      job = m.job;
      file = undefined;
      encoder = undefined;
      size = 0;
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
      if (job.path === undefined) encoder ??= new ZstdEncoder(job.level);
      else file ??= new ZstdFile(job.path, job.level, job.digest);
      if ('end' in m) {
        port.postMessage({ result: finish() } satisfies FromWorker);
        job = undefined;
        return;
      }
      const chunk = new Uint8Array(m.memory, m.offset, m.length);
      if (file) file.write(chunk);
      else if (encoder) postPieces(encoder.write(chunk));
      port.postMessage({ compressed: m.id } satisfies FromWorker);
    } catch (e) {
      failed = true;
      file?.close();
      port.postMessage({ error: e instanceof Error ? e.message : String(e) } satisfies FromWorker);
    }
  });
}

if (parentPort && (workerData as { role?: unknown } | null)?.role === ROLE) serve(parentPort);
