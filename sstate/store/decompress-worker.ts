/**
 * Worker thread for object-stream.ts: reads an sstate object and decompresses it, posting the
 * tar stream back in chunks (transferred, not copied), beside the thread that writes the
 * files, as `zstd -dc | tar -x` runs two processes. One thread serves a whole build, a job at
 * a time, so its start-up (tens of milliseconds) is paid once.
 *
 * Flow control is a counter shared with the reader: chunks posted and not yet taken. At
 * CHUNKS_AHEAD the worker waits until the reader is down to RESUME_AT (it notifies then).
 * Setting the second slot stops the job.
 *
 * Messages, each with the job's id: { chunk } ... then { end } or { error, corrupt, code }
 * (nothing more once the job is stopped).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import binding from 'zstd-napi/binding.js';

export const ROLE = 'tsbake-sstate-decompress';

export interface DecompressJob {
  readonly id: number;
  readonly path: string;
  /** [0]: chunks in flight; [1]: 1 when the reader has gone away. */
  readonly flow: Int32Array;
}

export interface WorkerMessage {
  readonly id: number;
  readonly chunk?: Uint8Array;
  readonly end?: true;
  readonly error?: string;
  /** The bytes could not be decoded (rather than read). */
  readonly corrupt?: boolean;
  readonly code?: string;
}

export const CHUNKS_AHEAD = 16;
export const RESUME_AT = CHUNKS_AHEAD / 2;
const CHUNK = 1 << 20;
const WAIT_MS = 100;

const errorOf = (id: number, e: unknown, corrupt: boolean): WorkerMessage => {
  const code = (e as { code?: unknown } | null)?.code;
  return { id, error: e instanceof Error ? e.message : String(e), corrupt, ...(typeof code === 'string' ? { code } : {}) };
};

function run(job: DecompressJob, post: (m: WorkerMessage, transfer?: ArrayBuffer[]) => void): void {
  const { id, flow } = job;
  const stopped = (): boolean => Atomics.load(flow, 1) !== 0;
  const waitForRoom = (): void => {
    if (Atomics.load(flow, 0) < CHUNKS_AHEAD) return;
    for (let n = Atomics.load(flow, 0); n > RESUME_AT && !stopped(); n = Atomics.load(flow, 0)) Atomics.wait(flow, 0, n, WAIT_MS);
  };
  let fd: number;
  try {
    fd = openSync(job.path, 'r');
  } catch (e) {
    post(errorOf(id, e, false));
    return;
  }
  try {
    // The Transform wrapper is not needed here: the binding is driven directly.
    const dctx = new binding.DCtx();
    const input = Buffer.allocUnsafeSlow(CHUNK);
    let inFrame = false;
    for (let n = readSync(fd, input, 0, CHUNK, null); n > 0; n = readSync(fd, input, 0, CHUNK, null)) {
      let src = input.subarray(0, n);
      for (;;) {
        waitForRoom();
        if (stopped()) return;
        const out = Buffer.allocUnsafeSlow(CHUNK); // its own ArrayBuffer, so it can be transferred
        let result: [number, number, number];
        try {
          result = dctx.decompressStream(out, src);
        } catch (e) {
          post(errorOf(id, e, true));
          return;
        }
        const [ret, produced, consumed] = result;
        if (produced > 0) {
          Atomics.add(flow, 0, 1);
          post({ id, chunk: out.subarray(0, produced) }, [out.buffer]);
        }
        src = src.subarray(consumed);
        inFrame = ret !== 0;
        if (src.length === 0 && (produced < out.length || ret === 0)) break;
      }
    }
    if (inFrame) post(errorOf(id, new Error('the zstd stream ends in the middle of a frame (truncated)'), true));
    else post({ id, end: true });
  } catch (e) {
    post(errorOf(id, e, false));
  } finally {
    closeSync(fd);
  }
}

// Imported by object-stream.ts for its types and constants too: only a thread started for
// this role serves jobs.
const port = parentPort;
if (port && (workerData as { role?: unknown } | null)?.role === ROLE) {
  const post = (m: WorkerMessage, transfer?: ArrayBuffer[]): void => port.postMessage(m, transfer);
  port.on('message', (job: DecompressJob) => run(job, post));
}
