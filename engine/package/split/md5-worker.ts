/**
 * Worker thread for file-md5.ts: each message is a list of file paths, answered with their
 * md5 digests in the same order, or with { error }. md5OfFiles is the same work in the
 * calling thread, for a total too small to share out.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { fileDigest } from '../../core/file-digest.js';

export const MD5_ROLE = 'tsbake-package-md5';

export type ToMd5Worker = { readonly paths: readonly string[] };
export type FromMd5Worker = { readonly digests: readonly string[] } | { readonly error: string };

/** The md5 of each file, in order, through one reused read buffer. */
export function md5OfFiles(paths: readonly string[]): string[] {
  const buffer = Buffer.allocUnsafe(1 << 20);
  return paths.map((path) => fileDigest(path, 'md5', buffer));
}

function serve(port: MessagePort): void {
  port.on('message', (m: ToMd5Worker) => {
    try {
      port.postMessage({ digests: md5OfFiles(m.paths) } satisfies FromMd5Worker);
    } catch (e) {
      port.postMessage({ error: e instanceof Error ? e.message : String(e) } satisfies FromMd5Worker);
    }
  });
}

if (parentPort && (workerData as { role?: unknown } | null)?.role === MD5_ROLE) serve(parentPort);
