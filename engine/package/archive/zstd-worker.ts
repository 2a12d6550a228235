/**
 * Worker thread that compresses a large payload beside the thread that reads and archives
 * it, as `tar | zstd` runs two processes. The archive bytes come through a ring of slots in
 * shared memory (no message per chunk, nothing allocated per chunk): the reader fills slot
 * `tail % SLOTS` and raises `tail`; this thread compresses slot `head % SLOTS` and raises
 * `head`; each side waits on the other's counter (the reader, once the ring is full, until it
 * is half empty, so that neither thread is woken for every slot). A job starts with one message and ends
 * with one reply: { done } or { error }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ZstdFile } from './zstd-file.js';

export const ROLE = 'tsbake-package-zstd';
export const SLOTS = 32;
export const SLOT_BYTES = 512 * 1024;

/** Int32 indexes in the control array. */
export const HEAD = 0;
export const TAIL = 1;
/** 1 once the reader has filled its last slot; 2 when it gave up. */
export const END = 2;
/** Then the byte length of each slot. */
export const LENGTHS = 3;

export interface Ring {
  readonly control: Int32Array;
  readonly data: SharedArrayBuffer;
}

export const newRing = (): Ring => ({ control: new Int32Array(new SharedArrayBuffer(4 * (LENGTHS + SLOTS))), data: new SharedArrayBuffer(SLOTS * SLOT_BYTES) });

export interface Job {
  readonly path: string;
  readonly level: number;
  readonly digest?: string;
  readonly ring: Ring;
}

export type FromWorker = { readonly done: { readonly size: number; readonly digest?: string } } | { readonly error: string };

function run(job: Job): FromWorker {
  const { control, data } = job.ring;
  const file = new ZstdFile(job.path, job.level, job.digest);
  try {
    for (let head = 0; ; head++) {
      for (let tail = Atomics.load(control, TAIL); tail === head; tail = Atomics.load(control, TAIL)) {
        if (Atomics.load(control, END) !== 0) {
          if (Atomics.load(control, END) === 2) {
            file.close();
            return { error: 'abandoned' };
          }
          return { done: file.end() };
        }
        Atomics.wait(control, TAIL, tail, 100);
      }
      const slot = head % SLOTS;
      file.write(new Uint8Array(data, slot * SLOT_BYTES, Atomics.load(control, LENGTHS + slot)));
      Atomics.store(control, HEAD, head + 1);
      // the reader, when it found the ring full, sleeps until it is half empty: wake it once then
      if (Atomics.load(control, TAIL) - (head + 1) <= SLOTS / 2) Atomics.notify(control, HEAD);
    }
  } catch (e) {
    file.close();
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

const port = parentPort;
if (port && (workerData as { role?: unknown } | null)?.role === ROLE) {
  port.on('message', (job: Job) => port.postMessage(run(job)));
}
