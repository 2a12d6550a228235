/**
 * A pool of fs-worker.ts threads (-j of them, started on demand). Jobs queue here and go to
 * whichever thread is idle; each thread runs one batch at a time. After an abort, queued jobs
 * are refused and running batches (small, bounded) finish.
 */
import { Worker } from 'node:worker_threads';
import type { PathFailure, ScanBatch, StatScope, WorkerJob, WorkerReply, WorkerResult } from './fs-batch.js';
import { InterruptedError } from './errors.js';
import type { VerifyResult } from './verify.js';

/** Omit applied to each member of a union (plain Omit would merge the variants). */
type OmitEach<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type JobBody = OmitEach<WorkerJob, 'id'>;

interface Pending {
  readonly job: WorkerJob;
  readonly resolve: (r: WorkerResult) => void;
  readonly reject: (e: unknown) => void;
}

interface Slot {
  readonly worker: Worker;
  running: Pending | undefined;
}

const WORKER_URL = new URL('./fs-worker.js', import.meta.url);

export class FsPool {
  readonly size: number;
  readonly #signal: AbortSignal | undefined;
  readonly #slots: Slot[] = [];
  readonly #queue: Pending[] = [];
  #nextId = 1;
  #failure: Error | undefined;

  constructor(size: number, signal?: AbortSignal) {
    this.size = Math.max(1, size);
    this.#signal = signal;
    signal?.addEventListener('abort', () => this.#refuseQueued(), { once: true });
  }

  async scan(dirs: readonly string[], stat: StatScope): Promise<ScanBatch> {
    const r = await this.#submit({ op: 'scan', paths: dirs, stat });
    if (r.op !== 'scan') throw new Error(`fs pool: a ${r.op} reply to scan`);
    return r.batch;
  }

  async unlink(paths: readonly string[]): Promise<PathFailure[]> {
    const r = await this.#submit({ op: 'unlink', paths });
    if (r.op !== 'unlink') throw new Error(`fs pool: a ${r.op} reply to unlink`);
    return r.failures;
  }

  async verify(paths: readonly string[]): Promise<VerifyResult[]> {
    const r = await this.#submit({ op: 'verify', paths });
    if (r.op !== 'verify') throw new Error(`fs pool: a ${r.op} reply to verify`);
    return r.results;
  }

  async close(): Promise<void> {
    this.#refuseQueued();
    const slots = this.#slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  #submit(body: JobBody): Promise<WorkerResult> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#signal?.aborted) return Promise.reject(new InterruptedError('interrupted'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ job: { ...body, id: this.#nextId++ }, resolve, reject });
      this.#dispatch();
    });
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      const slot = this.#slots.find((s) => s.running === undefined) ?? (this.#slots.length < this.size ? this.#start() : undefined);
      if (!slot) return;
      const next = this.#queue.shift();
      if (!next) return;
      slot.running = next;
      slot.worker.postMessage(next.job);
    }
  }

  #start(): Slot {
    const worker = new Worker(WORKER_URL);
    const slot: Slot = { worker, running: undefined };
    worker.on('message', (reply: WorkerReply) => {
      const p = slot.running;
      slot.running = undefined;
      if (p && reply.id === p.job.id) {
        if (reply.ok) p.resolve(reply.result);
        else p.reject(new Error(`fs worker: ${reply.message}`));
      }
      this.#dispatch();
    });
    worker.on('error', (e) => this.#fail(e));
    worker.on('exit', (code) => {
      if (this.#slots.includes(slot) && code !== 0) this.#fail(new Error(`fs worker exited with status ${code}`));
    });
    this.#slots.push(slot);
    return slot;
  }

  /** A thread died: nothing more can be trusted to run. */
  #fail(e: Error): void {
    this.#failure ??= e;
    for (const s of this.#slots) {
      s.running?.reject(e);
      s.running = undefined;
    }
    for (const p of this.#queue.splice(0)) p.reject(e);
  }

  #refuseQueued(): void {
    for (const p of this.#queue.splice(0)) p.reject(new InterruptedError('interrupted'));
  }
}

/** Splits `items` into batches of at most `size`. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
