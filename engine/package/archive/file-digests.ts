/**
 * Digests of a payload's files (deb md5sums), taken from the archive's batches as they
 * stream past, so that no file is read twice. A large payload is hashed by a worker thread
 * (digest-worker.ts): the reading thread then only reads and archives, beside the zstd
 * worker, as dpkg-deb's tar and compressor run apart. A batch is held until it is hashed;
 * the reader waits (briefly: hashing is faster than compressing) when the worker is far behind.
 */
import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import type { Worker } from 'node:worker_threads';
import { recycleBatch, retainBatch } from './coalesce.js';
import { CompressorError } from './compression.js';
import { DIGEST_ROLE, FAILED, HASHED, type FromDigestWorker, type ToDigestWorker } from './digest-worker.js';
import { WorkerPool } from '../../core/worker-pool.js';
import { WORKER_THRESHOLD } from './zstd-compress.js';

export interface FileDigests {
  /** The next file's data starts; its pieces follow, in order. */
  begin(source: string): void;
  update(piece: Buffer): void;
  /** The current file is complete. */
  end(): void;
  /** Hex digests by source path, once every file has ended. */
  result(): Promise<ReadonlyMap<string, string>>;
  /** Lets go of any thread (after result, or when the write failed). */
  close(): void;
}

/** Digests with `algorithm` (a node:crypto name); `sizeHint` (the payload's bytes) picks the thread. */
export function fileDigests(algorithm: string, sizeHint: number): FileDigests {
  return sizeHint >= WORKER_THRESHOLD ? new WorkerDigests(algorithm) : new InlineDigests(algorithm);
}

class InlineDigests implements FileDigests {
  readonly #algorithm: string;
  readonly #digests = new Map<string, string>();
  #source = '';
  #hash: Hash | undefined;

  constructor(algorithm: string) {
    this.#algorithm = algorithm;
  }

  begin(source: string): void {
    this.#source = source;
    this.#hash = createHash(this.#algorithm);
  }

  update(piece: Buffer): void {
    this.#hash?.update(piece);
  }

  end(): void {
    if (this.#hash) this.#digests.set(this.#source, this.#hash.digest('hex'));
    this.#hash = undefined;
  }

  result(): Promise<ReadonlyMap<string, string>> {
    return Promise.resolve(this.#digests);
  }

  close(): void {}
}

const workers = new WorkerPool(new URL('./digest-worker.js', import.meta.url), DIGEST_ROLE);

/** Groups the worker may be behind before the reader waits for it, for at most WAIT_MS. */
const GROUPS_AHEAD = 32;
const WAIT_MS = 50;

class WorkerDigests implements FileDigests {
  readonly #control = new Int32Array(new SharedArrayBuffer(8));
  readonly #worker: Worker;
  readonly #reply: Promise<[FromDigestWorker]>;
  readonly #sources: string[] = [];
  /** The open group: its batch (held until hashed) and its segments. */
  #memory: SharedArrayBuffer | undefined;
  #batch: Buffer | undefined;
  #segments: number[] = [];
  /** The batch of every posted group not yet known to be hashed, by group number. */
  readonly #held = new Map<number, Buffer>();
  #posted = 0;
  #released = 0;
  /** Given back to the pool (after a clean result) or let go. */
  #done = false;

  constructor(algorithm: string) {
    this.#worker = workers.acquire();
    this.#worker.postMessage({ job: { algorithm, control: this.#control } } satisfies ToDigestWorker);
    this.#reply = once(this.#worker, 'message') as Promise<[FromDigestWorker]>;
    this.#reply.catch(() => undefined); // a worker error is reported by result()
    // seen whenever the reader lets the event loop run: it then no longer waits for the worker
    const stopped = (): void => {
      Atomics.store(this.#control, FAILED, 1);
    };
    this.#worker.on('error', stopped).on('exit', stopped);
  }

  begin(source: string): void {
    this.#sources.push(source);
  }

  update(piece: Buffer): void {
    const memory = piece.buffer;
    if (!(memory instanceof SharedArrayBuffer)) {
      // batches are shared memory; anything else is copied into some
      const copy = Buffer.from(new SharedArrayBuffer(piece.length));
      piece.copy(copy);
      this.update(copy);
      return;
    }
    if (memory !== this.#memory) {
      this.#post();
      this.#memory = memory;
      this.#batch = piece;
      retainBatch(piece);
    }
    this.#segments.push(this.#sources.length - 1, piece.byteOffset, piece.length);
  }

  end(): void {
    this.#segments.push(this.#sources.length - 1, 0, -1);
  }

  async result(): Promise<ReadonlyMap<string, string>> {
    this.#post();
    this.#worker.postMessage({ end: true } satisfies ToDigestWorker);
    const [m] = await this.#reply;
    this.#release(Number.POSITIVE_INFINITY);
    if ('error' in m) throw new CompressorError(`file digests: ${m.error}`);
    this.#done = true;
    workers.release(this.#worker);
    return new Map(this.#sources.map((s, i) => [s, m.digests[i] ?? '']));
  }

  close(): void {
    this.#release(Number.POSITIVE_INFINITY);
    if (!this.#done) void this.#worker.terminate();
    this.#done = true;
  }

  #post(): void {
    if (this.#segments.length === 0) return;
    const group: ToDigestWorker = { segments: this.#segments, ...(this.#memory ? { memory: this.#memory } : {}) };
    this.#worker.postMessage(group);
    if (this.#batch) this.#held.set(this.#posted, this.#batch);
    this.#posted++;
    this.#segments = [];
    this.#memory = undefined;
    this.#batch = undefined;
    const control = this.#control;
    // a bounded wait: a worker that died unseen (its events need the event loop) cannot hang the reader
    for (let hashed = Atomics.load(control, HASHED); this.#posted - hashed > GROUPS_AHEAD && Atomics.load(control, FAILED) === 0; hashed = Atomics.load(control, HASHED)) {
      if (Atomics.wait(control, HASHED, hashed, WAIT_MS) === 'timed-out') break;
    }
    this.#release(Atomics.load(control, HASHED));
  }

  /** Gives back the batches of the first `hashed` groups. */
  #release(hashed: number): void {
    for (; this.#released < Math.min(hashed, this.#posted); this.#released++) {
      const batch = this.#held.get(this.#released);
      this.#held.delete(this.#released);
      if (batch) recycleBatch(batch);
    }
  }
}
