/**
 * Tarballs are extracted on worker threads: creating thousands of small files is system-call
 * time that would otherwise all queue on the main thread, while parallel `tar` processes
 * spread it over every core. Each worker takes one tarball at a time; workers start when
 * every running one is busy, up to a limit, and stay for the next job without keeping
 * tsbake alive. Aborting a job terminates its worker (a decompressor it started then sees
 * its pipe close).
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { WorkerPool } from '../core/worker-pool.js';
import { UnpackError, UnsafeMemberError } from './errors.js';
import type { TarballJob } from './unpack-tar.js';
import type { UnpackReply, WireUnpackError } from './unpack-worker.js';

/** At least as many as BitBake's usual 4 parallel tasks, more on a larger machine. */
const MAX_WORKERS = Math.max(4, availableParallelism());

interface Pending {
  readonly job: TarballJob;
  readonly signal: AbortSignal;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

const workers = new WorkerPool(new URL('./unpack-worker.js', import.meta.url), 'unpack');
let running = 0;
const queue: Pending[] = [];

function revive(e: WireUnpackError): Error {
  switch (e.kind) {
    case 'unsafe':
      return new UnsafeMemberError(e.archive, e.member, e.reason);
    case 'unpack':
      return new UnpackError(e.message, undefined, e.hint);
    case 'internal': {
      const err = new Error(e.message);
      if (e.stack !== undefined) err.stack = e.stack;
      return err;
    }
  }
}

/** Runs `p` on `worker`; the worker goes back to the pool unless it failed or was aborted. */
function runOn(worker: Worker, p: Pending): void {
  running++;
  const finish = (keep: boolean, outcome: () => void): void => {
    running--;
    worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    p.signal.removeEventListener('abort', onAbort);
    if (keep) workers.release(worker);
    else {
      worker.on('error', () => undefined);
      void worker.terminate();
    }
    outcome();
    next();
  };
  const onMessage = (reply: UnpackReply): void => finish(true, () => (reply.ok ? p.resolve() : p.reject(revive(reply.error))));
  const onError = (e: Error): void => finish(false, () => p.reject(e));
  const onExit = (code: number): void => finish(false, () => p.reject(new UnpackError(`${p.job.file}: the unpack thread exited (${code}) without an answer`)));
  const onAbort = (): void => finish(false, () => p.reject(aborted(p.signal)));
  worker.once('message', onMessage).once('error', onError).once('exit', onExit);
  p.signal.addEventListener('abort', onAbort, { once: true });
  worker.postMessage(p.job);
}

const aborted = (signal: AbortSignal): Error => (signal.reason instanceof Error ? signal.reason : new Error('aborted'));

function next(): void {
  while (queue.length > 0 && running < MAX_WORKERS) runOn(workers.acquire(), queue.shift() as Pending);
}

/** Extracts `job` on an unpack worker; aborted while it waits for one, it is dropped. */
export function extractInWorker(job: TarballJob, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(aborted(signal));
  return new Promise((resolve, reject) => {
    const settle = (f: () => void): void => {
      signal.removeEventListener('abort', dequeue);
      f();
    };
    const p: Pending = { job, signal, resolve: () => settle(resolve), reject: (e) => settle(() => reject(e)) };
    const dequeue = (): void => {
      const i = queue.indexOf(p);
      if (i < 0) return;
      queue.splice(i, 1);
      reject(aborted(signal));
    };
    signal.addEventListener('abort', dequeue, { once: true });
    queue.push(p);
    next();
  });
}
