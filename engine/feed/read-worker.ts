/** A package reader thread (see read-pool.ts): reads its share of packages and posts the entries. */
import { parentPort, workerData } from 'node:worker_threads';
import { PackageReadError } from './errors.js';
import { debStanza } from './index-deb.js';
import { ipkEntry } from './index-ipk.js';
import { rpmPackageEntries } from './index-rpm.js';
import type { PackageJob, ReaderKind, WorkerReply } from './read-pool.js';

const READERS: Readonly<Record<ReaderKind, (job: PackageJob) => Promise<unknown>>> = { deb: debStanza, ipk: ipkEntry, rpm: rpmPackageEntries };

const { kind, jobs } = workerData as { kind: ReaderKind; jobs: readonly PackageJob[] };
let reply: WorkerReply<unknown>;
try {
  const entries: unknown[] = [];
  for (const job of jobs) entries.push(await READERS[kind](job));
  reply = { ok: true, entries };
} catch (e) {
  reply = e instanceof PackageReadError ? { ok: false, file: e.file, reason: e.reason } : { ok: false, file: '?', reason: e instanceof Error ? e.message : String(e) };
}
parentPort?.postMessage(reply);
