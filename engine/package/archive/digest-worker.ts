/** Worker thread for file-digests.ts: hashes the files of one job and posts the digests. */
import { parentPort, workerData } from 'node:worker_threads';
import { DIGEST_ROLE, digestFiles, type DigestJob } from './file-digests.js';

const data = workerData as { role?: unknown; job?: DigestJob } | null;
if (parentPort && data?.role === DIGEST_ROLE && data.job) {
  try {
    parentPort.postMessage({ digests: digestFiles(data.job) });
  } catch (e) {
    parentPort.postMessage({ error: e instanceof Error ? e.message : String(e) });
  }
}
