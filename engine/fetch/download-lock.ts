/**
 * One download of a file at a time, across every process sharing a DL_DIR, BitBake included:
 * an exclusive flock(2) on `<file>.lock`, taken as bb.utils.lockfile takes it (open for
 * append, lock, then check the path still names the locked inode, since an unlocker removes
 * the file; else start again) and released as bb.utils.unlockfile releases it (remove the
 * file while still holding the lock).
 *
 * Node cannot flock, so a small shell child holds the lock (util-linux flock(1) on its fd 9)
 * until its stdin, a pipe from this process, ends. The kernel closes that pipe when tsbake
 * dies in any way, SIGKILL included, so a lock never outlives its owner.
 */
import { mkdirSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { spawnInGroup } from '../core/proc.js';
import { FetchError } from './errors.js';

/**
 * $1 is the lock file. Prints `busy` when it has to wait, `locked` once it holds the lock;
 * `cat` (which inherits fd 9) keeps it until stdin ends.
 */
const HOLDER = [
  'flock -n 9 9>>"$1" || echo busy',
  'while :; do exec 9>>"$1" && flock -x 9 && [ /proc/$$/fd/9 -ef "$1" ] && break; done',
  'echo locked',
  'cat >/dev/null',
  'rm -f "$1"',
].join('\n');

/** BitBake's lock name: `<file>.lock`, its base name cut to 255 bytes keeping the extension. */
export function lockName(file: string): string {
  const name = `${basename(file)}.lock`;
  if (Buffer.byteLength(name) <= 255) return join(dirname(file), name);
  const ext = extname(name);
  return join(dirname(file), Buffer.from(name.slice(0, -ext.length)).subarray(0, 255 - Buffer.byteLength(ext)).toString('utf8') + ext);
}

/** Holds the lock on `lock` until the returned release is called. */
function acquire(lock: string, signal: AbortSignal, waiting: () => void): Promise<() => Promise<void>> {
  mkdirSync(dirname(lock), { recursive: true });
  const child = spawnInGroup('sh', ['-c', HOLDER, 'tsbake-download-lock', lock], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((res) => child.once('close', () => res()));
  let errors = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => (errors += s));
  return new Promise((resolve, reject) => {
    const abort = (): void => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    };
    signal.addEventListener('abort', abort, { once: true });
    let out = '';
    const onData = (s: string): void => {
      out += s;
      if (out.includes('busy\n')) {
        out = out.replace('busy\n', '');
        waiting();
      }
      if (!out.includes('locked\n')) return;
      child.stdout?.off('data', onData);
      signal.removeEventListener('abort', abort);
      resolve(async () => {
        child.stdin?.end();
        await exited;
      });
    };
    child.stdout?.setEncoding('utf8').on('data', onData);
    child.once('error', (e) => reject(new FetchError(`cannot lock ${lock}: ${e.message}`)));
    child.once('close', (code) => {
      signal.removeEventListener('abort', abort);
      if (signal.aborted) reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      else reject(new FetchError(`cannot lock ${lock} (exit ${code ?? 'signal'}): ${errors.trim()}`, undefined, 'flock(1) comes with util-linux'));
    });
    // An exit after 'locked' is the release; the rejection then goes nowhere.
    child.stdin?.on('error', () => undefined);
  });
}

/** Runs `body` holding the lock for `file` (`<file>.lock`); `log` hears when it has to wait. */
export async function withDownloadLock<T>(file: string, signal: AbortSignal, log: (line: string) => void, body: () => Promise<T>): Promise<T> {
  const lock = lockName(file);
  const release = await acquire(lock, signal, () => log(`NOTE: waiting for ${lock}, which another build holds`));
  try {
    return await body();
  } finally {
    await release();
  }
}
