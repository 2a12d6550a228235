/**
 * A tsbake-sstate file-system thread: runs one batch (fs-batch.ts) per message. The zstd
 * binding loads only when a verify batch arrives.
 */
import { parentPort } from 'node:worker_threads';
import { scanDirs, unlinkPaths, type WorkerJob, type WorkerReply, type WorkerResult } from './fs-batch.js';

const OPS = new Set(['scan', 'unlink', 'verify']);

function isJob(v: unknown): v is WorkerJob {
  if (typeof v !== 'object' || v === null) return false;
  const { id, op, paths } = v as Record<string, unknown>;
  return typeof id === 'number' && typeof op === 'string' && OPS.has(op) && Array.isArray(paths);
}

async function run(job: WorkerJob): Promise<WorkerResult> {
  switch (job.op) {
    case 'scan':
      return { op: 'scan', batch: scanDirs(job.paths, job.stat) };
    case 'unlink':
      return { op: 'unlink', failures: unlinkPaths(job.paths) };
    case 'verify': {
      const { verifyArchive } = await import('./verify.js');
      const results = [];
      for (const p of job.paths) results.push(await verifyArchive(p));
      return { op: 'verify', results };
    }
    default: {
      const never: never = job;
      throw new Error(`unreachable: ${String(never)}`);
    }
  }
}

const port = parentPort;
if (port) {
  port.on('message', (message: unknown) => {
    if (!isJob(message)) {
      port.postMessage({ id: -1, ok: false, message: 'malformed job' } satisfies WorkerReply);
      return;
    }
    run(message).then(
      (result) => port.postMessage({ id: message.id, ok: true, result } satisfies WorkerReply),
      (e: unknown) => port.postMessage({ id: message.id, ok: false, message: e instanceof Error ? e.message : String(e) } satisfies WorkerReply),
    );
  });
}
