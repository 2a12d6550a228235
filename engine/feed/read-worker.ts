/**
 * A package reader thread (see read-pool.ts): reads its share of packages and posts the
 * entries. It loads only its format's indexer.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PackageReadError } from './errors.js';
import type { PackageJob, ReaderKind, WorkerReply } from './read-pool.js';

async function reader(kind: ReaderKind): Promise<(job: PackageJob) => unknown> {
  switch (kind) {
    case 'deb': return (await import('./index-deb.js')).debStanza;
    case 'ipk': return (await import('./index-ipk.js')).ipkEntry;
    case 'rpm': return (await import('./index-rpm.js')).rpmPackageEntries;
    default: {
      const never: never = kind;
      throw new Error(`unreachable: ${String(never)}`);
    }
  }
}

const { kind, jobs } = workerData as { kind: ReaderKind; jobs: readonly PackageJob[] };
let reply: WorkerReply<unknown>;
try {
  const read = await reader(kind);
  const entries: unknown[] = [];
  for (const job of jobs) entries.push(read(job));
  reply = { ok: true, entries };
} catch (e) {
  reply = e instanceof PackageReadError ? { ok: false, file: e.file, reason: e.reason } : { ok: false, file: '?', reason: e instanceof Error ? e.message : String(e) };
}
parentPort?.postMessage(reply);
