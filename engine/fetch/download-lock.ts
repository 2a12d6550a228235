/**
 * One download of a file at a time: within the process (two recipes with the same SRC_URI
 * entry wait for each other) and across processes sharing a DL_DIR, through `<file>.lock`
 * (BitBake's lock file name) created exclusively and holding the owner's pid. A lock whose
 * owner is gone (or an empty one, as BitBake leaves them) is taken over.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname } from 'node:path';

const held = new Map<string, Promise<void>>();
const POLL_MS = 100;

function ownerAlive(lock: string): boolean {
  let pid: number;
  try {
    pid = Number.parseInt(readFileSync(lock, 'utf8'), 10);
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function acquireFile(lock: string, signal: AbortSignal): Promise<void> {
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (!ownerAlive(lock)) {
      rmSync(lock, { force: true });
      continue;
    }
    await sleep(POLL_MS, undefined, { signal });
  }
}

/** Runs `body` holding the lock for `file` (`<file>.lock`). */
export async function withDownloadLock<T>(file: string, signal: AbortSignal, body: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  while (held.has(lock)) await held.get(lock);
  let release: () => void = () => undefined;
  held.set(lock, new Promise<void>((r) => (release = r)));
  try {
    await acquireFile(lock, signal);
    try {
      return await body();
    } finally {
      rmSync(lock, { force: true });
    }
  } finally {
    held.delete(lock);
    release();
  }
}
