/**
 * Worker thread that compresses a large payload beside the thread that reads and archives
 * it, as `tar | zstd` runs two processes. A job: { start } then { chunk } messages
 * (transferred, not copied) then { end }; the reply is { done } or { error }. The chunks in
 * flight are counted in flow[0]; the worker lowers the count and notifies after each one,
 * and sends the buffer back ({ recycled }) to be filled again.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ZstdFile } from './zstd-file.js';

export const ROLE = 'tsbake-package-zstd';

export type ToWorker =
  | { readonly start: { readonly path: string; readonly level: number; readonly digest?: string; readonly flow: Int32Array } }
  | { readonly chunk: ArrayBuffer; readonly length: number }
  | { readonly end: true };

export type FromWorker =
  | { readonly recycled: ArrayBuffer }
  | { readonly done: { readonly size: number; readonly digest?: string } }
  | { readonly error: string };

const port = parentPort;
if (port && (workerData as { role?: unknown } | null)?.role === ROLE) {
  let file: ZstdFile | undefined;
  let flow: Int32Array | undefined;
  let failed = false;
  const fail = (e: unknown): void => {
    failed = true;
    file?.close();
    file = undefined;
    port.postMessage({ error: e instanceof Error ? e.message : String(e) } satisfies FromWorker);
  };
  port.on('message', (m: ToWorker) => {
    try {
      if ('start' in m) {
        failed = false;
        flow = m.start.flow;
        file = new ZstdFile(m.start.path, m.start.level, m.start.digest);
      } else if ('chunk' in m) {
        if (!failed) file?.write(new Uint8Array(m.chunk, 0, m.length));
      } else if (!failed && file) {
        const done = file.end();
        file = undefined;
        port.postMessage({ done } satisfies FromWorker);
      }
    } catch (e) {
      fail(e);
    } finally {
      if (flow && 'chunk' in m) {
        // the buffer goes back to the reading thread's pool
        port.postMessage({ recycled: m.chunk } satisfies FromWorker, [m.chunk]);
        Atomics.sub(flow, 0, 1);
        Atomics.notify(flow, 0);
      }
    }
  });
}
