/**
 * Worker thread for restore.ts: reads an sstate object and decompresses it, posting the tar
 * stream back in chunks (transferred, not copied). It runs beside the thread that writes the
 * files, as `zstd -dc | tar -x` runs two processes. Flow control is a shared counter of
 * chunks posted and not yet consumed: past CHUNKS_AHEAD the worker waits on it.
 *
 * Messages: { chunk: Uint8Array } ... then { end: true } or { error, corrupt: boolean }.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import binding from 'zstd-napi/binding.js';

export const ROLE = 'tsbake-sstate-decompress';

export interface DecompressJob {
  readonly role: typeof ROLE;
  readonly path: string;
  /** [0]: chunks in flight; [1]: 1 when the reader has gone away. */
  readonly flow: Int32Array;
}

export const CHUNKS_AHEAD = 16;
/** A waiting worker goes on when the reader has taken it down to this many. */
export const RESUME_AT = CHUNKS_AHEAD / 2;
const READ_SIZE = 1 << 20;
const WAIT_MS = 100;

function run(job: DecompressJob): void {
  const port = parentPort;
  if (!port) return;
  const stop = (): boolean => Atomics.load(job.flow, 1) !== 0;
  const wait = (): void => {
    if (Atomics.load(job.flow, 0) < CHUNKS_AHEAD) return;
    for (let n = Atomics.load(job.flow, 0); n > RESUME_AT && !stop(); n = Atomics.load(job.flow, 0)) Atomics.wait(job.flow, 0, n, WAIT_MS);
  };
  let fd: number;
  try {
    fd = openSync(job.path, 'r');
  } catch (e) {
    port.postMessage({ error: e instanceof Error ? e.message : String(e), corrupt: false, code: (e as { code?: unknown }).code });
    return;
  }
  try {
    // The Transform wrapper is not needed here: the binding is driven directly.
    const dctx = new binding.DCtx();
    const input = Buffer.allocUnsafeSlow(READ_SIZE);
    let inFrame = false;
    for (;;) {
      const n = readSync(fd, input, 0, READ_SIZE, null);
      if (n === 0) break;
      let src = input.subarray(0, n);
      for (;;) {
        wait();
        if (stop()) return;
        const out = new Uint8Array(READ_SIZE);
        let ret: number;
        let produced: number;
        let consumed: number;
        try {
          [ret, produced, consumed] = dctx.decompressStream(out, src);
        } catch (e) {
          port.postMessage({ error: e instanceof Error ? e.message : String(e), corrupt: true });
          return;
        }
        if (produced > 0) {
          Atomics.add(job.flow, 0, 1);
          port.postMessage({ chunk: out.subarray(0, produced) }, [out.buffer]);
        }
        src = src.subarray(consumed);
        inFrame = ret !== 0;
        if (src.length === 0 && (produced < out.length || ret === 0)) break;
      }
    }
    if (inFrame) port.postMessage({ error: 'the zstd stream ends in the middle of a frame (truncated)', corrupt: true });
    else port.postMessage({ end: true });
  } catch (e) {
    port.postMessage({ error: e instanceof Error ? e.message : String(e), corrupt: false, code: (e as { code?: unknown }).code });
  } finally {
    closeSync(fd);
  }
}

// Imported by restore.ts for its constants too: only a thread started for this job runs it.
if (parentPort && (workerData as { role?: unknown } | null)?.role === ROLE) run(workerData as DecompressJob);
