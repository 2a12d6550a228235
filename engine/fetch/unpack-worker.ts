/**
 * An unpack worker thread (unpack-pool.ts): extracts the tarballs it is sent, one at a time,
 * with synchronous file-system calls that block this thread only. Answers each job with
 * `{ok: true}` or the error, as plain data.
 */
import { parentPort } from 'node:worker_threads';
import { UnpackError, UnsafeMemberError } from './errors.js';
import { extractTarball, type TarballJob } from './unpack-tar.js';

/** An extraction failure as it crosses threads. */
export type WireUnpackError =
  | { readonly kind: 'unsafe'; readonly archive: string; readonly member: string; readonly reason: string }
  | { readonly kind: 'unpack'; readonly message: string; readonly hint: string | undefined }
  | { readonly kind: 'internal'; readonly message: string; readonly stack: string | undefined };

export type UnpackReply = { readonly ok: true } | { readonly ok: false; readonly error: WireUnpackError };

function wire(e: unknown): WireUnpackError {
  if (e instanceof UnsafeMemberError) return { kind: 'unsafe', archive: e.archive, member: e.member, reason: e.reason };
  if (e instanceof UnpackError) return { kind: 'unpack', message: e.message, hint: e.hint };
  return { kind: 'internal', message: e instanceof Error ? e.message : String(e), stack: e instanceof Error ? e.stack : undefined };
}

const port = parentPort;
// Aborting a job terminates the thread, so nothing here is ever aborted.
const never = new AbortController().signal;
port?.on('message', (job: TarballJob) => {
  extractTarball(job, never).then(
    () => port.postMessage({ ok: true } satisfies UnpackReply),
    (e: unknown) => port.postMessage({ ok: false, error: wire(e) } satisfies UnpackReply),
  );
});
